"""`morningai doctor`: the configuration checked end to end, each check ✓, ✗ or "not
configured", with the fix in words. Every check catches its own failure: one broken setting
never hides the others."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import jwt
import psycopg
from redis import Redis
from rq import Worker

from agents.embeddings import OpenAIEmbedder
from agents.ports import Message
from core.settings import Settings
from db.migrate import load_migrations
from db.pool import UnsafeRoleError, enter_app_role
from morningai.errors import explain, where
from morningai.preflight import CLI_RETRIES, CLI_TIMEOUT, cli_chat_model, private_key_problem

Status = Literal["ok", "fail", "off"]  # off: optional and not configured
MARKS = {"ok": "✓", "fail": "✗", "off": "-"}
WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
GITHUB_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def _ok(name: str, detail: str) -> Check:
    return Check(name, "ok", detail)


def _fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, "fail", detail, fix)


def check_settings(settings: Settings) -> Check:
    missing = [
        name
        for name, value in (
            ("DATABASE_URL", settings.database_url),
            ("REDIS_URL", settings.redis_url),
        )
        if not value
    ] + settings.missing_github_settings()
    if missing:
        return _fail(
            "settings",
            "missing: " + ", ".join(missing),
            "set them in the environment or .env (README, Settings); "
            "`make run` provides the databases",
        )
    return _ok("settings", "the database, Redis and the App's settings are set")


def check_postgres(settings: Settings) -> Check:
    name = "PostgreSQL"
    if not settings.database_url:
        return _fail(name, "DATABASE_URL is not set", "set DATABASE_URL, or run `make run`")
    with psycopg.connect(settings.database_url, connect_timeout=5) as conn:
        try:
            enter_app_role(conn)  # the role the app's pool runs as (README, Database roles)
        except UnsafeRoleError as exc:
            return _fail(name, str(exc), "connect as morningai_app (README, Database roles)")
        return check_role(conn, where(settings.database_url))


def check_role(conn: psycopg.Connection[Any], at: str) -> Check:
    name = "PostgreSQL"
    vector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    if vector is None:
        return _fail(
            name,
            f"{at}: the vector extension is not installed",
            "install pgvector on the server and run `morningai migrate` as its owner",
        )
    row = conn.execute(
        "SELECT current_user, rolsuper, rolbypassrls,"
        " (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        "   WHERE c.relowner = r.oid AND n.nspname = 'public')"
        " FROM pg_roles r WHERE rolname = current_user"
    ).fetchone()
    if row is None:
        return _fail(name, f"{at}: the current role is not in pg_roles", "check DATABASE_URL")
    role, superuser, bypass, owned = row
    if superuser or bypass or owned:
        return _fail(
            name,
            f"{at}: role {role} can bypass row-level security "
            f"(superuser={superuser}, bypassrls={bypass}, owns {owned} relation(s))",
            "connect as morningai_app (README, Database roles)",
        )
    return _ok(name, f"{at}: pgvector {vector[0]}, role {role} under row-level security")


def check_migrations(settings: Settings) -> Check:
    name = "migrations"
    url = settings.database_migration_url or settings.database_url
    if not url:
        return _fail(name, "DATABASE_URL is not set", "set DATABASE_URL")
    known = [m.version for m in load_migrations()]
    with psycopg.connect(url, connect_timeout=5) as conn:
        exists = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
        done = (
            {r[0] for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}
            if exists and exists[0]
            else set()
        )
    pending = [v for v in known if v not in done]
    if pending:
        return _fail(
            name,
            f"{len(pending)} of {len(known)} not applied (first: {pending[0]})",
            "run `morningai migrate` (with DATABASE_MIGRATION_URL as the schema's owner)",
        )
    return _ok(name, f"all {len(known)} applied (last: {known[-1]})")


def check_redis(settings: Settings) -> Check:
    name = "Redis and workers"
    if not settings.redis_url:
        return _fail(name, "REDIS_URL is not set", "set REDIS_URL, or run `make run`")
    client = Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
        workers = Worker.all(connection=client)
    finally:
        client.close()
    if not workers:
        return _fail(
            name,
            f"{where(settings.redis_url)} answers; no RQ worker is alive",
            "start one: `morningai worker` (`make run` starts one)",
        )
    return _ok(name, f"{where(settings.redis_url)} answers; {len(workers)} RQ worker(s) alive")


def check_app(settings: Settings) -> Check:
    name = "GitHub App"
    if not settings.github_app_id or settings.github_private_key is None:
        return _fail(
            name,
            "GITHUB_APP_ID or the private key is not set",
            "copy them from the App's settings page, or register the App at GET /",
        )
    problem = private_key_problem(settings)
    if problem:
        what, _, fix = problem.partition("\n")
        return _fail(name, what, fix)
    now = int(time.time())
    token = jwt.encode(
        {"iat": now - 60, "exp": now + 540, "iss": settings.github_app_id},
        settings.github_private_key.get_secret_value(),
        algorithm="RS256",
    )
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    base = settings.github_api_url.rstrip("/")
    with httpx.Client(base_url=base, headers=headers, timeout=GITHUB_SECONDS) as http:
        app = http.get("/app")
        if app.status_code != 200:
            return _fail(
                name,
                f"GET {where(base)}/app answered {app.status_code}",
                "check GITHUB_APP_ID, the private key (the App's, not revoked) and GITHUB_API_URL",
            )
    body = app.json()
    # GET /app carries installations_count (GitHub's "Get the authenticated app")
    count = body.get("installations_count", "?")
    if count == 0:
        return _fail(
            name,
            f"{body.get('slug')} at {where(base)}: JWT accepted, but no installation",
            "install the App on an account: its page on GitHub, Install App",
        )
    return _ok(name, f"{body.get('slug')} at {where(base)}: JWT accepted, {count} installation(s)")


def check_webhook_secret(settings: Settings) -> Check:
    if settings.github_webhook_secret is None:
        return _fail(
            "webhook secret",
            "GITHUB_WEBHOOK_SECRET is not set: every delivery is refused (503)",
            "set it to the secret on the App's settings page (Webhook secret)",
        )
    return _ok("webhook secret", "set")


def check_model(settings: Settings) -> Check:
    name = "model"
    if settings.openai_api_key is None and not settings.openai_base_url:
        return _fail(
            name,
            "no model is configured",
            "set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (Ollama, vLLM) and MORNINGAI_MODEL",
        )
    answer = cli_chat_model(settings).complete([Message("user", "Say OK.")], max_tokens=1)
    return _ok(
        name,
        f"{answer.model} answered at {where(settings.openai_base_url or 'https://api.openai.com')}",
    )


def check_embeddings(settings: Settings) -> Check:
    name = "embedding model"
    if not settings.morningai_embedding_model:
        return Check(name, "off", "not configured: FAQ memory uses full-text search")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    embedder = OpenAIEmbedder.connect(
        settings.morningai_embedding_model,
        key,
        settings.openai_base_url,
        dimensions=settings.morningai_embedding_dimensions,
        max_retries=CLI_RETRIES,
    )
    embedder.client = embedder.client.with_options(timeout=CLI_TIMEOUT)
    [vector] = embedder.embed(["ok"])
    return _ok(name, f"{embedder.model} answered ({len(vector)} dimensions)")


def check_web(dist: Path = WEB_DIST) -> Check:
    if not (dist / "index.html").is_file():
        return _fail(
            "web app",
            f"{dist / 'index.html'} is missing: GET / shows only the settings page",
            "build it: `make webapp` (npm ci and npm run build in webapp/)",
        )
    return _ok("web app", f"built ({dist})")


def run_checks(settings: Settings, *, dist: Path = WEB_DIST) -> list[Check]:
    checks: list[tuple[str, Callable[[], Check]]] = [
        ("settings", lambda: check_settings(settings)),
        ("PostgreSQL", lambda: check_postgres(settings)),
        ("migrations", lambda: check_migrations(settings)),
        ("Redis and workers", lambda: check_redis(settings)),
        ("GitHub App", lambda: check_app(settings)),
        ("webhook secret", lambda: check_webhook_secret(settings)),
        ("model", lambda: check_model(settings)),
        ("embedding model", lambda: check_embeddings(settings)),
        ("web app", lambda: check_web(dist)),
    ]
    return [_guarded(name, check) for name, check in checks]


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as exc:  # each check's failure in the boundary's words, never a traceback
        what, _, fix = explain(exc).message.partition("\n")
        return _fail(name, what, fix or "see the message")


def passed(checks: list[Check]) -> bool:
    return all(c.status != "fail" for c in checks)


def render(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"{MARKS[c.status]} {c.name.ljust(width)}  {c.detail}")
        if c.fix:
            lines.append(f"  {' ' * width}  fix: {c.fix}")
    verdict = "all required checks hold" if passed(checks) else "some checks failed"
    return "\n".join([*lines, "", verdict]) + "\n"
