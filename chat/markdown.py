"""The small markdown subset MorningAI writes (answers are generated, titles come from GitHub),
split into blocks and inline pieces that each platform's renderer escapes its own way (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chat.message import safe_url


@dataclass(frozen=True, slots=True)
class Inline:
    kind: str  # "text" | "bold" | "code" | "link"
    text: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "paragraph" | "code"
    text: str


_INLINE = re.compile(
    r"\*\*(?P<bold>[^*\n]+)\*\*"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
)
_FENCE = re.compile(r"^```[^\n]*\n(.*?)(?:\n```[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)


def blocks(text: str) -> list[Block]:
    """Fenced code blocks whole, the rest split at blank lines into paragraphs."""
    found: list[Block] = []
    position = 0
    for fence in _FENCE.finditer(text):
        found.extend(_paragraphs(text[position : fence.start()]))
        found.append(Block("code", fence.group(1)))
        position = fence.end()
    found.extend(_paragraphs(text[position:]))
    return found


def _paragraphs(text: str) -> list[Block]:
    parts = re.split(r"\n\s*\n", text)
    return [Block("paragraph", part.strip("\n")) for part in parts if part.strip()]


def inline(text: str) -> list[Inline]:
    """Bold, inline code and http(s) links; anything else (a javascript: link too) is text."""
    pieces: list[Inline] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            pieces.append(Inline("text", text[position : match.start()]))
        if match.group("bold") is not None:
            pieces.append(Inline("bold", match.group("bold")))
        elif match.group("code") is not None:
            pieces.append(Inline("code", match.group("code")))
        else:
            url = safe_url(match.group("url"))
            label = match.group("label")
            pieces.append(Inline("link", label, url) if url else Inline("text", match.group(0)))
        position = match.end()
    if position < len(text):
        pieces.append(Inline("text", text[position:]))
    return pieces


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """At most `limit` characters, cut at a word boundary when one is near, marked."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(marker), 0)]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut + marker
