"""The chat sink: a task's events told to the chats that asked for it or subscribed to it.

(a) A task asked from a chat thread (`subject.reply_to`, e.g. "code owner/repo#12") posts one
status message there when it starts, edits it as it goes (at most every PROGRESS_EVERY seconds,
where the platform allows editing) and reports its end there in a new message: the pull
request's link and title, or the reason it failed or was refused. A `chat_ask` answers itself;
only its failure is reported here.
(b) Notifications: the channels subscribed (db.chat.listeners, in the task's tenant) hear
task started, pull request opened, task failed and FAQ pull request opened, each once per task.

Every failure here is logged in the platform's own words (never a token or URL) and dropped:
the task's state is in PostgreSQL, and one unreachable chat must not silence the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from chat.errors import ChatApiError
from chat.message import ChatMessage, LinkField
from chat.outbound import Conversation
from core.subject import ChatThread, TaskSubject
from core.task_kinds import KINDS
from db import chat, tasks, tenants
from db.tasks import Task
from db.tenancy import tenant_transaction
from jobs.chat.change import change_text
from jobs.chat.outbound import Clients, ThreadPoster, clients_for, dashboard_link
from jobs.runtime.context import JobContext
from jobs.runtime.sinks import TaskEvent, TaskRef

log = logging.getLogger(__name__)

ASK_KIND = "chat_ask"
PROGRESS_EVERY = 5.0  # seconds between edits of a status message
MARK_TTL = 7 * 24 * 3600  # how long a task's chat marks (status message, notified) are kept
# which kinds' events a subscribed channel hears
STARTED_KINDS = frozenset({"code", "revise", "ask", "faq_pr", "faq_history"})
FAILED_KINDS = STARTED_KINDS | {"faq_stale"}
PR_KINDS = frozenset({"code", "revise"})
FAQ_PR_KINDS = frozenset({"ask", "faq_history", "faq_stale"})


@dataclass
class _Status:
    poster: ThreadPoster
    message_id: str | None
    edited_at: float = 0.0


class ChatSink:
    """One per run: the status messages of the tasks it heard of, and one client per workspace
    held until the run ends."""

    def __init__(self, ctx: JobContext, clock: Callable[[], float] = time.monotonic) -> None:
        self.ctx = ctx
        self._clock = clock
        self._clients: dict[tuple[int, int], Clients] = {}
        self._status: dict[int, _Status] = {}

    def emit(self, event: TaskEvent) -> None:
        self._quietly("thread", event, self._thread)
        self._quietly("notify", event, self._notify)

    def close(self) -> None:
        for clients in self._clients.values():
            clients.close()
        self._clients.clear()
        self._status.clear()

    def _quietly(self, what: str, event: TaskEvent, act: Callable[[TaskEvent], None]) -> None:
        try:
            act(event)
        except ChatApiError as exc:  # its text: platform, call, status and code only
            log.warning("chat %s of task %s (%s) missed: %s", what, event.task.id, event.type, exc)
        except Exception as exc:
            log.warning(
                "chat %s of task %s (%s) missed: %s",
                what,
                event.task.id,
                event.type,
                type(exc).__name__,
            )

    # (a) the thread the task was asked from -----------------------------------------------

    def _thread(self, event: TaskEvent) -> None:
        thread = event.task.subject.reply_to
        if thread is None:
            return
        if event.task.kind == ASK_KIND:  # the job posts the answer; only a failure comes here
            if event.type in ("failed", "cancelled"):
                self._poster(event.task, thread).post(
                    self._message(event.task, "I could not answer", _sentence(event.message))
                )
            return
        if event.type == "started":
            self._started(event, thread)
        elif event.type == "progress" and not event.quiet:
            self._progress(event, thread)
        elif event.type == "retrying":
            self._edit(event, thread, f"Paused: {_sentence(event.message)}", force=True)
        elif event.type == "stopped" or event.final:
            self._ended(event, thread)

    def _started(self, event: TaskEvent, thread: ChatThread) -> None:
        posted = self._mark_get(event.task.id, "status")
        if posted is not None:  # a retry: the same message goes on
            self._status_of(event.task, thread, posted)
            self._edit(event, thread, "Working on it again.", force=True)
            return
        poster = self._poster(event.task, thread)
        ids = poster.post(self._message(event.task, _working(event.task), "Starting."))
        message_id = ids[0] if ids else None
        if message_id:
            self._mark_set(event.task.id, "status", message_id)
        self._status[event.task.id] = _Status(poster, message_id, self._clock())

    def _progress(self, event: TaskEvent, thread: ChatThread) -> None:
        if not (event.stage or event.message):
            return
        stage = _stage_label(event.task.kind, event.stage)
        detail = " — ".join(part for part in (stage, event.message) if part)
        self._edit(event, thread, detail, force=False)

    def _edit(self, event: TaskEvent, thread: ChatThread, text: str, *, force: bool) -> None:
        status = self._status.get(event.task.id) or self._status_of(
            event.task, thread, self._mark_get(event.task.id, "status")
        )
        if status.message_id is None:
            return
        now = self._clock()
        if not force and now - status.edited_at < PROGRESS_EVERY:
            return
        status.edited_at = now
        status.poster.edit(status.message_id, self._message(event.task, _working(event.task), text))

    def _ended(self, event: TaskEvent, thread: ChatThread) -> None:
        task = self._task(event.task)
        title, text, fields = _outcome(event, task, self._pull_title(event.task, task))
        self._edit(event, thread, title, force=True)
        poster = self._status[event.task.id].poster
        poster.post(self._message(event.task, title, text, fields))
        self._status.pop(event.task.id, None)

    def _status_of(self, ref: TaskRef, thread: ChatThread, message_id: str | None) -> _Status:
        status = _Status(self._poster(ref, thread), message_id)
        self._status[ref.id] = status
        return status

    def _poster(self, ref: TaskRef, thread: ChatThread) -> ThreadPoster:
        existing = self._status.get(ref.id)
        if existing is not None:
            return existing.poster
        return ThreadPoster(self._clients_for(ref.tenant_id, thread.workspace_id), thread)

    # (b) notifications --------------------------------------------------------------------

    def _notify(self, event: TaskEvent) -> None:
        name = _notification(event)
        if name is None:
            return
        task = self._task(event.task)
        if task is None or task.repository_id is None:
            return
        with tenant_transaction(self.ctx.db, event.task.tenant_id) as scope:
            heard_by = chat.listeners(scope, name, task.repository_id)
        if name in ("pr_opened", "faq_pr_opened") and not task.pr_url:
            return
        if not heard_by or not self._first(event.task.id, f"notified:{name}"):
            return
        message = self._notice(name, event, task)
        for listener in heard_by:  # one channel down (or its workspace gone): the others hear
            if not _own_channel(listener):
                log.warning(
                    "chat notice %s of task %s not sent: channel %s is not telegram chat %s"
                    " (workspace %s)", name, event.task.id, listener.channel_id,
                    listener.external_id, listener.workspace_id,
                )  # fmt: skip
                continue
            send = partial(self._send_notice, listener, message)
            self._quietly(f"notice {name} to {listener.platform}", event, send)

    def _send_notice(self, to: chat.Listener, message: ChatMessage, event: TaskEvent) -> None:
        clients = self._clients_for(event.task.tenant_id, to.workspace_id)
        clients.out().send(Conversation(to.channel_id), message)

    def _notice(self, name: str, event: TaskEvent, task: Task) -> ChatMessage:
        ref, where = event.task, _where(event.task.subject)
        if name == "task_started":
            return self._message(ref, f"Started: {ref.kind} on {where}", _asked_by(ref.subject))
        if name == "task_failed":
            return self._message(ref, f"Failed: {ref.kind} on {where}", _sentence(event.message))
        title = self._pull_title(ref, task)
        label = "FAQ pull request" if name == "faq_pr_opened" else "Pull request"
        heading = f"{label} opened: {title}" if title else f"{label} opened for {where}"
        link = (LinkField(label, task.pr_url),) if task.pr_url else ()
        text = _asked_by(ref.subject)
        if name == "pr_opened":  # the files changed and the verification result
            text = "\n\n".join(
                filter(None, [text, change_text(self.ctx.db, ref.tenant_id, ref.id)])
            )
        return self._message(ref, heading, text, link)

    # shared ------------------------------------------------------------------------------

    def _message(
        self, ref: TaskRef, title: str, text: str = "", fields: tuple[LinkField, ...] = ()
    ) -> ChatMessage:
        return ChatMessage(title, text, fields, dashboard_link(self.ctx.settings, ref.id))

    def _clients_for(self, tenant_id: int, workspace_id: int) -> Clients:
        key = (tenant_id, workspace_id)
        if key not in self._clients:
            self._clients[key] = clients_for(self.ctx.settings, self.ctx.db, *key)
        return self._clients[key]

    def _task(self, ref: TaskRef) -> Task | None:
        with tenant_transaction(self.ctx.db, ref.tenant_id) as scope:
            return tasks.get(scope, ref.id)

    def _pull_title(self, ref: TaskRef, task: Task | None) -> str:
        if task is None or task.pr_number is None:
            return ""
        try:
            with tenant_transaction(self.ctx.db, ref.tenant_id) as scope:
                tenant = tenants.get(scope)
            if tenant is None:
                return ""
            repo = self.ctx.repo(int(tenant["installation_id"]), ref.subject.repository)
            with repo as client:
                return client.pull(task.pr_number).title
        except Exception as exc:  # the link alone still serves
            log.info("task %s: no pull request title (%s)", ref.id, type(exc).__name__)
            return ""

    def _key(self, task_id: int, mark: str) -> str:
        return f"morningai:chat:task:{task_id}:{mark}"

    def _mark_get(self, task_id: int, mark: str) -> str | None:
        value = self.ctx.redis.get(self._key(task_id, mark))
        return value.decode() if isinstance(value, bytes) else None

    def _mark_set(self, task_id: int, mark: str, value: str) -> None:
        self.ctx.redis.set(self._key(task_id, mark), value, ex=MARK_TTL)

    def _first(self, task_id: int, mark: str) -> bool:
        """True the first time `mark` is set for the task (across retries and workers)."""
        return bool(self.ctx.redis.set(self._key(task_id, mark), "1", nx=True, ex=MARK_TTL))


def _own_channel(to: chat.Listener) -> bool:
    """Whether the channel is the workspace's own, where that is cheap to know. PUT
    /api/chat/subscriptions checks every platform before storing; this checks again what costs
    nothing: a Telegram workspace is one chat, so its channel is that chat (a row stored before
    the check, or written past the API, must not reach strangers through the shared bot).
    Discord's would take a call per channel: the PUT's check is relied on (a channel never
    changes server). Slack posts with the workspace's own bot token, which reaches no other
    workspace's channel."""
    return to.platform != "telegram" or to.channel_id == to.external_id


