"""The code agent looks around before it plans (#15): a bounded tool loop in the graph, tool
calls through the real `openai` client against the scripted model server, reads confined to
the snapshot, every call in the task's events, the files it opened in the edit's context."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from redis import Redis

from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.support.model import EDIT, PLAN
from tests.support.simulated import OWNER, REPO, git, labeled, status_comments
from tests.support.tasks import drain, task_row

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")

TOOL_NAMES = {"list_dir", "open_file", "search", "find_symbol", "repo_map"}

# An issue about invoice totals; the bug is in a small rounding helper the issue never names,
# among ten files that talk about invoices, totals and discounts (ranked above it).
ROUNDING = "def round_cents(amount):\n    return int(amount * 100) / 100\n"
DISTRACTORS = {
    f"billing/{name}.py": (
        f'"""Invoice {name}: invoice totals, discounts and invoice lines."""\n\n'
        f"from billing.rounding import round_cents\n\n\n"
        f"def invoice_{name}_total(invoice, discount):\n"
        f"    total = sum(line.price for line in invoice.lines) - discount\n"
        f"    return round_cents(total)\n"
    )
    for name in (
        "lines",
        "discounts",
        "totals",
        "summary",
        "export",
        "render",
        "email",
        "pdf",
        "api",
        "history",
    )
}
FILES = {**DISTRACTORS, "billing/__init__.py": "", "billing/rounding.py": ROUNDING}
ISSUE = (
    "Invoice totals are off by a cent",
    "An invoice total with a discount of 0.10 on 2.675 shows 2.57; the invoice total should "
    "round half up to 2.58. Invoice totals and discounts elsewhere look right.",
)
FIX = """billing/rounding.py
<<<<<<< SEARCH
def round_cents(amount):
    return int(amount * 100) / 100
=======
from decimal import ROUND_HALF_UP, Decimal


def round_cents(amount):
    cents = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return float(cents)
