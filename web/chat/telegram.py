"""Telegram's webhook: the secret header (set by `setWebhook`) checked in constant time before
anything is read or stored, each update recorded once on its update_id, and `/ask`, `/code`,
`/link`, `/start CODE`, `/help` handled; short answers (usage, how to link, a link's result)
ride on the webhook's own response as a sendMessage, with no call out.
https://core.telegram.org/bots/api#making-requests-when-getting-updates"""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, Response, jsonify, request

from chat.errors import ChatApiError
from chat.telegram import secret as telegram_secret
from chat.telegram import updates
from chat.telegram.client import TelegramClient
from web.chat import only_when_configured
from web.chat.intake import Inbound, body_key, handle, record
from web.errors import json_error
from web.services import Services, current_services

log = logging.getLogger(__name__)
blueprint = Blueprint("telegram_inbound", __name__)
only_when_configured(blueprint, "telegram")

PLATFORM = "telegram"
MAX_TEXT = 4096
_usernames: dict[str, str] = {}  # bot token's hash -> username from getMe, asked once
_lock = threading.Lock()


def _username(services: Services) -> str:
    """The bot's @name (commands addressed `/ask@Name`): TELEGRAM_BOT_USERNAME, else getMe
    once per process; "" when that fails (then only unaddressed commands are ours)."""
    settings = services.settings
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    cache_key = body_key("bot", token)
    with _lock:
        if cache_key not in _usernames:
            client = TelegramClient(token, base_url=settings.telegram_api_url, max_wait=0)
            try:
                _usernames[cache_key] = client.get_me().username
            except ChatApiError as exc:
                log.warning("telegram: getMe failed (%s); set TELEGRAM_BOT_USERNAME", exc.status)
                return ""
            finally:
                client.close()
        return _usernames[cache_key]


@blueprint.post("/api/telegram/webhook")
def webhook_view() -> Response:
    services = current_services()
    expected = services.settings.telegram_webhook_secret
    verdict = telegram_secret.verify(
        expected.get_secret_value() if expected else "", dict(request.headers)
    )
    if not verdict:
        log.warning("telegram update refused: %s", verdict.reason)
        return json_error(401, "unauthorized")
    body = request.get_data(cache=True)
    update = updates.parse_update(body, _username(services))
    if isinstance(update, updates.TelegramIgnored):
        if update.update_id is None:
            record(
                services,
                PLATFORM,
                body_key("body", body),
                "",
                outcome="rejected",
                detail=update.reason,
            )
            return json_error(400, "not an update")
        record(
            services, PLATFORM, str(update.update_id), "", outcome="ignored", detail=update.reason
        )
        return jsonify({})
    inbound = Inbound(
        platform=PLATFORM,
        delivery_key=str(update.update_id),
        workspace=str(update.chat_id),
        user=str(update.user_id),
        channel=str(update.chat_id),
        # a reply continues the conversation of the message it answers (jobs/chat/conversation)
        thread=str(update.reply_to_message_id or update.message_id),
        command=update.command,
    )
    handled = handle(services, inbound)
    if not handled.reply:
        return jsonify({})
    answer: dict[str, object] = {
        "method": "sendMessage",
        "chat_id": update.chat_id,
        "text": handled.reply.replace("`", "")[:MAX_TEXT],  # plain text: no Markdown
        "reply_parameters": {"message_id": update.message_id, "allow_sending_without_reply": True},
    }
    if update.message_thread_id is not None:
        answer["message_thread_id"] = update.message_thread_id
    return jsonify(answer)
