"""The configuration checks that need no model client, shared by `morningai doctor` and the
dashboard's setup page (`GET /api/setup/checks`): settings, PostgreSQL (pgvector, a role under
row-level security), migrations, Redis and a live RQ worker, the App (its key, a JWT GitHub
accepts, its installations), the webhook secret, the built web app, and (the setup page's
only) the sandbox the last worker to start reported in Redis (`sandbox_checks.py`). Each
answers ✓ or ✗
with the fix in words; a detail names a server by `where` (scheme, host, port), never by a URL
that could carry a password, and never shows a secret. The model and embedding checks stay in
morningai/doctor.py: the web process never imports the model client."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import psycopg
import psycopg_pool
import redis.exceptions
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from redis import Redis
from rq import Worker

from core.logs import redact
from core.settings import Settings
from db.migrate import load_migrations
from db.pool import UnsafeRoleError, enter_app_role
from jobs.runtime.check_result import Check, fail, ok
from jobs.runtime.sandbox_checks import check_workers_sandbox

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
GITHUB_SECONDS = 10.0
INSTALLATIONS_PAGE = 100  # the first page of GET /app/installations is enough to say "N+"
NAMED_INSTALLATIONS = 5  # accounts named in the App's detail


def where(url: str | None) -> str:
    """`scheme://host:port` of a URL: never its user, password, path or query."""
    if not url:
        return "an unknown address"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "an unparseable address"
    return f"{parts.scheme}://{host}{port}" if parts.scheme and host else "an unparseable address"


def private_key_problem(settings: Settings) -> str | None:
    """Why the configured private key is no key (never its text), or None: the problem's first
    line, then the fix."""
    if settings.github_private_key is None:
        return None
    text = settings.github_private_key.get_secret_value().strip().encode()
    try:
        load_pem_private_key(text, password=None)
    except (ValueError, TypeError):
        source = (
            "GITHUB_PRIVATE_KEY_PATH" if settings.github_private_key_path else "GITHUB_PRIVATE_KEY"
        )
        return (
            f"{source} does not hold a PEM private key.\n"
            "Generate one on the App's settings page (Private keys) and give the whole "
            ".pem file, BEGIN and END lines included."
        )
    return None


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
        return fail(
            "settings",
            "missing: " + ", ".join(missing),
            "set them in the environment or .env (README, Settings); "
            "`make run` provides the databases",
        )
    return ok("settings", "the database, Redis and the App's settings are set")


def check_postgres(settings: Settings) -> Check:
    name = "PostgreSQL"
    if not settings.database_url:
        return fail(name, "DATABASE_URL is not set", "set DATABASE_URL, or run `make run`")
    with psycopg.connect(settings.database_url, connect_timeout=5) as conn:
        try:
            enter_app_role(conn)  # the role the app's pool runs as (README, Database roles)
        except UnsafeRoleError as exc:
            return fail(name, str(exc), "connect as morningai_app (README, Database roles)")
        return check_role(conn, where(settings.database_url))


def check_role(conn: psycopg.Connection[Any], at: str) -> Check:
    name = "PostgreSQL"
    vector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    if vector is None:
        return fail(
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
        return fail(name, f"{at}: the current role is not in pg_roles", "check DATABASE_URL")
    role, superuser, bypass, owned = row
    if superuser or bypass or owned:
        return fail(
            name,
            f"{at}: role {role} can bypass row-level security "
            f"(superuser={superuser}, bypassrls={bypass}, owns {owned} relation(s))",
            "connect as morningai_app (README, Database roles)",
        )
    return ok(name, f"{at}: pgvector {vector[0]}, role {role} under row-level security")


def check_migrations(settings: Settings) -> Check:
    name = "migrations"
    url = settings.database_migration_url or settings.database_url
    if not url:
        return fail(name, "DATABASE_URL is not set", "set DATABASE_URL")
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
        return fail(
            name,
            f"{len(pending)} of {len(known)} not applied (first: {pending[0]})",
            "run `morningai migrate` (with DATABASE_MIGRATION_URL as the schema's owner)",
        )
    return ok(name, f"all {len(known)} applied (last: {known[-1]})")


def check_redis(settings: Settings) -> Check:
    name = "Redis and workers"
    if not settings.redis_url:
        return fail(name, "REDIS_URL is not set", "set REDIS_URL, or run `make run`")
    client = Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
        workers = Worker.all(connection=client)
    finally:
        client.close()
    if not workers:
        return fail(
            name,
            f"{where(settings.redis_url)} answers; no RQ worker is alive",
            "start one: `morningai worker` (`make run` starts one)",
        )
    return ok(name, f"{where(settings.redis_url)} answers; {len(workers)} RQ worker(s) alive")


def _installations(found: list[dict[str, Any]], more: bool) -> str:
    """ "N installation(s)" (or "N+" when GitHub has another page), with the first accounts."""
    count = f"{len(found)}{'+' if more else ''} installation(s)"
    logins = [str((i.get("account") or {}).get("login", "?")) for i in found]
    if not logins:
        return count
    shown = ", ".join(logins[:NAMED_INSTALLATIONS])
    return f"{count}: {shown}{', …' if len(logins) > NAMED_INSTALLATIONS else ''}"


def check_app(settings: Settings) -> Check:
    name = "GitHub App"
    if not settings.github_app_id or settings.github_private_key is None:
        return fail(
            name,
            "GITHUB_APP_ID or the private key is not set",
            "copy them from the App's settings page, or register the App at GET /",
        )
    problem = private_key_problem(settings)
    if problem:
        what, _, fix = problem.partition("\n")
        return fail(name, what, fix)
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
            return fail(
                name,
                f"GET {where(base)}/app answered {app.status_code}",
                "check GITHUB_APP_ID, the private key (the App's, not revoked) and GITHUB_API_URL",
            )
        # GitHub's "List installations for the authenticated app", its first page only
        listed = http.get("/app/installations", params={"per_page": INSTALLATIONS_PAGE})
        if listed.status_code != 200:
            return fail(
                name,
                f"GET {where(base)}/app/installations answered {listed.status_code}",
                "check the App's settings page on GitHub and GITHUB_API_URL",
            )
    slug = app.json().get("slug")
    found: list[dict[str, Any]] = listed.json()
    if not found:
        return fail(
            name,
            f"{slug} at {where(base)}: JWT accepted, but no installation",
            "install the App on an account: its page on GitHub, Install App",
        )
    more = "next" in listed.links
    return ok(name, f"{slug} at {where(base)}: JWT accepted, {_installations(found, more)}")


def check_webhook_secret(settings: Settings) -> Check:
    if settings.github_webhook_secret is None:
        return fail(
            "webhook secret",
            "GITHUB_WEBHOOK_SECRET is not set: every delivery is refused (503)",
            "set it to the secret on the App's settings page (Webhook secret)",
        )
    return ok("webhook secret", "set")


def check_web(dist: Path = WEB_DIST) -> Check:
    if not (dist / "index.html").is_file():
        return fail(
            "web app",
            f"{dist / 'index.html'} is missing: GET / shows only the settings page",
            "build it: `make webapp` (npm ci and npm run build in webapp/)",
        )
    return ok("web app", f"built ({dist})")


Checks = list[tuple[str, Callable[[], Check]]]


def before_models(settings: Settings) -> Checks:
    """The checks doctor runs before the model's, in its order."""
    return [
        ("settings", lambda: check_settings(settings)),
        ("PostgreSQL", lambda: check_postgres(settings)),
        ("migrations", lambda: check_migrations(settings)),
        ("Redis and workers", lambda: check_redis(settings)),
        ("GitHub App", lambda: check_app(settings)),
        ("webhook secret", lambda: check_webhook_secret(settings)),
    ]


