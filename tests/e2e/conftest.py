"""Fixtures for the browser tests: Debian's headless Chromium driven by Playwright, the GitHub
simulator (its new-App, authorize and install pages are plain HTML forms the browser clicks),
MorningAI on a real local port serving the built web app (web/dist), and the journeys a person
makes through them (register the App, install it, sign in).

    chromium        one headless Chromium per module
    page            a fresh context and page (JavaScript errors fail the test)
    github          the simulator: OWNER/REPO, LOGIN (alice, write access) signed in to GitHub
    e2e             MorningAI's first start (no App) on a real port: url, sim, db, deliver(),
                    screenshot(), and the journeys register(page), install(page), sign_in(page)
    installed_page  a page after register + install (the tenant exists)
    signed_in_page  installed_page signed in as LOGIN
    model, worker   the scripted model server; a real `morningai worker` process

    def test_something(e2e, worker, signed_in_page):
        number = e2e.sim.add_issue(OWNER, REPO, ...)
        e2e.deliver("issues", payload)                  # GitHub → MorningAI, signed
        signed_in_page.goto(e2e.url + "/tasks")

Chromium is /usr/bin/chromium (`make browser` installs it), or the binary MORNINGAI_CHROMIUM
names; Playwright never downloads a browser. Without it the tests skip, unless
MORNINGAI_EXPECT_BROWSER is set (`make test` sets it): then they fail, as a missing web/dist does
under MORNINGAI_EXPECT_WEBAPP.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis import Redis

from core.secrets_at_rest import new_key
from core.settings import Settings
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from simulator.hooks import Delivery
from simulator.openai_server import ScriptedModelServer
from simulator.state import App
from tests.fakes.http import serve_wsgi
from tests.support.paths import ROOT
from tests.support.processes import MORNINGAI
from tests.support.simulated import OWNER, REPO
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
# Debian's package; MORNINGAI_CHROMIUM names another binary (CI: the runner's Google Chrome,
# since Ubuntu's chromium package is a snap shim), as it does for `make browser`
CHROMIUM = Path(os.environ.get("MORNINGAI_CHROMIUM") or "/usr/bin/chromium")
# what works on a closed network, as root, without a display (Playwright adds --headless and,
# as root, --no-sandbox itself; they are named so the list is the whole story). Each launch
# gets a fresh temporary profile (Playwright's own --user-data-dir).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WEB_DIST = ROOT / "web" / "dist"
SCREENSHOTS = ROOT / ".morningai" / "screenshots"  # gitignored, written on every run
LOGIN = "alice"  # who is signed in to GitHub in the browser, with write access to OWNER/REPO
TIMEOUT_MS = 15_000


def _unavailable(reason: str, expected_by: str) -> None:
    """Skip, unless `make test` said the thing must be there: then fail, naming it."""
    if os.environ.get(expected_by):
        pytest.fail(f"{reason} ({expected_by} is set: `make test` should have provided it)")
    pytest.skip(reason)


# the browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test module, closed after it (about a second to start; each
    test gets its own context: no shared cookies or storage)."""
    if not CHROMIUM.is_file():
        _unavailable(
            f"{CHROMIUM} is missing: `make browser` installs Debian's chromium"
            " (or set MORNINGAI_CHROMIUM to a Chrome or Chromium binary)",
            "MORNINGAI_EXPECT_BROWSER",
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: `make install`", "MORNINGAI_EXPECT_BROWSER")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS, timeout=60_000
        )
        yield browser
        browser.close()


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page; JavaScript errors on any page fail the test, and a
    failed test leaves .morningai/screenshots/failed-<test>.png of where the page was."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(f"{opened.url}: {error}"))
    yield opened
    if request.node.stash.get(_CALL_FAILED, False):
        E2E.screenshot(opened, "failed-" + re.sub(r"\W+", "-", request.node.name))
    context.close()
    assert errors == [], "JavaScript errors in the page"


# GitHub and MorningAI -----------------------------------------------------------------------


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GitHubSimulator]:
    """The simulator with OWNER/REPO (not installed yet; LOGIN may write to it), LOGIN signed
    in to GitHub; at teardown every exchange and delivery must match GitHub's description."""
    with GitHubSimulator(tmp_path / "github") as sim:
        sim.create_repo(OWNER, REPO, files={"README.md": "# hello\n", "app.py": "print(1)\n"})
        sim.set_permission(OWNER, REPO, LOGIN, "write")
        sim.approve_as(LOGIN)
        yield sim
        assert sim.contract_violations() == []


@pytest.fixture
def fresh_database(owner_conn: Conn, clean_db: None) -> Iterator[None]:
    """No App, tenant, task or session before and after (one registration per database)."""
    for table in ("app_registration", "user_sessions"):
        owner_conn.execute(f"DELETE FROM {table}")
    yield
    for table in ("app_registration", "user_sessions"):
        owner_conn.execute(f"DELETE FROM {table}")


