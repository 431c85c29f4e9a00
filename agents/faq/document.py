"""A FAQ document as the model describes it, parsed from its one JSON object — pure.

The model gives code examples and sources as citations only; `code` and thread URLs are
filled in later from the repository and the request (verify.py), never taken from the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from agents.faq.context import ThreadRef
from agents.untrusted import clean

_FENCE = re.compile(r"^\s*```[\w-]*\s*\n?|\n?\s*```\s*$")


class DraftError(ValueError):
    """The reply is not a document: the message says what to fix."""


@dataclass(frozen=True)
class FileCite:
    path: str
    start_line: int  # 1-based, inclusive; 0 and 0: the model gave no lines (the whole file)
    end_line: int


Source = FileCite | ThreadRef


@dataclass(frozen=True)
class Example:
    path: str
    start_line: int
    end_line: int
    caption: str
    code: str = ""  # the file's own lines, filled in by verify.check


@dataclass(frozen=True)
class Section:
    heading: str
    body: str
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True)
class Related:
    path: str
    title: str


@dataclass(frozen=True)
class Pair:
    question: str
    answer: str


@dataclass(frozen=True)
class Entry:
    question: str
    answer: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Document:
    title: str
    overview: str
    sections: tuple[Section, ...] = ()
    related: tuple[Related, ...] = ()
    troubleshooting: tuple[Pair, ...] = ()
    entries: tuple[Entry, ...] = ()
    outdated: tuple[str, ...] = ()  # known FAQ questions this document supersedes


def parse_reply(text: str) -> Document:
    """The model's reply → a Document; model-written `code` and `url` fields are ignored."""
    return _document(_json_object(text), stored=False)


def from_json(data: dict[str, Any]) -> Document:
    """The inverse of `to_json` (a checkpoint keeps the checked document as JSON)."""
    return _document(data, stored=True)


def to_json(doc: Document) -> dict[str, Any]:
    return {
        "title": doc.title,
        "overview": doc.overview,
        "sections": [
            {"heading": s.heading, "body": s.body, "examples": [asdict(e) for e in s.examples]}
            for s in doc.sections
        ],
        "related": [asdict(r) for r in doc.related],
        "troubleshooting": [asdict(p) for p in doc.troubleshooting],
        "entries": [entry_json(e) for e in doc.entries],
        "outdated": list(doc.outdated),
    }


def entry_json(entry: Entry) -> dict[str, Any]:
    """{"question","answer","sources"} with sources shaped as db/faq.py stores them."""
    return {
        "question": entry.question,
        "answer": entry.answer,
        "sources": [asdict(source) for source in entry.sources],
    }


def _json_object(text: str) -> dict[str, Any]:
    body = _FENCE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise DraftError("the reply holds no JSON object")
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise DraftError(f"the reply is not valid JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(data, dict):
        raise DraftError("the reply's JSON is not an object")
    return data


def _document(data: dict[str, Any], *, stored: bool) -> Document:
    return Document(
        title=_line(data, "title", "title", required=True),
        overview=_text(data, "overview", "overview", required=True),
        sections=tuple(_section(s, f"sections[{i}]", stored) for i, s in _items(data, "sections")),
        related=tuple(
            Related(_line(r, "path", f"related[{i}].path", required=True), _line(r, "title", ""))
            for i, r in _items(data, "related")
        ),
        troubleshooting=tuple(
            _pair(p, f"troubleshooting[{i}]") for i, p in _items(data, "troubleshooting")
        ),
        entries=tuple(_entry(e, f"entries[{i}]", stored) for i, e in _items(data, "entries")),
        outdated=tuple(_strings(data.get("outdated"), "outdated")),
    )


def _section(data: dict[str, Any], where: str, stored: bool) -> Section:
    examples = []
    for i, item in _items(data, "examples", where):
        name = f"{where}.examples[{i}]"
        start, end = _lines(item, name, required=True)
        example = Example(
            _line(item, "path", f"{name}.path", required=True),
            start,
            end,
            _line(item, "caption", ""),
        )
        code = item.get("code") if stored else None
        examples.append(replace(example, code=code) if isinstance(code, str) else example)
    return Section(
        _line(data, "heading", f"{where}.heading", required=True),
        _text(data, "body", ""),
        tuple(examples),
    )


def _pair(data: dict[str, Any], where: str) -> Pair:
    return Pair(
        _line(data, "question", f"{where}.question", required=True),
        _text(data, "answer", f"{where}.answer", required=True),
    )


def _entry(data: dict[str, Any], where: str, stored: bool) -> Entry:
    sources: list[Source] = []
    for i, item in _items(data, "sources", where):
        name = f"{where}.sources[{i}]"
        if "path" in item:
            start, end = _lines(item, name, required=False)
            sources.append(FileCite(_line(item, "path", name, required=True), start, end))
        elif item.get("kind") in ("issue", "pull"):
            number = _int(item.get("number"), f"{name}.number")
            url = str(item.get("url") or "") if stored else ""
            sources.append(ThreadRef(item["kind"], number, url))
        else:
            raise DraftError(
                f"{name} is neither {{path, start_line, end_line}} nor {{kind, number}}"
            )
    pair = _pair(data, where)
    return Entry(pair.question, pair.answer, tuple(sources))


def _items(data: dict[str, Any], key: str, where: str = "") -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key)
    if value is None:
        return []
    name = f"{where}.{key}" if where else key
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DraftError(f"{name} must be a list of objects")
    return list(enumerate(value))


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise DraftError(f"{where or key} must be a string")
    text = clean(value or "", limit=8_000).strip()
    if required and not text:
        raise DraftError(f"{where} is missing or empty")
    return text


def _line(data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    return " ".join(_text(data, key, where, required=required).split())


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DraftError(f"{where} must be a list of strings")
    return [" ".join(clean(v, limit=500).split()) for v in value if v.strip()]


def _lines(data: dict[str, Any], where: str, *, required: bool) -> tuple[int, int]:
    if not required and data.get("start_line") is None and data.get("end_line") is None:
        return 0, 0
    start = _int(data.get("start_line"), f"{where}.start_line")
    end = start if data.get("end_line") is None else _int(data.get("end_line"), f"{where}.end_line")
    return start, end


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise DraftError(f"{where} must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise DraftError(f"{where} must be a whole number")
