"""MorningAI's web process: the Flask app factory and its blueprints (GitHub's webhooks in,
health, metrics)."""

from __future__ import annotations

import logging

from flask import Flask

from core.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    from web import (
        analytics_api,
        auth,
        chat_api,
        errors,
        health,
        library_api,
        me,
        metrics,
        repositories_api,
        setup,
        spa,
        task_stream,
        tasks_api,
        webhooks,
    )
    from web import chat as chat_inbound
    from web.services import Services

    settings = settings or Settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_webhook_bytes
    app.extensions["morningai"] = Services(settings)
    app.register_blueprint(webhooks.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(metrics.blueprint)
    app.register_blueprint(spa.blueprint)  # the web app (webapp/, built into web/dist/)
    app.register_blueprint(setup.blueprint)
    app.register_blueprint(auth.blueprint)  # sign in with GitHub
    app.register_blueprint(me.blueprint)
    app.register_blueprint(tasks_api.blueprint)
    app.register_blueprint(library_api.blueprint)
    app.register_blueprint(repositories_api.blueprint)
    app.register_blueprint(analytics_api.blueprint)
    app.register_blueprint(task_stream.blueprint)  # GET /api/tasks/<id>/events (SSE)
    app.register_blueprint(chat_api.blueprint)  # link codes, workspaces, subscriptions
    chat_inbound.register(app)  # Slack, Discord, Telegram in (404 while unconfigured)
    errors.register(app)
    missing = settings.missing_github_settings()
    if missing:
        log.warning("not connected to GitHub: missing %s. %s", ", ".join(missing), health.HOW_TO)
    return app


__all__ = ["Settings", "create_app"]
