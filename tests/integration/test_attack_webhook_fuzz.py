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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from redis import Redis

from core.settings import Settings
from core.task_kinds import kind_of
from github_app.signature import sign
from jobs.runtime.queues import job_id
from morningai.embedded import DatabaseUrls
from tests.fakes.http import serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from tests.support import well_formed as wf
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


# -- well-formed deliveries of every handled event, fields mutated -------------------------

# the fields the app reads, tried more often than the rest of the payload
READ = [
    ("action",),
    ("installation",),
    ("installation", "id"),
    ("installation", "account"),
    ("installation", "account", "login"),
    ("installation", "account", "id"),
    ("installation", "account", "type"),
    ("installation", "permissions"),
    ("repository",),
    ("repository", "id"),
    ("repository", "full_name"),
    ("repository", "private"),
    ("sender",),
    ("sender", "login"),
    ("sender", "type"),
    ("sender", "id"),
    ("issue",),
    ("issue", "number"),
    ("issue", "state"),
    ("issue", "locked"),
    ("issue", "labels"),
    ("issue", "pull_request"),
    ("label",),
    ("label", "name"),
    ("comment",),
    ("comment", "body"),
    ("comment", "id"),
    ("comment", "pull_request_review_id"),
    ("review",),
    ("review", "id"),
    ("review", "state"),
    ("review", "body"),
    ("pull_request",),
    ("pull_request", "state"),
    ("pull_request", "number"),
    ("pull_request", "merged"),
    ("pull_request", "merged_at"),
    ("pull_request", "closed_at"),
    ("pull_request", "merge_commit_sha"),
    ("pull_request", "head"),
    ("pull_request", "head", "ref"),
    ("pull_request", "head", "repo"),
    ("pull_request", "head", "repo", "id"),
    ("pull_request", "merged_by"),
    ("pull_request", "merged_by", "login"),
    ("repositories",),
    ("repositories", 0),
    ("repositories", 0, "id"),
    ("repositories", 0, "full_name"),
    ("repositories_added",),
    ("repositories_added", 0, "id"),
    ("repositories_added", 0, "full_name"),
    ("repositories_removed",),
    ("repositories_removed", 0, "id"),
]
# what the app stores or decides a task by: tried most often
STORED = [
    ("installation", "id"),
    ("installation", "account", "login"),
    ("installation", "account", "id"),
    ("repository", "id"),
    ("repository", "full_name"),
    ("sender", "login"),
    ("sender", "id"),
    ("issue", "number"),
    ("label", "name"),
    ("comment", "body"),
    ("pull_request", "number"),
    ("pull_request", "merged_at"),
    ("pull_request", "closed_at"),
    ("repositories", 0, "id"),
    ("repositories", 0, "full_name"),
    ("repositories_added", 0, "id"),
    ("repositories_removed", 0, "id"),
]
odd_text = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "x" * 5000,
            "\x01\x1b[31mred\x7f",
            "\u202eevil",
            "a\x00b",
            "🙂" * 300,
            "morningai ",
            "MORNINGAI",
            "/morningai code\n/morningai stop",
            "octo-org/octo-repo/../../etc",
            "<script>alert(1)</script>",
            "'; DROP TABLE tasks; --",
        ]
    ),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
)
odd_numbers = st.sampled_from(
    [
        0,
        -1,
        -(2**31),
        2**31,
        2**53 + 1,
        2**63 - 1,
        2**63,
        -(2**63),
        -(2**63) - 1,
        10**30,
        1.5,
        -0.0,
        1e300,
        1e-300,
    ]
)


@st.composite
def mutated_value(draw: st.DrawFn, old: Any) -> Any:
    """Something GitHub would never send in place of `old`."""
    choices = ["null", "text", "number", "bool", "list", "object"]
    if isinstance(old, int) and not isinstance(old, bool):
        choices += ["as-text", "as-text", "negated", "number"]
    if isinstance(old, dict):
        choices += ["as-list", "as-list", "emptied"]
    if isinstance(old, str):
        choices += ["text", "text"]
    kind = draw(st.sampled_from(choices))
    if kind == "null":
        return None
    if kind == "text":
        return draw(odd_text)
    if kind == "number":
        return draw(odd_numbers)
    if kind == "bool":
        return draw(st.booleans())
    if kind == "list":
        return [old]
    if kind == "object":
        return {"id": 1, "login": "x", "name": "y"}
    if kind == "as-text":
        return draw(st.sampled_from([str(old), f" {old}", "9" * 30, "-1", "0x10", "1e3"]))
    if kind == "negated":
        return -old if old else -1
    if kind == "as-list":
        return draw(st.sampled_from([[old], list(old.values())]))
    return {}  # emptied


def _walk(payload: Any, path: tuple[Any, ...]) -> tuple[Any, Any] | None:
    """(parent, key) of `path` in `payload`, or None when it is not there."""
    parent = payload
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return None
    if isinstance(parent, dict) and path[-1] in parent:
        return parent, path[-1]
    if isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
        return parent, path[-1]
    return None


