"""The dashboard in a real browser, on real tasks: GitHub delivers `issues` `labeled`, a real
`morningai worker` runs the code task against the simulator and the scripted model, and the
person watches it from the task's page — the timeline grows while the page is open (the model's
answer is held until the page is there: the steps after it can only arrive over the stream),
then the pull request, the model calls and the diff. A running task is stopped from its page;
the FAQ library is searched; a person of another installation sees none of it.
Screenshots: .morningai/screenshots/dashboard-*.png (the README's are copies in docs/images/).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from db import faq, repositories
from db.faq import FileSource, NewEntry, ThreadSource
from db.pool import Database
from db.tenancy import tenant_transaction
from simulator.openai_server import ScriptedModelServer
from tests.support.model import EDIT, PLAN
from tests.support.paths import ROOT
from tests.support.simulated import APP, OWNER, REPO, labeled, status_comments

pytestmark = pytest.mark.integration
E2E = Any  # tests/e2e/conftest.py's E2E (test modules do not import one another)
SCREENSHOTS = ROOT / ".morningai" / "screenshots"  # as conftest's e2e.screenshot() writes
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# the page's EventSource, recording each `task` event it receives in window.__heard
HEAR_STREAM = """
(() => {
  const Real = window.EventSource;
  window.__heard = [];
  window.EventSource = class extends Real {
    constructor(url, init) {
      super(url, init);
      this.addEventListener("task", (e) => window.__heard.push(JSON.parse(e.data)));
    }
  };
})();
"""


@pytest.fixture
def hold() -> Iterator[threading.Event]:
    """Set it to let a held model answer go (it is set at the end of the test in any case)."""
    release = threading.Event()
    yield release
    release.set()


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return found


def shot(page: Any, name: str, *, full_page: bool = False, until: Any = None) -> Path:
    """A screenshot of what is on screen (the viewport, unless `full_page`; cut 32 px below
    the locator `until`, if given): small PNGs, the README's pictures."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    clip = None
    if until is not None:
        box = until.bounding_box()
        clip = {"x": 0, "y": 0, "width": page.viewport_size["width"]}
        clip["height"] = min(box["y"] + box["height"] + 32, page.viewport_size["height"])
    page.screenshot(
        path=str(path), type="png", full_page=full_page, clip=clip, animations="disabled"
    )
    return path


