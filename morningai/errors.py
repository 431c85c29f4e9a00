"""The command line's error boundary: an exception a person can cause or meet, turned into one
or two lines saying what is wrong and what to do — pure, no secret in the words."""

from __future__ import annotations

from dataclasses import dataclass

import openai
import psycopg
import psycopg_pool
import pydantic
import redis.exceptions

from core.logs import redact
from jobs.runtime.setup_checks import where

CONFIG_EXIT = 2  # a setting, a service or an argument is wrong: nothing was done
FAILED_EXIT = 1  # the work itself failed


class CliError(Exception):
    """A failure the command recognised itself, already in words for the person at the
    terminal (what is wrong; what to do)."""

    def __init__(self, message: str, exit_code: int = CONFIG_EXIT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Explained:
    message: str
    exit_code: int


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split("\n", 1)[0].split())
    return redact(text)[:300]


def _model(exc: openai.OpenAIError) -> str:
    url = where(str(exc.request.url)) if isinstance(exc, openai.APIError) else ""
    at = f" at {url}" if url else ""
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return (
            f"the model server{at} refused the API key ({exc.status_code}).\n"
            "Check OPENAI_API_KEY (and OPENAI_BASE_URL, if the key belongs to another server)."
        )
    if isinstance(exc, openai.NotFoundError):
        return (
            f"the model server{at} does not know the model (404).\n"
            "Check MORNINGAI_MODEL (and OPENAI_BASE_URL)."
        )
    if isinstance(exc, openai.APIConnectionError):  # APITimeoutError is one too
        return (
            f"the model server{at} did not answer ({type(exc).__name__}).\n"
            "Check OPENAI_BASE_URL and that the server runs, or set OPENAI_API_KEY for OpenAI."
        )
    if isinstance(exc, openai.APIStatusError):
        return (
            f"the model server{at} answered {exc.status_code}: {_first_line(exc)}\n"
            "Check OPENAI_BASE_URL, OPENAI_API_KEY and MORNINGAI_MODEL, or try again later."
        )
    return f"the model client failed: {_first_line(exc)}"


def _settings(exc: pydantic.ValidationError) -> str:
    names = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ())) or "settings"
        names.append(f"{field.upper()}: {error.get('msg', 'invalid')}")
    return (
        "a setting is malformed: " + "; ".join(names) + "\n"
        "Fix it in the environment or in .env (README, Settings)."
    )


def explain(exc: BaseException) -> Explained:
    """What to tell the person about `exc`, and the exit status."""
    if isinstance(exc, CliError):
        return Explained(str(exc), exc.exit_code)
    if isinstance(exc, openai.OpenAIError):
        return Explained(_model(exc), CONFIG_EXIT)
    if isinstance(exc, psycopg.OperationalError | psycopg_pool.PoolTimeout):
        return Explained(
            f"cannot reach PostgreSQL: {_first_line(exc)}\n"
            "Check DATABASE_URL (and DATABASE_MIGRATION_URL) and that the server runs; "
            "`make run` starts an embedded one.",
            CONFIG_EXIT,
        )
    if isinstance(exc, psycopg.Error):
        return Explained(
            f"PostgreSQL refused: {_first_line(exc)}\n"
            "Check that `morningai migrate` ran and that DATABASE_URL names the right database.",
            CONFIG_EXIT,
        )
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return Explained(
            f"cannot reach Redis: {_first_line(exc)}\n"
            "Check REDIS_URL and that the server runs; `make run` starts an embedded one.",
            CONFIG_EXIT,
        )
    if isinstance(exc, redis.exceptions.RedisError):
        return Explained(f"Redis refused: {_first_line(exc)}\nCheck REDIS_URL.", CONFIG_EXIT)
    if isinstance(exc, pydantic.ValidationError):
        return Explained(_settings(exc), CONFIG_EXIT)
    if isinstance(exc, OSError) and exc.filename is not None:
        return Explained(
            f"cannot read {exc.filename}: {exc.strerror or type(exc).__name__}.\n"
            "Check the path (e.g. GITHUB_PRIVATE_KEY_PATH, --repo).",
            CONFIG_EXIT,
        )
    if isinstance(exc, RuntimeError):  # our configuration checks raise these, in words
        return Explained(redact(str(exc)), CONFIG_EXIT)
    return Explained(
        f"unexpected {type(exc).__name__}: {_first_line(exc)}\n"
        "Run again with --debug for the traceback.",
        FAILED_EXIT,
    )
