"""The GitHub status comment as a sink: a task's events kept in its one comment, to the end.

Kinds that declare stages (core.task_kinds) keep a comment on the issue or pull request they
were asked on; the others, and tasks asked from the command line, keep none. The comment is
always left in a final state — a 👀 and then silence is what users of these tools complain
about most.
"""

from __future__ import annotations

from typing import Any

from core.task_kinds import KINDS, TaskKind
from db import task_events, tasks, tenants
from db.tenancy import tenant_transaction
from github_app.client import RepoClient
from jobs.runtime.context import JobContext
from jobs.runtime.sinks import TaskEvent, TaskRef
from jobs.steps.status_comment import ALIASES, Status, StatusComment


class StatusCommentSink:
    """One per run: the comments of the tasks it heard of, and one GitHub client per repository
    held open until the run ends."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self._comments: dict[str, StatusComment] = {}  # by trace id: unique per task
        self._clients: dict[tuple[int, str], RepoClient] = {}
        self._installations: dict[int, int] = {}

    def emit(self, event: TaskEvent) -> None:
        kind = KINDS.get(event.task.kind)
        if kind is None or not kind.stages or not event.task.subject.has_thread:
            return
        if event.type == "progress":
            self._progress(event, kind)
        elif event.type == "retrying":  # not final: the same comment goes on when it resumes
            self._comment(event.task, kind).update(detail=f"Paused: {event.message}.")
        elif event.type == "stopped":
            self._stopped(event, kind)
        elif event.final and (event.type != "cancelled" or event.task.trace_id in self._comments):
            # a task cancelled before it showed anything (a refused asker) was answered already;
            # one that had started its comment (e.g. someone else's pull request) ends it
            self._final(event, kind)

    def close(self) -> None:
        for client in self._clients.values():
            client.__exit__(None, None, None)
        self._clients.clear()
        self._comments.clear()

    def _progress(self, event: TaskEvent, kind: TaskKind) -> None:
        changes: dict[str, Any] = {}
        if event.stage is not None:
            changes["stage"] = ALIASES.get(event.stage, event.stage)
        if event.message:
            changes["detail"] = event.message
        for key in ("link", "tokens", "cost_usd"):
            if getattr(event, key) is not None:
                changes[key] = getattr(event, key)
        for key in ("estimate", "budget_notice"):  # jobs.steps.budget
            if isinstance(event.data.get(key), str):
                changes[key] = event.data[key]
        comment = self._comment(event.task, kind)
        if event.quiet:
            comment.set(**changes)
        else:
            comment.update(**changes)

    def _final(self, event: TaskEvent, kind: TaskKind) -> None:
        with tenant_transaction(self.ctx.db, event.task.tenant_id) as scope:
            task = tasks.get(scope, event.task.id)
        changes: dict[str, Any] = {"final": event.type}
        if task is not None:
            changes.update(link=task.pr_url, tokens=task.prompt_tokens + task.completion_tokens)
        if event.type == "failed":
            changes["detail"] = f"I could not finish: {event.message}."
        elif event.type == "cancelled":
            changes["detail"] = f"{event.message[:1].upper()}{event.message[1:]}."
        else:
            changes["stage"] = "publishing"
            if kind.done:  # else the detail the task left last stays
                changes["detail"] = kind.done
        self._comment(event.task, kind).update(**changes)
        self._comments.pop(event.task.trace_id, None)

    def _stopped(self, event: TaskEvent, kind: TaskKind) -> None:
        """Another task, stopped by someone: its comment says so, whatever stage it showed."""
        task = event.task
        status = Status(
            task.id,
            task.trace_id,
            stage=self._last_stage(task),
            detail=event.message,
            final="cancelled",
            model=task.model,
            stages=kind.stages,
        )
        StatusComment(self._client(task), task.subject.number, status).update()

    def _last_stage(self, task: TaskRef) -> str:
        """The stage the stopped task had reached (its stored timeline), so its comment keeps
        the steps it finished ticked."""
        with tenant_transaction(self.ctx.db, task.tenant_id) as scope:
            stages = [e for e in task_events.for_task(scope, task.id) if e.kind == "stage"]
        reached = stages[-1].data.get("stage") if stages else None
        return ALIASES.get(reached, reached) if isinstance(reached, str) else "queued"

    def _comment(self, task: TaskRef, kind: TaskKind) -> StatusComment:
        if task.trace_id not in self._comments:
            model = self.ctx.settings.morningai_model
            status = Status(task.id, task.trace_id, model=model, stages=kind.stages)
            comment = StatusComment(self._client(task), task.subject.number, status)
            self._comments[task.trace_id] = comment
        return self._comments[task.trace_id]

    def _client(self, task: TaskRef) -> RepoClient:
        key = (self._installation(task.tenant_id), task.subject.repository)
        if key not in self._clients:
            # entered: one HTTP client for all of the run's edits
            self._clients[key] = self.ctx.repo(*key).__enter__()
        return self._clients[key]

    def _installation(self, tenant_id: int) -> int:
        if tenant_id not in self._installations:
            with tenant_transaction(self.ctx.db, tenant_id) as scope:
                tenant = tenants.get(scope)
            if tenant is None:
                raise LookupError("the installation is gone")
            self._installations[tenant_id] = int(tenant["installation_id"])
        return self._installations[tenant_id]
