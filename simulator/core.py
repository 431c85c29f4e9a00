"""GitHubSimulator: the public face of the fake (lifecycle, inspection, faults, contract)."""

from __future__ import annotations

import re
import secrets
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from simulator import checks, reviews
from simulator.auth import new_private_key_pem, public_key
from simulator.contract import OpenAPIContract
from simulator.exchanges import Exchange, Fault, Recorder, Trigger
from simulator.hooks import Delivery
from simulator.manifests import issue_code
from simulator.oauth import mint
from simulator.pulls import refresh
from simulator.routes_manifest import PERSONAL_OWNER
from simulator.routes_pulls import pull_json
from simulator.routing import Backend
from simulator.seeding_history import HistorySeeding
from simulator.server import ServerThread, create_app
from simulator.shapes import JSON, Site
from simulator.shapes_issues import comment, issue, reaction
from simulator.shapes_reviews import review_comment
from simulator.state import APP_IDS, App, World


class _LateApp:
    """The WSGI app slot filled once the server's port (hence the base URL) is known."""

    app: Callable[..., Iterable[bytes]] | None = None

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.app is None:
            raise RuntimeError("simulator not started")
        return self.app(environ, start_response)


class GitHubSimulator(HistorySeeding):
    """A GitHub fake over real HTTP, with bare git repositories under `root`."""

    def __init__(
        self,
        root: Path | str,
        *,
        app_slug: str = "morningai",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.root = Path(root)
        self.app_id = next(APP_IDS)
        self.private_key_pem = new_private_key_pem()
        self.world = World(self.app_id, app_slug)
        self.recorder = Recorder()
        self._slot = _LateApp()
        self._server = ServerThread(self._slot, host, port)
        self.url = f"http://{host}:{self._server.port}"
        self.site = Site(self.world, self.url, self.url)
        self._backend = Backend(
            self.world, self.recorder, self.site, public_key(self.private_key_pem)
        )
        self._slot.app = create_app(self._backend)
        self._started = False
        # a forgotten stop() must not leak the socket (a ResourceWarning fails the suite)
        self._release = weakref.finalize(self, self._server.stop)

    # lifecycle ---------------------------------------------------------------------------

    def start(self) -> GitHubSimulator:
        if not self._started:
            self._server.start()
            self._started = True
        return self

    def stop(self) -> None:
        """Stop serving and release the port (also for a simulator never started)."""
        self._release()
        self._backend.hookshot.stop()
        self._started = False

    def __enter__(self) -> GitHubSimulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # inspection ----------------------------------------------------------------------------

    def git_dir(self, owner: str, repo: str) -> Path:
        return self._repo(owner, repo).git.path

    def issue(self, owner: str, repo: str, number: int) -> JSON:
        with self.world.lock:
            found = self._repo(owner, repo)
            return issue(self.site, found, found.issues[number])

    def comments(self, owner: str, repo: str, issue_number: int) -> list[JSON]:
        """Current comments (edits applied; earlier bodies under `body_history`)."""
        with self.world.lock:
            found = self._repo(owner, repo)
            return [
                {**comment(self.site, found, c), "body_history": list(c.history)}
                for c in found.comments.values()
                if c.issue_number == issue_number
            ]

    def reactions(
        self,
        owner: str,
        repo: str,
        issue_number: int | None = None,
        *,
        comment_id: int | None = None,
    ) -> list[JSON]:
        """Reactions on an issue/pull, or on a comment when `comment_id` is given."""
        with self.world.lock:
            found = self._repo(owner, repo)
            items = (
                found.comments[comment_id].reactions
                if comment_id is not None
                else found.issues[issue_number or 0].reactions
            )
            return [reaction(self.site, r) for r in items]

    def pulls(self, owner: str, repo: str) -> list[JSON]:
        """Every pull request (any state), oldest first, as GET /pulls/{n} shows it."""
        with self.world.lock:
            found = self._repo(owner, repo)
            return [
                pull_json(self.site, found, i, refresh(found, i))
                for i in found.issues.values()
                if i.pull is not None
            ]

    def review(
        self,
        owner: str,
        repo: str,
        number: int,
        *,
        by: str,
        event: str,
        body: str = "",
        comments: Sequence[tuple[str, int, str]] = (),
    ) -> list[tuple[str, dict[str, Any]]]:
        """`by` (a person, or a bot when the login ends in `[bot]`) submits a review of pull
        request `number` (`event` APPROVE, REQUEST_CHANGES or COMMENT) with `comments` as
        (path, line, body) on its head; the webhook deliveries GitHub makes for it, in order,
        for the test to post (the REST route sends them to a subscribing manifest App)."""
        with self.world.lock:
            found = self._repo(owner, repo)
            issue = found.issues[number]
            kind = "Bot" if by.endswith("[bot]") else "User"
            drafts = [reviews.Draft(path, line, text) for path, line, text in comments]
            made = reviews.submit(
                self.world, found, issue, self.world.account(by, kind), (event, body, drafts)
            )
            return reviews.deliveries(self.site, found, issue, made, found.installation_id or 0)

    def review_comments(self, owner: str, repo: str, number: int) -> list[JSON]:
        """Every review comment on pull request `number` (replies included), oldest first."""
        with self.world.lock:
            found = self._repo(owner, repo)
            return [
                review_comment(self.site, found, c)
                for c in sorted(found.review_comments.values(), key=lambda c: c.id)
                if c.pull_number == number
            ]

    def add_check_run(
        self,
        owner: str,
        repo: str,
        sha: str,
        name: str,
        *,
        conclusion: str,
        output: tuple[str, str, str] = ("", "", ""),
        annotations: Sequence[tuple[str, int, str, str]] = (),
        job_log: str | None = None,
    ) -> int:
        """A completed check run on commit `sha`: its output (title, summary, text), its
        annotations as (path, line, level, message), and with `job_log` a GitHub Actions job
        whose log that is. Its id (the job's too)."""
        with self.world.lock:
            found = self._repo(owner, repo)
            title, summary, text = output
            notes = [checks.Annotation(p, line, lvl, msg) for p, line, lvl, msg in annotations]
            made = checks.add_run(
                self.world, found, sha, name, conclusion,
                title=title, summary=summary, text=text, annotations=notes, job_log=job_log,
            )  # fmt: skip
            return made.id

    def check_deliveries(
        self, owner: str, repo: str, sha: str, *, sender: str = "github-actions[bot]"
    ) -> list[tuple[str, dict[str, Any]]]:
        """The deliveries GitHub makes when the checks of `sha` complete: `check_run`
        `completed` for each run, then `check_suite` `completed`, for the test to post."""
        with self.world.lock:
            found = self._repo(owner, repo)
            return checks.deliveries(self.site, found, sha, found.installation_id or 0, sender)

    def manifest_code(self, manifest: dict[str, Any], org: str | None = None) -> str:
        """What GitHub's new-App page does once the person clicks "Create": a one-hour code
        for `POST /app-manifests/{code}/conversions` (owned by `org`, or a personal account)."""
        with self.world.lock:
            owner = (
                self.world.account(org, "Organization")
                if org
                else self.world.account(PERSONAL_OWNER, "User")
            )
            return issue_code(self.world, manifest, owner)

    def manifest_app(self, app_id: int) -> App:
        """An App registered from a manifest (KeyError when there is none with this id)."""
        with self.world.lock:
            return self.world.manifest_apps[app_id]

    def approve_as(self, login: str | None) -> None:
        """Who clicks "Authorize" on /login/oauth/authorize from now on (None: nobody, 403)."""
        with self.world.lock:
            self.world.oauth_approver = login
            if login is not None:
                self.world.account(login)

    def oauth_client(self) -> tuple[str, str]:
        """The simulator's own App's OAuth client id and secret (the secret made on first ask)."""
        with self.world.lock:
            app = self.world.app
            if app.client_secret is None:
                app.client_secret = secrets.token_hex(20)
            return app.client_id, app.client_secret

    def user_token(self, login: str) -> str:
        """A `ghu_` token of `login` for the simulator's own App, as if the web flow had run."""
        client_id, _ = self.oauth_client()
        with self.world.lock:
            return mint(self.world, login, client_id)[0]

    def deliver(self, app_id: int, event: str, payload: dict[str, Any]) -> str:
        """Queue a signed delivery of `event` to the hook URL of the manifest App `app_id`, as
        GitHub would send it (its X-GitHub-Delivery id; see `deliveries`)."""
        with self.world.lock:
            app = self.world.manifest_apps[app_id]
            if not app.hook_url or not app.webhook_secret:
                raise ValueError(f"the App {app.slug} has no active webhook")
            return self._backend.hookshot.send(app.hook_url, app.webhook_secret, event, payload)

    def deliveries(self, timeout: float = 30.0) -> list[Delivery]:
        """The webhooks delivered to Apps so far (the install page's `installation` `created`),
        once every queued delivery has had its answer (TimeoutError otherwise)."""
        return self._backend.hookshot.wait(timeout)

    @property
    def requests(self) -> list[Exchange]:
        return self.recorder.snapshot()

    def inject_fault(
        self,
        method: str = "*",
        path: str = ".*",
        status: int = 500,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests matching `method` and `path` (regex) with this."""
        self.recorder.add_fault(
            Fault(method.upper(), re.compile(path), status, dict(headers or {}), body, times)
        )

    def on_request(
        self, method: str, path: str, action: Callable[[], None], *, times: int = 1
    ) -> None:
        """Run `action` when the next `times` requests matching `method` and `path` (regex)
        arrive, before they are authenticated: e.g. `lambda: sim.revoke_tokens(inst)` to
        revoke an installation's tokens in the middle of a task."""
        self.recorder.add_trigger(Trigger(method.upper(), re.compile(path), action, times))

    def contract_violations(self, contract: OpenAPIContract | None = None) -> list[str]:
        """Problems of every recorded api.github.com exchange against GitHub's description.

        Injected faults and non-API paths (the codeload download) are skipped; webhooks
        delivered to Apps are checked against the description's webhook payloads.
        """
        checker = contract or OpenAPIContract.load()
        return [
            *(
                problem
                for ex in self.requests
                if ex.operation_id and not ex.injected
                for problem in checker.check_exchange(ex)
            ),
            *(
                problem
                for sent in self._backend.hookshot.delivered
                for problem in checker.check_webhook(sent.event, sent.action, sent.payload)
            ),
        ]