def label_an_issue(e2e: E2E, title: str) -> int:
    """alice's issue on OWNER/REPO, labeled `morningai`: GitHub delivers it (202)."""
    number = e2e.sim.add_issue(
        OWNER, REPO, title, "`greet()` in app.py says 'hey'.", user="alice", labels=["morningai"]
    )
    repo = e2e.sim.world.repo(OWNER, REPO)
    payload = labeled({"repo": repo, "number": number, "installation": e2e.installation_id})
    payload["installation"]["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u"  # as GitHub sends
    delivery = e2e.deliver("issues", payload)
    assert delivery.status == 202, delivery.answer
    return number


def task_of(e2e: E2E, number: int) -> tuple[int, str]:
    row = e2e.db.execute(
        "SELECT id, status FROM tasks WHERE kind = 'code' AND (subject->>'number')::int = %s",
        (number,),
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def timeline_entries(page: Any) -> Any:
    return page.get_by_role("list", name="Timeline").get_by_role("listitem")


def status_badge(page: Any) -> Any:
    return page.locator("#task-title + span")  # the badge beside the task's heading


def test_a_labeled_issue_is_watched_live_to_its_pull_request(
    e2e: E2E,
    model: ScriptedModelServer,
    worker: Any,
    hold: threading.Event,
    signed_in_page: Any,
    chromium: Any,
) -> None:
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    e2e.sim.push(OWNER, REPO, "main", {"app.py": APP})  # the code EDIT changes
    model.expect_chat(PLAN, hold=hold)  # the task waits in `planning` until released
    model.expect_chat(EDIT)
    installation = e2e.installation_id

    page.goto(e2e.url + "/tasks")
    expect(page.get_by_role("heading", name="Tasks", exact=True)).to_be_visible()
    expect(page.get_by_text("No tasks yet.")).to_be_visible()
    # the header's avatar is the simulator's (an image that loads, not a broken one)
    avatar = page.get_by_role("banner").locator("img")
    expect(avatar).to_have_attribute("src", re.compile(r"/avatars/u/\d+"))
    wait_for(lambda: avatar.evaluate("i => i.complete && i.naturalWidth > 0"), "the avatar")

    number = label_an_issue(e2e, "Greeting is rude")
    wait_for(lambda: model.requests, "the worker to ask the model for a plan")
    task_id, status = task_of(e2e, number)
    assert status == "running"
    page.add_init_script(HEAR_STREAM)  # from the next load on: what the stream delivers
    page.reload()
    row_link = page.get_by_role("link", name=f"Task #{task_id}", exact=True)
    expect(row_link).to_be_visible()
    expect(page.get_by_role("row").filter(has=row_link)).to_contain_text("running")

    streams: list[str] = []
    page.on("request", lambda r: "/events" in r.url and streams.append(r.url))
    row_link.click()  # the web app's own navigation: no page load from here on
    expect(page.get_by_role("heading", name=f"Task #{task_id}")).to_be_visible()
    page.evaluate("window.__loadedOnce = true")
    expect(status_badge(page)).to_have_text("running")
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    before = timeline_entries(page).count()
    texts = timeline_entries(page).all_inner_texts()
    assert not any("succeeded" in t for t in texts), texts

    hold.set()  # the model answers: the rest of the task happens while the page is open
    expect(status_badge(page)).to_have_text("succeeded", timeout=30_000)
    assert page.evaluate("window.__loadedOnce === true"), "the page was reloaded"
    assert streams, "the page never opened the task's event stream"
    assert all(f"/api/tasks/{task_id}/events" in url for url in streams)
    after = timeline_entries(page).all_inner_texts()
    assert len(after) > before, (before, after)
    assert any("editing" in t for t in after[before:]), after  # steps that came live
    assert "succeeded" in after[-1]
    heard = page.evaluate("window.__heard")  # over Server-Sent Events, not by polling
    assert "editing" in [e.get("stage") for e in heard], heard
    assert "succeeded" in [e["type"] for e in heard], heard

    [pull] = e2e.sim.pulls(OWNER, REPO)
    pr_link = page.get_by_role("link", name=f"Pull request #{pull['number']}")
    expect(pr_link).to_have_attribute("href", pull["html_url"])
    calls = page.get_by_role("region", name="Model calls table").locator("tbody tr")
    expect(calls).to_have_count(2)
    expect(calls.first).to_contain_text("gpt-4.1-mini")
    costs = calls.locator("td:last-child").all_inner_texts()
    assert all(re.fullmatch(r"\$0\.\d{2,8}", cost) for cost in costs), costs  # no float noise
    diff = page.get_by_role("region", name="Diff")
    expect(diff).to_contain_text("+    return 'Hello, ' + name + '!'")
    expect(diff).to_contain_text("-    return 'hey ' + name")
    [comment] = status_comments(e2e.sim, number)
    assert pull["html_url"] in comment["body"]
    shot(page, "dashboard-task", full_page=True)  # timeline, model calls, diff, checks
    page.emulate_media(color_scheme="dark")
    shot(page, "dashboard-task-dark")
    page.emulate_media(color_scheme="light")

    # someone merges the pull request on GitHub: its delivery makes the task's PR "merged"
    e2e.sim.merge_pull(OWNER, REPO, pull["number"], by="alice")
    merged = e2e.sim.deliveries()[-1]
    assert (merged.event, merged.action, merged.status) == ("pull_request", "closed", 202)

    def stale_check() -> Any:  # a merge asks whether it made FAQ entries stale: none exist
        return e2e.db.execute(
            "SELECT status FROM tasks WHERE kind = 'faq_stale' AND status = 'succeeded'"
        ).fetchone()

    wait_for(stale_check, "the merge's faq_stale task to finish")
    page.get_by_role("link", name="← All tasks").click()
    row = page.get_by_role("row").filter(has=row_link)
    expect(row).to_contain_text("succeeded")
    expect(row).to_contain_text(f"#{pull['number']}")
    expect(row).to_contain_text("merged")
    shot(page, "dashboard-tasks", until=page.get_by_role("region", name="Tasks, newest first"))
    page.set_viewport_size(PHONE)
    expect(row_link).to_be_visible()
    shot(page, "dashboard-tasks-phone")
    page.set_viewport_size(DESKTOP)
    page.goto(e2e.url + "/")
    page.get_by_role("link", name="Overview").first.click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("Nothing happened")).to_have_count(0)
    expect(page.get_by_role("region", name="Merge rate")).to_contain_text("1 merged of 1")
    shot(page, "dashboard-overview")

    # bob reaches only another installation of the App: he sees none of it
    other = another_installation(e2e, "other", "app", "bob")
    assert other != installation
    stranger = chromium.new_context(viewport=DESKTOP)
    try:
        bobs = stranger.new_page()
        e2e.sim.approve_as("bob")
        me = e2e.sign_in(bobs)
        assert me["user"]["login"] == "bob"
        assert [(i["id"], i["tenant"]) for i in me["installations"]] == [(other, True)]
        bobs.goto(e2e.url + "/tasks")
        expect(bobs.get_by_text("No tasks yet.")).to_be_visible()
        bobs.goto(f"{e2e.url}/tasks/{task_id}")
        expect(bobs.get_by_text("Task not found")).to_be_visible()
        expect(bobs.get_by_role("button", name="Stop")).to_have_count(0)
        assert bobs.request.get(f"{e2e.url}/api/tasks/{task_id}").status == 404
    finally:
        stranger.close()
    model.assert_done()  # every scripted answer was used; nothing unscripted was asked


def another_installation(e2e: E2E, account: str, name: str, person: str) -> int:
    """The registered App installed on `account` (one repository, `person` its admin), the way
    GitHub's install page does it; MorningAI has recorded the tenant when this returns."""
    e2e.sim.create_repo(account, name, files={"README.md": "other\n"})
    e2e.sim.set_permission(account, name, person, "admin")
    target = e2e.sim.world.account(account)
    made = httpx.post(
        f"{e2e.sim.url}/apps/{e2e.app.slug}/installations",
        data={"target_id": str(target.id), "repository_selection": "all"},
    )
    assert made.status_code == 302, made.text
    last = e2e.sim.deliveries()[-1]
    assert (last.event, last.action, last.status) == ("installation", "created", 202)
    return int(last.payload["installation"]["id"])


def test_a_running_task_is_stopped_from_its_page(
    e2e: E2E,
    model: ScriptedModelServer,
    worker: Any,
    hold: threading.Event,
    signed_in_page: Any,
) -> None:
    """Stop, confirmed, with one `morningai worker` busy on the task: the `stop` task (queue
    `high`) runs at once on that worker's stop lane, kills the running job and leaves the
    status comment and the task's own timeline saying who stopped it."""
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    model.expect_chat(PLAN, hold=hold)  # never released before the stop: the task is running
    number = label_an_issue(e2e, "Greeting is rude")
    wait_for(lambda: model.requests, "the worker to ask the model for a plan")
    task_id, status = task_of(e2e, number)
    assert status == "running"

    page.goto(f"{e2e.url}/tasks/{task_id}")
    expect(status_badge(page)).to_have_text("running")
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text("Stop this task?")).to_be_visible()
    page.get_by_role("button", name="Confirm stop").click()
    expect(page.get_by_role("status").filter(has_text="Stop requested.")).to_be_visible()
    expect(status_badge(page)).to_have_text("cancelled", timeout=20_000)
    expect(page.get_by_role("region", name="Why it was cancelled")).to_contain_text("@alice")
    expect(page.get_by_role("list", name="Timeline")).to_contain_text("Stopped by @alice.")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()

    def stopped_comment() -> str:
        found = status_comments(e2e.sim, number)
        return next((c["body"] for c in found if "Stopped by @alice." in c["body"]), "")

    body = wait_for(stopped_comment, "the status comment to say it was stopped")
    assert body.startswith(f"<!-- morningai:status task={task_id} -->"), body
    assert "🛑 Cancelled" in body, body
    # the steps it finished before the stop stay ticked (its stored stages)
    assert "- [x] Reading the repository" in body, body
    assert "- [x] Planning" not in body, body
    stops = e2e.db.execute("SELECT status FROM tasks WHERE kind = 'stop'").fetchall()
    assert stops == [("succeeded",)]
    assert e2e.sim.pulls(OWNER, REPO) == []


