"""The dashboard's FAQ library, repositories and analytics over real HTTP, signed in through
the simulator: each shows exactly the repositories GitHub says the person reaches — never
another installation's, never an unreached repository of their own installation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from db import faq, repositories
from db.faq import FileSource, NewEntry, ThreadSource
from db.pool import Database
from db.tenancy import tenant_transaction
from simulator import GitHubSimulator
from tests.support.dashboard import reach_world
from tests.support.sign_in import Web, sign_in
from tests.support.task_rows import make_task

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]
NOW = datetime.now(UTC)


def entry(db: Database, tenant_id: int, repo: str, question: str, **more: Any) -> int:
    make_task(db, tenant_id, repo, 1, "faq_pr", status="succeeded")  # the repository's row
    with tenant_transaction(db, tenant_id) as scope:
        repository_id = repositories.id_for(scope, repo)
        assert repository_id is not None
        new = NewEntry(repository_id, question, f"The answer to: {question}", **more)
        entry_id, _ = faq.upsert_entry(scope, new)
    return entry_id


@pytest.fixture
def library(sim: GitHubSimulator, app_db: Database) -> dict[str, int]:
    world = reach_world(sim, app_db)
    a, b = world["tenant_a"], world["tenant_b"]
    cited = (FileSource("src/retry.py", 3, 9), ThreadSource("pull", 7, "https://x/pull/7"))
    return {
        "widgets": entry(
            app_db, a, "acme/widgets", "How do retries back off?", sources=cited, source_pr=7
        ),
        "docs": entry(app_db, a, "acme/docs", "Where do the docs build?"),
        "secret": entry(app_db, a, "acme/secret", "How do retries work in secret?"),
        "other": entry(app_db, b, "other/app", "How do retries work elsewhere?"),
    }


def test_signed_out_gets_401(web: Web) -> None:
    for path in ("/api/faq", "/api/repositories", "/api/analytics"):
        answer = web.http.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["Cache-Control"] == "no-store"


def test_an_unknown_api_path_is_a_json_404(web: Web) -> None:
    answer = web.http.get("/api/nothing/here")
    assert answer.status_code == 404
    assert answer.json() == {"error": "not found"}


def test_the_faq_library_searches_only_reached_repositories(
    web: Web, sim: GitHubSimulator, library: dict[str, int]
) -> None:
    sign_in(web, sim)
    everything = web.http.get("/api/faq").json()["entries"]
    assert {e["id"] for e in everything} == {library["widgets"], library["docs"]}
    found = web.http.get("/api/faq", params={"q": "retries"}).json()["entries"]
    assert [e["id"] for e in found] == [library["widgets"]]  # not secret's, not other's
    [hit] = found
    assert hit["repository"] == "acme/widgets"
    assert hit["source_url"].endswith("/acme/widgets/pull/7")
    file_source, thread_source = hit["sources"]
    assert file_source["url"].endswith("/acme/widgets/blob/HEAD/src/retry.py#L3-L9")
    assert thread_source == {"kind": "pull", "number": 7, "url": "https://x/pull/7"}
    only_docs = web.http.get("/api/faq", params={"repository": "acme/docs"}).json()["entries"]
    assert [e["id"] for e in only_docs] == [library["docs"]]
    assert web.http.get("/api/faq", params={"repository": "other/app"}).json() == {"entries": []}
    assert web.http.get("/api/faq", params={"q": "x" * 201}).status_code == 400


def test_repositories_show_reach_config_errors_and_month_spend(
    web: Web, sim: GitHubSimulator, app_db: Database
) -> None:
    world = reach_world(sim, app_db)
    a = world["tenant_a"]
    make_task(app_db, a, "acme/widgets", 1, status="succeeded", cost_usd="0.25")
    make_task(app_db, a, "acme/widgets", 2, status="failed", cost_usd="0.50")
    old = NOW - timedelta(days=40)
    make_task(app_db, a, "acme/widgets", 3, status="failed", cost_usd="9", created_at=old)
    make_task(app_db, a, "acme/secret", 4, status="failed", cost_usd="7")
    sign_in(web, sim)
    answer = web.http.get("/api/repositories")
    assert answer.status_code == 200, answer.text
    shown = {r["full_name"]: r for r in answer.json()["repositories"]}
    assert set(shown) == {"acme/widgets", "acme/docs"}
    widgets = shown["acme/widgets"]
    assert widgets["active"] is True
    assert widgets["can_write"] is True
    assert widgets["month_tasks"] == 2
    if NOW.day > 1 or NOW.hour > 0:  # the two new tasks fall in this month
        assert widgets["month_cost_usd"] == "0.75"
    assert widgets["config_errors"] == [
        {
            "problem": "unknown key 'max_atempts'; did you mean 'max_attempts'?",
            "line": 2,
            "file": "acme/widgets",
        }
    ]
    assert widgets["config"]["max_attempts"] == 3  # the defaults apply meanwhile
    docs = shown["acme/docs"]
    assert (docs["active"], docs["can_write"], docs["month_tasks"]) == (False, False, 0)
    # no `.github` repository: no organisation configuration, and no budget
    assert (widgets["organisation_config"], widgets["budget"]) == (None, None)


def test_repositories_show_the_organisations_configuration_and_budget(
    web: Web, sim: GitHubSimulator, app_db: Database
) -> None:
    world = reach_world(sim, app_db)
    a = world["tenant_a"]
    org = "budget:\n  monthly_usd: 10\nmax_attempts: 2\ndraft: true\n"
    sim.create_repo("acme", ".github", files={".github/morningai.yml": org})
    sim.push("acme", "widgets", "main", {".github/morningai.yml": "max_attempts: 5\n"})
    make_task(app_db, a, "acme/widgets", 1, status="succeeded", cost_usd="2")
    # the budget is the installation's: a repository this person does not reach counts too
    make_task(app_db, a, "acme/secret", 2, status="failed", cost_usd="6.5")
    sign_in(web, sim)
    shown = {r["full_name"]: r for r in web.http.get("/api/repositories").json()["repositories"]}
    widgets = shown["acme/widgets"]
    assert widgets["organisation_config"] == "acme/.github"
    assert widgets["config_errors"] == [
        {
            "problem": "'max_attempts' may be at most 2 here (the organisation's limit in"
            " acme/.github), not 5",
            "line": 1,
            "file": "acme/widgets",
        }
    ]
    # meanwhile the organisation's configuration applies
    assert (widgets["config"]["max_attempts"], widgets["config"]["draft"]) == (2, True)
    budget = widgets["budget"]
    assert (budget["monthly_usd"], budget["spent_usd"], budget["exhausted"]) == (
        "10.00",
        "8.5",
        False,
    )
    assert budget["share_used"] == 0.85
    assert budget["warning"].startswith("⚠️ This installation has used 85% of its monthly")


def test_analytics_count_only_reached_repositories(
    web: Web, sim: GitHubSimulator, app_db: Database
) -> None:
    world = reach_world(sim, app_db)
    a, b = world["tenant_a"], world["tenant_b"]
    opened = NOW - timedelta(minutes=5)
    merged = {"pr_state": "merged", "pr_opened_at": opened, "pr_closed_at": NOW}
    created = NOW - timedelta(minutes=7)
    make_task(
        app_db, a, "acme/widgets", 1, status="succeeded", created_at=created, pr_number=10,
        cost_usd="0.40", **merged,
    )  # fmt: skip
    make_task(app_db, a, "acme/widgets", 2, status="failed", error="the agent produced no change")
    make_task(app_db, a, "acme/secret", 3, status="failed", error="boom")
    make_task(app_db, b, "other/app", 4, status="failed", error="boom")
    make_task(app_db, b, "other/app", 5, status="succeeded", pr_number=11, **merged)
    sign_in(web, sim)
    answer = web.http.get("/api/analytics", params={"days": 7})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["days"] == 7
    assert len(body["outcomes_by_day"]) == 7
    assert sum(d["failed"] for d in body["outcomes_by_day"]) == 1
    assert sum(d["succeeded"] for d in body["outcomes_by_day"]) == 1
    assert body["pull_requests"]["merged"] == 1
    assert body["pull_requests"]["merge_rate"] == 1.0
    assert body["time_to_pr_seconds"]["p50"] == pytest.approx(120, abs=1)
    assert body["cost_per_merged_pr_usd"] == "0.400000"
    assert [f["count"] for f in body["failures_by_reason"]] == [1]
    assert web.http.get("/api/analytics", params={"days": 0}).status_code == 400
