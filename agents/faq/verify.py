"""Check a draft against the repository and fill in what the model may not write — pure.

Every cited file must exist and every line range lie inside it; code examples get the file's
own lines (never the model's); thread citations must be threads the request gave. Paths the
prose mentions in `code spans` or links must exist too. Each problem is a sentence the model
can act on when it is asked again.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from agents.faq import mentions
from agents.faq.context import RepoFiles, ThreadRef
from agents.faq.document import Document, Entry, Example, FileCite, Section, Source

MAX_EXAMPLE_LINES = 30  # a longer citation is cut to its first lines, and its range with it


@dataclass(frozen=True)
class Checked:
    document: Document  # with code, whole-file ranges and thread URLs filled in
    problems: tuple[str, ...]
    missing: tuple[str, ...]  # paths cited or mentioned that the repository does not have


@dataclass
class _Report:
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def not_found(self, path: str, where: str) -> None:
        self.add(
            f"{where}: `{path}` does not exist in the repository. Cite only paths that appear "
            "in the material; if it is not a file, write it without backticks."
        )
        self.missing.append(path)


@dataclass
class _Repo:
    """The repository as the checks see it; reads each file once."""

    files: RepoFiles
    mentionable: frozenset[str]  # e.g. a PR's deleted paths: fine in prose, never as a citation

    def __post_init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            self._lines[path] = self.files.lines(path) if self.files.exists(path) else None
        return self._lines[path]

    @cached_property
    def paths(self) -> frozenset[str]:
        return frozenset(self.files.paths())

    @cached_property
    def directories(self) -> frozenset[str]:
        return frozenset(d for p in self.paths for d in _parents(p))

    @cached_property
    def basenames(self) -> frozenset[str]:
        return frozenset(posixpath.basename(p) for p in self.paths)

    def mentioned_exists(self, path: str) -> bool:
        if path in self.mentionable or path.rstrip("/") in self.directories:
            return True
        return self.files.exists(path) or ("/" not in path and path in self.basenames)


def check(
    doc: Document,
    files: RepoFiles,
    threads: Mapping[int, ThreadRef],
    mentionable: frozenset[str] = frozenset(),
) -> Checked:
    """The document with its citations resolved, and what is wrong with it."""
    repo = _Repo(files, mentionable)
    report = _Report()
    sections = tuple(_section(s, i, repo, report) for i, s in enumerate(doc.sections))
    entries = tuple(_entry(e, i, repo, threads, report) for i, e in enumerate(doc.entries))
    if not entries:
        report.add("The document has no FAQ entries: `entries` must hold at least one.")
    for i, related in enumerate(doc.related):
        path = _normal(related.path)
        if path is None or not files.exists(path):
            report.not_found(related.path, f"related[{i}]")
    for where, text in _prose(doc):
        if mentions.has_code_block(text):
            report.add(
                f"{where} holds a fenced code block; give code only as `examples` citations."
            )
        for path in mentions.paths(text, repo.directories):
            if not repo.mentioned_exists(path):
                report.not_found(path, f"{where} (as a file mentioned in the text)")
    fixed = replace(doc, sections=sections, entries=entries)
    return Checked(fixed, tuple(report.problems), tuple(dict.fromkeys(report.missing)))


def _section(section: Section, index: int, repo: _Repo, report: _Report) -> Section:
    examples = []
    for j, example in enumerate(section.examples):
        where = f"sections[{index}].examples[{j}]"
        path = _normal(example.path)
        lines = repo.lines(path) if path else None
        if path is None or not repo.files.exists(path):
            report.not_found(example.path, where)
        elif lines is None:
            report.add(f"{where}: `{path}` is not a text file; cite a text file.")
        elif problem := _range_problem(path, example.start_line, example.end_line, len(lines)):
            report.add(f"{where}: {problem}")
        else:
            end = min(example.end_line, example.start_line + MAX_EXAMPLE_LINES - 1)
            code = "\n".join(lines[example.start_line - 1 : end])
            examples.append(Example(path, example.start_line, end, example.caption, code))
    return replace(section, examples=tuple(examples))


def _entry(
    entry: Entry,
    index: int,
    repo: _Repo,
    threads: Mapping[int, ThreadRef],
    report: _Report,
) -> Entry:
    sources: list[Source] = []
    for j, source in enumerate(entry.sources):
        where = f"entries[{index}].sources[{j}]"
        if isinstance(source, ThreadRef):
            if source.number in threads:
                sources.append(threads[source.number])
            else:
                known = ", ".join(f"#{n}" for n in sorted(threads)) or "none"
                report.add(
                    f"{where}: #{source.number} is not a thread given to you (given: {known})."
                )
            continue
        cite = _file_source(source, where, repo, report)
        if cite is not None:
            sources.append(cite)
    if not entry.sources:
        report.add(f"entries[{index}] cites no source; each answer cites where it comes from.")
    return replace(entry, sources=tuple(dict.fromkeys(sources)))


def _file_source(source: FileCite, where: str, repo: _Repo, report: _Report) -> FileCite | None:
    path = _normal(source.path)
    if path is None or not repo.files.exists(path):
        report.not_found(source.path, where)
        return None
    lines = repo.lines(path)
    count = len(lines) if lines is not None else 0
    if source.start_line == 0 and source.end_line == 0:
        return FileCite(path, 1, max(count, 1))  # no lines given: the whole file
    if problem := _range_problem(path, source.start_line, source.end_line, count):
        report.add(f"{where}: {problem}")
        return None
    return FileCite(path, source.start_line, source.end_line)


def _range_problem(path: str, start: int, end: int, count: int) -> str | None:
    if 1 <= start <= end <= count:
        return None
    return f"`{path}` has {count} lines, so lines {start}-{end} cannot be cited."


def _normal(path: str) -> str | None:
    """The repository-relative form of a cited path, or None when it leaves the repository."""
    path = path.strip().removeprefix("./").lstrip("/")
    if not path or "://" in path or ".." in path.split("/"):
        return None
    return posixpath.normpath(path)


def _parents(path: str) -> Iterator[str]:
    parts = path.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        yield "/".join(parts[:i])


def _prose(doc: Document) -> Iterator[tuple[str, str]]:
    yield "title", doc.title
    yield "overview", doc.overview
    for i, section in enumerate(doc.sections):
        yield f"sections[{i}]", f"{section.heading}\n{section.body}"
        for j, example in enumerate(section.examples):
            yield f"sections[{i}].examples[{j}].caption", example.caption
    for i, pair in enumerate(doc.troubleshooting):
        yield f"troubleshooting[{i}]", f"{pair.question}\n{pair.answer}"
    for i, entry in enumerate(doc.entries):
        yield f"entries[{i}]", f"{entry.question}\n{entry.answer}"
