"""The secrets scan the `test_attack_secrets*` flows share: every secret the configuration
holds and every credential the simulator issued, every log record at DEBUG (all loggers,
tracebacks included), and the places the app writes — PostgreSQL, Redis, GitHub — searched
for them, whole and in parts (each line of the private key, each part of a JWT, the
`x-access-token:` of a clone URL)."""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import jwt
import psycopg
from cryptography.hazmat.primitives import serialization
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from redis import Redis

from core.settings import Settings
from simulator import GitHubSimulator
from tests.support.simulated import OWNER, REPO, git

Conn = psycopg.Connection[tuple[Any, ...]]

# the libraries whose DEBUG records could carry a header, a URL or a request body
LIBRARY_LOGGERS = (
    "githubkit",
    "httpx",
    "httpcore",
    "openai",
    "psycopg",
    "psycopg.pool",
    "rq",
    "rq.worker",
    "urllib3",
    "werkzeug",
    "langgraph",
)
NOT_THE_APP = ("simulator", "werkzeug")
# a record's own attributes; anything else on it was attached by a caller (`extra=`)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "ids", "context_ids"}
_URL_TOKEN = re.compile(r"[?&]token=([^&#\s]+)")
_JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")
_SIGNATURE_ONLY = {
    "verify_exp": False,
    "verify_iat": False,
    "verify_nbf": False,
    "verify_aud": False,
    "verify_iss": False,
}
# the part of a secret that is shown when a long secret is cut ("ghs_abcd…", "…wxyz")
_PIECE = 20


def _settings_secrets(settings: Settings) -> dict[str, str]:
    named = {
        "openai_api_key": settings.openai_api_key,
        "github_webhook_secret": settings.github_webhook_secret,
        "github_client_secret": settings.github_client_secret,
        "morningai_secret_key": settings.morningai_secret_key,
        "slack_signing_secret": settings.slack_signing_secret,
        "slack_client_secret": settings.slack_client_secret,
        "discord_bot_token": settings.discord_bot_token,
        "telegram_bot_token": settings.telegram_bot_token,
        "telegram_webhook_secret": settings.telegram_webhook_secret,
        "metrics_token": settings.metrics_token,
    }
    found = {name: value.get_secret_value() for name, value in named.items() if value}
    if settings.morningai_secret_key:
        raw = base64.b64decode(settings.morningai_secret_key.get_secret_value())
        if raw.isascii() and raw.decode().isprintable():
            found["morningai_secret_key (decoded)"] = raw.decode()
    password = conninfo_to_dict(settings.database_url or "").get("password")
    if password:
        found["database password"] = str(password)
    if settings.github_private_key is not None:
        pem = settings.github_private_key.get_secret_value()
        body = [line for line in pem.splitlines() if line.strip() and "-----" not in line]
        found.update({f"private key line {n}": line for n, line in enumerate(body, 1)})
    return found


def issued_secrets(sim: GitHubSimulator) -> dict[str, str]:
    """What the simulator handed out during the test: installation tokens, user tokens,
    refresh tokens, and the archive tokens in its tarball redirects (GitHub's codeload URLs
    carry one: whoever has the URL downloads a private repository). (It keeps no
    `Authorization` header it was shown, so the App's JWTs are found by their signature
    instead: `app_jwts`.)"""
    redirects = [
        value
        for ex in sim.requests
        for name, value in ex.response_headers.items()
        if name.lower() == "location"
    ]
    archive_tokens = sorted({t for url in redirects for t in _URL_TOKEN.findall(url)})
    with sim.world.lock:
        return {
            **{f"installation token {n}": t for n, t in enumerate(sim.world.tokens)},
            **{f"user token {n}": t for n, t in enumerate(sim.world.user_tokens)},
            **{f"refresh token {n}": t for n, t in enumerate(sim.world.refresh_tokens)},
            **{f"archive token {n}": t for n, t in enumerate(archive_tokens)},
        }


def all_secrets(settings: Settings, sim: GitHubSimulator) -> dict[str, str]:
    return {**_settings_secrets(settings), **issued_secrets(sim)}