@dataclass(frozen=True)
class Case:
    kind: wf.Kind
    payload: dict[str, Any]
    mutations: tuple[str, ...]


@st.composite
def well_formed_cases(draw: st.DrawFn) -> Case:
    """One of GitHub's deliveries the app handles (task-making ones three times as often),
    with up to three of its fields — mostly ones the app stores or reads — removed or
    replaced."""
    makers = [k for k in wf.KINDS if k.task]
    kind = draw(st.sampled_from([*makers, *makers, *makers, *wf.KINDS]))
    payload = wf.build(kind)
    done: list[str] = []
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 1, 2, 3]))):
        where = {
            "stored": [p for p in STORED if _walk(payload, p)],
            "read": [p for p in READ if _walk(payload, p)],
            "anywhere": [p for p in _paths(payload) if _walk(payload, p)],
        }
        pick = draw(st.sampled_from(["stored", "stored", "read", "read", "anywhere"]))
        path = draw(st.sampled_from(where[pick] or where["anywhere"] or [("action",)]))
        spot = _walk(payload, path)
        if spot is None:
            continue
        parent, key = spot
        if isinstance(parent, dict) and draw(st.integers(0, 4)) == 0:
            del parent[key]
            done.append(f"del {path}")
        else:
            parent[key] = draw(mutated_value(parent[key]))
            done.append(f"{path}={parent[key]!r:.40}")
    return Case(kind, payload, tuple(done))


def _subject_of(payload: dict[str, Any]) -> tuple[str, Any] | None:
    """The repository and number a task made from `payload` must name, as the app reads them."""
    thread = payload.get("issue") if "issue" in payload else payload.get("pull_request")
    checked = payload.get("check_suite") or payload.get("check_run")
    if thread is None and isinstance(checked, dict):  # the pull request whose head it checked
        pulls = checked.get("pull_requests")
        thread = pulls[0] if isinstance(pulls, list) and pulls else None
    repo = payload.get("repository")
    if not isinstance(thread, dict) or not isinstance(repo, dict):
        return None
    return str(repo.get("full_name")), thread.get("number")


INSTALLATION_STATUS = {
    "created": "active",
    "unsuspend": "active",
    "new_permissions_accepted": "active",
    "suspend": "suspended",
    "deleted": "deleted",
}


def _check_installation(owner_conn: Conn, case: Case, said: object) -> None:
    """An accepted installation delivery leaves its installation's tenant (with the action's
    status, for `installation`) and exactly the repositories it added."""
    payload = case.payload
    rows = owner_conn.execute("SELECT installation_id, status FROM tenants").fetchall()
    assert [i for i, _ in rows] == [payload["installation"]["id"]], said
    if case.kind.event == "installation":
        assert rows[0][1] == INSTALLATION_STATUS[payload["action"]], said
    added = payload.get(
        "repositories" if case.kind.event == "installation" else "repositories_added"
    )
    repos = owner_conn.execute("SELECT github_id, full_name FROM repositories").fetchall()
    assert sorted(repos) == sorted({(r["id"], str(r["full_name"])) for r in added or []}), said


def _check_one(url: str, http: httpx.Client, owner_conn: Conn, redis: Redis, case: Case) -> str:
    """Post one case and check every property; returns what it made: task, stored or nothing."""
    _reset(owner_conn, redis)
    delivery = str(uuid.uuid4())
    body = json.dumps(case.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": case.kind.event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET, body),
    }
    response = http.post(url, content=body, headers=headers)
    said = (response.status_code, response.text[:300], case.kind.name, case.mutations)
    assert response.status_code in (200, 202, 400), said
    assert SECRET.decode() not in response.text
    answer = response.json()
    assert (response.status_code, answer["outcome"]) in (
        (202, "accepted"),
        (202, "ignored"),
        (400, "rejected"),
    ), said
    assert answer["delivery"] == delivery
    recorded = owner_conn.execute("SELECT delivery_id, outcome FROM webhook_deliveries").fetchall()
    assert recorded == [(delivery, answer["outcome"])], said
    tasks = owner_conn.execute(
        "SELECT t.id, t.kind, t.delivery_id, t.subject ->> 'repository', t.subject -> 'number',"
        " r.full_name"
        " FROM tasks t LEFT JOIN repositories r ON r.id = t.repository_id"
    ).fetchall()
    if response.status_code == 400:
        assert _stored(owner_conn) == (1, 0, 0, 0), said  # the rejected delivery row alone
        assert _enqueued(redis) == []
        return "rejected"
    makes_tasks = case.kind.event in (
        "issues",
        "issue_comment",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "check_suite",
        "check_run",
    )
    # each example starts empty, so no live task can turn a task-making delivery away
    assert len(tasks) == (1 if makes_tasks and answer["outcome"] == "accepted" else 0), said
    if not case.mutations:
        assert answer["outcome"] == case.kind.outcome, said
        assert [t[1] for t in tasks] == ([case.kind.task] if case.kind.task else []), said
    if case.kind.event.startswith("installation"):
        _check_installation(owner_conn, case, said)
    if not tasks:
        return "stored"
    ((task_id, kind, task_delivery, repo, number, repo_row),) = tasks
    assert task_delivery == delivery
    assert (repo, number) == _subject_of(case.payload), said
    # GitHub numbers issues and pull requests from 1; 0 is a task with no thread (the CLI's)
    assert type(number) is int, said
    assert number > 0, said
    assert repo_row == repo
    assert redis.lrange(f"rq:queue:{kind_of(kind).queue}", 0, -1) == [job_id(task_id, 0).encode()]
    return "task"


