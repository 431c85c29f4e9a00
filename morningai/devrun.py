"""`morningai run` / `make run`: provide services, migrate, run gunicorn and one worker."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.secrets_at_rest import new_key
from morningai.embedded import EmbeddedRedis, provision_database, start_postgres
from morningai.runstate import STATE_FILE, remove_state, write_state
from morningai.schema import migrate_all

log = logging.getLogger("morningai.run")
RUN_STATE = STATE_FILE.name  # under data_dir, `.morningai` by default


def _services(
    data_dir: Path, env: dict[str, str], embedded: dict[str, str]
) -> EmbeddedRedis | None:
    """Fill DATABASE_URL / REDIS_URL in `env` with embedded servers where they are unset
    (and in `embedded`, which `.morningai/run.json` tells the command line)."""
    if not env.get("DATABASE_URL"):
        admin = start_postgres(data_dir / "postgres")
        urls = provision_database(admin, "morningai")
        env["DATABASE_URL"] = urls.app
        env["DATABASE_MIGRATION_URL"] = urls.owner
        embedded.update(DATABASE_URL=urls.app, DATABASE_MIGRATION_URL=urls.owner)
        log.info("embedded PostgreSQL (pgvector) running, data in %s", data_dir / "postgres")
    redis = None
    if not env.get("REDIS_URL"):
        redis = EmbeddedRedis(data_dir / "redis")
        env["REDIS_URL"] = embedded["REDIS_URL"] = redis.start()
    return redis


def local_secret_key(data_dir: Path, env: dict[str, str]) -> None:
    """Fill MORNINGAI_SECRET_KEY in `env` when unset, from `data_dir/secret_key` (made once,
    readable by its owner only): the App registered at setup stays readable across restarts.
    Lose the file and the stored App is lost with it."""
    if env.get("MORNINGAI_SECRET_KEY"):
        return
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(new_key() + "\n")
        log.info("made the key for secrets at rest in %s (keep it with the database)", path)
    env["MORNINGAI_SECRET_KEY"] = path.read_text(encoding="ascii").strip()


def run_all(data_dir: str, config: str) -> int:
    env = dict(os.environ)
    embedded: dict[str, str] = {}
    redis = _services(Path(data_dir).resolve(), env, embedded)
    local_secret_key(Path(data_dir).resolve(), env)
    applied = migrate_all(env.get("DATABASE_MIGRATION_URL") or env["DATABASE_URL"])
    log.info("migrations applied: %s", applied or "none (up to date)")
    state = Path(data_dir).resolve() / RUN_STATE
    if embedded:
        write_state(state, embedded)
    exe = Path(sys.executable).parent
    children = [
        subprocess.Popen([str(exe / "gunicorn"), "-c", config, "web.wsgi:app"], env=env),
        subprocess.Popen([str(exe / "morningai"), "worker"], env=env),
    ]
    log.info(
        "web app on port %s and a worker (with its stop lane) started; Ctrl-C stops all",
        env.get("PORT", "8000"),
    )
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        remove_state(state)
        if redis is not None:
            redis.stop()
    return 0 if stopping else 1
