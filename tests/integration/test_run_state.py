"""`morningai status` beside `make run`: `.morningai/run.json` names the embedded services; the
console script in that directory uses them with nothing set, says clearly when they are gone,
and lets explicit settings win."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

from morningai.embedded import DatabaseUrls
from morningai.runstate import STATE_FILE, remove_state, write_state
from tests.support.paths import ROOT

MORNINGAI = str(Path(sys.executable).parent / "morningai")
PROJECT = ("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_", "MORNINGAI_", "LOG_")


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT)}
    return subprocess.run(
        [MORNINGAI, *args],
        env={**keep, **(env or {})},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=cwd,
    )


def test_status_finds_the_services_of_make_run(
    database: DatabaseUrls, redis_url: str, tmp_path: Path
) -> None:
    urls = {"DATABASE_URL": database.app, "REDIS_URL": redis_url, "OTHER": "x"}
    write_state(tmp_path / STATE_FILE, urls)
    written = tmp_path / STATE_FILE
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert set(json.loads(written.read_text())) == {"pid", "DATABASE_URL", "REDIS_URL"}
    result = cli("status", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "MorningAI status at" in result.stdout
    remove_state(written)
    assert not written.exists()
    remove_state(written)  # twice: no error


def test_a_stale_state_file_says_make_run_is_not_running(tmp_path: Path) -> None:
    stale = {"DATABASE_URL": "postgresql://morningai_app@127.0.0.1:1/morningai"}
    write_state(tmp_path / STATE_FILE, {**stale, "REDIS_URL": "redis://127.0.0.1:1/0"})
    result = cli("status", cwd=tmp_path)
    assert result.returncode == 2
    assert "`make run` is not running" in result.stderr
    assert "PostgreSQL at 127.0.0.1:1" in result.stderr
    assert "set DATABASE_URL and REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_explicit_settings_win_over_the_state_file(
    database: DatabaseUrls, redis_url: str, tmp_path: Path
) -> None:
    stale = {"DATABASE_URL": "postgresql://x@127.0.0.1:1/x", "REDIS_URL": "redis://127.0.0.1:1/0"}
    write_state(tmp_path / STATE_FILE, stale)
    env = {"DATABASE_URL": database.app, "REDIS_URL": redis_url}
    result = cli("status", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    # one setting given, the other from the file: the given one is used, the file fills the rest
    write_state(tmp_path / STATE_FILE, {**stale, "REDIS_URL": redis_url})
    partly = cli("status", cwd=tmp_path, env={"DATABASE_URL": database.app})
    assert partly.returncode == 0, partly.stderr


def test_morningai_run_writes_the_file_and_removes_it(tmp_path: Path) -> None:
    """The real `morningai run` (embedded PostgreSQL and Valkey under tmp_path/.morningai):
    the file appears once the services are up, `morningai status` beside it works with
    nothing set, and a clean stop (SIGINT) removes the file."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT)}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = str(ROOT / "gunicorn_config.py")
    env = {**keep, "PORT": str(port), "WEB_CONCURRENCY": "1", "LOG_LEVEL": "WARNING"}
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [MORNINGAI, "run", "--config", config],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    state = tmp_path / STATE_FILE
    try:
        deadline = time.monotonic() + 120
        while not state.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert state.exists(), log.read_text()
        assert stat.S_IMODE(state.stat().st_mode) == 0o600
        result = cli("status", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "MorningAI status at" in result.stdout
    finally:
        run.send_signal(signal.SIGINT)
        assert run.wait(60) == 0, log.read_text()
    assert not state.exists()