@settings(
    max_examples=300,
    derandomize=True,  # the same examples on every run and machine
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=well_formed_cases())
def _fuzz_well_formed(
    case: Case, *, target: tuple[str, httpx.Client, Conn, Redis], tally: Counter[str]
) -> None:
    made = _check_one(*target, case)
    tally[made] += 1
    note_event(f"{case.kind.name}: {made}")


def test_well_formed_deliveries_with_mutated_fields_are_recorded_once_and_never_a_500(
    url: str, http: httpx.Client, owner_conn: Conn, redis: Redis
) -> None:
    """Properties over well-formed deliveries of every handled event with up to three fields
    missing, null, of the wrong type, out of range or odd text: the answer is 202 or 400,
    never a 500; the delivery is recorded once with the outcome it was answered; an accepted
    task-making delivery made exactly one task, on the payload's repository and number, and one
    job; a 400 stored nothing but its delivery; the answer holds no secret. A floor on the
    share of examples that reach a task keeps the fuzzer from drifting into the rejections."""
    tally: Counter[str] = Counter()
    _fuzz_well_formed(target=(url, http, owner_conn, redis), tally=tally)
    examples = sum(tally.values())
    print(f"well-formed fuzz: {examples} examples, {dict(tally)}")
    assert examples >= 250
    assert tally["task"] >= 0.2 * examples, tally
    assert tally["rejected"] >= 0.05 * examples, tally


def _case(name: str, *changes: tuple[tuple[Any, ...], Any]) -> Case:
    kind = next(k for k in wf.KINDS if k.name == name)
    payload = wf.build(kind)
    for path, value in changes:
        spot = _walk(payload, path)
        assert spot is not None, path
        spot[0][spot[1]] = value
    return Case(kind, payload, tuple(f"{p}={v!r:.40}" for p, v in changes))


# the corners the fuzzer may not reach in its examples, each tried every run
CORNERS = [
    _case("issues.labeled trigger", (("repository", "id"), "9" * 30)),
    _case("issues.labeled trigger", (("repository", "id"), 1e300)),
    _case("issues.labeled trigger", (("repository", "id"), -(2**63) - 1)),
    _case("issues.labeled trigger", (("repository", "id"), "12")),
    _case("issues.labeled trigger", (("repository", "full_name"), None)),
    _case("issues.labeled trigger", (("repository", "full_name"), "x" * 10_000)),
    _case("issues.labeled trigger", (("issue", "number"), 2**63 - 1)),
    _case("issues.labeled trigger", (("installation", "id"), 2**63 - 1)),
    _case("issues.labeled trigger", (("installation", "id"), -1)),
    _case("issues.labeled trigger", (("installation", "id"), 0)),
    _case("issues.labeled trigger", (("sender", "login"), "\u202e" + "🙂" * 500)),
    _case("comment ask", (("comment", "body"), "/morningai ask " + "\x01\x1b" * 2000)),
    _case("comment code", (("comment", "id"), [1, 2])),
    _case("pull merged", (("pull_request", "merged_by"), [{"login": "x"}])),
    _case("pull merged", (("pull_request", "merge_commit_sha"), {"a": 1})),
    _case("pull ours merged", (("pull_request", "merged_at"), "9999-12-31T23:59:59+14:00")),
    _case("pull ours merged", (("pull_request", "merged_at"), "0001-01-01T00:00:00-14:00")),
    _case("pull ours merged", (("pull_request", "merged_at"), "2019-05-15")),
    _case("installation.created", (("repositories", 0, "id"), "9" * 30)),
    _case("installation.created", (("repositories", 0, "id"), 1e300)),
    _case("installation.created", (("installation", "account", "id"), 2**63)),
    _case("installation.created", (("installation", "account", "type"), {"a": []})),
    _case("installation.created", (("installation", "permissions"), ["contents"])),
    _case("installation_repositories.added", (("repositories_added", 0, "id"), "9" * 30)),
    _case("installation_repositories.removed", (("repositories_removed", 0, "id"), 1e300)),
    _case("authorization revoked", (("sender", "id"), 2**63 - 1)),
    _case("authorization revoked", (("sender", "id"), "5")),
]


@pytest.mark.parametrize("case", CORNERS, ids=lambda c: f"{c.kind.name}: {c.mutations[0]:.50}")
def test_well_formed_corners(
    url: str, http: httpx.Client, owner_conn: Conn, redis: Redis, case: Case
) -> None:
    _check_one(url, http, owner_conn, redis, case)
