"""What Slack sends to an app: Events API payloads, slash commands and interactions, signed
with the app's signing secret as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    """X-Slack-Signature, computed here as Slack documents it (not with the product's code,
    so a mistake there is caught, not echoed)."""
    basestring = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), basestring, hashlib.sha256).hexdigest()


class SlackSender:
    """Mixed into SlackFake: its signing secret, and response_urls that point at it."""

    signing_secret: str

    def response_url(self, team_id: str = "T0") -> str:
        raise NotImplementedError

    def signed_headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(self.signing_secret, stamp, body),
        }

    def send_event(
        self,
        app_url: str,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        retry_num: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST an Events API payload to `app_url` as Slack does (signed; a retry says so)."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", **self.signed_headers(body, timestamp)}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        return httpx.post(app_url, content=body, headers=headers, timeout=30)

    def send_command(
        self,
        app_url: str,
        text: str,
        *,
        team_id: str = "T0",
        user_id: str = "U0",
        channel_id: str = "C0",
        command: str = "/morningai",
        timestamp: int | None = None,
    ) -> httpx.Response:
        """POST a slash command's form body to `app_url`, with a response_url of this fake."""
        fields = {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": team_id.lower(),
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AFAKE",
            "response_url": self.response_url(team_id),
            "trigger_id": f"{secrets.randbelow(10**12)}.{uuid.uuid4().hex}",
        }
        body = urlencode(fields).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **self.signed_headers(body, timestamp),
        }
        return httpx.post(app_url, content=body, headers=headers, timeout=30)

    def send_block_action(
        self,
        app_url: str,
        action_id: str,
        *,
        team_id: str = "T0",
        user_id: str = "U0",
        channel_id: str = "C0",
        message_ts: str = "1.000001",
        timestamp: int | None = None,
    ) -> httpx.Response:
        """POST a block_actions interaction (a click on a message's button) as Slack does."""
        payload = {
            "type": "block_actions",
            "team": {"id": team_id, "domain": team_id.lower()},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
            "api_app_id": "AFAKE",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id},
            "channel": {"id": channel_id, "name": "general"},
            "trigger_id": f"{secrets.randbelow(10**12)}.{uuid.uuid4().hex}",
            "response_url": self.response_url(team_id).replace("/commands/", "/actions/"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1",
                         "action_ts": f"{time.time():.6f}"}],
        }  # fmt: skip
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **self.signed_headers(body, timestamp),
        }
        return httpx.post(app_url, content=body, headers=headers, timeout=30)

    @staticmethod
    def event_payload(
        team_id: str, event: dict[str, Any], event_id: str | None = None
    ) -> dict[str, Any]:
        """An event_callback envelope around `event` (app_mention, message, …)."""
        return {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "api_app_id": "AFAKE",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
        }
