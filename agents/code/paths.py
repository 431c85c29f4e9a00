"""Which paths the agent may edit: inside the repository, outside `.git/` and workflows.

The rules are checked twice: `normalize_path` looks at the text alone (pure), `check_path` then
walks the working tree so that a symlink cannot carry a write outside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from agents.code.edits import PatchError

_DRIVE = re.compile(r"^[A-Za-z]:")


class PathRefused(PatchError):
    """An edit names a path the policy forbids; the message names the path and the rule."""

    def __init__(self, path: str, rule: str) -> None:
        super().__init__(f"refused to edit {path!r}: {rule}")
        self.path = path
        self.rule = rule


@dataclass(frozen=True)
class PathPolicy:
    """Forbidden glob patterns on top of the fixed rules, e.g. `secrets/**` or `*.pem`.

    Patterns follow .gitignore: one without a slash matches a name at any depth, one with a
    slash is anchored at the root, `**` spans directories, and a match on a directory covers
    everything under it. Matching ignores case, so `Secrets/` cannot slip past `secrets/**`.
    """

    forbidden: tuple[str, ...] = field(default=())


def normalize_path(path: str, policy: PathPolicy = PathPolicy()) -> str:
    """The repository-relative form of `path` (`./a//b` -> `a/b`), or PathRefused."""
    if "\0" in path:
        raise PathRefused(path, "the path contains a NUL byte")
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        raise PathRefused(path, "absolute paths are not allowed; give it relative to the root")
    if "\\" in path:
        raise PathRefused(path, "use '/' as the directory separator")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or path.endswith("/"):
        raise PathRefused(path, "not a file path")
    if ".." in parts:
        raise PathRefused(path, "'..' is not allowed; edits stay inside the repository")
    folded = [part.casefold() for part in parts]
    if ".git" in folded:
        raise PathRefused(path, "files inside .git/ are the repository's metadata")
    if folded[:2] == [".github", "workflows"]:
        raise PathRefused(path, "files under .github/workflows/ run with the repository's secrets")
    if folded[:2] == [".github", "morningai.yml"] and len(folded) == 2:
        # the agent's own limits (budget, forbidden paths, tests) are for people to change
        raise PathRefused(path, ".github/morningai.yml holds MorningAI's own rules")
    normal = "/".join(parts)
    for pattern in policy.forbidden:
        if _glob(pattern).match(normal.casefold()):
            raise PathRefused(path, f"it matches the forbidden pattern {pattern!r}")
    return normal


def check_path(root: Path, path: str, policy: PathPolicy = PathPolicy()) -> Path:
    """The absolute path to write for `path`, after the text rules and a walk of the tree."""
    normal = normalize_path(path, policy)
    base = root.resolve()
    current = base
    parts = normal.split("/")
    for part in parts[:-1]:
        current = current / part
        if current.is_symlink():
            rel = current.relative_to(base).as_posix()
            raise PathRefused(path, f"its parent directory {rel!r} is a symlink")
        if current.exists() and not current.is_dir():
            rel = current.relative_to(base).as_posix()
            raise PathRefused(path, f"{rel!r} is a file, not a directory")
    target = current / parts[-1]
    if target.is_symlink():
        raise PathRefused(path, _symlink_rule(base, target))
    if target.exists() and not target.is_file():
        raise PathRefused(path, "not a regular file")
    return target


def decode_text(path: str, data: bytes) -> str:
    """The text of a file to edit; binary and non-UTF-8 files are refused, not mangled."""
    if b"\0" in data:
        raise PathRefused(path, "it is a binary file; only text files can be edited")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PathRefused(
            path, f"it is not UTF-8 text (byte {exc.start}); only text files can be edited"
        ) from None


def _symlink_rule(base: Path, target: Path) -> str:
    # Writing through a link would change another file than the one the diff names, and a
    # link in git is a blob holding the target path, so links are never edited in place.
    resolved = target.resolve()
    if not resolved.is_relative_to(base):
        return "it is a symlink pointing outside the repository"
    return f"it is a symlink; edit the file it points to ({resolved.relative_to(base).as_posix()})"


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """Compile a .gitignore-style pattern (see PathPolicy) to a regex on casefolded paths."""
    text = pattern.strip().casefold()
    anchored = "/" in text.rstrip("/")
    text = text.strip("/")
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(text[i], re.escape(text[i])))
            i += 1
    prefix = "" if anchored else "(?:[^/]+/)*"
    return re.compile(prefix + "".join(out) + r"(?:/.*)?\Z")
