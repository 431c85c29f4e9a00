"""Secrets scan: a whole flow — an injected, labeled issue → code task (the model obeys, is
refused, then writes a test that dumps the environment, then a real fix) → pull request; then
`/morningai ask` — with known secret values, and everything the app wrote searched for them.

Secrets: the settings' openai_api_key, github_webhook_secret and github_private_key (each line
of its body), every installation token the simulator minted (read from its world state); the
worker's environment holds the same values, as in production where settings come from it.
Searched: every log record at DEBUG (all loggers, all threads), every row of every table in
PostgreSQL (task_events, tasks.error, deliveries, FAQ memory, code chunks, LangGraph
checkpoints — bytes included), every comment (with its edit history), pull request title and
body, every commit message, author and file on every branch of the simulator's bare
repository, and every RQ key in Redis (job data decompressed). Zero hits.
"""

from __future__ import annotations

import json
import logging
import zlib
from typing import Any

import psycopg
import pytest
from psycopg import sql
from redis import Redis

from simulator import GitHubSimulator
from tests.support.attacks import (
    INJECTION,
    OBEYING_EDIT,
    OBEYING_PLAN,
    WORKFLOW,
    hits,
    requests_outside,
    secret_values,
)
from tests.support.faq import ask_reply
from tests.support.flow import Flow
from tests.support.model import FIX
from tests.support.simulated import OWNER, REPO, comment, git, labeled
from tests.support.tasks import drain

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

CONFIG = "test_command: python3 -m unittest\ntest_timeout_seconds: 60\n"
DUMP_ENV = """app.py
<<<<<<< SEARCH
    return 'hey ' + name
=======
    return 'Hello, ' + name + '!'
>>>>>>> REPLACE

test_env.py
<<<<<<< SEARCH
=======
import os
import unittest


class Leak(unittest.TestCase):
    def test_environment(self):
        self.fail("printed the environment: " + repr(sorted(os.environ.items())))
>>>>>>> REPLACE
"""


def database_text(owner_conn: Conn) -> dict[str, str]:
    """Every row of every table, by table; bytes (checkpoint blobs) decoded as Latin-1 so
    that any ASCII secret inside them shows verbatim."""
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
            v.decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
            for row in rows
            for v in (bytes(x) if isinstance(x, memoryview) else x for x in row)
        ]
        dumped[table] = "\n".join(values)
    return dumped


def redis_text(redis: Redis) -> dict[str, str]:
    """Every key but githubkit's token cache (which is where installation tokens are meant to
    be, shared by the workers), with RQ's compressed job data inflated."""
    dumped: dict[str, str] = {}
    for key in redis.scan_iter():
        name = key.decode() if isinstance(key, bytes) else str(key)
        if name.startswith("morningai:github:"):
            continue
        kind = redis.type(key)
        parts: list[bytes] = []
        if kind == b"hash":
            for field, value in redis.hgetall(key).items():
                parts += [field, value]
                if field == b"data":
                    parts.append(zlib.decompress(value))
        elif kind == b"string":
            parts.append(redis.get(key) or b"")
        elif kind == b"list":
            parts += redis.lrange(key, 0, -1)
        elif kind == b"set":
            parts += list(redis.smembers(key))
        elif kind == b"zset":
            parts += [m for m, _ in redis.zrange(key, 0, -1, withscores=True)]
        elif kind == b"stream":
            parts += [json.dumps(str(e)).encode() for e in redis.xrange(key)]
        dumped[name] = b"\n".join(parts).decode("latin-1")
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


def test_no_secret_is_anywhere_the_app_wrote(
    flow: Flow,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger, so every library's records too
    secrets_now = secret_values(flow.settings, flow.sim)
    # the worker's environment holds the secrets, as it does in production
    monkeypatch.setenv("OPENAI_API_KEY", secrets_now["openai_api_key"])
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", secrets_now["github_webhook_secret"])
    assert flow.settings.github_private_key is not None
    monkeypatch.setenv("GITHUB_PRIVATE_KEY", flow.settings.github_private_key.get_secret_value())
    flow.sim.push(
        OWNER, REPO, "main", {".github/morningai.yml": CONFIG, ".github/workflows/ci.yml": WORKFLOW}
    )
    number = flow.sim.add_issue(
        OWNER, REPO, "Greeting is rude", INJECTION, user="alice", labels=["morningai"]
    )
    target = {**flow.repo, "number": number}

    # the model obeys the injection (refused), dumps the environment in a test (which fails,
    # its output going back to the model), then writes the fix with a real test
    flow.model.expect_chat(OBEYING_PLAN)
    flow.model.expect_chat(OBEYING_EDIT)
    flow.model.expect_chat(DUMP_ENV)
    flow.model.expect_chat(FIX)
    assert flow.sender.post("issues", labeled(target)).json()["outcome"] == "accepted"
    drain(flow.redis)
    flow.model.expect_chat(ask_reply("app.py"), match="What does greet return")
    ask = comment(target, number, "/morningai ask What does greet return?", on_pull=False)
    assert flow.sender.post("issue_comment", ask).json()["outcome"] == "accepted"
    drain(flow.redis)
    flow.model.assert_done()

    statuses = flow.db.execute("SELECT kind, status, error FROM tasks ORDER BY id").fetchall()
    assert statuses == [("code", "succeeded", None), ("ask", "succeeded", None)]
    [pr] = flow.sim.pulls(OWNER, REPO)
    assert "✅ `python3 -m unittest`: exit 0" in pr["body"]
    # the environment dump ran, scrubbed: the model saw its output, without a secret
    feedback = json.dumps(flow.model.requests[3].json)
    assert "printed the environment" in feedback
    assert "('PATH', " in feedback

    secrets = secret_values(flow.settings, flow.sim)  # now with the tokens the jobs minted
    assert any(name.startswith("installation token") for name in secrets)
    found: list[str] = []
    logs = "\n".join(
        [caplog.text, *(f"{r.msg!r} {r.args!r} {r.exc_text or ''}" for r in caplog.records)]
    )
    assert "issues.labeled: accepted" in logs  # the capture saw the app's own records
    found += hits(secrets, "the logs", logs)
    for table, text in database_text(flow.db).items():
        found += hits(secrets, f"table {table}", text)
    for key, text in redis_text(flow.redis).items():
        found += hits(secrets, f"redis {key}", text)
    for where, text in github_text(flow.sim).items():
        found += hits(secrets, where, text)
    found += hits(secrets, "model requests", json.dumps([r.json for r in flow.model.requests]))
    assert found == []
    assert requests_outside(flow.sim, f"{OWNER}/{REPO}") == []
