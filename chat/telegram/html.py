"""A ChatMessage as Telegram messages in `parse_mode` HTML (pure): untrusted text escaped
(`<`, `>`, `&`, and `"` in attributes), each message at most 4,096 characters — counted in
UTF-16 code units as Telegram does, and on the raw HTML, which is never shorter than the text
Telegram counts — long answers split into several messages at paragraph boundaries, never
inside a tag. https://core.telegram.org/bots/api#html-style"""

from __future__ import annotations

import html

from chat.markdown import blocks, inline, truncate
from chat.message import ChatMessage, safe_url

MAX_MESSAGE = 4096
MAX_MESSAGES = 10


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def paragraph(text: str) -> str:
    """One paragraph of our markdown as Telegram HTML."""
    out: list[str] = []
    for piece in inline(text):
        if piece.kind == "bold":
            out.append(f"<b>{escape(piece.text)}</b>")
        elif piece.kind == "code":
            out.append(f"<code>{escape(piece.text)}</code>")
        elif piece.kind == "link":
            out.append(f'<a href="{escape(piece.url)}">{escape(piece.text)}</a>')
        else:
            out.append(escape(piece.text))
    return "".join(out)


def _pieces(source: str, kind: str, limit: int) -> list[str]:
    """One block as HTML pieces of at most `limit` units: whole when it fits, else its lines,
    else hard cuts of the source (each piece rendered on its own, so tags always close)."""

    def render(text: str) -> str:
        return f"<pre>{escape(text)}</pre>" if kind == "code" else paragraph(text)

    whole = render(source)
    if units(whole) <= limit:
        return [whole]
    lines = source.split("\n")
    if len(lines) > 1:
        return [p for line in lines if line.strip() for p in _pieces(line, kind, limit)]
    size = max(len(source) // 2, 1)
    space = source.rfind(" ", 0, size)
    size = space if space > size // 2 else size  # between words when one is near the middle
    return _pieces(source[:size], kind, limit) + _pieces(source[size:], kind, limit)


def render(message: ChatMessage, limit: int = MAX_MESSAGE) -> list[str]:
    """The messages to send, in order (at most MAX_MESSAGES; a cut is said in the last)."""
    head = f"<b>{escape(truncate(message.title or 'MorningAI', 256))}</b>"
    pieces = [head]
    for block in blocks(message.text):
        pieces.extend(_pieces(block.text, block.kind, limit))
    pieces.extend(_links(message))
    messages: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}\n\n{piece}" if current else piece
        if units(joined) <= limit:
            current = joined
        else:
            messages.append(current)
            current = piece
    messages.append(current)
    if len(messages) > MAX_MESSAGES:
        cut = "<i>… (cut here: the rest is in the dashboard)</i>"
        last = messages[MAX_MESSAGES - 1]
        keep = last if units(last) + units(cut) + 2 <= limit else ""
        messages = [*messages[: MAX_MESSAGES - 1], f"{keep}\n\n{cut}" if keep else cut]
    return messages


def _links(message: ChatMessage) -> list[str]:
    found = []
    for link in message.fields:
        if url := safe_url(link.url):
            found.append(f'<a href="{escape(url)}">{escape(truncate(link.label, 100))}</a>')
    links = [" · ".join(found)] if found else []
    if url := safe_url(message.dashboard_url or ""):
        links.append(f'<a href="{escape(url)}">Open in the dashboard</a>')
    return links
