"""What the chat endpoints say back at once (usage, how to link), in each platform's words."""

from __future__ import annotations

NAMES = {"slack": "Slack", "discord": "Discord", "telegram": "Telegram"}
# how a person writes each command on each platform
SAY = {
    "slack": {"ask": "/morningai ask", "code": "/morningai code", "link": "/morningai link"},
    "discord": {"ask": "/morningai ask", "code": "/morningai code", "link": "/morningai link"},
    "telegram": {"ask": "/ask", "code": "/code", "link": "/link"},
}


def usage(platform: str, problem: str = "") -> str:
    say = SAY[platform]
    words = (
        f"`{say['ask']} [owner/repo] <question>` asks about a repository; "
        f"`{say['code']} owner/repo#123` hands MorningAI an issue; "
        f"`{say['link']} <code>` links you with a code from the dashboard's Chat page."
    )
    return f"{problem[:200].rstrip('.')}. {words}" if problem else words


def not_linked(platform: str) -> str:
    return (
        f"This {NAMES[platform]} workspace is not linked to MorningAI yet: an admin of the "
        f"installation takes a workspace code on the dashboard's Chat page and sends "
        f"`{SAY[platform]['link']} <code>` here."
    )


def link_first(platform: str) -> str:
    return (
        "Starting work needs your GitHub account linked: take a code on the dashboard's Chat "
        f"page and send `{SAY[platform]['link']} <code>` here. Questions need no link."
    )
