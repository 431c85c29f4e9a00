"""What the FAQ task kinds share: the embedder, the repository's memory brought up to date,
the FAQ graph run under the tenant's checkpointer, and storing what it wrote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

from agents import prompts
from agents.faq import graph as faq_graph
from agents.faq.context import FaqContext
from agents.faq.nodes import PACKAGE, PROMPTS
from agents.faq.state import FaqState
from agents.ports import Embedder, Progress, Usage
from github_app.client import RepoClient
from github_app.publish import branch_sha, default_branch
from jobs.faq.docs import Document
from jobs.faq.memory import (
    MemoryRetriever,
    SnapshotFiles,
    index_repository,
    reembed_if_model_changed,
    remember_entries,
)
from jobs.runtime.checkpoints import saver_for
from jobs.runtime.errors import PermanentError
from jobs.runtime.runner import TaskRun
from jobs.steps.agent_run import checkout, invoke_once, remember, status_for
from jobs.steps.models import chat_model
from jobs.steps.status_comment import FAQ_STAGES, StatusComment

# the graph's step names, as the status comment's stages
FAQ_ALIASES = {"finishing": "publishing"}


def faq_status(run: TaskRun, client: RepoClient, number: int) -> StatusComment:
    return status_for(run, client, number, FAQ_STAGES)


def repository_id(run: TaskRun) -> int:
    if run.task.repository_id is None:
        raise PermanentError("the repository is no longer installed")
    return run.task.repository_id


@dataclass(frozen=True)
class Workspace:
    """A commit's files on disk, and the repository's memory indexed at that commit."""

    sha: str
    files: SnapshotFiles
    retriever: MemoryRetriever


@contextmanager
def snapshot(client: RepoClient, sha: str) -> Iterator[SnapshotFiles]:
    with checkout(client, sha) as root:
        yield SnapshotFiles(root)


@contextmanager
def indexed_default_branch(
    run: TaskRun, client: RepoClient, progress: Progress, embedder: Embedder | None
) -> Iterator[Workspace]:
    """The default branch's files, with its chunks (and FAQ vectors) current in memory:
    unchanged chunks keep their vectors, so a re-run embeds only what changed."""
    base = default_branch(client)
    sha = branch_sha(client, base)
    if sha is None:
        raise PermanentError(f"the default branch `{base}` has no commits")
    repo_id = repository_id(run)
    progress.stage("indexing", f"Indexing `{base}` for retrieval.")
    with snapshot(client, sha) as files:
        ctx = run.ctx
        sync = index_repository(ctx.db, run.task.tenant_id, repo_id, sha, files, embedder)
        if embedder is not None:
            reembed_if_model_changed(ctx.db, run.task.tenant_id, repo_id, embedder)
        run.event("indexed", f"indexed {base} at {sha[:12]}", sync=repr(sync))
        retriever = MemoryRetriever(ctx.db, run.task.tenant_id, repo_id, embedder)
        yield Workspace(sha, files, retriever)


def run_faq_graph(  # noqa: PLR0917 - the job's five parts and its request, all required
    run: TaskRun,
    progress: Progress,
    repository: str,
    files: SnapshotFiles,
    retriever: MemoryRetriever,
    request: FaqState,
) -> FaqState:
    settings = run.ctx.settings
    context = FaqContext(
        model=chat_model(settings),
        progress=_Aliased(progress),
        retriever=retriever,
        files=files,
        repository=repository,
    )
    remember(run, model=settings.morningai_model, prompt_hash=prompts.prompt_hash(PACKAGE, PROMPTS))
    with saver_for(settings.require_database_url(), run.task.tenant_id) as saver:
        request = {**request, "trace_id": run.task.trace_id}
        result = invoke_once(run, faq_graph.build(saver), dict(request), context)
    return cast(FaqState, result)


class _Aliased:
    """A progress port (the status comment) with the graph's step names mapped to stages."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def stage(self, name: str, detail: str) -> None:
        self.progress.stage(FAQ_ALIASES.get(name, name), detail)

    def spent(self, usage: Usage) -> None:
        self.progress.spent(usage)


class Quiet:
    """Progress nobody watches: tasks that leave no status comment (a merged PR's check)."""

    def stage(self, name: str, detail: str) -> None:
        pass

    def spent(self, usage: Usage) -> None:
        pass


def document_of(state: FaqState) -> Document:
    """The graph's finished document, or the reason there is none."""
    if state.get("outcome") != "ready":
        raise PermanentError(state.get("reason") or "no FAQ document was written")
    return Document(
        slug=state.get("slug") or "faq",
        title=state.get("title") or "FAQ",
        summary=state.get("summary") or _summary(state),
        markdown=state.get("markdown") or "",
    )


def _summary(state: FaqState) -> str:
    entries = state.get("entries") or []
    return f"{len(entries)} question{'s' if len(entries) != 1 else ''}"


def store_entries(
    run: TaskRun,
    state: FaqState,
    embedder: Embedder | None,
    *,
    source_pr: int | None,
    source_commit: str | None,
) -> tuple[int, int]:
    """Put the document's entries into the repository's memory; return (added, updated)."""
    stored = remember_entries(
        run.ctx.db,
        run.task.tenant_id,
        repository_id(run),
        list(state.get("entries") or []),
        embedder,
        source_pr=source_pr,
        source_commit=source_commit,
    )
    added = sum(1 for _, created in stored if created)
    return added, len(stored) - added
