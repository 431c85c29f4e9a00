"""Check suites and runs on commits, with annotations and (for GitHub Actions runs) a job log:
what a test adds, and the `check_run`/`check_suite` deliveries GitHub makes when they finish.

Kept beside the world (one store per World) rather than in it: only these routes read it.
A run with a job log is GitHub Actions': its job id is its check run id, as on GitHub, and its
`details_url` names the job.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator import shapes_checks
from simulator.pulls import refresh
from simulator.shapes import Site, node_id, repository, user
from simulator.state import Repo, World


@dataclass
class Annotation:
    path: str
    line: int
    level: str  # notice | warning | failure
    message: str
    title: str = ""


@dataclass
class CheckRun:
    id: int
    repo_id: int
    head_sha: str
    name: str
    conclusion: str
    suite_id: int
    completed_at: datetime
    title: str = ""
    summary: str = ""
    text: str = ""
    annotations: list[Annotation] = field(default_factory=list)
    job_log: str | None = None  # GitHub Actions' runs only

    @property
    def actions(self) -> bool:
        return self.job_log is not None


@dataclass
class Checks:
    runs: dict[int, CheckRun] = field(default_factory=dict)
    suites: dict[tuple[int, str], int] = field(default_factory=dict)  # (repo, sha) -> suite id
    # the log download URL's one-time tickets: ticket -> (repo id, job id, expiry)
    log_tickets: dict[str, tuple[int, int, datetime]] = field(default_factory=dict)

    def of_commit(self, repo: Repo, sha: str) -> list[CheckRun]:
        return [r for r in self.runs.values() if r.repo_id == repo.id and r.head_sha == sha]


_STORES: weakref.WeakKeyDictionary[World, Checks] = weakref.WeakKeyDictionary()


def store(world: World) -> Checks:
    found = _STORES.get(world)
    if found is None:
        found = _STORES[world] = Checks()
    return found


def add_run(
    world: World, repo: Repo, sha: str, name: str, conclusion: str, **output: Any
) -> CheckRun:
    """A completed check run on `sha` (one suite a commit, as one CI app gives)."""
    checks = store(world)
    suite = checks.suites.setdefault((repo.id, sha), world.next_id())
    run = CheckRun(world.next_id(), repo.id, sha, name, conclusion, suite, world.now(), **output)
    checks.runs[run.id] = run
    return run


def suite_conclusion(runs: list[CheckRun]) -> str:
    """GitHub's rule: any failing run fails the suite."""
    for worst in ("failure", "timed_out", "cancelled", "action_required"):
        if any(r.conclusion == worst for r in runs):
            return worst
    return "success" if runs else "neutral"


def pull_refs(site: Site, repo: Repo, sha: str) -> list[dict[str, Any]]:
    """The open pull requests of `repo` itself whose head is `sha` (forks' are never listed)."""
    found = []
    for issue in repo.issues.values():
        if issue.pull is None or issue.state != "open" or issue.pull.head_repo is not None:
            continue
        pull = refresh(repo, issue)
        if pull.head_sha == sha:
            found.append(shapes_checks.pull_ref(site, repo, issue.number, issue.id, pull))
    return found


def deliveries(
    site: Site, repo: Repo, sha: str, installation_id: int, sender: str
) -> list[tuple[str, dict[str, Any]]]:
    """What GitHub sends when the suite of `sha` completes: `check_run` `completed` for each
    run, then `check_suite` `completed`."""
    runs = store(site.world).of_commit(repo, sha)
    pulls = pull_refs(site, repo, sha)
    common: dict[str, Any] = {
        "repository": repository(site, repo),
        "installation": {
            "id": installation_id,
            "node_id": node_id("IntegrationInstallation", installation_id),
        },
        "sender": user(site, site.world.account(sender, "Bot" if sender.endswith("]") else "User")),
    }
    sent: list[tuple[str, dict[str, Any]]] = []
    for run in runs:
        body = shapes_checks.check_run(site, repo, run, pulls)
        # a webhook's run names its suite's state: every run here has completed
        body["check_suite"].update(status="completed", conclusion=suite_conclusion(runs))
        sent.append(("check_run", {"action": "completed", "check_run": body, **common}))
    if runs:
        suite = shapes_checks.check_suite(site, repo, runs, suite_conclusion(runs), pulls)
        sent.append(("check_suite", {"action": "completed", "check_suite": suite, **common}))
    return sent
