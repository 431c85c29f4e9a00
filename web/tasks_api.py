"""The dashboard's tasks: `GET /api/tasks`, `GET /api/tasks/<id>`, `POST /api/tasks/<id>/stop`
and `POST /api/tasks/<id>/retry` (docs/api.md).

Reads run in each reached tenant's scoped transaction and only over the repositories GitHub
says the viewer reaches; a list across installations merges their pages by the list's sort key
(created_at, id), which is global. Stop and retry need write permission on the repository (the
rule of the comment commands) and become tasks like the comment commands' own: a stop is a
`stop` task for the thread (the worker checks the permission again, cancels the running work
and edits the status comment), a retry is a new task of the same kind with the same request.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import psycopg
from flask import Blueprint, Response, jsonify, request

from core.ids import new_trace_id
from core.subject import TaskSubject
from core.task_kinds import KINDS, STOPPABLE, kind_of
from db import repositories, tasks
from db.reads.task_list import Cursor, TaskFilter, TaskView, get_task, list_tasks
from db.reads.timeline import timeline
from db.tenancy import tenant_transaction
from jobs.runtime.queues import enqueue_task
from web.errors import json_error
from web.services import current_services
from web.task_access import SeenTask, find_task
from web.task_views import (
    FINISHED,
    event_json,
    failure,
    last_change,
    model_calls,
    task_json,
    verification,
)
from web.viewer import ReachedInstallation, Viewer, checks_csrf, signed_in

log = logging.getLogger(__name__)
blueprint = Blueprint("tasks_api", __name__)

MAX_LIMIT = 100
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
_DIFF_EVENT_FIELDS = ("diff", "checks")


class BadQuery(ValueError):
    """A query string the list cannot answer; its words go back as the 400."""


def _filters(args: Any) -> tuple[TaskFilter, int, Cursor | None, int | None]:
    kinds = tuple(args.getlist("kind"))
    statuses = tuple(args.getlist("status"))
    if unknown := [k for k in kinds if k not in KINDS]:
        raise BadQuery(f"unknown kind {unknown[0]!r}; one of {', '.join(KINDS)}")
    if unknown := [s for s in statuses if s not in STATUSES]:
        raise BadQuery(f"unknown status {unknown[0]!r}; one of {', '.join(STATUSES)}")
    try:
        limit = int(args.get("limit", "50"))
        installation = int(args["installation"]) if args.get("installation") else None
    except ValueError:
        raise BadQuery("limit and installation are whole numbers") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit is 1 to {MAX_LIMIT}")
    cursor = None
    if args.get("cursor"):
        try:
            cursor = Cursor.parse(args["cursor"])
        except ValueError:
            raise BadQuery("cursor is not one this list gave out") from None
    filters = TaskFilter(
        statuses=statuses,
        kinds=kinds,
        repository=args.get("repository") or None,
        requested_by=args.get("requested_by") or None,
    )
    return filters, limit, cursor, installation


def _json(installation: ReachedInstallation, task: TaskView) -> dict[str, Any]:
    github_url = current_services().github_settings().github_url
    return task_json(
        task, installation_id=installation.id, account=installation.account, github_url=github_url
    )


@blueprint.get("/api/tasks")
@signed_in
def list_view(viewer: Viewer) -> Response:
    try:
        filters, limit, cursor, only = _filters(request.args)
    except BadQuery as exc:
        return json_error(400, str(exc))
    found: list[tuple[ReachedInstallation, TaskView]] = []
    more = False
    db = current_services().db
    for inst in viewer.tenants:
        if (only is not None and inst.id != only) or inst.tenant_id is None:
            continue
        scoped = replace(filters, repositories=inst.names)
        with tenant_transaction(db, inst.tenant_id) as scope:
            page = list_tasks(scope, scoped, limit=limit, after=cursor)
        found.extend((inst, task) for task in page.tasks)
        more = more or page.next is not None
    found.sort(key=lambda pair: (pair[1].created_at, pair[1].id), reverse=True)
    more = more or len(found) > limit
    shown = found[:limit]
    last = shown[-1][1] if shown else None
    next_cursor = Cursor(last.created_at, last.id).token if more and last is not None else None
    return jsonify(tasks=[_json(inst, task) for inst, task in shown], next_cursor=next_cursor)


@blueprint.get("/api/tasks/<int:task_id>")
@signed_in
def detail_view(viewer: Viewer, task_id: int) -> Response:
    seen = find_task(viewer, task_id)
    if seen is None or seen.installation.tenant_id is None:
        return json_error(404, f"no task {task_id} among the repositories you reach")
    with tenant_transaction(current_services().db, seen.installation.tenant_id) as scope:
        found = timeline(scope, task_id)
    if found is None:
        return json_error(404, f"no task {task_id} among the repositories you reach")
    change = last_change(found.events)
    diff = change.data.get("diff") if change is not None else None
    return jsonify(
        task=_json(seen.installation, found.task),
        trigger=found.trigger,
        instructions=found.instructions,
        events=[event_json(e) for e in found.events if e.kind not in ("model", "change")],
        model_calls=model_calls(found.events),
        diff=diff if isinstance(diff, str) else None,
        verification=verification(change),
        failure=failure(found.task),
        can_act=seen.can_act,
    )


def _actionable(viewer: Viewer, task_id: int) -> SeenTask | Response:
    seen = find_task(viewer, task_id)
    if seen is None or seen.installation.tenant_id is None:
        return json_error(404, f"no task {task_id} among the repositories you reach")
    if not seen.can_act:
        return json_error(403, f"you need write access to {seen.task.repository} to do that")
    return seen


def _new_task(
    viewer: Viewer, seen: SeenTask, kind: str, subject: TaskSubject
) -> dict[str, Any] | Response:
    """Create and enqueue a task for the viewer's request, as the comment commands do."""
    tenant_id = seen.installation.tenant_id
    assert tenant_id is not None  # checked by _actionable
    services = current_services()
    spec = kind_of(kind)
    with tenant_transaction(services.db, tenant_id) as scope:
        repository_id = repositories.id_for(scope, subject.repository)
        new = tasks.NewTask(
            kind=kind,
            queue=spec.queue,
            trace_id=new_trace_id(),
            subject=subject.encode(),
            repository_id=repository_id,
            delivery_id=None,
        )
        try:
            with scope.conn.transaction():
                created = tasks.create(scope, new)
        except psycopg.errors.UniqueViolation:
            what = "a stop" if kind == "stop" else f"a {kind} task"
            return json_error(409, f"{what} for #{subject.number} is already queued or running")
    enqueue_task(services.redis, created.id, 0, created.kind, created.queue, fresh=True)
    with tenant_transaction(services.db, tenant_id) as scope:
        tasks.mark_enqueued(scope, created.id)
        view = get_task(scope, created.id)  # the tenant and reach were checked for `seen`
    log.info("@%s asked for %s task %s from the dashboard", viewer.login, kind, created.id)
    return _json(seen.installation, view) if view is not None else {"id": created.id}