@dataclass
class E2E:
    """MorningAI on a real port, the simulator as github.com, and what the tests ask of them."""

    url: str  # MorningAI, e.g. http://127.0.0.1:41234
    settings: Settings
    sim: GitHubSimulator
    db: Conn  # the owner's view, for assertions
    redis: Redis
    steps: list[str] = field(default_factory=list)  # the URLs the journeys passed through

    @property
    def app(self) -> App:
        """The App registered through the setup page."""
        [made] = self.sim.world.manifest_apps.values()
        return made

    @property
    def installation_id(self) -> int:
        """The registered App's installation (the one `install` made)."""
        [found] = [i for i, inst in self.sim.world.installations.items() if inst.app_id]
        return found

    @staticmethod
    def screenshot(page: Any, name: str) -> Path:
        """Save the page as .morningai/screenshots/<name>.png (overwritten each run)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def deliver(self, event: str, payload: dict[str, Any]) -> Delivery:
        """GitHub sends `event` to the registered App's hook; the delivery with its answer."""
        sent = self.sim.deliver(self.app.id, event, payload)
        [found] = [d for d in self.sim.deliveries() if d.id == sent]
        return found

    # the journeys, each in the browser ----------------------------------------------------

    def register(self, page: Any) -> None:
        """From the setup page to GitHub's install page: name, public URL, "Register GitHub
        App", then "Create GitHub App" on GitHub, back through /setup/complete."""
        from playwright.sync_api import expect

        page.on("request", lambda r: r.is_navigation_request() and self.steps.append(r.url))
        page.goto(self.url + "/")
        expect(page.get_by_role("heading", name="Set up MorningAI")).to_be_visible()
        page.get_by_label("Public URL").fill(self.url)
        page.get_by_role("button", name="Register GitHub App").click()
        expect(page.get_by_role("heading", name=re.compile("^Create GitHub App"))).to_be_visible()
        page.get_by_role("button", name="Create GitHub App").click()
        page.wait_for_url(f"{self.sim.url}/apps/*/installations/new")

    def install(self, page: Any, account: str = OWNER, repos: tuple[str, ...] = (REPO,)) -> None:
        """On GitHub's install page: the account, its repositories, "Install"; GitHub delivers
        `installation` `created` (waited for: MorningAI answered 202) and shows the
        installation's page, whose link leads back to MorningAI."""
        from playwright.sync_api import expect

        page.get_by_role("link", name=account, exact=True).click()
        for name in repos:
            page.get_by_label(f"{account}/{name}").check()
        page.get_by_role("button", name="Install").click()
        expect(page.get_by_role("heading", name=re.compile(" is installed on "))).to_be_visible()
        last = self.sim.deliveries()[-1]
        assert (last.event, last.action, last.status) == ("installation", "created", 202)
        page.get_by_role("link", name=re.compile("^Go to ")).click()
        page.wait_for_url(self.url + "/")

    def sign_in(self, page: Any) -> dict[str, Any]:
        """ "Sign in with GitHub", "Authorize" on GitHub, back on MorningAI: what /api/me says."""
        from playwright.sync_api import expect

        if not page.url.startswith(self.url):
            page.goto(self.url + "/")
        page.get_by_role("link", name="Sign in with GitHub").first.click()
        expect(page.get_by_role("heading", name=re.compile("^Authorize "))).to_be_visible()
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(self.url + "/")
        answer = page.request.get(self.url + "/api/me")
        assert answer.status == 200, answer.text()
        me: dict[str, Any] = answer.json()
        return me


@pytest.fixture
def e2e(
    database: DatabaseUrls,
    redis_url: str,
    redis: Redis,
    owner_conn: Conn,
    github: GitHubSimulator,
    fresh_database: None,
) -> Iterator[E2E]:
    """A first start of MorningAI (no App configured) on a real port, serving web/dist."""
    if not (WEB_DIST / "index.html").is_file():
        _unavailable(f"{WEB_DIST} is not built: `make webapp` builds it", "MORNINGAI_EXPECT_WEBAPP")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database.app,
        redis_url=redis_url,
        github_url=github.url,
        github_api_url=github.url,
        morningai_secret_key=new_key(),
        morningai_insecure_cookies=True,  # plain http on 127.0.0.1
    )
    app = create_app(settings)
    with serve_wsgi(app) as url:
        yield E2E(url, settings, github, owner_conn, redis)
    app.extensions["morningai"].close()


@pytest.fixture
def installed_page(e2e: E2E, page: Any) -> Any:
    """A page on MorningAI's home after the App was registered and installed on OWNER/REPO."""
    e2e.register(page)
    e2e.install(page)
    return page


@pytest.fixture
def signed_in_page(e2e: E2E, installed_page: Any) -> Any:
    """`installed_page`, signed in with GitHub as LOGIN (the session cookie is in its context)."""
    me = e2e.sign_in(installed_page)
    assert me["user"]["login"] == LOGIN
    return installed_page


# the worker ---------------------------------------------------------------------------------


def _worker_env(e2e: E2E, model: ScriptedModelServer) -> dict[str, str]:
    """A worker's environment: e2e's database and Redis, the simulator, the scripted model."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_", "MORNINGAI_"))
    }
    key = e2e.settings.morningai_secret_key
    assert key is not None
    return {
        **keep,
        "DATABASE_URL": e2e.settings.require_database_url(),
        "REDIS_URL": e2e.settings.require_redis_url(),
        "GITHUB_URL": e2e.sim.url,
        "GITHUB_API_URL": e2e.sim.url,
        "MORNINGAI_SECRET_KEY": key.get_secret_value(),
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "OPENAI_BASE_URL": model.base_url,
        "MORNINGAI_MODEL": "gpt-4.1-mini",
        "LOG_LEVEL": "WARNING",
    }


def _run_worker(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [MORNINGAI, "worker"], env=env, cwd="/", stdout=log, stderr=subprocess.STDOUT
        )
        yield process
        process.terminate()  # RQ's warm shutdown waits for the job at hand: not for long
        try:
            process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def worker(
    e2e: E2E, model: ScriptedModelServer, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `morningai worker` process on e2e's database and Redis, the simulator and the
    scripted model; the App's id and key it reads from the registration, as in production.
    Its output is in tmp_path/worker.log."""
    yield from _run_worker(_worker_env(e2e, model), tmp_path / "worker.log")
