"""A ChatMessage as Slack Block Kit (pure), within its limits: 50 blocks a message, 3,000
characters a section's text, 150 a header, 75 a button's text. Untrusted text is escaped for
mrkdwn (`&`, `<`, `>`), so `<!channel>` or `<@U…>` in a title cannot ping anyone.
https://docs.slack.dev/reference/block-kit/blocks · https://docs.slack.dev/messaging/formatting-message-text"""

from __future__ import annotations

from typing import Any

from chat.markdown import Block, blocks, inline, truncate
from chat.message import ChatMessage, safe_url

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_FALLBACK = 3000
TRUNCATED = "_… (cut here: the rest is in the dashboard)_"


def escape(text: str) -> str:
    """mrkdwn's three control characters as entities (Slack's documented escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link_label(text: str) -> str:
    return escape(text).replace("|", "¦")


def mrkdwn(text: str) -> str:
    """One paragraph of our markdown as mrkdwn: *bold*, `code`, <url|label>."""
    out: list[str] = []
    for piece in inline(text):
        if piece.kind == "bold":
            out.append(f"*{escape(piece.text)}*")
        elif piece.kind == "code":
            out.append(f"`{escape(piece.text)}`")
        elif piece.kind == "link":
            out.append(f"<{piece.url}|{_link_label(piece.text)}>")
        else:
            out.append(escape(piece.text))
    return "".join(out)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _rendered(block: Block) -> list[str]:
    """A block's mrkdwn in pieces of at most MAX_SECTION characters."""
    if block.kind == "code":  # each piece fenced on its own: ```\n … \n``` is 8 characters
        return [f"```\n{piece}\n```" for piece in _chunks(escape(block.text), MAX_SECTION - 8)]
    return _chunks(mrkdwn(block.text), MAX_SECTION)


def _chunks(text: str, size: int) -> list[str]:
    """`text` in pieces of at most `size`, cut at a line break when one is near, never
    inside an entity or a <link|label>."""
    pieces = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else _safe_cut(text, size)
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*pieces, text]


def _safe_cut(text: str, limit: int) -> int:
    """A cut at or before `limit` that splits neither an entity (&amp;) nor a <link|label>."""
    cut = limit
    opened = text.rfind("<", 0, cut)
    if opened > text.rfind(">", 0, cut) and opened > 0:
        cut = opened
    amp = text.rfind("&", max(cut - 5, 0), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return cut


def render(message: ChatMessage) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` for chat.postMessage, chat.update or a response_url."""
    title = truncate(message.title or "MorningAI", MAX_HEADER)
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": False}}
    ]
    tail = _tail(message)
    room = MAX_BLOCKS - 1 - len(tail)
    sections = [s for block in blocks(message.text) for s in _rendered(block) if s.strip()]
    if len(sections) > room:
        sections = [*sections[: room - 1], TRUNCATED]
    out.extend(_section(s) for s in sections)
    out.extend(tail)
    fallback = truncate(escape(message.title or "MorningAI"), MAX_FALLBACK)
    return {"text": fallback, "blocks": out}


def _tail(message: ChatMessage) -> list[dict[str, Any]]:
    tail: list[dict[str, Any]] = []
    links: list[str] = []
    for link in message.fields[:10]:
        url = safe_url(link.url)
        entry = f"<{url}|{_link_label(truncate(link.label, 100))}>" if url else ""
        if entry and len(" · ".join([*links, entry])) <= MAX_SECTION:
            links.append(entry)
    if links:
        text = " · ".join(links)
        tail.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    dashboard = safe_url(message.dashboard_url or "")
    if dashboard:
        tail.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {
                            "type": "plain_text",
                            "text": "Open in the dashboard"[:MAX_BUTTON],
                        },
                        "url": dashboard,
                        "action_id": "open_dashboard",
                    }
                ],
            }
        )
    return tail
