"""The `morningai` console script as a real process, with an environment made from settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.settings import Settings

MORNINGAI = str(Path(sys.executable).parent / "morningai")


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_"))
    }
    return subprocess.run(
        [MORNINGAI, *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd="/",
    )


def worker_env(settings: Settings, stale_seconds: int) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_"))
    }
    assert settings.github_private_key is not None
    assert settings.openai_api_key is not None
    return {
        **keep,
        "DATABASE_URL": settings.require_database_url(),
        "REDIS_URL": settings.require_redis_url(),
        "GITHUB_APP_ID": str(settings.github_app_id),
        "GITHUB_PRIVATE_KEY": settings.github_private_key.get_secret_value(),
        "GITHUB_API_URL": settings.github_api_url,
        "OPENAI_API_KEY": settings.openai_api_key.get_secret_value(),
        "OPENAI_BASE_URL": str(settings.openai_base_url),
        "MORNINGAI_MODEL": settings.morningai_model,
        "TASK_STALE_SECONDS": str(stale_seconds),
        "LOG_LEVEL": "WARNING",
    }
