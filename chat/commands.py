"""The one command grammar of the three platforms (pure):

    ask [owner/repo] <question>     a cited answer from the linked installation's memory
    code owner/repo#123             the code task on that issue
    link <code>                     link this chat user (or workspace) with a dashboard code
    help                            usage

Text arrives from anyone in a chat: control characters are dropped, lengths are capped, and
repository names follow GitHub's own rules, so what comes out is safe to look up."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUESTION = 4000
MAX_INPUT = 8000
# GitHub: an owner is 1-39 alphanumerics or single hyphens, not at either end; a repository
# 1-100 of letters, digits, '.', '_' and '-' (and not '.' or '..').
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
_NAME = r"[A-Za-z0-9._-]{1,100}"
_REPO = re.compile(rf"({_OWNER})/({_NAME})")
_CODE_TARGET = re.compile(rf"({_OWNER})/({_NAME})#([1-9][0-9]{{0,9}})")
_LINK_CODE = re.compile(r"[A-Za-z0-9_-]{6,64}")
MAX_ISSUE = 2**31 - 1
VERBS = ("ask", "code", "link", "help")
# control, format (bidi overrides, zero-width), surrogate, private-use, unassigned, and the
# line/paragraph separators U+2028/U+2029
_DROPPED = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


@dataclass(frozen=True, slots=True)
class RepoRef:
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True, slots=True)
class Ask:
    question: str
    repo: RepoRef | None = None


@dataclass(frozen=True, slots=True)
class Code:
    repo: RepoRef
    issue_number: int


@dataclass(frozen=True, slots=True)
class Link:
    code: str


@dataclass(frozen=True, slots=True)
class Help:
    """Usage, with why the input was not a command ("" when help was asked for)."""

    problem: str = ""


Command = Ask | Code | Link | Help

USAGE = "ask [owner/repo] <question> · code owner/repo#123 · link <code from the dashboard>"


def clean(text: str) -> str:
    """Control and format characters dropped (newlines and tabs become spaces or stay as
    newlines), surrounding whitespace trimmed, and the whole capped at MAX_INPUT."""
    kept = []
    for char in text[: MAX_INPUT * 2]:
        if char in "\n\t":
            kept.append("\n" if char == "\n" else " ")
        elif unicodedata.category(char) not in _DROPPED:
            kept.append(char)
    return "".join(kept).strip()[:MAX_INPUT]


def parse_repo(text: str) -> RepoRef | None:
    match = _REPO.fullmatch(text.strip())
    if match is None or match.group(2) in (".", ".."):
        return None
    return RepoRef(match.group(1), match.group(2))


def parse_code_target(text: str) -> Code | Help:
    match = _CODE_TARGET.fullmatch(text.strip())
    if match is None or match.group(2) in (".", ".."):
        return Help("code needs owner/repo#number, e.g. octo-org/hello#12")
    number = int(match.group(3))
    if number > MAX_ISSUE:
        return Help("that issue number is too large")
    return Code(RepoRef(match.group(1), match.group(2)), number)


def parse_link(text: str) -> Link | Help:
    code = text.strip()
    if _LINK_CODE.fullmatch(code) is None:
        return Help("link needs the code the dashboard shows")
    return Link(code)


def make_ask(question: str, repo: str | None = None) -> Ask | Help:
    """An Ask from its parts (Discord's options arrive apart)."""
    question = clean(question)
    if not question:
        return Help("ask needs a question")
    if len(question) > MAX_QUESTION:
        return Help(f"questions are limited to {MAX_QUESTION} characters")
    if repo is None or not repo.strip():
        return Ask(question)
    found = parse_repo(repo)
    if found is None:
        return Help("the repository must be written owner/repo")
    return Ask(question, found)


def parse_ask(rest: str) -> Ask | Help:
    """`[owner/repo] question`: a first word shaped like owner/repo names the repository."""
    parts = re.split(r"\s+", rest.strip(), maxsplit=1)
    first, remainder = parts[0], (parts[1] if len(parts) > 1 else "")
    if "/" in first and parse_repo(first) is not None:
        if not remainder.strip():
            return Help("ask needs a question after the repository")
        return make_ask(remainder, first)
    return make_ask(rest)


def parse_command(text: str, *, default_ask: bool = False) -> Command:
    """One command from a message or command text. With `default_ask` (a mention of the bot),
    text that starts with no verb is a question."""
    cleaned = clean(text)
    if not cleaned:
        return Help("empty command")
    parts = re.split(r"\s+", cleaned, maxsplit=1)
    verb, rest = parts[0].lower(), (parts[1] if len(parts) > 1 else "")
    if verb == "ask":
        return parse_ask(rest)
    if verb == "code":
        return parse_code_target(rest)
    if verb == "link":
        return parse_link(rest)
    if verb == "help":
        return Help()
    if default_ask:
        return make_ask(cleaned)
    return Help("unknown command")
