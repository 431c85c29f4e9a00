"""Markdown and reStructuredText cut by their headings into sections — pure."""

from __future__ import annotations

import ast
import re

from agents.chunking.spans import Span, cut, paragraphs

_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_RST_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1{2,}[ \t]*")


def markdown_headings(lines: list[str]) -> tuple[list[int], set[int]]:
    """Heading lines (ATX and setext) and the lines inside fences or front matter."""
    heads: list[int] = []
    fenced: set[int] = set()
    fence = "---" if lines[0].rstrip() == "---" else None  # YAML front matter
    for n, raw in enumerate(lines, 1):
        text = raw.rstrip("\r\n")
        opener = _FENCE.match(text)
        if fence is not None:
            fenced.add(n)
            if fence == "---":
                done = n > 1 and text.rstrip() == "---"
            else:
                done = opener is not None and _closes(fence, opener[1])
            fence = None if done else fence
        elif opener:
            fence = opener[1]
            fenced.add(n)
        elif _ATX.match(text):
            heads.append(n)
        elif _SETEXT.match(text) and n > 1 and lines[n - 2].strip() and _free(n - 1, heads, fenced):
            heads.append(n - 1)
    return heads, fenced


def _free(line: int, heads: list[int], fenced: set[int]) -> bool:
    return line not in fenced and (not heads or heads[-1] != line)


def _closes(fence: str, candidate: str) -> bool:
    return candidate[0] == fence[0] and len(candidate) >= len(fence)


def rst_headings(lines: list[str]) -> tuple[list[int], set[int]]:
    """Titles: a line underlined (and maybe overlined) by one punctuation mark repeated."""
    heads: list[int] = []
    for n in range(2, len(lines) + 1):
        under, title = lines[n - 1].rstrip(), lines[n - 2].rstrip()
        if not (_RST_ADORNMENT.fullmatch(under) and title and not title[0].isspace()):
            continue
        if _RST_ADORNMENT.fullmatch(title) or len(under) < len(title):
            continue
        start = n - 2 if n > 2 and lines[n - 3].rstrip() == under else n - 1
        if not heads or heads[-1] < start:
            heads.append(start)
    return heads, set()


def sections(lines: list[str], heads: list[int], fenced: set[int]) -> list[Span]:
    """The file cut before each heading; with no heading, into paragraphs."""
    whole = Span(1, len(lines), loose=True)
    if not heads:
        return paragraphs(whole, lines, fenced) or [whole]
    marks: list[tuple[int, bool, ast.AST | None]] = [(h, False, None) for h in heads if h > 1]
    return cut(whole, (heads[0] > 1, None), marks)