def store_faq(e2e: E2E, app_db: Database, question: str, answer: str, **more: Any) -> None:
    """An entry of the FAQ library of OWNER/REPO, stored the app's way (row-level security)."""
    [(tenant_id,)] = e2e.db.execute(
        "SELECT id FROM tenants WHERE installation_id = %s", (e2e.installation_id,)
    ).fetchall()
    with tenant_transaction(app_db, tenant_id) as scope:
        repository_id = repositories.id_for(scope, f"{OWNER}/{REPO}")
        assert repository_id is not None  # recorded by the installation's delivery
        faq.upsert_entry(scope, NewEntry(repository_id, question, answer, **more))


def test_the_faq_library_is_searched_and_cites_its_sources(
    e2e: E2E, app_db: Database, signed_in_page: Any
) -> None:
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    pull_url = f"{e2e.sim.url}/{OWNER}/{REPO}/pull/7"
    store_faq(
        e2e,
        app_db,
        "How do I make the greeting polite?",
        "`greet` in `app.py` builds the greeting: change what it returns.",
        sources=(FileSource("app.py", 1, 2), ThreadSource("pull", 7, pull_url)),
        source_pr=7,
    )
    store_faq(e2e, app_db, "Where do the docs build?", "Nowhere yet: there are no docs.")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="FAQ").click()
    expect(page.get_by_role("heading", name="FAQ library")).to_be_visible()
    polite = page.get_by_role("article", name="How do I make the greeting polite?")
    docs = page.get_by_role("article", name="Where do the docs build?")
    expect(polite).to_be_visible()
    expect(docs).to_be_visible()  # no search: the newest entries

    page.get_by_label("Search the FAQ").fill("polite greeting")
    expect(docs).to_have_count(0)
    expect(polite).to_be_visible()
    expect(page).to_have_url(re.compile(r"/faq\?q=polite\+greeting$"))
    cited = polite.get_by_role("link", name="app.py:1\u20132")
    expect(cited).to_have_attribute("href", f"{e2e.sim.url}/{OWNER}/{REPO}/blob/HEAD/app.py#L1-L2")
    for name in ("Pull request #7", "pull request #7"):  # a citation; where it came from
        link = polite.get_by_role("link", name=name, exact=True)
        expect(link).to_have_attribute("href", pull_url)
    expect(polite).to_contain_text(f"{OWNER}/{REPO}")
    shot(page, "dashboard-faq", until=polite)

    page.get_by_label("Search the FAQ").fill("kubernetes")
    expect(page.get_by_text("No FAQ entry matches this search.")).to_be_visible()
    expect(polite).to_have_count(0)
