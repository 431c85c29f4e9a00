"""GET / (what is configured), /healthz (process alive) and /readyz (dependencies answer)."""

from __future__ import annotations

import html

from flask import Blueprint, Response, current_app, jsonify

from web import spa
from web.services import Services

blueprint = Blueprint("health", __name__)

HOW_TO = (
    "Create a GitHub App (Settings → Developer settings → GitHub Apps → New, or register "
    "app.yml as a manifest), then set GITHUB_APP_ID, the private key it generates "
    "(GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH) and the webhook secret you chose "
    "(GITHUB_WEBHOOK_SECRET). See the README's settings table."
)


@blueprint.get("/")
def index() -> Response:
    if spa.built():  # the web app, when its build exists (make install builds it)
        return spa.index_response()
    services: Services = current_app.extensions["morningai"]
    missing = services.settings.missing_github_settings()
    if missing:
        items = "".join(f"<li><code>{html.escape(m)}</code></li>" for m in missing)
        text = (
            f"<h1>MorningAI</h1><p>Running, but not connected to GitHub. Missing settings:"
            f"</p><ul>{items}</ul><p>{html.escape(HOW_TO)}</p>"
        )
    else:
        text = "<h1>MorningAI</h1><p>Running. Webhooks: <code>/api/github/webhooks</code>.</p>"
    return Response(text, mimetype="text/html")


@blueprint.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> Response:
    services: Services = current_app.extensions["morningai"]
    failures: dict[str, str] = {}
    try:
        services.db.ping()
    except Exception as exc:
        failures["postgresql"] = type(exc).__name__
    try:
        services.redis.ping()
    except Exception as exc:
        failures["redis"] = type(exc).__name__
    if failures:
        response = jsonify(status="unavailable", failed=failures)
        response.status_code = 503
        return response
    return jsonify(status="ready")