def _subject(seen: SeenTask, viewer: Viewer, verb: str) -> TaskSubject | Response:
    with tenant_transaction(current_services().db, seen.installation.tenant_id or 0) as scope:
        row = tasks.get(scope, seen.task.id)
    if row is None:
        return json_error(404, f"no task {seen.task.id} among the repositories you reach")
    try:
        asked = TaskSubject.decode(row.subject)
    except ValueError:
        return json_error(409, f"task {seen.task.id} names no thread to {verb}")
    return replace(asked, requested_by=viewer.login, trigger=f"dashboard:{verb}:{seen.task.id}")


@blueprint.post("/api/tasks/<int:task_id>/stop")
@checks_csrf
def stop_view(viewer: Viewer, task_id: int) -> Response:
    seen = _actionable(viewer, task_id)
    if isinstance(seen, Response):
        return seen
    if seen.task.status in FINISHED:
        return json_error(409, f"task {task_id} has already {seen.task.status}")
    if seen.task.kind not in STOPPABLE:
        return json_error(409, f"{seen.task.kind} tasks cannot be stopped; they end by themselves")
    subject = _subject(seen, viewer, "stop")
    if isinstance(subject, Response):
        return subject
    made = _new_task(viewer, seen, "stop", replace(subject, instructions=""))
    if isinstance(made, Response):
        return made
    response = jsonify(task=made)
    response.status_code = 202
    return response


@blueprint.post("/api/tasks/<int:task_id>/retry")
@checks_csrf
def retry_view(viewer: Viewer, task_id: int) -> Response:
    seen = _actionable(viewer, task_id)
    if isinstance(seen, Response):
        return seen
    if seen.task.status not in ("failed", "cancelled"):
        return json_error(
            409, f"only a failed or cancelled task runs again; this one is {seen.task.status}"
        )
    if seen.task.kind == "stop":
        return json_error(409, "a stop is not run again")
    subject = _subject(seen, viewer, "retry")
    if isinstance(subject, Response):
        return subject
    made = _new_task(viewer, seen, seen.task.kind, subject)
    if isinstance(made, Response):
        return made
    response = jsonify(task=made)
    response.status_code = 202
    return response
