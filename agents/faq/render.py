"""A checked FAQ document → Markdown in the house format — pure.

Title, overview, sections with code examples, the FAQ entries with their sources, related
documentation, troubleshooting, then a footer naming the task, trace, model and repository.
Links are written relative to where the document is stored (docs/faq/ by default).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from agents.faq import mentions
from agents.faq.context import ThreadRef
from agents.faq.document import Document, Entry, Example, FileCite, Source

FAQ_DIR = "docs/faq"
MARKER = "<!-- morningai:faq -->"  # lets a rerun recognise a document it wrote itself
_LANGUAGES = {
    "py": "python",
    "pyi": "python",
    "js": "javascript",
    "mjs": "javascript",
    "ts": "typescript",
    "tsx": "tsx",
    "jsx": "jsx",
    "rs": "rust",
    "go": "go",
    "rb": "ruby",
    "sh": "bash",
    "bash": "bash",
    "yml": "yaml",
    "yaml": "yaml",
    "toml": "toml",
    "json": "json",
    "sql": "sql",
    "md": "markdown",
    "html": "html",
    "css": "css",
    "java": "java",
    "c": "c",
    "h": "c",
    "cpp": "cpp",
    "ini": "ini",
    "cfg": "ini",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s")


@dataclass(frozen=True)
class Footer:
    task: str
    trace_id: str
    model: str
    repository: str


def render_markdown(doc: Document, footer: Footer, base_dir: str = FAQ_DIR) -> str:
    """The whole document; `base_dir` is the folder the Markdown file will live in."""
    parts = [f"# {_one_line(doc.title)}", mentions.relink(doc.overview, base_dir)]
    for section in doc.sections:
        parts.append(f"## {_one_line(section.heading)}")
        if section.body:
            parts.append(mentions.relink(section.body, base_dir))
        parts.extend(_example(example, base_dir) for example in section.examples)
    if doc.entries:
        parts.append("## Frequently asked questions")
        parts.extend(_entry(entry, base_dir) for entry in doc.entries)
    if doc.related:
        parts.append("## Related documentation")
        parts.append("\n".join(_related(r.path, r.title, base_dir) for r in doc.related))
    if doc.troubleshooting:
        parts.append("## Troubleshooting")
        for pair in doc.troubleshooting:
            parts.append(
                f"**{_one_line(pair.question)}**\n\n{mentions.relink(pair.answer, base_dir)}"
            )
    parts.append(_footer(footer))
    return "\n\n".join(parts) + "\n"


def summary(doc: Document, limit: int = 160) -> str:
    """The overview's first sentence, on one line, for the FAQ index."""
    first = _SENTENCE.split(_one_line(doc.overview), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def source_label(source: Source) -> str:
    """`path#L10-L20` or `#123`."""
    if isinstance(source, ThreadRef):
        return f"#{source.number}"
    return f"{source.path}#{_lines(source)}"


def _entry(entry: Entry, base_dir: str) -> str:
    text = f"### {_one_line(entry.question)}\n\n{mentions.relink(entry.answer, base_dir)}"
    if entry.sources:
        links = ", ".join(_source_link(s, base_dir) for s in entry.sources)
        text += f"\n\nSources: {links}"
    return text


def _source_link(source: Source, base_dir: str) -> str:
    if isinstance(source, ThreadRef):
        return f"[#{source.number}]({source.url})" if source.url else f"#{source.number}"
    href = f"{mentions.relative(source.path, base_dir)}#{_lines(source)}"
    return f"[{source_label(source)}]({href})"


def _example(example: Example, base_dir: str) -> str:
    cite = FileCite(example.path, example.start_line, example.end_line)
    caption = _one_line(example.caption)
    head = (
        f"{caption} ({_source_link(cite, base_dir)})" if caption else _source_link(cite, base_dir)
    )
    extension = posixpath.splitext(example.path)[1].lstrip(".").lower()
    fence = "`" * max(3, _longest_backtick_run(example.code) + 1)
    return f"{head}:\n\n{fence}{_LANGUAGES.get(extension, '')}\n{example.code}\n{fence}"


def _related(path: str, title: str, base_dir: str) -> str:
    label = _one_line(title) or path
    return f"- [{_escape(label)}]({mentions.relative(path, base_dir)}) — `{path}`"


def _footer(footer: Footer) -> str:
    rows = [
        ("Task", footer.task),
        ("Trace id", f"`{footer.trace_id}`" if footer.trace_id else "-"),
        ("Model", footer.model or "-"),
        ("Repository", footer.repository),
    ]
    table = "\n".join(f"| {name} | {_cell(value)} |" for name, value in rows)
    return f"---\n\n| | |\n|---|---|\n{table}\n\n{MARKER}"


def _lines(cite: FileCite) -> str:
    if cite.start_line == cite.end_line:
        return f"L{cite.start_line}"
    return f"L{cite.start_line}-L{cite.end_line}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|") or "-"
