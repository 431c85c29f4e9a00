"""The chat platforms' inbound endpoints (Slack, Discord, Telegram): one blueprint per
platform, each answering 404 while its settings are missing (Settings.chat_platforms())."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response

from web.errors import json_error
from web.services import current_services

log = logging.getLogger(__name__)


def only_when_configured(blueprint: Blueprint, platform: str) -> None:
    """Every endpoint of `blueprint` answers 404 while `platform` misses a setting."""

    def check() -> Response | None:
        if current_services().settings.chat_platforms()[platform]:
            return json_error(404, "not found")
        return None

    blueprint.before_request(check)


def register(app: Flask) -> None:
    """Register the three platforms' endpoints and say once which are on."""
    from web.chat import discord, slack, telegram

    for module in (slack, discord, telegram):
        app.register_blueprint(module.blueprint)
    missing = app.extensions["morningai"].settings.chat_platforms()
    on = [p for p, names in missing.items() if not names]
    off = [f"{p} (missing {', '.join(names)})" for p, names in missing.items() if names]
    log.info("chat platforms on: %s; off: %s", ", ".join(on) or "none", "; ".join(off) or "none")


__all__ = ["register"]
