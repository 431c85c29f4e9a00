"""`morningai ask --repo DIR "question"`: the FAQ graph answering about a local checkout.

No database and no GitHub: the checkout's files are chunked along their structure and ranked
in memory (BM25, the same lexical ranking localization uses); the answer is printed in the
house format, its citations checked against the checkout like the app's.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from agents.chunking import TextChunk, chunk_file
from agents.code.locate_repo import read_sources
from agents.code.locate_text import BM25, Tokenizer, query_weights
from agents.faq import graph as faq_graph
from agents.faq.context import FaqContext, KnownEntry, Passage
from agents.faq.state import FaqState
from core.ids import new_trace_id
from core.settings import Settings
from jobs.faq.memory import SnapshotFiles
from morningai.preflight import cli_chat_model, require_directory
from morningai.solve import PrintProgress


class AskError(RuntimeError):
    """Why there is no answer, in words for the person at the terminal."""


class CheckoutFiles(SnapshotFiles):
    """A working tree: only the files git would track (ignored and `.git/` left out)."""

    def __init__(self, root: Path, paths: Sequence[str]) -> None:
        super().__init__(root)
        self._tracked = sorted(paths)

    def paths(self) -> list[str]:
        return list(self._tracked)


class LexicalRetriever:
    """Code chunks ranked by BM25; a checkout has no FAQ memory of its own."""

    def __init__(self, chunks: Sequence[TextChunk]) -> None:
        self.chunks = list(chunks)
        self.tok = Tokenizer()
        self.corpus = BM25([self.tok.counts(f"{c.path}\n{c.content}") for c in self.chunks])

    def code(self, query: str, k: int) -> list[Passage]:
        scores = self.corpus.scores(query_weights(self.tok.terms(query)))
        ranked = sorted(
            (i for i, s in enumerate(scores) if s > 0 and math.isfinite(s)),
            key=lambda i: (-scores[i], i),
        )
        return [
            Passage(c.path, c.start_line, c.end_line, c.content)
            for c in (self.chunks[i] for i in ranked[:k])
        ]

    def faq(self, query: str, k: int) -> list[KnownEntry]:
        return []


def ask(repo: Path, question: str, settings: Settings | None = None) -> FaqState:
    if not question.strip():
        raise AskError("ask a question")
    require_directory(repo)
    settings = settings or Settings()
    model = cli_chat_model(settings)  # before reading the checkout: no model, no work
    sources = read_sources(repo)
    chunks = [c for s in sources for c in chunk_file(s.path, s.text)]
    context = FaqContext(
        model=model,
        progress=PrintProgress(sys.stderr),
        retriever=LexicalRetriever(chunks),
        files=CheckoutFiles(repo, [s.path for s in sources]),
        repository=repo.resolve().name,
    )
    request: FaqState = {
        "mode": "ask",
        "task_label": question,
        "question": question,
        "trace_id": new_trace_id(),
    }
    state = cast(FaqState, faq_graph.build().invoke(request, context=context))
    if state.get("outcome") != "ready":
        raise AskError(state.get("reason") or "no answer was written")
    return state
