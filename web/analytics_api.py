"""`GET /api/analytics?days=30`: outcomes per day, merge rate of MorningAI's pull requests, time
from request to pull request, cost per merged pull request and failures by reason — over the
repositories the viewer reaches, each installation read in its own tenant scope, then combined
exactly (db.reads.analytics.summarize)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from db.reads.analytics import AnalyticsParts, collect, summarize, window_start
from db.tenancy import tenant_transaction
from web.errors import json_error
from web.services import current_services
from web.viewer import Viewer, signed_in

blueprint = Blueprint("analytics_api", __name__)
MAX_DAYS = 366


@blueprint.get("/api/analytics")
@signed_in
def analytics(viewer: Viewer) -> Response:
    try:
        days = int(request.args.get("days", "30"))
    except ValueError:
        return json_error(400, "days is a whole number")
    if not 1 <= days <= MAX_DAYS:
        return json_error(400, f"days is 1 to {MAX_DAYS}")
    today = datetime.now(UTC).date()
    since = window_start(days, today)
    parts: list[AnalyticsParts] = []
    for inst in viewer.tenants:
        if inst.tenant_id is None or not inst.names:
            continue
        with tenant_transaction(current_services().db, inst.tenant_id) as scope:
            parts.append(collect(scope, since, inst.names))
    return jsonify(summarize(parts, days, today).as_json())
