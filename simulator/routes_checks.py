"""Checks endpoints: a commit's check runs (paged), a run's annotations (paged), and an
Actions job's log (302 to a short-lived download URL the simulator also serves).

https://docs.github.com/en/rest/checks/runs · https://docs.github.com/en/rest/actions/workflow-jobs
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, Response, request

from simulator import checks, shapes_checks
from simulator.api import not_found, paginate, respond, respond_page
from simulator.lookups import commit_for
from simulator.routing import current_repo, route, site, world

bp = Blueprint("checks", __name__)
READ = ("checks", "read")
LOG_LIFETIME = timedelta(minutes=1)  # GitHub's signed log URLs last about a minute


def _run(check_run_id: int) -> checks.CheckRun:
    found = checks.store(world()).runs.get(check_run_id)
    if found is None or found.repo_id != current_repo().id:
        raise not_found()
    return found


@route(
    bp, "GET", "/repos/<owner>/<repo>/commits/<path:ref>/check-runs", "checks/list-for-ref",
    permission=READ,
)  # fmt: skip
def list_for_ref(owner: str, repo: str, ref: str) -> Response:
    found = current_repo()
    sha = commit_for(found, ref)
    runs = checks.store(world()).of_commit(found, sha)
    pulls = checks.pull_refs(site(), found, sha)
    described = [shapes_checks.check_run(site(), found, r, pulls) for r in runs]
    chunk, headers = paginate(described)
    return respond({"total_count": len(described), "check_runs": chunk}, 200, headers)


@route(
    bp, "GET", "/repos/<owner>/<repo>/check-runs/<int:check_run_id>/annotations",
    "checks/list-annotations", permission=READ,
)  # fmt: skip
def list_annotations(owner: str, repo: str, check_run_id: int) -> Response:
    run, found = _run(check_run_id), current_repo()
    return respond_page([shapes_checks.annotation(site(), found, run, a) for a in run.annotations])


@route(
    bp, "GET", "/repos/<owner>/<repo>/actions/jobs/<int:job_id>/logs",
    "actions/download-job-logs-for-workflow-run", permission=("actions", "read"),
)  # fmt: skip
def download_job_log(owner: str, repo: str, job_id: int) -> Response:
    """GitHub answers 302 to a signed URL elsewhere; so do we (the job id is the run's id)."""
    run = _run(job_id)
    if not run.actions:
        raise not_found()
    ticket = secrets.token_urlsafe(16)
    expiry = world().now() + LOG_LIFETIME
    checks.store(world()).log_tickets[ticket] = (run.repo_id, run.id, expiry)
    location = f"{site().api}/_joblogs/{current_repo().full_name}/{run.id}?token={ticket}"
    return respond(None, 302, {"Location": location})


@route(bp, "GET", "/_joblogs/<owner>/<repo>/<int:job_id>", "_joblogs", auth="public")
def job_log(owner: str, repo: str, job_id: int) -> Response:
    store = checks.store(world())
    ticket = store.log_tickets.get(request.args.get("token", ""))
    run = store.runs.get(job_id)
    found = world().repo(owner, repo)
    if ticket is None or run is None or found is None or run.job_log is None:
        raise not_found()
    if ticket[:2] != (found.id, run.id) or ticket[2] < world().now():
        raise not_found()
    return Response(run.job_log, 200, {"Content-Type": "text/plain; charset=utf-8"})
