"""What the model reads before it writes: the request, code, FAQ memory, the file lists.

Every part has a share of the character budget; what a part leaves unused passes to the next.
Text from people and from the repository is fenced as untrusted, and cut *before* it is
fenced so that a cut never leaves a fence open. File lines carry their numbers, which are
what the model cites.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents.faq.context import KnownEntry, Passage, RepoFiles, Retriever
from agents.faq.state import FaqState, Thread
from agents.untrusted import fence

CODE_K = 12
FAQ_K = 8
DOC_EXTENSIONS = (".md", ".rst", ".txt", ".adoc")
_MIN_ITEM = 200  # a fenced piece with less room than this is left out

Build = Callable[[int], str]  # room in characters → text of at most that length
Part = tuple[str, float, Build]  # heading, share of the budget, builder


@dataclass(frozen=True)
class Material:
    text: str
    known_questions: tuple[str, ...]


def gather(state: FaqState, retriever: Retriever, files: RepoFiles, budget: int) -> Material:
    """The material for one request, at most `budget` characters long."""
    query = search_query(state)
    passages = retriever.code(query, CODE_K)
    known = retriever.faq(query, FAQ_K)
    paths = sorted(files.paths())
    docs = [p for p in paths if p.lower().endswith(DOC_EXTENSIONS)]
    others = [p for p in paths if p not in set(docs)]
    parts = [
        *_request(state, files),
        ("Code found by search", 0.2, lambda room: _passages(passages, room)),
        ("FAQ entries already in memory", 0.1, lambda room: _known(known, room)),
        ("Documentation files in the repository", 0.05, lambda room: _listing(docs, room)),
        ("Other files in the repository", 0.1, lambda room: _listing(others, room)),
    ]
    return Material(assemble(parts, budget), tuple(k.question for k in known))


def search_query(state: FaqState) -> str:
    mode = state.get("mode")
    if mode == "pr":
        paths = " ".join(state.get("changed_paths", []))
        return f"{state.get('pr_title', '')}\n{paths}"
    if mode == "history":
        return "\n".join(t.get("title", "") for t in state.get("threads", []))
    return state.get("question", "")


def assemble(parts: Sequence[Part], budget: int) -> str:
    out: list[str] = []
    used = carry = 0
    for heading, share, build in parts:
        room = min(int(budget * share) + carry, budget - used)
        text = build(room - len(heading) - 6) if room > len(heading) + 6 + _MIN_ITEM else ""
        piece = f"## {heading}\n{text}\n\n" if text else ""
        out.append(piece)
        used += len(piece)
        carry = room - len(piece)
    return "".join(out).rstrip() + "\n"


def _request(state: FaqState, files: RepoFiles) -> list[Part]:
    mode = state.get("mode")
    if mode == "pr":
        changed = state.get("changed_paths", [])
        return [
            ("The pull request", 0.1, lambda room: _pull_request(state, room)),
            ("Its diff", 0.25, lambda room: _fenced("diff", state.get("diff", ""), room)),
            ("The changed files as they are now", 0.25, lambda room: _files(changed, files, room)),
        ]
    if mode == "history":
        threads = [
            (f"{t.get('kind', 'issue')} #{t.get('number')}", _thread_text(t))
            for t in state.get("threads", [])
        ]
        return [("Closed issues and merged pull requests", 0.5, lambda r: _items(threads, r))]
    return [("The question", 0.05, lambda room: _fenced("question", state.get("question"), room))]


def _pull_request(state: FaqState, room: int) -> str:
    text = f"#{state.get('pr_number')}: {state.get('pr_title', '')}\n\n{state.get('pr_body', '')}"
    changed = "\n".join(f"- {p}" for p in state.get("changed_paths", []))
    return _fenced("pull request", f"{text}\n\nChanged paths:\n{changed}", room)


def _thread_text(thread: Thread) -> str:
    comments = thread.get("comments") or []
    replies = "\n\n".join(f"Comment:\n{c}" for c in comments if isinstance(c, str))
    head = f"{thread.get('title', '')}\n{thread.get('url', '')}"
    return f"{head}\n\n{thread.get('body', '')}\n\n{replies}"


def _files(paths: list[str], files: RepoFiles, room: int) -> str:
    items = []
    for path in paths:
        lines = files.lines(path) if files.exists(path) else None
        if lines is None:
            items.append((f"file {path}", "(deleted, or not a text file)"))
        else:
            items.append((f"file {path}", numbered(lines, 1)))
    return _items(items, room)


def _passages(passages: list[Passage], room: int) -> str:
    items = [
        (
            f"file {p.path} lines {p.start_line}-{p.end_line}",
            numbered(p.text.splitlines(), p.start_line),
        )
        for p in passages
    ]
    return _items(items, room)


def _known(known: list[KnownEntry], room: int) -> str:
    items = [
        (
            "faq memory",
            f"{'[stale] ' if k.stale else ''}Q: {k.question}\nA: {k.answer}\n"
            f"Files: {', '.join(k.paths) or '-'}",
        )
        for k in known
    ]
    return _items(items, room)


def _listing(paths: list[str], room: int) -> str:
    return _fenced("file list", "\n".join(paths), room) if paths else ""


def numbered(lines: list[str], start: int) -> str:
    return "\n".join(f"{n:>5}  {line}" for n, line in enumerate(lines, start))


def _items(items: list[tuple[str, str]], room: int) -> str:
    """Fenced items, each given a fair share of the room; what one leaves, the next may use."""
    pieces: list[str] = []
    left = room
    for i, (kind, body) in enumerate(items):
        share = max(left // (len(items) - i), _MIN_ITEM * 10)
        piece = _fenced(kind, body, min(share, left - 1))
        if piece:
            pieces.append(piece)
            left -= len(piece) + 1
    return "\n".join(pieces)


def _fenced(kind: str, body: str | None, room: int) -> str:
    """`fence(kind, body)` cut to fit in `room` characters, or "" when it cannot."""
    kind = kind.replace('"', "'")
    limit = room - len(kind) - 60
    for _ in range(3):
        if limit < _MIN_ITEM:
            return ""
        piece = fence(kind, body, limit=limit)
        if len(piece) <= room:
            return piece
        limit -= len(piece) - room + 20  # escaping grew it: cut harder
    return ""