>>>>>>> REPLACE
"""


def tool_events(owner_conn: Conn, task_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = owner_conn.execute(
        "SELECT message, data FROM task_events WHERE task_id = %s AND kind = 'tool' ORDER BY id",
        (task_id,),
    ).fetchall()
    return [(message, data) for message, data in rows]


def offered(body: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in body.get("tools", [])}


def tool_answers(body: dict[str, Any]) -> list[str]:
    return [str(m["content"]) for m in body["messages"] if m["role"] == "tool"]


def billing_issue(sim: GitHubSimulator, repo: dict[str, Any]) -> dict[str, Any]:
    sim.push(OWNER, REPO, "main", FILES)
    number = sim.add_issue(OWNER, REPO, *ISSUE, user="alice", labels=["morningai"])
    return {**repo, "number": number}


def test_the_model_looks_around_and_fixes_a_file_localization_missed(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    issue = billing_issue(sim, repo)
    model.expect_chat(
        tool_calls=[
            {"name": "search", "arguments": {"pattern": "def round_cents"}},
            {"name": "list_dir", "arguments": {"path": "billing"}},
        ],
        usage=(3000, 40),
    )
    model.expect_chat(
        tool_calls=[{"name": "open_file", "arguments": {"path": "billing/rounding.py"}}],
        usage=(3500, 20),
    )
    model.expect_chat(
        "- Round half up in `billing/rounding.py`.\nTitle: Round invoice cents half up",
        usage=(4000, 30),
    )
    model.expect_chat(FIX, match="Carry out this plan", usage=(5000, 90))
    assert agent.post("issues", labeled(issue)).status_code == 202
    drain(redis)
    model.assert_done()

    task_id, status, error, *_ = task_row(owner_conn)
    assert (status, error) == ("succeeded", None)
    first, second, third, edit = (r.json for r in model.requests)
    # the precondition that makes this test mean something: localization did not show the file
    assert "billing/rounding.py (" not in json.dumps(first["messages"])
    assert offered(first) == offered(second) == offered(third) == TOOL_NAMES
    assert "tools" not in edit  # only planning looks around
    # the tool results came back as tool messages, fenced as untrusted repository content
    found, listing = tool_answers(second)
    assert found.startswith('<untrusted kind="tool search">')
    assert "billing/rounding.py:1:" in found
    assert "rounding.py" in listing
    [opened] = tool_answers(third)[2:]
    assert "return int(amount * 100) / 100" in opened
    # the file opened while looking around is part of the edit's context, and the fix lands
    assert "Files you opened while looking around" in json.dumps(edit["messages"])
    [pr] = sim.pulls(OWNER, REPO)
    assert "ROUND_HALF_UP" in git(sim, "show", f"{pr['head']['sha']}:billing/rounding.py")
    # every tool call is in the task's events, with its turn; every model call's cost too
    recorded = tool_events(owner_conn, task_id)
    assert [(d["tool"], d["step"], d["refused"]) for _, d in recorded] == [
        ("search", 1, None),
        ("list_dir", 1, None),
        ("open_file", 2, None),
    ]
    assert recorded[2][0] == "open_file billing/rounding.py"
    calls = owner_conn.execute(
        "SELECT count(*) FROM task_events WHERE task_id = %s AND kind = 'model'", (task_id,)
    ).fetchone()
    assert calls == (4,)
    [comment] = status_comments(sim, issue["number"])
    assert f"{3000 + 40 + 3500 + 20 + 4000 + 30 + 5000 + 90:,} tokens" in comment["body"]


def test_exploration_stops_after_its_turns_and_asks_for_the_plan(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.push(OWNER, REPO, "main", {".github/morningai.yml": "explore:\n  max_steps: 2\n"})
    looking = [{"name": "list_dir", "arguments": {"path": "."}}]
    model.expect_chat(tool_calls=looking, times=2)  # a model that would never stop

    def plan_without_tools(body: dict[str, Any]) -> bool:
        last = str(body["messages"][-1]["content"])
        return "tools" not in body and "used the turns you had" in last

    model.expect_chat(PLAN, match=plan_without_tools)
    model.expect_chat(EDIT, match="Carry out this plan")
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    model.assert_done()

    task_id, status, *_ = task_row(owner_conn)
    assert status == "succeeded"
    assert len(tool_events(owner_conn, task_id)) == 2
    assert len(sim.pulls(OWNER, REPO)) == 1


def test_exploration_stops_at_its_share_of_the_token_budget(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    # 10% of 20,000 tokens: one turn that spends 2,500 uses it all
    config = "token_budget: 20000\nexplore:\n  budget_percent: 10\n"
    sim.push(OWNER, REPO, "main", {".github/morningai.yml": config})
    model.expect_chat(
        tool_calls=[{"name": "open_file", "arguments": {"path": "app.py"}}], usage=(2400, 100)
    )
    model.expect_chat(PLAN, match=lambda body: "tools" not in body, usage=(2500, 50))
    model.expect_chat(EDIT, match="Carry out this plan", usage=(2600, 50))
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    model.assert_done()
    assert task_row(owner_conn)[1] == "succeeded"


def test_reads_outside_the_snapshot_are_refused_and_recorded(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    escapes = [
        {"name": "open_file", "arguments": {"path": "../../../../../../etc/passwd"}},
        {"name": "open_file", "arguments": {"path": "/etc/passwd"}},
        {"name": "list_dir", "arguments": {"path": ".."}},
        {"name": "search", "arguments": {"pattern": "root:", "path": "/etc"}},
        {"name": "open_file", "arguments": {"path": ".git/config"}},
        {"name": "open_file", "arguments": "{not json"},
    ]
    model.expect_chat(tool_calls=escapes)
    model.expect_chat(PLAN)
    model.expect_chat(EDIT, match="Carry out this plan")
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    model.assert_done()

    task_id, status, *_ = task_row(owner_conn)
    assert status == "succeeded"  # refusals are answers the model reads, not failures
    answers = tool_answers(model.requests[1].json)
    assert len(answers) == len(escapes)
    assert all("refused" in a.lower() for a in answers), answers
    assert not any("root:x:0:0" in a for a in answers)
    recorded = tool_events(owner_conn, task_id)
    assert len(recorded) == len(escapes)
    assert all(data["refused"] for _, data in recorded)
    assert all("refused" in message for message, _ in recorded)


def test_a_server_without_tool_calling_gets_the_tools_as_text(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    """An Ollama model without tool support refuses `tools`; the adapter describes the tools
    in the prompt instead, and the graph's loop runs the same."""
    model.expect_chat(
        status=400,
        error="registry.ollama.ai/library/llama3:latest does not support tools",
        match=lambda body: "tools" in body,
    )

    def in_text(body: dict[str, Any]) -> bool:
        return "tools" not in body and "<tool_call>" in str(body["messages"][0]["content"])

    call = '{"name": "open_file", "arguments": {"path": "app.py"}}'
    model.expect_chat(f"<tool_call>{call}</tool_call>", match=in_text)

    def answered_in_text(body: dict[str, Any]) -> bool:
        return in_text(body) and "<tool_result" in json.dumps(body["messages"])

    model.expect_chat(PLAN, match=answered_in_text)
    model.expect_chat(EDIT, match="Carry out this plan")
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    model.assert_done()

    task_id, status, *_ = task_row(owner_conn)
    assert status == "succeeded"
    [(message, data)] = tool_events(owner_conn, task_id)
    assert (message, data["refused"]) == ("open_file app.py", None)
    answered = json.dumps(model.requests[2].json["messages"])
    assert "return 'hey ' + name" in answered  # the file's lines, back as a tool result
    assert len(sim.pulls(OWNER, REPO)) == 1
