"""Check runs through the simulator: the contract test's exercise of the checks routes, and
what the flows set up (the permissions an upgraded installation accepted)."""

from __future__ import annotations

from typing import Any

import pytest
from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.exception import RequestFailed

from simulator import GitHubSimulator

CHECK_OPERATIONS = {
    "checks/list-for-ref",
    "checks/list-annotations",
    "actions/download-job-logs-for-workflow-run",
}
CHECK_PERMISSIONS = {"checks": "read", "actions": "read"}


def grant_checks(sim: GitHubSimulator, installation: int) -> None:
    """The installation accepted the App's new permissions (checks and actions: read)."""
    with sim.world.lock:
        sim.world.installations[installation].permissions.update(CHECK_PERMISSIONS)


def exercise_checks(sim: GitHubSimulator, installation: int, owner: str, repo: str) -> None:
    """Two check runs on the default branch's head, read a page at a time; one's annotations a
    page at a time; the Actions job's log through its redirect; the other has no log."""
    grant_checks(sim, installation)
    gh: GitHub[Any] = GitHub(
        # a token of its own: one minted before the upgrade lacks these permissions
        AppInstallationAuthStrategy(
            sim.app_id,
            sim.private_key_pem,
            installation,
            permissions={**CHECK_PERMISSIONS, "contents": "read"},  # type: ignore[arg-type]
        ),
        base_url=sim.url,
        auto_retry=False,
    )
    sha = gh.rest.repos.get_branch(owner, repo, "main").parsed_data.commit.sha
    notes = [("src/app.py", 1, "failure", "boom"), ("src/app.py", 2, "warning", "hm")]
    job = sim.add_check_run(
        owner, repo, sha, "tests", conclusion="failure", output=("1 failed", "s", "t"),
        annotations=notes, job_log="line 1\nE boom\n",
    )  # fmt: skip
    other = sim.add_check_run(owner, repo, sha, "lint", conclusion="success")
    first = gh.rest.checks.list_for_ref(owner, repo, "main", per_page=1)
    assert 'rel="next"' in first.headers.get("link", "")
    assert first.parsed_data.total_count == 2
    runs = list(
        gh.rest.paginate(
            gh.rest.checks.list_for_ref,
            map_func=lambda r: r.parsed_data.check_runs,
            owner=owner,
            repo=repo,
            ref=sha,
            per_page=1,
        )
    )
    assert [(r.name, r.conclusion) for r in runs] == [("tests", "failure"), ("lint", "success")]
    assert runs[0].details_url is not None
    assert runs[0].details_url.endswith(f"/job/{job}")
    listed = list(
        gh.rest.paginate(
            gh.rest.checks.list_annotations,
            owner=owner,
            repo=repo,
            check_run_id=job,
            per_page=1,
        )
    )
    assert [(a.path, a.start_line, a.message) for a in listed] == [
        ("src/app.py", 1, "boom"),
        ("src/app.py", 2, "hm"),
    ]
    log = gh.rest.actions.download_job_logs_for_workflow_run(owner, repo, job)
    assert log.content == b"line 1\nE boom\n"
    # a check run from another app has no Actions job
    with pytest.raises(RequestFailed) as refused:
        gh.rest.actions.download_job_logs_for_workflow_run(owner, repo, other)
    assert refused.value.response.status_code == 404
