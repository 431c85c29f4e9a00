"""Slack's inbound endpoints: the Events API (`url_verification`, mentions of the bot, messages
in a thread or a DM), the `/morningai` slash command, interactions (block_actions), and the
OAuth v2 install that links a workspace with a dashboard link code as `state`.
Every request is verified (X-Slack-Signature, timestamps within 5 minutes) before anything is
read or stored. https://docs.slack.dev/apis/events-api/"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from chat.errors import ChatApiError
from chat.slack import events as slack_events
from chat.slack import signature
from chat.slack.client import SlackClient, oauth_access
from chat.verdict import refused as refusal
from core.secrets_at_rest import SealedValueError, SecretBox, SecretKeyError
from db import chat
from db.tenancy import tenant_transaction
from github_app import chat_links
from web.chat import only_when_configured
from web.chat.intake import Handled, Inbound, body_key, handle, record
from web.errors import json_error
from web.services import Services, current_services

log = logging.getLogger(__name__)
blueprint = Blueprint("slack_inbound", __name__)
only_when_configured(blueprint, "slack")

PLATFORM = "slack"
# chat:write.public: answer a slash command in a public channel the bot was not invited to
SCOPES = (
    "commands,chat:write,chat:write.public,app_mentions:read,channels:history,groups:history,"
    "im:history"
)
# parse_event_body's reasons for a body that is not an Events API request at all
_MALFORMED = ("not JSON", "not an object", "no challenge", "no event")
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def _secret(services: Services) -> str:
    value = services.settings.slack_signing_secret
    return value.get_secret_value() if value is not None else ""


def _refused() -> Response | None:
    """401 unless the request is signed by Slack within the last 5 minutes."""
    body = request.get_data(cache=True)
    try:
        verdict = signature.verify(_secret(current_services()), body, dict(request.headers))
    except UnicodeDecodeError:  # slack_sdk decodes the body to check it; Slack sends UTF-8
        verdict = refusal("body is not UTF-8")
    if verdict:
        return None
    log.warning("slack request refused: %s", verdict.reason)
    return json_error(401, "unauthorized")


def _timestamp() -> str:
    return request.headers.get(signature.TIMESTAMP_HEADER, "")[:20]


@blueprint.post("/api/slack/events")
def events_view() -> Response:
    refused = _refused()
    if refused is not None:
        return refused
    body = request.get_data(cache=True)
    services = current_services()
    event = slack_events.parse_event_body(body)
    if isinstance(event, slack_events.UrlVerification):
        return jsonify(challenge=event.challenge)
    if isinstance(event, slack_events.SlackIgnored):
        return _ignored(services, body, event)
    raw = _raw_event(body)
    in_dm = raw.get("channel_type") == "im"
    if event.kind == "message" and not in_dm and _MENTION.search(str(raw.get("text", ""))):
        # a mention in a thread arrives twice (app_mention and message): the first one acts
        record(
            services,
            PLATFORM,
            event.event_id,
            event.team_id,
            outcome="ignored",
            detail="a mention's twin",
        )
        return jsonify(ok=True)
    inbound = Inbound(
        platform=PLATFORM,
        delivery_key=event.event_id,
        workspace=event.team_id,
        user=event.user,
        channel=event.channel,
        thread=event.thread_ts,
        command=event.command,
        follow_up_only=event.kind == "message" and not in_dm,
    )
    handled = handle(services, inbound)
    if handled.reply:
        _say(services, handled, event.channel, event.thread_ts)
    return jsonify(ok=True)


def _ignored(services: Services, body: bytes, event: slack_events.SlackIgnored) -> Response:
    key = event.event_id or body_key("body", _timestamp(), body)
    team = _raw_team(body)
    if event.reason in _MALFORMED:
        record(services, PLATFORM, key, team, outcome="rejected", detail=event.reason)
        return json_error(400, "not an Events API request")
    record(services, PLATFORM, key, team, outcome="ignored", detail=event.reason)
    return jsonify(ok=True)


def _raw_event(body: bytes) -> dict[str, Any]:
    payload = json.loads(body)  # parse_event_body read it already: an object
    event = payload.get("event") if isinstance(payload, dict) else None
    return event if isinstance(event, dict) else {}


def _raw_team(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    team = payload.get("team_id") if isinstance(payload, dict) else None
    return team if isinstance(team, str) else ""


def _say(services: Services, handled: Handled, channel: str, thread_ts: str) -> None:
    """A short answer (usage, how to link) in the thread, with the workspace's bot token; an
    unlinked workspace has none, and then nothing is said."""
    if handled.tenant_id is None or handled.workspace_id is None:
        return
    try:
        box = SecretBox.from_setting(_secret_key(services))
        with tenant_transaction(services.db, handled.tenant_id) as scope:
            sealed = chat.bot_token_sealed(scope, handled.workspace_id)
        if sealed is None:
            return
        client = SlackClient(
            chat_links.open_bot_token(box, sealed), base_url=_api_url(services), max_wait=0
        )
        client.post_message(channel, {"text": handled.reply}, thread_ts=thread_ts or None)
    except (ChatApiError, SecretKeyError, SealedValueError) as exc:
        log.warning("slack: the reply was not posted (%s)", type(exc).__name__)


def _secret_key(services: Services) -> str | None:
    value = services.settings.morningai_secret_key
    return value.get_secret_value() if value is not None else None


def _api_url(services: Services) -> str:
    return services.settings.slack_api_url.rstrip("/") + "/"


@blueprint.post("/api/slack/commands")
def commands_view() -> Response:
    refused = _refused()
    if refused is not None:
        return refused
    body = request.get_data(cache=True)
    services = current_services()
    command = slack_events.parse_slash_command(body)
    key = body_key("command", _timestamp(), body)
    if isinstance(command, slack_events.SlackIgnored):
        record(services, PLATFORM, key, "", outcome="rejected", detail=command.reason)
        return json_error(400, "not a slash command")
    inbound = Inbound(
        platform=PLATFORM,
        delivery_key=key,
        workspace=command.team_id,
        user=command.user_id,
        channel=command.channel_id,
        thread="",
        command=command.command,
    )
    handled = handle(services, inbound)
    if handled.reply:
        text = handled.reply
    elif handled.outcome == "duplicate":
        text = "Already on it."
    else:
        text = "On it: the answer comes in this channel."
    return jsonify(response_type="ephemeral", text=text)


@blueprint.post("/api/slack/interactions")
def interactions_view() -> Response:
    refused = _refused()
    if refused is not None:
        return refused
    body = request.get_data(cache=True)
    action = slack_events.parse_interactivity(body)
    key = body_key("action", _timestamp(), body)
    services = current_services()
    if isinstance(action, slack_events.SlackIgnored):
        malformed = action.reason == "not an interaction"
        record(
            services,
            PLATFORM,
            key,
            "",
            outcome="rejected" if malformed else "ignored",
            detail=action.reason,
        )
        return json_error(400, "not an interaction") if malformed else Response(status=200)
    # our messages' buttons are links to the dashboard: Slack only wants the 200
    record(services, PLATFORM, key, action.team_id, outcome="ignored", detail="button clicked")
    return Response(status=200)


# -- install: OAuth v2 -------------------------------------------------------------------------


def _callback_url(services: Services) -> str:
    base = services.settings.morningai_public_url or request.host_url
    return base.rstrip("/") + "/api/slack/oauth/callback"


def _authorize_url(services: Services) -> str:
    # https://slack.com/api -> https://slack.com/oauth/v2/authorize
    site = services.settings.slack_api_url.rstrip("/").removesuffix("/api")
    return site + "/oauth/v2/authorize"


def _page(status: int, text: str) -> Response:
    return Response(text + "\n", status, mimetype="text/plain")


@blueprint.get("/api/slack/install")
def install_view() -> Response:
    """Send the admin to Slack with the dashboard's workspace link code as `state`."""
    services = current_services()
    letters = chat_links.normalize(request.args.get("code", ""))
    if letters is None:
        return _page(400, "Take a Slack workspace link code on MorningAI's Chat page first.")
    query = urlencode(
        {
            "client_id": services.settings.slack_client_id or "",
            "scope": SCOPES,
            "state": letters,
            "redirect_uri": _callback_url(services),
        }
    )
    headers = {
        "Location": f"{_authorize_url(services)}?{query}",
        "Cache-Control": "no-store",  # the state is a live link code
        "Referrer-Policy": "no-referrer",
    }
    return Response(status=302, headers=headers)


