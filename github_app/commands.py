"""Slash commands in comments: `/morningai <verb> [text]` at the start of a line — pure.

Lines inside fenced code blocks and quoted lines (`>`) never count: quoting someone's command
must not run it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "/morningai"
_COMMAND = re.compile(r"^/morningai(?:[ \t]+(?P<verb>[a-z][a-z-]*))?(?:[ \t]+(?P<rest>.*))?$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")


@dataclass(frozen=True)
class Command:
    verb: str
    argument: str


def _command_lines(body: str) -> list[str]:
    lines: list[str] = []
    fence: str | None = None
    for raw in body.splitlines():
        line = raw.strip()
        marker = _FENCE.match(line)
        if marker:
            token = marker.group(1)
            if fence is None:
                fence = token[0] * len(token)
            elif line.startswith(fence):
                fence = None
            continue
        if fence is None and not line.startswith(">") and not raw.startswith("    "):
            lines.append(line)
    return lines


def leading_flags(argument: str, known: frozenset[str]) -> tuple[frozenset[str], str]:
    """The flags of `known` that start a command's argument (`--anyway fix it` → {--anyway},
    "fix it"), and the rest; the first word that is not one of them ends the flags."""
    flags: set[str] = set()
    rest = argument.strip()
    while True:
        word, _, after = rest.partition(" ")
        if word.lower() not in known:
            return frozenset(flags), rest
        flags.add(word.lower())
        rest = after.strip()


def parse_command(body: str | None) -> Command | None:
    """The first command in `body`, or None. A bare `/morningai` means `help`."""
    if not body:
        return None
    for line in _command_lines(body):
        match = _COMMAND.match(line)
        if match:
            verb = match.group("verb") or "help"
            return Command(verb=verb, argument=(match.group("rest") or "").strip())
    return None
