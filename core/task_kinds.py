"""Every kind of task, declared once: its job, queue, time limit, status stages and branch.

The web process reads this to route and enqueue; workers read it to run and report. Jobs are
named by dotted path, so importing this module loads no graph, model client or database code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

QueueName = Literal["high", "default", "low"]
# the order a worker takes them in
QUEUE_NAMES: tuple[QueueName, ...] = ("high", "default", "low")
# every branch MorningAI pushes starts so; a pull request from another branch is not ours
BRANCH_PREFIX = "morningai/"

Stages = tuple[tuple[str, str], ...]
CODE_STAGES: Stages = (
    ("queued", "Queued"),
    ("reading", "Reading the repository"),
    ("locating", "Locating the relevant files"),
    ("planning", "Planning"),
    ("reproducing", "Reproducing the issue"),
    ("editing", "Editing"),
    ("validating", "Validating"),
    ("publishing", "Opening the pull request"),
)
# FAQ documents and answers: the FAQ graph's steps, then committing or commenting
FAQ_STAGES: Stages = (
    ("queued", "Queued"),
    ("reading", "Reading the repository"),
    ("indexing", "Indexing the code"),
    ("gathering", "Finding what is relevant"),
    ("drafting", "Writing"),
    ("verifying", "Checking every citation"),
    ("publishing", "Publishing"),
)


@dataclass(frozen=True)
class TaskKind:
    name: str
    job: str  # dotted path of the RQ entry point; it takes the task id only
    queue: QueueName
    timeout_seconds: int
    # the checklist of the status comment the task keeps on its issue; () keeps none
    stages: Stages = ()
    # the status comment's closing words on success; "" keeps the detail the task left last
    done: str = ""
    # the branch the task pushes, formatted with the subject's `number` or the document's `slug`
    branch: str | None = None
    # may run on a closed issue or a merged pull request (it reads and answers, or stops)
    on_closed: bool = False

    def branch_for(self, **values: object) -> str:
        if self.branch is None:
            raise ValueError(f"{self.name} tasks push no branch of their own")
        # GitHub refuses refs over 255 bytes; slugs are ASCII
        return self.branch.format(**values)[:200]


KINDS: dict[str, TaskKind] = {
    kind.name: kind
    for kind in (
        TaskKind(
            "code",
            "jobs.code.code_task.run",
            "default",
            30 * 60,
            CODE_STAGES,
            done="The pull request is ready for review.",
            branch=BRANCH_PREFIX + "issue-{number}",
        ),
        # pushes to the pull request's own branch (one of ours: BRANCH_PREFIX)
        TaskKind(
            "revise",
            "jobs.code.revise_task.run",
            "default",
            30 * 60,
            CODE_STAGES,
            done="The pull request is ready for review.",
        ),
        # a pull request of ours whose checks failed on its head: pushes a fix to its branch
        TaskKind(
            "fix_checks",
            "jobs.code.fix_checks.run",
            "default",
            30 * 60,
            CODE_STAGES,
            done="The pull request is ready for review.",
        ),
        # quiet: a passing head of one of our pull requests, told in a status comment
        TaskKind("checks_passed", "jobs.code.checks_passed.run", "high", 60),
        TaskKind("stop", "jobs.code.stop_task.run", "high", 60, on_closed=True),
        # writes to the pull request's own branch, or comments on a fork's
        TaskKind("faq_pr", "jobs.faq.pr_task.run", "default", 20 * 60, FAQ_STAGES, on_closed=True),
        # long, and nobody waits on it
        TaskKind(
            "faq_history",
            "jobs.faq.history_task.run",
            "low",
            60 * 60,
            FAQ_STAGES,
            branch=BRANCH_PREFIX + "faq-history",
            on_closed=True,
        ),
        # quiet: runs for every merged pull request and comments nowhere
        TaskKind(
            "faq_stale",
            "jobs.faq.stale_task.run",
            "low",
            20 * 60,
            branch=BRANCH_PREFIX + "faq-refresh",
        ),
        # someone is waiting for the answer
        TaskKind(
            "ask",
            "jobs.faq.ask_task.run",
            "default",
            10 * 60,
            FAQ_STAGES,
            branch=BRANCH_PREFIX + "faq-{slug}",
            on_closed=True,
        ),
        # a question from a chat: answered in its thread, no GitHub thread, nothing pushed
        TaskKind("chat_ask", "jobs.chat.ask_task.run", "default", 10 * 60, on_closed=True),
    )
}


# what a stop (`/morningai stop`, the dashboard's Stop) cancels; other kinds end by themselves
STOPPABLE = ("code", "revise", "fix_checks")


def kind_of(name: str) -> TaskKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown task kind {name!r}") from None


def is_ours(branch: str) -> bool:
    """Whether MorningAI made this branch (and so may push to it)."""
    return branch.startswith(BRANCH_PREFIX)
