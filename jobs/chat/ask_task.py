"""Job entry point for `chat_ask` tasks: a question asked in Slack, Discord or Telegram,
answered from the tenant's memory in the house format (the FAQ answer path `/morningai ask`
uses on GitHub) and posted in the thread it was asked in. Earlier questions and answers of the
same thread go with it as context, fenced as untrusted like the question itself.

The answer is recorded (`answered`) before it is posted, so a retry after a platform's 429
posts the same answer instead of asking the model again."""

from __future__ import annotations

from chat.errors import ChatApiError, RateLimited
from chat.message import ChatMessage
from core.subject import ChatThread
from db import chat, task_events
from db.tenancy import tenant_transaction
from github_app.client import RepoClient
from jobs.chat.conversation import ANSWERED, POSTED, Exchange, earlier_exchanges, with_context
from jobs.chat.outbound import NotConfigured, ThreadPoster, clients_for, dashboard_link
from jobs.faq.answer import write_answer
from jobs.runtime.errors import PermanentError, TransientError
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps.progress import TaskProgress
from jobs.steps.request import Request, with_repo

KIND = "chat_ask"


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    thread = run.subject.reply_to
    if thread is None:
        raise PermanentError("the question came from no chat thread to answer in")
    question = " ".join(req.instructions.split())
    if not question:
        raise PermanentError("the question is empty")
    answer = _recorded_answer(run) or _answer(run, client, thread, question)
    ids = _post(run, thread, answer)
    run.record(POSTED, f"posted in {thread.platform}", message_ids=ids)
    return f"answered in {thread.platform} ({len(ids)} message{'s' if len(ids) != 1 else ''})"


def _answer(run: TaskRun, client: RepoClient, thread: ChatThread, question: str) -> Exchange:
    progress = TaskProgress(run)
    progress.update(stage="reading", detail="Reading the repository to answer the question.")
    earlier = _earlier(run, thread)
    request_text = with_context(question, earlier)
    doc = write_answer(
        run, client, progress, {"mode": "ask", "task_label": question, "question": request_text}
    ).doc
    exchange = Exchange(question, doc.title, doc.markdown)
    run.record(
        ANSWERED,
        f"answered: {doc.title}"[:200],
        question=question,
        title=doc.title,
        markdown=doc.markdown,
        context_tasks=[e.task_id for e in earlier],
    )
    return exchange


def _earlier(run: TaskRun, thread: ChatThread) -> list[Exchange]:
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        found = chat.thread_task_events(
            scope,
            task_kind=KIND,
            workspace_id=thread.workspace_id,
            channel=thread.channel,
            event_kinds=(ANSWERED, POSTED),
            before_task_id=run.task.id,
        )
    return earlier_exchanges(thread.thread, found, run.task.created_at)


def _recorded_answer(run: TaskRun) -> Exchange | None:
    """The answer an earlier attempt of this task recorded but could not post."""
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        recorded = [e for e in task_events.for_task(scope, run.task.id) if e.kind == ANSWERED]
    if not recorded:
        return None
    data = recorded[-1].data
    return Exchange(
        str(data.get("question", "")), str(data.get("title", "")), str(data["markdown"])
    )


def _post(run: TaskRun, thread: ChatThread, answer: Exchange) -> list[str]:
    message = ChatMessage(
        title=answer.title or "Answer",
        text=answer.markdown,
        dashboard_url=dashboard_link(run.ctx.settings, run.task.id),
    )
    try:
        clients = clients_for(run.ctx.settings, run.ctx.db, run.task.tenant_id, thread.workspace_id)
    except NotConfigured as exc:
        raise PermanentError(str(exc)) from None
    try:
        return ThreadPoster(clients, thread).post(message)
    except RateLimited as exc:  # longer than the client waits itself: the runner backs off
        raise TransientError(
            f"{thread.platform} asked to wait {exc.retry_after:g} s", exc.retry_after
        ) from None
    except ChatApiError as exc:  # its text names the platform, the call and the code only
        if exc.status is None or exc.status >= 500:
            raise TransientError(f"{thread.platform} did not take the answer ({exc})") from None
        raise PermanentError(f"{thread.platform} refused the answer ({exc})") from None
    finally:
        clients.close()