@functools.cache
def _public_key(private_key_pem: str) -> Any:
    try:
        return serialization.load_pem_private_key(private_key_pem.encode(), None).public_key()
    except ValueError:  # a malformed key signs nothing
        return None


def app_jwts(text: str, private_key_pem: str | None) -> list[str]:
    """The JWTs in `text` signed with the App's key (any of them is a credential)."""
    key = _public_key(private_key_pem) if private_key_pem else None
    if key is None:
        return []
    found = []
    for candidate in set(_JWT.findall(text)):
        try:
            jwt.decode(candidate, key, algorithms=["RS256"], options=_SIGNATURE_ONLY)
        except jwt.PyJWTError:
            continue
        found.append(candidate)
    return found


def hits(
    secrets: Mapping[str, str], where: str, text: str, app_key: str | None = None
) -> list[str]:
    """Each secret found in `text`, whole or cut (its first or last 20 characters), any
    clone URL with a credential, and any JWT signed with the App's key `app_key`."""
    found = [f"a JWT of the App in {where}" for _ in app_jwts(text, app_key)]
    for name, value in secrets.items():
        if len(value) < 8:
            continue
        pieces = {value} | (
            {value[:_PIECE], value[-_PIECE:]} if len(value) >= 2 * _PIECE else set()
        )
        if any(piece in text for piece in pieces):
            found.append(f"{name} in {where}")
    # a clone URL with its credential, whatever the token is
    clone_urls = re.findall(r"x-access-token:[A-Za-z0-9_.-]{8,}@", text)
    found += [f"an x-access-token URL in {where}" for _ in clone_urls]
    return found


