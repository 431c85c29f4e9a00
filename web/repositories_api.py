"""`GET /api/repositories`: each repository the viewer reaches — whether MorningAI serves it,
its effective `.github/morningai.yml` (over the organisation's, core.org_config) with the
reasons it does not parse, this month's spend, and the installation's monthly budget.

The files are read from GitHub as the App installation (narrowed to that one repository, or to
the organisation's `.github`) and kept REPO_CONFIG_TTL_SECONDS in Redis, so the page does not
cost one GitHub call per repository on every load.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from core import budget as budgets
from core.org_config import merge, org_repository
from core.repo_config import (
    CONFIG_PATH,
    BudgetConfig,
    RepoConfig,
    RepoConfigError,
    parse_config_file,
)
from db.reads.usage import Usage, by_repository, month_to_date
from db.tenancy import tenant_transaction
from github_app.client import GitHubException, RequestError, RequestFailed, repo_client
from web.services import current_services
from web.task_views import money
from web.viewer import ReachedInstallation, Viewer, signed_in

log = logging.getLogger(__name__)
blueprint = Blueprint("repositories_api", __name__)

REPO_CONFIG_TTL_SECONDS = 60
_CONFIG_PREFIX = "morningai:web:repo-config:"


def effective_config(
    text: str | None, org_text: str | None = None, repository: str = ""
) -> dict[str, Any]:
    """The configuration MorningAI applies — pure: the repository's file over the
    organisation's (`org_text`; None: there is none the App can read), or the organisation's
    alone when the repository's does not parse or asks for more than it allows (with why, and
    where: `file` is the repository's or the organisation's)."""
    owner, _, name = repository.partition("/")
    org_name = org_repository(owner) if owner else None
    shown: dict[str, Any] = {"config_file": text is not None, "organisation_config": None}
    try:
        org = None if org_text is None else parse_config_file(org_text)
    except RepoConfigError as exc:
        return {**shown, **_errors(RepoConfig(), exc, org_name)}
    shown["organisation_config"] = org_name if org is not None else None
    base = org.config if org is not None else RepoConfig()
    try:
        repo = parse_config_file(text)
        if name.lower() == ".github":  # its file is the organisation's
            return {**shown, "config": asdict(repo.config), "config_errors": []}
        return {**shown, "config": asdict(merge(org, repo, owner)), "config_errors": []}
    except RepoConfigError as exc:
        return {**shown, **_errors(base, exc, repository or None)}


def _errors(config: RepoConfig, exc: RepoConfigError, file: str | None) -> dict[str, Any]:
    return {
        "config": asdict(config),
        "config_errors": [{"problem": exc.problem, "line": exc.line, "file": file}],
    }


def _read(inst: ReachedInstallation, full_name: str) -> str | None:
    """A repository's file as the installation; None when it, or the repository, is not there
    for the App (404, or a repository the installation does not cover: 422)."""
    services = current_services()
    try:
        client = repo_client(services.github_settings(), services.redis, inst.id, full_name)
        return client.file_text(CONFIG_PATH, client.default_branch())
    except (RequestFailed, RequestError) as exc:
        inner = exc.exc if isinstance(exc, RequestError) else exc
        if isinstance(inner, RequestFailed) and inner.response.status_code in (404, 422):
            return None
        raise


def _config(inst: ReachedInstallation, full_name: str) -> dict[str, Any]:
    services = current_services()
    key = f"{_CONFIG_PREFIX}{inst.id}:{full_name.lower()}"
    cached = services.redis.get(key)
    if cached is not None:
        found: dict[str, Any] = json.loads(cached)
        return found
    try:
        text = _read(inst, full_name)
        org_text = _read(inst, org_repository(full_name.partition("/")[0]))
    except GitHubException as exc:
        log.warning("could not read %s of %s (%s)", CONFIG_PATH, full_name, type(exc).__name__)
        unread = effective_config(None)
        problem = f"GitHub did not give {CONFIG_PATH}; the defaults are shown"
        return {**unread, "config_errors": [{"problem": problem, "line": None, "file": None}]}
    answer = effective_config(text, org_text, full_name)
    services.redis.set(key, json.dumps(answer), ex=REPO_CONFIG_TTL_SECONDS)
    return answer


def budget_view(config: BudgetConfig, used: Usage, now: datetime) -> dict[str, Any] | None:
    """The installation's monthly budget as the dashboard shows it — pure (None: no budget)."""
    if not config.limited:
        return None
    spent = budgets.Spent(used.tokens, float(used.cost_usd))
    share = budgets.share_used(config, spent) or 0.0
    return {
        "monthly_usd": None if config.monthly_usd is None else f"{config.monthly_usd:.2f}",
        "monthly_tokens": config.monthly_tokens,
        "spent_usd": money(used.cost_usd),
        "spent_tokens": used.tokens,
        "share_used": round(share, 4),
        "warning": budgets.warning(config, spent, now),
        "exhausted": share >= 1,
        "resets_at": budgets.next_reset(now).isoformat(),
    }


@blueprint.get("/api/repositories")
@signed_in
def repositories(viewer: Viewer) -> Response:
    now = datetime.now(UTC)
    month = budgets.month_start(now)
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
            # the budget is the installation's: what all of its repositories spent
            installation_month = month_to_date(scope, month)
        for repo in inst.repositories:
            usage = spend.get(repo.full_name.lower())
            active = served.get(repo.full_name.lower(), False)
            config = _config(inst, repo.full_name) if active else effective_config(None)
            budget = BudgetConfig(**config["config"]["budget"])
            shown.append(
                {
                    "installation_id": inst.id,
                    "full_name": repo.full_name,
                    "private": repo.private,
                    "active": active,
                    "can_write": repo.can_write,
                    **config,
                    "month_cost_usd": money(usage.cost_usd) if usage else "0",
                    "month_tasks": usage.tasks if usage else 0,
                    "budget": budget_view(budget, installation_month, now),
                }
            )
    shown.sort(key=lambda r: r["full_name"].lower())
    return jsonify(repositories=shown)
