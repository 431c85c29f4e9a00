"""Property-based attack on POST /api/github/webhooks over real HTTP, against the real app with
real PostgreSQL and Redis: random bodies (bytes, JSON-ish, GitHub's own examples mutated,
non-UTF-8, deeply nested, huge), odd headers and every kind of bad signature.

Properties: never a 500; a bad signature stores nothing and enqueues nothing (401); a valid
signature over garbage gets 400 (or 200/202 when the event is ignored), never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from redis import Redis

from core.settings import Settings
from github_app.signature import sign
from morningai.embedded import DatabaseUrls
from tests.fakes.http import serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from web import create_app

SECRET = b"fuzz-webhook-secret"
Conn = psycopg.Connection[tuple[Any, ...]]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# GitHub's examples of what the app handles, plus two it ignores
EXAMPLES = [
    ("issues", "labeled"),
    ("issues", "opened"),
    ("issue_comment", "created"),
    ("pull_request", "closed"),
    ("installation", "created"),
    ("installation", "deleted"),
    ("installation_repositories", "added"),
    ("ping", None),
    ("star", "created"),
]
KEYS = [
    "action",
    "installation",
    "repository",
    "sender",
    "issue",
    "comment",
    "label",
    "id",
    "full_name",
    "login",
    "type",
    "number",
    "body",
    "name",
    "state",
    "locked",
    "pull_request",
    "repositories",
    "repositories_added",
    "account",
    "merged",
]
NASTY_TEXT = ["\x00", "a\x00b", "\ud800", "\udfff", "\u202e", "🙂", "/morningai code \x00"]


@pytest.fixture
def url(database: DatabaseUrls, redis_url: str, redis: Redis) -> Iterator[str]:
    app = create_app(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=database.app,
            redis_url=redis_url,
            github_webhook_secret=SECRET.decode(),
        )
    )
    with serve_wsgi(app) as served:
        yield served + "/api/github/webhooks"
    app.extensions["morningai"].close()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as client:
        yield client


# -- strategies ----------------------------------------------------------------------------

# what an HTTP header value can carry through gunicorn: printable Latin-1, no control bytes
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=250,
)
texts = st.one_of(st.text(max_size=40), st.sampled_from(NASTY_TEXT))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.floats(),  # NaN and ±Infinity included: Python's json writes and reads them
    texts,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), texts), children, max_size=5),
    ),
    max_leaves=20,
)


def _paths(node: Any, prefix: tuple[Any, ...] = (), depth: int = 0) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if depth < 3 and isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key), depth + 1)
    return found


@st.composite
def mutated_examples(draw: st.DrawFn) -> bytes:
    """One of GitHub's real examples, with one field (at any depth) replaced or removed."""
    event, action = draw(st.sampled_from(EXAMPLES))
    payload = webhook_example(event, action)
    payload.setdefault("installation", {"id": draw(st.integers(1, 10**6))})
    if event in ("issues", "issue_comment"):
        payload["sender"]["type"] = "User"
        payload.get("label", {})["name"] = "morningai"
        payload["issue"].update(state="open", locked=False)
    if event == "issue_comment":
        payload["comment"]["body"] = draw(st.sampled_from(["/morningai code", "/morningai ask x"]))
    path = draw(st.sampled_from(_paths(payload)))
    parent = payload
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()):
        parent[path[-1]] = draw(json_values)
    else:
        del parent[path[-1]]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"]))
    text = json.dumps(payload, ensure_ascii=draw(st.booleans()))
    return text.encode(encoding, errors="surrogatepass" if encoding != "latin-1" else "replace")


