"""The file paths a piece of prose mentions, in `code spans` and Markdown links — pure."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

# extensions that make a lone word in backticks (`config.toml`) read as a file name
EXTENSIONS = frozenset(
    {
        "py",
        "pyi",
        "md",
        "rst",
        "txt",
        "toml",
        "yml",
        "yaml",
        "json",
        "cfg",
        "ini",
        "js",
        "mjs",
        "cjs",
        "ts",
        "tsx",
        "jsx",
        "go",
        "rs",
        "java",
        "kt",
        "rb",
        "php",
        "c",
        "h",
        "cc",
        "cpp",
        "hpp",
        "cs",
        "swift",
        "sh",
        "bash",
        "sql",
        "html",
        "css",
        "scss",
        "xml",
        "gradle",
        "tf",
        "proto",
        "ipynb",
        "lock",
        "vue",
        "lua",
        "csv",
        "adoc",
    }
)
_BLOCK = re.compile(r"^[ \t]*(```|~~~).*?(^[ \t]*\1|\Z)", re.DOTALL | re.MULTILINE)
_SPAN = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"(!?\[[^\]\n]*\]\()([^)\s]+)((?:\s+\"[^\"\n]*\")?\))")
_LINE_SUFFIX = re.compile(r"(?::\d+(?:-\d+)?|#L\d+(?:-L\d+)?)$")
_NOT_PATH = re.compile(r"[\s()\[\]{}<>=,;:*?$|'\"@!%^&+~\\]")


def has_code_block(text: str) -> bool:
    """True when the prose carries a fenced code block (code must come from citations)."""
    return _BLOCK.search(text) is not None


def paths(text: str, directories: Iterable[str]) -> list[str]:
    """Repository paths the text names: code spans that look like paths, relative links."""
    top = {d for d in directories if "/" not in d}
    found: list[str] = []
    for span in _SPAN.findall(_BLOCK.sub("", text)):
        path = _path_like(span, top)
        if path is not None:
            found.append(path)
    for _, target, _ in _LINK.findall(text):
        path = link_target(target)
        if path is not None:
            found.append(path)
    return list(dict.fromkeys(found))


def link_target(target: str) -> str | None:
    """The repository path a relative link points at; None for URLs, anchors, mail."""
    if target.startswith(("#", "/")) or re.match(r"^[a-zA-Z][\w+.-]*:", target):
        return None
    path = re.split(r"[#?]", target, maxsplit=1)[0].removeprefix("./")
    return path.rstrip("/") or None


def relink(text: str, base_dir: str) -> str:
    """Rewrite relative link targets (written from the repository root) to work from a file
    in `base_dir`; anchors and URLs are left as they are."""

    def fix(match: re.Match[str]) -> str:
        target = match.group(2)
        path = link_target(target)
        if path is None:
            return match.group(0)
        anchor = target[len(target.split("#", 1)[0]) :]
        return f"{match.group(1)}{relative(path, base_dir)}{anchor}{match.group(3)}"

    return _LINK.sub(fix, text)


def relative(path: str, base_dir: str) -> str:
    """`path` (from the repository root) as seen from `base_dir`."""
    return posixpath.relpath(path, base_dir or ".")


def _path_like(span: str, top_level: set[str]) -> str | None:
    token = _LINE_SUFFIX.sub("", span.strip()).removeprefix("./")
    if not token or "://" in token or token.startswith("/") or _NOT_PATH.search(token):
        return None
    parts = token.rstrip("/").split("/")
    if ".." in parts or "" in parts:
        return None
    name = parts[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name.lstrip(".") else ""
    if extension in EXTENSIONS or (len(parts) > 1 and parts[0] in top_level):
        return "/".join(parts)
    return None
