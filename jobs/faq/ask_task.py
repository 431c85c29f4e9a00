"""Job entry point for `ask` tasks: `/morningai ask [--save] <question>` answers a question
about the repository as a FAQ document in a comment; `--save` also proposes it for
`docs/faq/` through a pull request."""

from __future__ import annotations

from core.task_kinds import kind_of
from github_app.client import RepoClient
from github_app.publish import default_branch
from jobs.faq.answer import write_answer
from jobs.faq.docs import as_comment, open_docs_pull
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps.progress import TaskProgress
from jobs.steps.request import Request, require_writer, with_repo
from jobs.steps.results import remember_pull

KIND = kind_of("ask")
SAVE_FLAG = "--save"


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def parse_question(text: str) -> tuple[str, bool]:
    """(question, save) from the command's argument: `--save` may come first or last."""
    words = text.split()
    save = SAVE_FLAG in words
    question = " ".join(w for w in words if w != SAVE_FLAG)
    return question, save


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    require_writer(client, req, run.ctx.redis)
    question, save = parse_question(req.instructions)
    client.react(req.number, "eyes")
    progress = TaskProgress(run)
    progress.update(stage="reading", detail="Reading the repository to answer the question.")
    doc = write_answer(
        run, client, progress, {"mode": "ask", "task_label": question, "question": question}
    ).doc
    answer = client.create_comment(req.number, as_comment(doc.markdown))
    if not save:
        progress.update(stage="publishing", detail="Answered below.")
        return f"answered in comment {answer.id}"
    progress.update(stage="publishing", detail=f"Proposing `{doc.path}`.")
    pr = open_docs_pull(
        client,
        branch=KIND.branch_for(slug=doc.slug),
        base=default_branch(client),
        docs=[doc],
        title=f"docs(faq): {doc.title}"[:250],
        body=f"Saves the answer to a question asked in #{req.number} as `{doc.path}`.\n\n"
        f"Asked by @{req.requester}; task {run.task.id}, trace `{run.task.trace_id}`.",
        message=f"docs(faq): {doc.title}\n\nAsked in #{req.number}.",
    )
    remember_pull(run, pr.number, pr.url, opened=pr.created)  # followed until merged or closed
    progress.update(detail=f"Answered below and proposed `{doc.path}`.", link=pr.url)
    return f"answered and {'opened' if pr.created else 'updated'} #{pr.number}"
