"""The command line's error boundary (morningai.errors.explain) — pure: exception in, words and
an exit status out, never a secret."""

from __future__ import annotations

import httpx
import openai
import psycopg
import pydantic
import pytest
import redis.exceptions

from jobs.runtime.setup_checks import where
from morningai.errors import CONFIG_EXIT, FAILED_EXIT, CliError, explain

REQUEST = httpx.Request("POST", "http://user:hunter2@model.local:11434/v1/chat/completions")


def _status(cls: type[openai.APIStatusError], code: int) -> openai.APIStatusError:
    response = httpx.Response(code, request=REQUEST, json={"error": {"message": "no"}})
    return cls("no", response=response, body=None)


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (openai.APIConnectionError(request=REQUEST), "did not answer"),
        (openai.APITimeoutError(request=REQUEST), "did not answer"),
        (_status(openai.AuthenticationError, 401), "refused the API key (401)"),
        (_status(openai.NotFoundError, 404), "MORNINGAI_MODEL"),
        (_status(openai.InternalServerError, 503), "answered 503"),
        (psycopg.OperationalError("connection failed: refused"), "cannot reach PostgreSQL"),
        (redis.exceptions.ConnectionError("Error 111 connecting"), "cannot reach Redis"),
        (FileNotFoundError(2, "No such file or directory", "/k.pem"), "cannot read /k.pem"),
        (RuntimeError("DATABASE_URL is not set"), "DATABASE_URL is not set"),
        (CliError("no model is configured."), "no model is configured."),
    ],
)
def test_each_failure_is_worded(exc: Exception, words: str) -> None:
    explained = explain(exc)
    assert words in explained.message
    assert explained.exit_code == CONFIG_EXIT
    assert "hunter2" not in explained.message
    assert len(explained.message.splitlines()) <= 2


def test_model_errors_name_the_server_without_credentials() -> None:
    message = explain(openai.APIConnectionError(request=REQUEST)).message
    assert "http://model.local:11434" in message
    assert "user" not in message


def test_a_malformed_setting_is_named() -> None:
    class Port(pydantic.BaseModel):
        port: int

    with pytest.raises(pydantic.ValidationError) as caught:
        Port(port="eighty")  # type: ignore[arg-type]
    assert explain(caught.value).message.startswith("a setting is malformed: PORT")


def test_unknown_failures_point_at_debug() -> None:
    explained = explain(KeyError("x"))
    assert explained.exit_code == FAILED_EXIT
    assert "--debug" in explained.message


def test_where_keeps_only_scheme_host_and_port() -> None:
    assert where("postgresql://u:secret@db:5432/x?sslmode=require") == "postgresql://db:5432"
    assert where(None) == "an unknown address"
    assert where("not a url") == "an unparseable address"
