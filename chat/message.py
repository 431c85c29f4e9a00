"""What MorningAI says in a chat, before any platform's format: a title, a markdown text, link
fields and a link to the task in the dashboard. Renderers (slack/blocks.py, discord/embeds.py,
telegram/html.py) keep it within each platform's limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_URL = 2000
_URL = re.compile(r"https?://[^\s<>\"'`|\\\x00-\x1f\x7f]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LinkField:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class ChatMessage:
    title: str
    text: str = ""  # markdown: paragraphs, **bold**, `code`, ``` fences, [label](https://…)
    fields: tuple[LinkField, ...] = field(default_factory=tuple)
    dashboard_url: str | None = None


def safe_url(url: str) -> str | None:
    """`url` when it is a plain http(s) URL (no javascript:, no spaces or quotes), else None."""
    if len(url) > MAX_URL or _URL.fullmatch(url) is None:
        return None
    return url
