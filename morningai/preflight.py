"""What a command checks before it starts: the model configured, the services answering, the
App's key a key, the checkout a checkout — each failing with a CliError in words."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
from openai import OpenAI, Timeout
from redis import Redis

from agents.llm import OpenAIChatModel
from core.settings import Settings
from jobs.runtime.setup_checks import private_key_problem
from morningai.errors import CliError

# interactive commands: a dead endpoint fails in seconds, not after a minute of retries; a
# slow answer still has the worker's two minutes
CLI_TIMEOUT = Timeout(120.0, connect=5.0)
CLI_RETRIES = 1
CONNECT_SECONDS = 5


def require_model(settings: Settings) -> None:
    """No key and no server: OpenAI would only refuse (or the network hang), so say so."""
    if settings.openai_api_key is None and not settings.openai_base_url:
        raise CliError(
            "no model is configured.\n"
            "Set OPENAI_API_KEY (OpenAI), or OPENAI_BASE_URL for an OpenAI-compatible server "
            "(Ollama, vLLM), and MORNINGAI_MODEL."
        )


def cli_chat_model(settings: Settings) -> OpenAIChatModel:
    """The configured model with a short connect timeout and one retry (README, Commands)."""
    require_model(settings)
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = OpenAI(
        api_key=key or "not-needed",  # local servers ignore the key
        base_url=settings.openai_base_url,
        max_retries=CLI_RETRIES,
        timeout=CLI_TIMEOUT,
    )
    return OpenAIChatModel(client, settings.morningai_model, settings.morningai_tool_calling)


def require_directory(repo: Path) -> None:
    if not repo.is_dir():
        raise CliError(f"{repo} is not a directory.\nGive --repo the path of a checkout.")


def require_checkout(repo: Path) -> None:
    """A git working tree (solve commits on a branch of it)."""
    require_directory(repo)
    done = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or done.stdout.strip() != "true":
        raise CliError(
            f"{repo} is not a git checkout.\n"
            "Give --repo a directory made by `git clone` (or run `git init` and commit there)."
        )


def reach_postgres(url: str) -> None:
    """Raise psycopg's OperationalError (the boundary words it) if nobody answers soon."""
    with psycopg.connect(url, connect_timeout=CONNECT_SECONDS):
        pass


def reach_redis(url: str) -> None:
    client = Redis.from_url(url, socket_connect_timeout=CONNECT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()


def require_app(settings: Settings) -> None:
    """The App's id and a private key that parses (GitHub would refuse anything else)."""
    missing = [
        name
        for name in settings.missing_github_settings()
        if name != "GITHUB_WEBHOOK_SECRET"  # the command line receives no webhooks
    ]
    if missing:
        raise CliError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set.\n"
            "Copy them from the App's settings page (README, Running in production)."
        )
    problem = private_key_problem(settings)
    if problem:
        raise CliError(problem)