def unreadable_migrations() -> Check:
    """The migrations as a process without DATABASE_MIGRATION_URL sees them: morningai_app may
    not read schema_migrations, so not checked here (never a false ✗)."""
    return Check(
        "migrations",
        "off",
        "not checked: this role cannot read schema_migrations",
        "run `morningai doctor` where DATABASE_MIGRATION_URL is set (the schema's owner)",
    )


def without_model(settings: Settings, dist: Path) -> Checks:
    """The checks the web process runs (the setup page): doctor's without the model's, and
    the workers' sandbox as they reported it (doctor probes its own host's instead)."""
    found = [
        *before_models(settings),
        *after_models(dist),
        ("sandbox", lambda: check_workers_sandbox(settings)),
    ]
    if settings.database_migration_url:
        return found
    return [(n, unreadable_migrations if n == "migrations" else c) for n, c in found]


def after_models(dist: Path = WEB_DIST) -> Checks:
    return [("web app", lambda: check_web(dist))]


def guarded(name: str, check: Callable[[], Check], explain: Callable[[Exception], str]) -> Check:
    """`check`'s answer, or its failure as `explain` words it ("what\\nfix"): one broken
    setting never hides the others."""
    try:
        return check()
    except Exception as exc:  # each check's failure in the boundary's words, never a traceback
        what, _, fix = explain(exc).partition("\n")
        return fail(name, what, fix or "see the message")


def explain_plainly(exc: Exception) -> str:
    """A check's failure without the model client's errors (the web process's `explain`):
    "what\nfix", the exception's first line redacted, never a traceback."""
    line = redact(" ".join(str(exc).split("\n", 1)[0].split()))[:300]
    if isinstance(exc, psycopg.OperationalError | psycopg_pool.PoolTimeout):
        return (
            f"cannot reach PostgreSQL: {line}\n"
            "Check DATABASE_URL (and DATABASE_MIGRATION_URL) and that the server runs."
        )
    if isinstance(exc, psycopg.Error):
        return f"PostgreSQL refused: {line}\nCheck that `morningai migrate` ran."
    if isinstance(exc, redis.exceptions.RedisError):
        return f"cannot reach Redis: {line}\nCheck REDIS_URL and that the server runs."
    if isinstance(exc, httpx.HTTPError):
        return f"cannot reach GitHub: {line}\nCheck GITHUB_API_URL and the network."
    return f"{type(exc).__name__}: {line}\nsee the server's log"
