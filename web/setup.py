"""First start: register the GitHub App from app.yml (the manifest flow), then send the person
to its install page. `GET /api/setup/status`, `GET /api/setup/manifest`, `GET /setup/complete`,
and `GET /api/setup/checks`: `morningai doctor`'s checks that need no model client
(jobs/runtime/setup_checks.py), public until an App exists, then for an admin of one of its
installations only (404 to anyone else).

The public URL defaults to the request's own host URL. No ProxyFix: X-Forwarded-* headers are
not trusted (anyone can send them); behind a proxy the page passes its own origin as `url`.
https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import logging

import psycopg
from flask import Blueprint, Response, jsonify, request
from psycopg_pool import PoolTimeout

from core.secrets_at_rest import SealedValueError, SecretKeyError, parse_key
from core.settings import Settings
from github_app import manifest, registration
from github_app.client import GitHubException, convert_manifest
from jobs.runtime import setup_checks
from web import round_trips, spa
from web.errors import json_error
from web.services import Services, current_services
from web.viewer import current_viewer

log = logging.getLogger(__name__)
blueprint = Blueprint("setup", __name__)

STATE_TTL_SECONDS = 3600  # GitHub's manifest code lives one hour too
PURPOSE = "setup"


def _key_problem(settings: Settings) -> str | None:
    key = settings.morningai_secret_key
    try:
        parse_key(key.get_secret_value() if key is not None else None)
    except SecretKeyError as exc:
        return str(exc)  # names the setting and the format, never the value
    return None


def _already_configured(services: Services) -> bool:
    return registration.app_from_environment(services.settings) or registration.exists(services.db)


@blueprint.get("/api/setup/status")
def status() -> Response:
    services = current_services()
    from_env = registration.app_from_environment(services.settings)
    stored, unreadable = None, False
    if not from_env:
        try:
            stored = registration.load(services.db, services.settings)
        except (SecretKeyError, SealedValueError):
            unreadable = True  # an App is stored, but this key does not open it
    effective = registration.effective_settings(services.settings, stored)
    missing = effective.missing_github_settings()
    if not from_env and stored is None and (unreadable or _key_problem(services.settings)):
        missing.append("MORNINGAI_SECRET_KEY")
    install = manifest.install_url(services.settings.github_url, stored.slug) if stored else None
    return jsonify(configured=not missing, missing=missing, install_url=install)


@blueprint.get("/api/setup/manifest")
def manifest_to_post() -> Response:
    services = current_services()
    if _already_configured(services):
        return json_error(409, "a GitHub App is already configured; setup cannot run again")
    problem = _key_problem(services.settings)
    if problem:
        return json_error(503, f"{problem}: the App's secrets could not be stored")
    try:
        built = manifest.build(
            manifest.load_template(),
            request.args.get("url") or request.host_url,
            request.args.get("name"),
        )
        state = round_trips.new_state()
        target = manifest.post_url(services.settings.github_url, state, request.args.get("org"))
    except manifest.ManifestError as exc:
        return json_error(400, str(exc))
    round_trips.keep(services.redis, PURPOSE, state, "1", STATE_TTL_SECONDS)
    return jsonify(manifest=built, post_url=target, state=state)


@blueprint.get("/setup/complete")
def complete() -> Response:
    services = current_services()
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if round_trips.take_state(services.redis, PURPOSE, state) is None:
        log.warning("setup refused: unknown, expired or reused state")
        return json_error(400, "unknown, expired or already used state: start setup again")
    if not round_trips.valid_code(code):
        return json_error(400, "missing or malformed code")
    if _already_configured(services):
        return json_error(409, "a GitHub App is already configured; setup cannot run again")
    try:
        created = convert_manifest(services.settings, code)
    except GitHubException as exc:
        log.warning("manifest conversion refused by GitHub (%s)", type(exc).__name__)
        return json_error(502, "GitHub did not accept the code (it lives one hour): start again")
    if not registration.save(services.db, services.settings, created):
        return json_error(409, "a GitHub App is already configured; setup cannot run again")
    log.info(
        "GitHub App %s (id %s) registered by %s", created.slug, created.app_id, created.owner_login
    )
    install = manifest.install_url(services.settings.github_url, created.slug)
    return Response(status=302, headers={"Location": install})


def _may_see_checks(services: Services) -> bool:
    """Before an App exists, anyone (the setup page is public then); afterwards only a
    signed-in admin of one of its installations. When the database cannot say, no one."""
    try:
        if not _already_configured(services):
            return True
    except (psycopg.Error, PoolTimeout):
        return False
    viewer = current_viewer()
    return not isinstance(viewer, Response) and any(i.admin for i in viewer.installations)


@blueprint.get("/api/setup/checks")
def checks() -> Response:
    services = current_services()
    if not _may_see_checks(services):
        return json_error(404, "not found")
    settings = services.github_settings()
    found = [
        setup_checks.guarded(name, check, setup_checks.explain_plainly)
        for name, check in setup_checks.without_model(settings, spa.build_dir())
    ]
    # name, verdict and fix only: a detail names servers and paths (`morningai doctor` shows it)
    return jsonify(
        checks=[
            {"name": c.name, "ok": c.status != "fail", "status": c.status, "fix": c.fix}
            for c in found
        ],
        passed=all(c.status != "fail" for c in found),
    )