class Everything(logging.Handler):
    """Keeps every record as text, formatted when it is emitted (while its traceback is
    live): the message, its raw `msg` and `args`, what callers attached, the exception with
    its chain (as a formatter writes it: `exc_text` once set) and the stack.

    Not the test's own servers' records (`NOT_THE_APP`): the simulator's and werkzeug's
    access lines (which serves the simulator and the model server too; the product's
    gunicorn logs request paths without their query)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.format_exception = logging.Formatter().formatException

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(NOT_THE_APP):
            return
        try:
            message = record.getMessage()
        except Exception:  # a caller's bad format string: keep its parts anyway
            message = ""
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        parts = [f"{record.name} {record.levelname} {message}", repr(record.msg), repr(record.args)]
        parts.append(repr(extra))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.format_exception(record.exc_info)
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        self.lines.append("\n".join(parts))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def everything_logged() -> Iterator[Everything]:
    """Every logger at DEBUG, the root and the libraries', and every record kept — also those
    of loggers that do not propagate to the root."""
    handler = Everything()
    root = logging.getLogger()
    names = set(LIBRARY_LOGGERS) | set(logging.root.manager.loggerDict)
    loggers = [root, *(logging.getLogger(name) for name in sorted(names))]
    levels = [(logger, logger.level) for logger in loggers]
    attached = [logger for logger in loggers if logger is root or not logger.propagate]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    for logger in attached:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in attached:
            logger.removeHandler(handler)
        for logger, level in levels:
            logger.setLevel(level)


def answer_text(answer: httpx.Response) -> str:
    """An HTTP answer as a person or GitHub sees it: status, headers and body."""
    headers = "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
    return f"{answer.status_code} {answer.request.url}\n{headers}\n{answer.text}"


def database_text(owner_conn: Conn) -> dict[str, str]:
    """Every row of every table, by table (tasks.error, task_events, deliveries, checkpoints
    …); bytes (checkpoint blobs) decoded as Latin-1 so that any ASCII secret inside them shows
    verbatim."""
    tables = [
        r[0]
        for r in owner_conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    dumped: dict[str, str] = {}
    for table in tables:
        rows = owner_conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
        values = [
            bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
            for row in rows
            for v in row
        ]
        dumped[table] = "\n".join(values)
    return dumped


def _inflated(value: bytes) -> list[bytes]:
    """`value`, and its inflated form when it is compressed: zlib (RQ's job data, exc_info)
    or base64 of zlib (the exc_string of RQ's results)."""
    for decode in (lambda v: v, lambda v: base64.b64decode(v, validate=True)):
        try:
            return [value, zlib.decompress(decode(value))]
        except (zlib.error, ValueError):
            continue
    return [value]


def _redis_values(client: Redis, key: bytes) -> list[bytes]:
    redis: Any = client  # without decode_responses it answers bytes, which its types omit
    kind = redis.type(key)
    if kind == b"hash":
        return [
            part
            for field, value in redis.hgetall(key).items()
            for part in [field, *_inflated(value)]
        ]
    if kind == b"string":
        return _inflated(redis.get(key) or b"")
    if kind == b"list":
        return [part for v in redis.lrange(key, 0, -1) for part in _inflated(v)]
    if kind == b"set":
        return list(redis.smembers(key))
    if kind == b"zset":
        return [m for m, _ in redis.zrange(key, 0, -1, withscores=True)]
    if kind == b"stream":  # RQ's results: a failed job's exc_string among them
        return [
            part
            for _, fields in redis.xrange(key)
            for field, value in fields.items()
            for part in [field, *_inflated(value)]
        ]
    return [kind]


def redis_text(redis: Redis) -> dict[str, str]:
    """Every key and its values — RQ's queues, jobs (data inflated), failed jobs' exc_info,
    results, schedules — but githubkit's token cache (`morningai:github:`), which is where
    installation tokens are meant to be, shared by the workers."""
    dumped: dict[str, str] = {}
    for key in redis.scan_iter():
        name = key.decode("latin-1")
        if name.startswith("morningai:github:"):
            continue
        dumped[name] = "\n".join([name, *(v.decode("latin-1") for v in _redis_values(redis, key))])
    return dumped


def github_text(sim: GitHubSimulator) -> dict[str, str]:
    """Comments (with earlier bodies), pull requests, and every branch's commits and files."""
    dumped: dict[str, str] = {}
    with sim.world.lock:
        numbers = list(sim.world.repo(OWNER, REPO).issues)  # type: ignore[union-attr]
    for number in numbers:
        for c in sim.comments(OWNER, REPO, number):
            dumped[f"comment {c['id']} on #{number}"] = "\n".join([c["body"], *c["body_history"]])
    for pr in sim.pulls(OWNER, REPO):
        dumped[f"PR #{pr['number']}"] = f"{pr['title']}\n{pr['body']}"
    for branch in git(sim, "for-each-ref", "--format=%(refname)", "refs/heads").split():
        # every commit's message, author, committer and full patch on the branch
        dumped[branch] = git(sim, "log", "-p", "--format=%H%n%an <%ae>%n%cn <%ce>%n%B", branch)
    return dumped


def model_requests_text(requests: list[Any]) -> str:
    """What the model was sent (bodies: the Authorization header is where its key belongs)."""
    return json.dumps([r.json for r in requests])


def everywhere(
    secrets: Mapping[str, str],
    *,
    logs: str,
    owner_conn: Conn,
    redis: Redis,
    sim: GitHubSimulator,
    answers: Iterable[httpx.Response] = (),
    more: Mapping[str, str] | None = None,
) -> list[str]:
    """Every place a secret of `secrets` (or a JWT the simulator's App key signed) was found:
    the logs, every table, every Redis key, GitHub (comments, pull requests, commits), the
    HTTP answers and `more` (name → text)."""
    texts = {"the logs": logs}
    texts.update({f"table {table}": text for table, text in database_text(owner_conn).items()})
    texts.update({f"redis {key}": text for key, text in redis_text(redis).items()})
    texts.update(github_text(sim))
    for n, answer in enumerate(answers):
        texts[f"answer {n} to {answer.request.url.path}"] = answer_text(answer)
    texts.update(more or {})
    return [
        hit
        for where, text in texts.items()
        for hit in hits(secrets, where, text, sim.private_key_pem)
    ]