@blueprint.get("/api/slack/oauth/callback")
def oauth_callback_view() -> Response:
    """Slack sends the admin back: exchange the code for the bot token (the one call out on a
    request path), then link the workspace with the link code in `state`."""
    services = current_services()
    if request.args.get("error"):
        return _page(400, "The Slack install was cancelled; nothing was linked.")
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if chat_links.normalize(state) is None or not code or len(code) > 200:
        return _page(400, "This link is not a Slack install MorningAI started; nothing was linked.")
    key = _secret_key(services)
    client_secret = services.settings.slack_client_secret
    if key is None or client_secret is None:
        log.error("slack install refused: MORNINGAI_SECRET_KEY is not set")
        return _page(503, "MorningAI cannot store a Slack bot token: its secret key is unset.")
    try:
        installed = oauth_access(
            services.settings.slack_client_id or "",
            client_secret.get_secret_value(),
            code,
            _callback_url(services),
            base_url=_api_url(services),
            max_wait=2,
        )
    except ChatApiError as exc:
        log.warning("slack install: oauth.v2.access refused (%s)", exc.code[:60])
        return _page(502, "Slack did not accept the install; try again from the dashboard.")
    sealed = chat_links.seal_bot_token(SecretBox.from_setting(key), installed.bot_token)
    linked = chat_links.redeem_workspace_code(
        services.db, services.redis, state,
        platform=PLATFORM, external_id=installed.team_id, name=installed.team_name[:200],
        bot_token_sealed=sealed,
    )  # fmt: skip
    if isinstance(linked, chat_links.Refused):
        return _page(400, linked.reason)
    public = services.settings.morningai_public_url
    if public:
        return Response(status=302, headers={"Location": public.rstrip("/") + "/chat"})
    return _page(200, f"MorningAI is installed in the Slack workspace {installed.team_name}.")