huge = st.one_of(
    st.integers(1_000, 200_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1_000, 100_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(4_400, 20_000).map(lambda n: b'{"installation": {"id": ' + b"9" * n + b"}}"),
    st.integers(1, 3).map(lambda mb: b'{"pad": "' + b"x" * (mb * 1024 * 1024) + b'"}'),
)
bodies = st.one_of(
    st.binary(max_size=2048),
    json_values.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    mutated_examples(),
    mutated_examples(),
    huge,
)
events = st.one_of(
    st.sampled_from([e for e, _ in EXAMPLES] + ["push", "", "ISSUES", " issues "]), header_text
)
deliveries = st.one_of(st.uuids().map(str), header_text, st.just(""), st.none())
content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-16",
        "application/x-www-form-urlencoded",
        "text/plain; charset=latin-1",
        "multipart/form-data; boundary=zz",
    ]
)
encodings = st.sampled_from([None, "gzip", "br", "identity"])


@st.composite
def bad_signatures(draw: st.DrawFn, body: bytes) -> str | None:
    valid = sign(SECRET, body)
    kind = draw(
        st.sampled_from(
            [
                "absent",
                "empty",
                "text",
                "random-hex",
                "sha1",
                "sha512",
                "upper-prefix",
                "upper-hex",
                "truncated",
                "extended",
                "other-bytes",
                "other-secret",
            ]
        )
    )
    digest = valid.removeprefix("sha256=")
    if kind == "absent":
        return None
    if kind == "empty":
        return ""
    if kind == "text":
        return draw(header_text.filter(lambda t: t.strip() != valid))
    if kind == "random-hex":
        return "sha256=" + draw(st.binary(min_size=32, max_size=32)).hex()
    if kind in ("sha1", "sha512"):
        algo = hashlib.sha1 if kind == "sha1" else hashlib.sha512
        return f"{kind}=" + hmac.new(SECRET, body, algo).hexdigest()
    if kind == "upper-prefix":
        return "SHA256=" + digest
    if kind == "upper-hex":
        return "sha256=" + digest.upper() if any(c.isalpha() for c in digest) else None
    if kind == "truncated":
        return valid[: draw(st.integers(0, len(valid) - 1))]
    if kind == "extended":
        return valid + draw(st.sampled_from(["0", "00", "é", ",sha256=" + digest]))
    if kind == "other-bytes":
        other = draw(st.binary(max_size=64).filter(lambda b: b != body))
        return sign(SECRET, other)
    return sign(b"not-" + SECRET, body)


def _headers(
    event: str | None, delivery: str | None, ctype: str | None, encoding: str | None
) -> dict[str, bytes]:
    headers: dict[str, bytes] = {"User-Agent": b"GitHub-Hookshot/fuzz"}
    for name, value in (
        ("X-GitHub-Event", event),
        ("X-GitHub-Delivery", delivery),
        ("Content-Type", ctype),
        ("Content-Encoding", encoding),
    ):
        if value is not None:  # HTTP drops a value's surrounding whitespace (h11 refuses it)
            headers[name] = value.strip(" \t").encode("latin-1")
    return headers


def _stored(owner_conn: Conn) -> tuple[int, ...]:
    row = owner_conn.execute(
        "SELECT (SELECT count(*) FROM webhook_deliveries), (SELECT count(*) FROM tasks),"
        " (SELECT count(*) FROM tenants), (SELECT count(*) FROM repositories)"
    ).fetchone()
    assert row is not None
    return tuple(int(n) for n in row)


def _reset(owner_conn: Conn, redis: Redis) -> None:
    """Between examples: DELETE of the few rows a delivery can make is far cheaper than TRUNCATE."""
    owner_conn.execute(
        "DELETE FROM task_events; DELETE FROM tasks; DELETE FROM webhook_deliveries;"
        " DELETE FROM repositories; DELETE FROM tenants"
    )
    redis.flushdb()


def _enqueued(redis: Redis) -> list[bytes]:
    return sorted(key for key in redis.keys("rq:*") if isinstance(key, bytes))


# -- properties ----------------------------------------------------------------------------


