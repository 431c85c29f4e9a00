"""JSON builders for check runs, check suites and annotations (GitHub's `check-run`,
`check-suite` and `check-annotation` schemas)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.shapes import JSON, Site, iso, node_id, user
from simulator.state import Pull, Repo

if TYPE_CHECKING:
    from simulator.checks import Annotation, CheckRun

ACTIONS_APP_ID = 15368  # GitHub Actions' App id on github.com


def actions_app(site: Site) -> JSON:
    """The GitHub Actions App, as check runs name it."""
    return {
        "id": ACTIONS_APP_ID,
        "slug": "github-actions",
        "node_id": node_id("Integration", ACTIONS_APP_ID),
        "owner": user(site, site.world.account("github", "Organization")),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{site.html}/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2019-12-10T19:04:12Z",
        "permissions": {"actions": "write", "checks": "write", "metadata": "read"},
        "events": ["check_run", "check_suite", "push"],
    }


def _repo_ref(site: Site, repo: Repo) -> JSON:
    return {"id": repo.id, "url": f"{site.api}/repos/{repo.full_name}", "name": repo.name}


def pull_ref(site: Site, repo: Repo, number: int, pull_id: int, pull: Pull) -> JSON:
    """`pull-request-minimal`: what check runs and suites list of their pull requests."""
    return {
        "id": pull_id,
        "number": number,
        "url": f"{site.api}/repos/{repo.full_name}/pulls/{number}",
        "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": _repo_ref(site, repo)},
        "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": _repo_ref(site, repo)},
    }


def job_url(site: Site, repo: Repo, run: CheckRun) -> str:
    return f"{site.html}/{repo.full_name}/actions/runs/{run.suite_id}/job/{run.id}"


def check_run(site: Site, repo: Repo, run: CheckRun, pulls: list[JSON]) -> JSON:
    api = f"{site.api}/repos/{repo.full_name}"
    details = job_url(site, repo, run) if run.actions else f"https://ci.example.com/{run.id}"
    return {
        "id": run.id,
        "node_id": node_id("CheckRun", run.id),
        "head_sha": run.head_sha,
        "external_id": str(run.id),
        "name": run.name,
        "url": f"{api}/check-runs/{run.id}",
        "html_url": f"{site.html}/{repo.full_name}/runs/{run.id}",
        "details_url": details,
        "status": "completed",
        "conclusion": run.conclusion,
        "started_at": iso(run.completed_at),
        "completed_at": iso(run.completed_at),
        "output": {
            "title": run.title or None,
            "summary": run.summary or None,
            "text": run.text or None,
            "annotations_count": len(run.annotations),
            "annotations_url": f"{api}/check-runs/{run.id}/annotations",
        },
        "check_suite": {"id": run.suite_id},
        "app": actions_app(site),
        "pull_requests": pulls,
    }


def check_suite(
    site: Site, repo: Repo, runs: list[CheckRun], conclusion: str, pulls: list[JSON]
) -> JSON:
    """A webhook's `check_suite` (the fields GitHub's example carries)."""
    first = runs[0]
    api = f"{site.api}/repos/{repo.full_name}"
    return {
        "id": first.suite_id,
        "node_id": node_id("CheckSuite", first.suite_id),
        "head_branch": None,
        "head_sha": first.head_sha,
        "status": "completed",
        "conclusion": conclusion,
        "url": f"{api}/check-suites/{first.suite_id}",
        "before": None,
        "after": first.head_sha,
        "pull_requests": pulls,
        "app": actions_app(site),
        "created_at": iso(first.completed_at),
        "updated_at": iso(max(r.completed_at for r in runs)),
        "rerequestable": True,
        "runs_rerequestable": True,
        "latest_check_runs_count": len(runs),
        "check_runs_url": f"{api}/check-suites/{first.suite_id}/check-runs",
    }


def annotation(site: Site, repo: Repo, run: CheckRun, item: Annotation) -> JSON:
    return {
        "path": item.path,
        "blob_href": f"{site.html}/{repo.full_name}/blob/{run.head_sha}/{item.path}",
        "start_line": item.line,
        "end_line": item.line,
        "start_column": None,
        "end_column": None,
        "annotation_level": item.level,
        "title": item.title or None,
        "message": item.message,
        "raw_details": None,
    }
