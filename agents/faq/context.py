"""What the FAQ graph is handed at run time: the model, retrieval, the files it may cite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from agents.ports import ChatModel, Progress


@dataclass(frozen=True)
class Passage:
    """A piece of the repository's code or docs, found by retrieval or read from a changed file."""

    path: str
    start_line: int
    end_line: int
    text: str


@dataclass(frozen=True)
class ThreadRef:
    """An issue or pull request a FAQ entry came from."""

    kind: Literal["issue", "pull"]
    number: int
    url: str


@dataclass(frozen=True)
class KnownEntry:
    """A FAQ entry already in the repository's memory."""

    question: str
    answer: str
    paths: tuple[str, ...]
    stale: bool = False


class Retriever(Protocol):
    """Search over one repository's code chunks and FAQ memory (the tenant's alone)."""

    def code(self, query: str, k: int) -> list[Passage]: ...

    def faq(self, query: str, k: int) -> list[KnownEntry]: ...


class RepoFiles(Protocol):
    """The files of the commit the document is about: citations are checked against them."""

    def exists(self, path: str) -> bool: ...

    def lines(self, path: str) -> list[str] | None:
        """The file's lines (without newlines), or None when it is missing or not text."""
        ...

    def paths(self) -> list[str]: ...


@dataclass(frozen=True)
class FaqContext:
    model: ChatModel
    progress: Progress
    retriever: Retriever
    files: RepoFiles
    repository: str
    max_output_tokens: int = 6_000
    max_context_chars: int = 50_000
    max_attempts: int = 2  # a draft citing missing files gets one more try with the list
