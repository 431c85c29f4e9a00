"""`GET /api/repositories`: each repository the viewer reaches — whether MorningAI serves it,
its effective `.github/morningai.yml` with the reasons it does not parse, this month's spend.

The file is read from GitHub as the App installation (narrowed to that one repository) and
kept REPO_CONFIG_TTL_SECONDS in Redis, so the page does not cost one GitHub call per
repository on every load.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from core.repo_config import CONFIG_PATH, RepoConfig, RepoConfigError, parse_repo_config
from db.reads.usage import by_repository
from db.tenancy import tenant_transaction
from github_app.client import GitHubException, repo_client
from web.services import current_services
from web.task_views import money
from web.viewer import ReachedInstallation, Viewer, signed_in

log = logging.getLogger(__name__)
blueprint = Blueprint("repositories_api", __name__)

REPO_CONFIG_TTL_SECONDS = 60
_CONFIG_PREFIX = "morningai:web:repo-config:"


def effective_config(text: str | None) -> dict[str, Any]:
    """The configuration MorningAI applies — pure: the file's, or the defaults when it does not
    parse (with why, and where)."""
    try:
        config = parse_repo_config(text)
    except RepoConfigError as exc:
        return {
            "config": asdict(RepoConfig()),
            "config_errors": [{"problem": exc.problem, "line": exc.line}],
            "config_file": True,
        }
    return {"config": asdict(config), "config_errors": [], "config_file": text is not None}


def _config(inst: ReachedInstallation, full_name: str) -> dict[str, Any]:
    services = current_services()
    key = f"{_CONFIG_PREFIX}{inst.id}:{full_name.lower()}"
    cached = services.redis.get(key)
    if cached is not None:
        found: dict[str, Any] = json.loads(cached)
        return found
    try:
        client = repo_client(services.github_settings(), services.redis, inst.id, full_name)
        text = client.file_text(CONFIG_PATH, client.default_branch())
    except GitHubException as exc:
        log.warning("could not read %s of %s (%s)", CONFIG_PATH, full_name, type(exc).__name__)
        unread = effective_config(None)
        problem = f"GitHub did not give {CONFIG_PATH}; the defaults are shown"
        return {**unread, "config_errors": [{"problem": problem, "line": None}]}
    answer = effective_config(text)
    services.redis.set(key, json.dumps(answer), ex=REPO_CONFIG_TTL_SECONDS)
    return answer


@blueprint.get("/api/repositories")
@signed_in
def repositories(viewer: Viewer) -> Response:
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    shown: list[dict[str, Any]] = []
    for inst in viewer.tenants:
        if inst.tenant_id is None:
            continue
        with tenant_transaction(current_services().db, inst.tenant_id) as scope:
            served = {
                name.lower(): active
                for name, active in scope.conn.execute(
                    "SELECT full_name, active FROM repositories"
                ).fetchall()
            }
            spend = {
                (u.repository or "").lower(): u.usage for u in by_repository(scope, since=month)
            }
        for repo in inst.repositories:
            usage = spend.get(repo.full_name.lower())
            active = served.get(repo.full_name.lower(), False)
            shown.append(
                {
                    "installation_id": inst.id,
                    "full_name": repo.full_name,
                    "private": repo.private,
                    "active": active,
                    "can_write": repo.can_write,
                    **(_config(inst, repo.full_name) if active else effective_config(None)),
                    "month_cost_usd": money(usage.cost_usd) if usage else "0",
                    "month_tasks": usage.tasks if usage else 0,
                }
            )
    shown.sort(key=lambda r: r["full_name"].lower())
    return jsonify(repositories=shown)