def _notification(event: TaskEvent) -> str | None:
    kind = event.task.kind
    if event.type == "started" and kind in STARTED_KINDS:
        return "task_started"
    if event.type == "failed" and kind in FAILED_KINDS:
        return "task_failed"
    if event.type == "succeeded" and kind in PR_KINDS:
        return "pr_opened"
    if event.type == "succeeded" and kind in FAQ_PR_KINDS:
        return "faq_pr_opened"
    return None


def _outcome(
    event: TaskEvent, task: Task | None, pull_title: str
) -> tuple[str, str, tuple[LinkField, ...]]:
    """The end of a task, as its thread hears it: (title, text, link fields)."""
    if event.type == "succeeded":
        url = task.pr_url if task is not None else None
        if url:
            title = f"Pull request ready: {pull_title}" if pull_title else "Pull request ready"
            return title, url, (LinkField("Pull request", url),)
        return "Done", _sentence(event.message), ()
    if event.type == "failed":
        return "I could not finish", _sentence(event.message), ()
    return "Stopped", _sentence(event.message), ()


def _working(ref: TaskRef) -> str:
    return f"Working on {_where(ref.subject)}"


def _where(subject: TaskSubject) -> str:
    number = f"#{subject.number}" if subject.has_thread else ""
    return f"{subject.repository}{number}"


def _asked_by(subject: TaskSubject) -> str:
    return f"Asked by {subject.requested_by}."


def _stage_label(kind: str, stage: str | None) -> str:
    spec = KINDS.get(kind)
    labels = dict(spec.stages) if spec is not None else {}
    return labels.get(stage or "", "")


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
