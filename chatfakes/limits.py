"""The platforms' message limits as the fakes enforce them (what their APIs refuse)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

# Discord: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_DESCRIPTION = 4096
MAX_TITLE = 256
MAX_TOTAL = 6000
# Slack: https://docs.slack.dev/reference/block-kit/blocks
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
# Telegram: https://core.telegram.org/bots/api#formatting-options
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip


def discord_message_problem(body: dict[str, Any]) -> str:
    """Discord's message limits; "" when the message is acceptable."""
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if not isinstance(content, str) or len(content) > MAX_CONTENT:
        return f"content: Must be {MAX_CONTENT} or fewer in length."
    if not isinstance(embeds, list) or len(embeds) > MAX_EMBEDS:
        return f"embeds: Must be {MAX_EMBEDS} or fewer in length."
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            return "embeds: not an object"
        title, description = str(embed.get("title") or ""), str(embed.get("description") or "")
        if len(title) > MAX_TITLE or len(description) > MAX_DESCRIPTION:
            return "embeds: title or description too long"
        fields = embed.get("fields") or []
        total += len(title) + len(description)
        total += sum(len(str(f.get("name", ""))) + len(str(f.get("value", ""))) for f in fields)
    if total > MAX_TOTAL:
        return f"embeds: Embed size exceeds maximum size of {MAX_TOTAL}"
    return ""


def slack_block_problem(blocks: Any) -> str:
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > MAX_BLOCKS:
        return f"more than {MAX_BLOCKS} blocks"
    for index, block in enumerate(blocks):
        text = block.get("text") if isinstance(block, dict) else None
        if isinstance(text, dict):
            limit = MAX_HEADER if block.get("type") == "header" else MAX_SECTION
            if len(str(text.get("text", ""))) > limit:
                return f"block {index}: text longer than {limit}"
    return ""


class _Entities(HTMLParser):
    """Telegram's HTML: allowed tags only, balanced; the text a user sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.stack: list[str] = []
        self.problem = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.problem = self.problem or f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problem = self.problem or f'unmatched end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def telegram_html(text: str) -> tuple[str, str]:
    """(what the user reads, the problem or "")."""
    parser = _Entities()
    parser.feed(text)
    parser.close()
    if parser.stack and not parser.problem:
        parser.problem = f'unclosed tag "{parser.stack[-1]}"'
    if re.search(r"<(?![/a-zA-Z])", text) or re.search(
        r"&(?![a-zA-Z]+;|#[0-9]+;|#x[0-9a-fA-F]+;)", text
    ):
        parser.problem = parser.problem or "unescaped < or &"
    return "".join(parser.text), parser.problem


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