@FUZZ
@given(
    data=st.data(),
    body=bodies,
    event=events,
    delivery=deliveries,
    ctype=content_types,
    encoding=encodings,
)
def test_a_bad_signature_is_401_and_leaves_no_trace(
    url: str,
    http: httpx.Client,
    owner_conn: Conn,
    redis: Redis,
    clean_db: None,
    data: st.DataObject,
    body: bytes,
    event: str | None,
    delivery: str | None,
    ctype: str | None,
    encoding: str | None,
) -> None:
    signature = data.draw(bad_signatures(body))
    headers = _headers(event, delivery, ctype, encoding)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature.strip(" \t").encode("latin-1", "replace")
    response = http.post(url, content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["outcome"] == "unauthorized"
    # nothing stored, nothing enqueued (clean_db emptied the tables before the first example,
    # and no example may add a row, so none is cleaned between examples)
    assert _stored(owner_conn) == (0, 0, 0, 0)
    assert _enqueued(redis) == []


@FUZZ
@given(body=bodies, event=events, delivery=deliveries, ctype=content_types, encoding=encodings)
@example(
    body=b"[" * 100_000 + b"]" * 100_000, event="ping", delivery="d", ctype=None, encoding=None
)
@example(body=b'{"a": ' + b"1" * 5000 + b"}", event="ping", delivery="d", ctype=None, encoding=None)
@example(body=b'{"action": "a\\u0000b"}', event="ping", delivery="d", ctype=None, encoding=None)
@example(body=b'{"action": "\\ud800"}', event="issues", delivery="d", ctype=None, encoding=None)
@example(
    body=b'{"installation": {"id": 100000000000000000000}}',
    event="ping",
    delivery="d",
    ctype=None,
    encoding=None,
)
@example(
    body=b'{"repository": {"id": 1e400, "full_name": "a/b"}}',
    event="ping",
    delivery="d",
    ctype=None,
    encoding=None,
)
@example(
    body=b'{"repository": {"id": NaN, "full_name": "a/b"}}',
    event="ping",
    delivery="d",
    ctype=None,
    encoding=None,
)
def test_validly_signed_garbage_is_never_a_500(
    url: str,
    http: httpx.Client,
    owner_conn: Conn,
    redis: Redis,
    body: bytes,
    event: str | None,
    delivery: str | None,
    ctype: str | None,
    encoding: str | None,
) -> None:
    _reset(owner_conn, redis)
    headers = _headers(event, delivery, ctype, encoding)
    headers["X-Hub-Signature-256"] = sign(SECRET, body).encode()
    response = http.post(url, content=body, headers=headers)
    assert response.status_code in (200, 202, 400), (response.status_code, response.text[:300])
    answer = response.json()
    note_event(
        f"{response.status_code} {answer['outcome']}"
    )  # the spread, for --hypothesis-show-statistics
    if response.status_code == 400:
        assert answer["outcome"] == "rejected"
        assert _stored(owner_conn)[1] == 0  # a rejected delivery creates no task
        assert _enqueued(redis) == []
    else:
        assert answer["outcome"] in ("ignored", "accepted", "duplicate")


def test_a_signature_on_another_delivery_cannot_be_replayed_onto_new_bytes(
    url: str, http: httpx.Client, owner_conn: Conn, redis: Redis, clean_db: None
) -> None:
    """A captured (body, signature) pair signs exactly that body: appending to the body,
    re-serialising it (GitHub signs compact JSON) or changing one field breaks it."""
    payload = webhook_example("issues", "labeled")
    payload["installation"] = {"id": 77}
    original = json.dumps(payload, separators=(",", ":")).encode()
    captured = sign(SECRET, original)
    for forged in (
        original + b" ",
        json.dumps(payload).encode(),  # same JSON, different bytes
        original.replace(b'"labeled"', b'"opened"'),
    ):
        headers = {
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": captured,
            "Content-Type": "application/json",
        }
        assert http.post(url, content=forged, headers=headers).status_code == 401
    assert _stored(owner_conn) == (0, 0, 0, 0)
    assert _enqueued(redis) == []
