"""`github_app_authorization`: a user revoked their authorization of the App, so every session
of that user ends (their tokens no longer work anyway).

https://docs.github.com/en/webhooks/webhook-events-and-payloads#github_app_authorization
"""

from __future__ import annotations

from github_app.events import Envelope
from github_app.intents import AuthorizationRevoked, Ignore, Intent, Reject


def on_github_app_authorization(env: Envelope) -> Intent:
    if env.action != "revoked":
        return Ignore(f"github_app_authorization {env.action!r} is not handled")
    sender = env.payload.get("sender")
    user_id = sender.get("id") if isinstance(sender, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return Reject("sender.id must be an integer")
    return AuthorizationRevoked(user_id, env.sender_login or "")
