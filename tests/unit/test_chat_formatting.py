"""Rendering one ChatMessage for each platform: every limit, and no injection from untrusted
text (titles and bodies come from GitHub users and generated answers)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chat.discord import embeds
from chat.message import ChatMessage, LinkField, safe_url
from chat.slack import blocks
from chat.telegram import html as telegram

HOSTILE = "<!channel> <!here> <@U123> @everyone @here <#C1> & <b>x</b> <script>alert(1)</script> <https://evil.example|click>"
MESSAGE = ChatMessage(
    title="Pull request opened: Fix <retry> & backoff",
    text="The **retry** helper now waits `Retry-After`.\n\nSee [the docs](https://docs.example/retry).",
    fields=(LinkField("Pull request #7", "https://github.com/octo-org/hello/pull/7"),),
    dashboard_url="https://morningai.example/tasks/42",
)


def _long_text(paragraphs: int, size: int) -> str:
    return "\n\n".join(
        f"Paragraph {i}: " + ("word & <tag> " * (size // 13)) for i in range(paragraphs)
    )


# shared ---------------------------------------------------------------------------------------


def test_only_plain_http_urls_are_links() -> None:
    assert safe_url("https://github.com/a/b/pull/1") == "https://github.com/a/b/pull/1"
    for bad in [
        "javascript:alert(1)",
        "https://x.example/a b",
        'https://x/"onmouseover',
        "ftp://x",
        "https://x|y",
        "https://" + "x" * 2000,
    ]:
        assert safe_url(bad) is None


# Slack ----------------------------------------------------------------------------------------


def _mrkdwn(rendered: dict[str, Any]) -> list[str]:
    """Every text Slack parses as mrkdwn (plain_text, as in the header, is never parsed)."""
    texts = [rendered["text"]]
    for block in rendered["blocks"]:
        for part in [block.get("text"), *block.get("elements", [])]:
            if isinstance(part, dict) and part.get("type") == "mrkdwn":
                texts.append(part["text"])
    return texts


def test_slack_blocks_shape() -> None:
    rendered = blocks.render(MESSAGE)
    kinds = [b["type"] for b in rendered["blocks"]]
    assert kinds == ["header", "section", "section", "context", "actions"]
    assert rendered["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": MESSAGE.title,
        "emoji": False,
    }
    assert rendered["blocks"][1]["text"]["text"] == "The *retry* helper now waits `Retry-After`."
    assert rendered["blocks"][2]["text"]["text"] == "See <https://docs.example/retry|the docs>."
    assert rendered["blocks"][4]["elements"][0]["url"] == "https://morningai.example/tasks/42"
    assert (
        "<https://github.com/octo-org/hello/pull/7|Pull request #7>"
        in rendered["blocks"][3]["elements"][0]["text"]
    )


def test_slack_escapes_mrkdwn_so_nothing_pings_or_links() -> None:
    rendered = blocks.render(
        ChatMessage(
            title=HOSTILE, text=HOSTILE, fields=(LinkField("a|<!channel>", "https://ok.example"),)
        )
    )
    assert rendered["blocks"][0]["text"]["type"] == "plain_text"
    for text in _mrkdwn(rendered):
        assert "<!" not in text
        assert "<@" not in text
        assert "<#" not in text
        assert "<script" not in text
    assert "&lt;!channel&gt;" in rendered["blocks"][1]["text"]["text"]
    assert "&amp; &lt;b&gt;" in rendered["blocks"][1]["text"]["text"]
    # a link label cannot close the link or open another
    assert (
        "<https://ok.example|a¦&lt;!channel&gt;>" in rendered["blocks"][-1]["elements"][0]["text"]
    )
    # the fallback text is mrkdwn too (notifications show it)
    assert "<!channel>" not in rendered["text"]


def test_slack_limits_hold_for_a_huge_answer() -> None:
    rendered = blocks.render(
        ChatMessage("t" * 500, _long_text(200, 2500), MESSAGE.fields, MESSAGE.dashboard_url)
    )
    assert len(rendered["blocks"]) <= blocks.MAX_BLOCKS
    assert len(rendered["blocks"][0]["text"]["text"]) <= blocks.MAX_HEADER
    for block in rendered["blocks"][1:]:
        if "text" in block:
            assert len(block["text"]["text"]) <= blocks.MAX_SECTION
    assert rendered["blocks"][-3]["text"]["text"] == blocks.TRUNCATED
    assert rendered["blocks"][-1]["type"] == "actions"  # the dashboard link survives the cut


def test_slack_one_enormous_paragraph_is_cut_without_breaking_entities() -> None:
    rendered = blocks.render(ChatMessage("t", "&" * 10000))
    sections = [b["text"]["text"] for b in rendered["blocks"][1:]]
    assert all(len(s) <= blocks.MAX_SECTION for s in sections)
    assert "".join(sections) == "&amp;" * 10000
    assert all(re.fullmatch(r"(&amp;)+", s) for s in sections)


def test_slack_a_huge_code_block_is_cut_into_fenced_whole_entities() -> None:
    rendered = blocks.render(ChatMessage("t", "```\n" + "<&>" * 4000 + "\n```"))
    sections = [b["text"]["text"] for b in rendered["blocks"][1:]]
    assert len(sections) > 1
    for section in sections:
        assert len(section) <= blocks.MAX_SECTION
        assert re.fullmatch(r"```\n(&lt;|&amp;|&gt;)+\n```", section)


def test_slack_code_fences_stay_fenced_and_escaped() -> None:
    rendered = blocks.render(ChatMessage("t", "```python\nif a < b and c > d: pass\n```"))
    assert rendered["blocks"][1]["text"]["text"] == "```\nif a &lt; b and c &gt; d: pass\n```"


# Discord --------------------------------------------------------------------------------------


def _discord_total(message: dict[str, Any]) -> int:
    total = 0
    for embed in message["embeds"]:
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return total


def test_discord_shape_and_no_mentions() -> None:
    rendered = embeds.render(MESSAGE)
    assert rendered["allowed_mentions"] == {"parse": []}
    (embed,) = rendered["embeds"]
    assert embed["title"] == MESSAGE.title
    assert embed["url"] == MESSAGE.dashboard_url
    assert embed["description"] == MESSAGE.text
    assert embed["fields"] == [
        {
            "name": "Pull request #7",
            "value": "<https://github.com/octo-org/hello/pull/7>",
            "inline": True,
        }
    ]
    assert rendered["content"] == "Dashboard: <https://morningai.example/tasks/42>"


def test_discord_mentions_are_defused_in_the_text_too() -> None:
    rendered = embeds.render(ChatMessage(HOSTILE, HOSTILE))
    for text in (rendered["embeds"][0]["title"], rendered["embeds"][0]["description"]):
        assert "@everyone" not in text
        assert "@here" not in text
        assert "<@U123>" in text  # not a Discord mention (ids are digits): left as typed
    text = embeds.render(ChatMessage("t", "<@80351110224678912> <@!1> <@&2> <#3>"))["embeds"][0][
        "description"
    ]
    assert not re.search(r"<[@#][!&]?\d", text)
    assert embeds.text_message("@everyone look")["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in embeds.text_message("@everyone look")["content"]


def test_discord_limits_hold_for_a_huge_answer() -> None:
    fields = tuple(LinkField(f"f{i}" * 200, f"https://x.example/{i}") for i in range(40))
    rendered = embeds.render(
        ChatMessage("T" * 1000, _long_text(100, 3000), fields, "https://d.example/" + "p" * 1900)
    )
    assert len(rendered["content"]) <= embeds.MAX_CONTENT
    assert 1 <= len(rendered["embeds"]) <= embeds.MAX_EMBEDS
    assert _discord_total(rendered) <= embeds.MAX_TOTAL
    for embed in rendered["embeds"]:
        assert len(embed.get("title", "")) <= embeds.MAX_TITLE
        assert len(embed.get("description", "")) <= embeds.MAX_DESCRIPTION
        assert len(embed.get("fields", [])) <= embeds.MAX_FIELDS
        for field in embed.get("fields", []):
            assert len(field["name"]) <= embeds.MAX_FIELD_NAME
            assert len(field["value"]) <= embeds.MAX_FIELD_VALUE
    assert rendered["embeds"][-1]["description"].endswith(embeds.TRUNCATED)


def test_discord_many_small_paragraphs_fill_at_most_ten_embeds() -> None:
    rendered = embeds.render(ChatMessage("t", _long_text(11, 4000)))
    assert len(rendered["embeds"]) <= embeds.MAX_EMBEDS
    assert _discord_total(rendered) <= embeds.MAX_TOTAL


def test_discord_a_fence_in_code_cannot_close_ours() -> None:
    description = embeds.render(ChatMessage("t", "```\na\n```\n\nplain"))["embeds"][0][
        "description"
    ]
    assert description == "```\na\n```\n\nplain"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=20000), st.text(max_size=400))
def test_discord_any_text_fits(text: str, title: str) -> None:
    rendered = embeds.render(ChatMessage(title, text))
    assert len(rendered["embeds"]) <= embeds.MAX_EMBEDS
    assert _discord_total(rendered) <= embeds.MAX_TOTAL
    assert all(len(e.get("description", "")) <= embeds.MAX_DESCRIPTION for e in rendered["embeds"])
    json.dumps(rendered)


# Telegram -------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    ALLOWED = {"b", "i", "code", "pre", "a"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            self.bad.append(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.bad.append("/" + tag)


def _well_formed(message: str) -> bool:
    parser = _Tags()
    parser.feed(message)
    parser.close()
    return not parser.bad and not parser.stack


def test_telegram_shape() -> None:
    (message,) = telegram.render(MESSAGE)
    assert message.startswith("<b>Pull request opened: Fix &lt;retry&gt; &amp; backoff</b>\n\n")
    assert "The <b>retry</b> helper now waits <code>Retry-After</code>." in message
    assert 'See <a href="https://docs.example/retry">the docs</a>.' in message
    assert '<a href="https://morningai.example/tasks/42">Open in the dashboard</a>' in message


def test_telegram_escapes_everything_untrusted() -> None:
    (message,) = telegram.render(
        ChatMessage(HOSTILE, HOSTILE + ' [x](https://a.example/"onclick=")')
    )
    assert "<script" not in message
    assert "<b>x</b>" not in message.replace("<b>" + telegram.escape(HOSTILE), "")
    assert _well_formed(message)
    assert "&lt;script&gt;" in message


def test_telegram_long_answers_split_at_paragraphs_within_the_limit() -> None:
    text = _long_text(12, 1000)
    messages = telegram.render(ChatMessage("Answer", text))
    assert 1 < len(messages) < telegram.MAX_MESSAGES
    assert all(telegram.units(m) <= telegram.MAX_MESSAGE for m in messages)
    assert all(_well_formed(m) for m in messages)
    # cuts fall between paragraphs: every paragraph is whole in one message
    for i in range(12):
        assert sum(f"Paragraph {i}:" in m for m in messages) == 1
    starts = [m.split("\n\n")[0] for m in messages[1:]]
    assert all(s.startswith("Paragraph") for s in starts)


def test_telegram_counts_utf16_units() -> None:
    emoji = "😀" * 3000  # 6000 UTF-16 units in 3000 characters
    messages = telegram.render(ChatMessage("t", emoji))
    assert len(messages) >= 2
    assert all(telegram.units(m) <= telegram.MAX_MESSAGE for m in messages)


def test_telegram_one_huge_paragraph_and_code_block_are_cut_into_closed_pieces() -> None:
    messages = telegram.render(
        ChatMessage("t", "<&>" * 5000 + "\n\n```\n" + "x < y\n" * 2000 + "```")
    )
    assert all(telegram.units(m) <= telegram.MAX_MESSAGE for m in messages)
    assert all(_well_formed(m) for m in messages)


def test_telegram_caps_the_number_of_messages() -> None:
    messages = telegram.render(ChatMessage("t", _long_text(200, 3000)))
    assert len(messages) == telegram.MAX_MESSAGES
    assert messages[-1].endswith("the rest is in the dashboard)</i>")
    assert all(telegram.units(m) <= telegram.MAX_MESSAGE for m in messages)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=12000))
def test_telegram_any_text_fits_and_is_well_formed(text: str) -> None:
    for message in telegram.render(ChatMessage("t", text)):
        assert telegram.units(message) <= telegram.MAX_MESSAGE
        assert _well_formed(message)
