"""After the first start, the first task: GitHub delivers `issues` `labeled` to the App
registered in the browser, and a real `morningai worker` process, holding no App settings of
its own, acknowledges on the issue with the stored App's key."""

from __future__ import annotations

import time
from typing import Any

import pytest

from simulator.openai_server import ScriptedModelServer
from tests.support.simulated import OWNER, REPO, labeled, status_comments

pytestmark = pytest.mark.integration


def test_a_labeled_issue_is_acknowledged_by_the_worker(
    e2e: Any, model: ScriptedModelServer, worker: Any, installed_page: Any
) -> None:
    model.allow_unexpected(
        "only the acknowledgement is checked: the worker may go on to plan, and nothing is"
        " scripted for it (the full run is tests/e2e/test_dashboard.py's)"
    )
    number = e2e.sim.add_issue(
        OWNER, REPO, "Greeting is rude", "Say hello.", user="alice", labels=["morningai"]
    )
    repo = e2e.sim.world.repo(OWNER, REPO)
    payload = labeled({"repo": repo, "number": number, "installation": e2e.installation_id})
    payload["installation"]["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u"  # as GitHub sends
    delivery = e2e.deliver("issues", payload)
    assert delivery.status == 202, delivery.answer

    deadline = time.monotonic() + 30
    while not status_comments(e2e.sim, number) and time.monotonic() < deadline:
        assert worker.poll() is None, "the worker exited"
        time.sleep(0.2)
    [comment] = status_comments(e2e.sim, number)
    assert comment["user"]["login"] == f"{e2e.app.slug}[bot]"
    assert [r["content"] for r in e2e.sim.reactions(OWNER, REPO, number)] == ["eyes"]
