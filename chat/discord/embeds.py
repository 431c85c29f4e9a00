"""A ChatMessage as a Discord message with embeds (pure), within Discord's limits: content
2,000 characters, 10 embeds, title 256, description 4,096, 25 fields (name 256, value 1,024),
6,000 characters across a message's embeds. `allowed_mentions: {"parse": []}` makes Discord
ping nobody whatever the text says, and @everyone/@here and <@…> are also defused in the text
so they do not even look like mentions.
https://discord.com/developers/docs/resources/message#embed-object-embed-limits"""

from __future__ import annotations

import re
from typing import Any

from chat.markdown import Block, blocks, truncate
from chat.message import ChatMessage, safe_url

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_TOTAL = 6000
MAX_FIELDS_TOTAL = MAX_TOTAL // 4
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
COLOR = 0x2F6FEB
TRUNCATED = "… (cut here: the rest is in the dashboard)"
_ZWSP = "\u200b"
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>", re.IGNORECASE)


def defuse(text: str) -> str:
    """Mentions made inert (a zero-width space after the @ or <), shown as typed."""
    return _MENTION.sub(lambda m: m.group(0)[0] + _ZWSP + m.group(0)[1:], text)


def _source(block: Block) -> str:
    if block.kind != "code":
        return block.text
    body = block.text.replace("```", "`" + _ZWSP + "``")  # a fence inside cannot close ours
    return "```\n" + body + "\n```"


def _descriptions(text: str, budget: int) -> list[str]:
    """The text in embed descriptions of at most MAX_DESCRIPTION, cut at block boundaries,
    at most `budget` characters in all (the rest replaced by TRUNCATED)."""
    parts: list[str] = []
    current = ""
    for block in blocks(defuse(text)):
        piece = _source(block)
        while len(piece) > MAX_DESCRIPTION:  # one huge block: hard cuts at lines
            cut = piece.rfind("\n", 0, MAX_DESCRIPTION) if block.kind != "code" else -1
            cut = cut if cut > MAX_DESCRIPTION // 2 else MAX_DESCRIPTION
            parts, current = _push(parts, current, piece[:cut])
            piece = piece[cut:].lstrip("\n")
        parts, current = _push(parts, current, piece)
    if current:
        parts.append(current)
    return _fit(parts, budget)


def _push(parts: list[str], current: str, piece: str) -> tuple[list[str], str]:
    joined = f"{current}\n\n{piece}" if current else piece
    if len(joined) <= MAX_DESCRIPTION:
        return parts, joined
    return [*parts, current] if current else parts, piece


def _fit(parts: list[str], budget: int) -> list[str]:
    """At most MAX_EMBEDS parts adding up to at most `budget`; a cut is marked."""
    kept: list[str] = []
    used = 0
    for part in parts:
        room = budget - used
        if len(kept) < MAX_EMBEDS and len(part) <= room:
            kept.append(part)
            used += len(part)
            continue
        if len(kept) < MAX_EMBEDS and room > len(TRUNCATED) + 40:
            kept.append(_marked(part, room))
        elif kept:  # no room for another: the last one ends with the mark, no longer than it was
            kept[-1] = _marked(kept[-1], len(kept[-1]))
        return kept
    return kept


def _marked(text: str, limit: int) -> str:
    return truncate(text, max(limit - len(TRUNCATED) - 1, 1)) + "\n" + TRUNCATED


def _fields(message: ChatMessage) -> list[dict[str, Any]]:
    """Link fields, at most MAX_FIELDS and a quarter of the message's 6,000 characters."""
    found: list[dict[str, Any]] = []
    used = 0
    for link in message.fields[:MAX_FIELDS]:
        url = safe_url(link.url)
        if not url or len(url) + 2 > MAX_FIELD_VALUE:
            continue
        name = truncate(defuse(link.label), MAX_FIELD_NAME) or "link"
        if used + len(name) + len(url) + 2 > MAX_FIELDS_TOTAL:
            break
        found.append({"name": name, "value": f"<{url}>", "inline": True})
        used += len(name) + len(url) + 2
    return found


def render(message: ChatMessage) -> dict[str, Any]:
    """The JSON body for a channel message, an interaction follow-up or an edit."""
    title = truncate(defuse(message.title or "MorningAI"), MAX_TITLE)
    fields = _fields(message)
    fixed = len(title) + sum(len(f["name"]) + len(f["value"]) for f in fields)
    descriptions = _descriptions(message.text, MAX_TOTAL - fixed) or [""]
    embeds: list[dict[str, Any]] = []
    for index, description in enumerate(descriptions):
        embed: dict[str, Any] = {"color": COLOR}
        if description:
            embed["description"] = description
        if index == 0:
            embed["title"] = title
            if url := safe_url(message.dashboard_url or ""):
                embed["url"] = url
        embeds.append(embed)
    if fields:
        embeds[-1]["fields"] = fields
    content = ""
    if url := safe_url(message.dashboard_url or ""):
        content = truncate(f"Dashboard: <{url}>", MAX_CONTENT)
    return {"content": content, "embeds": embeds, "allowed_mentions": NO_MENTIONS}


def text_message(text: str) -> dict[str, Any]:
    """A plain reply (help, errors to the user) within the content limit, pinging nobody."""
    return {"content": truncate(defuse(text), MAX_CONTENT), "allowed_mentions": NO_MENTIONS}
