"""`morningai doctor` against the test services: every check holds on a good configuration, and
each broken setting fails its own check naming the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from redis import Redis
from rq import Worker

from core.settings import Settings
from morningai.doctor import Check, check_role, passed, render, run_checks
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.support.simulated import OWNER, SECRET

MORNINGAI = str(Path(sys.executable).parent / "morningai")
API_KEY = "sk-doctor-secret-0123456789"
NOT_A_KEY = "-----BEGIN RSA PRIVATE KEY-----\nnot-a-key\n-----END RSA PRIVATE KEY-----"


@pytest.fixture
def worker(redis: Redis) -> Iterator[Worker]:
    """An RQ worker registered as alive (what `morningai worker` does at start)."""
    alive = Worker(["default"], connection=redis)
    alive.register_birth()
    yield alive
    alive.register_death()


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    built = tmp_path / "dist"
    built.mkdir()
    (built / "index.html").write_text("<!doctype html>")
    return built


@pytest.fixture
def good(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator, model: ScriptedModelServer
) -> dict[str, str]:
    sim.add_installation(OWNER)
    return {
        "DATABASE_URL": database.app,
        "DATABASE_MIGRATION_URL": database.owner,
        "REDIS_URL": redis_url,
        "GITHUB_APP_ID": str(sim.app_id),
        "GITHUB_PRIVATE_KEY": sim.private_key_pem,
        "GITHUB_API_URL": sim.url,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "OPENAI_BASE_URL": model.base_url,
        "OPENAI_API_KEY": API_KEY,
        "MORNINGAI_EMBEDDING_MODEL": "text-embedding-3-small",
    }


def settings_from(env: dict[str, str]) -> Settings:
    return Settings(_env_file=None, **{k.lower(): v for k, v in env.items()})  # type: ignore[arg-type]


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


@pytest.mark.usefixtures("worker")
def test_doctor_passes_through_the_console_script(
    good: dict[str, str], model: ScriptedModelServer, tmp_path: Path
) -> None:
    model.expect_chat("OK")
    model.expect_embeddings(dim=8)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(tuple(good))}
    result = subprocess.run(
        [MORNINGAI, "doctor"],
        env={**keep, **good},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=tmp_path,
    )
    # web/dist is this checkout's build: `make test` builds it; without it, that row alone fails
    rows = [line for line in result.stdout.splitlines() if line.startswith(("✓", "!", "✗", "-"))]
    assert [r for r in rows if r.startswith("✗") and "web app" not in r] == [], result.stdout
    assert len(rows) == 10
    assert API_KEY not in result.stdout + result.stderr
    assert "PRIVATE KEY" not in result.stdout + result.stderr
    built = all(not r.startswith("✗") for r in rows)
    assert result.returncode == (0 if built else 1)


@pytest.mark.usefixtures("worker")
def test_every_check_holds(good: dict[str, str], model: ScriptedModelServer, dist: Path) -> None:
    model.expect_chat("OK")
    model.expect_embeddings(dim=8)
    checks = run_checks(settings_from(good), dist=dist)
    assert passed(checks), render(checks)
    # the sandbox is the host's: a warning where bubblewrap cannot run (its own test below)
    assert {c.status for c in checks if c.name != "sandbox"} == {"ok"}
    assert "1 installation(s)" in by_name(checks)["GitHub App"].detail


@pytest.mark.usefixtures("worker")
def test_embeddings_unset_is_not_a_failure(
    good: dict[str, str], model: ScriptedModelServer, dist: Path
) -> None:
    model.expect_chat("OK")
    env = {k: v for k, v in good.items() if k != "MORNINGAI_EMBEDDING_MODEL"}
    checks = run_checks(settings_from(env), dist=dist)
    assert passed(checks), render(checks)
    assert by_name(checks)["embedding model"].status == "off"


BROKEN = [
    ("DATABASE_URL", "postgresql://morningai_app:pw@127.0.0.1:1/x", "PostgreSQL", "DATABASE_URL"),
    ("REDIS_URL", "redis://127.0.0.1:1/0", "Redis and workers", "Check REDIS_URL"),
    ("GITHUB_PRIVATE_KEY", NOT_A_KEY, "GitHub App", "Private keys"),
    ("GITHUB_APP_ID", "999999", "GitHub App", "check GITHUB_APP_ID"),
    ("GITHUB_WEBHOOK_SECRET", None, "webhook secret", "Webhook secret"),
    ("OPENAI_BASE_URL", "http://127.0.0.1:1/v1", "model", "Check OPENAI_BASE_URL"),
]


@pytest.mark.usefixtures("worker")
@pytest.mark.parametrize(("setting", "value", "check", "fix"), BROKEN)
def test_each_broken_setting_names_its_fix(
    good: dict[str, str],
    model: ScriptedModelServer,
    dist: Path,
    setting: str,
    value: str | None,
    check: str,
    fix: str,
) -> None:
    if setting != "OPENAI_BASE_URL":
        model.expect_chat("OK")
        model.expect_embeddings(dim=8)
    else:
        model.allow_unused("the model is pointed elsewhere")
    env = {k: v for k, v in good.items() if k != setting}
    if value is not None:
        env[setting] = value
    checks = by_name(run_checks(settings_from(env), dist=dist))
    assert not passed(list(checks.values()))
    broken = [c.name for c in checks.values() if c.status == "fail"]
    assert check in broken, broken
    assert fix in checks[check].fix, checks[check]
    text = render(list(checks.values()))
    assert "pw@" not in text
    assert "not-a-key" not in text


def test_no_worker_and_no_web_build_are_named(
    good: dict[str, str], model: ScriptedModelServer, tmp_path: Path
) -> None:
    model.expect_chat("OK")
    model.expect_embeddings(dim=8)
    checks = by_name(run_checks(settings_from(good), dist=tmp_path / "missing"))
    assert checks["Redis and workers"].status == "fail"
    assert "morningai worker" in checks["Redis and workers"].fix
    assert checks["web app"].status == "fail"
    assert "make webapp" in checks["web app"].fix


@pytest.mark.usefixtures("worker")
def test_missing_settings_and_unmigrated_database_are_named(
    good: dict[str, str], model: ScriptedModelServer, dist: Path, pg_admin_url: str
) -> None:
    model.expect_chat("OK")
    model.expect_embeddings(dim=8)
    env = {k: v for k, v in good.items() if k != "GITHUB_APP_ID"}
    env["DATABASE_MIGRATION_URL"] = pg_admin_url  # the server's own database: nothing applied
    checks = by_name(run_checks(settings_from(env), dist=dist))
    assert checks["settings"].status == "fail"
    assert "GITHUB_APP_ID" in checks["settings"].detail
    assert checks["migrations"].status == "fail"
    assert "morningai migrate" in checks["migrations"].fix


def test_a_role_that_bypasses_row_level_security_fails(database: DatabaseUrls) -> None:
    with psycopg.connect(database.admin) as conn:  # the superuser, as the app must never be
        check = check_role(conn, "here")
    assert check.status == "fail"
    assert "morningai_app" in check.fix
