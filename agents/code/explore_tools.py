"""The tools the code agent's model may call to look around a repository snapshot.

Pure Python over a directory that is never modified: no model, no network (search runs GNU
grep, see `text_search`). Every path the model names passes the rules of edits
(`normalize_path`: relative, no `..`, nothing in `.git/`, nothing forbidden) and must resolve,
symlinks followed, to a place inside the snapshot that the same rules allow. Every result is
plain text of at most `max_chars`; the caller fences it as untrusted. Bad input from the model
is answered with a refusal saying what was wrong, never an exception.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.code.explore_schemas import TOOLS
from agents.code.locate_repo import SKIP_DIRS, read_sources
from agents.code.locate_signals import is_test_path
from agents.code.paths import PathPolicy, PathRefused, normalize_path
from agents.code.repo_map import repo_map
from agents.code.symbols import NAME_RE, defining_sites, reference_sites
from agents.code.text_search import SEARCH_SECONDS, Match, grep_command, run_grep
from agents.ports import ToolCall

__all__ = ["TOOLS", "ToolOutcome", "run_tool"]

LIST_ENTRIES = 300
OPEN_LINES = 250  # the longest window open_file shows at once
OPEN_BYTES = 5_000_000  # bigger files are data or generated; search them instead
LINE_CHARS = 400  # a longer line (minified code) is cut where it is shown
SEARCH_LINES = 100
SYMBOL_REFS = 60
_CUT = "\n[… output cut at {} characters]"


@dataclass(frozen=True)
class ToolOutcome:
    """What one tool call produced: the text the model is shown (plain; the caller fences it),
    the repository paths whose content open_file showed, and why a refused call was refused."""

    text: str
    opened: tuple[str, ...] = ()
    refused: str | None = None


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Snapshot:
    root: Path  # resolved
    policy: PathPolicy

    def allowed(self, rel: str, *, directory: bool = False) -> bool:
        try:
            self._rule(rel, directory=directory)
        except _Refused:
            return False
        return True

    def resolve(self, given: str, want: str) -> tuple[str, Path]:
        """(repository path, real path) of `given`, a "file", a "dir" or "any" of them."""
        text = given.strip()
        if want != "file" and text in ("", ".", "./"):
            return "", self.root
        if want != "file":
            text = text.rstrip("/") or text  # "/" stays and is refused as absolute
        rel = self._rule(text)
        real = Path(os.path.realpath(self.root / rel))
        if not real.is_relative_to(self.root):
            raise _Refused(f"{rel!r} leads outside the repository snapshot (through a symlink)")
        real_rel = real.relative_to(self.root).as_posix()
        if real_rel != ".":
            # checked again as what it really is: a link inside must not reach a forbidden file
            self._rule(real_rel, directory=real.is_dir())
        if not real.exists():
            raise _Refused(f"{rel!r} does not exist; list_dir or search shows what does")
        if want == "file" and not real.is_file():
            raise _Refused(f"{rel!r} is not a file; list_dir lists a directory")
        if want == "dir" and not real.is_dir():
            raise _Refused(f"{rel!r} is not a directory; open_file reads a file")
        return ("" if real_rel == "." else real_rel), real

    def _rule(self, path: str, *, directory: bool = False) -> str:
        try:
            normal = normalize_path(path, self.policy)
            if directory:
                # `secrets/**` forbids all under secrets/, not the name: the directory goes too
                normalize_path(normal + "/_", self.policy)
        except PathRefused as exc:
            raise _Refused(f"{path!r}: {exc.rule}") from None
        return normal


def run_tool(
    root: Path, call: ToolCall, *, forbidden: Sequence[str] = (), max_chars: int = 12_000
) -> ToolOutcome:
    """Run the model's `call` over the snapshot at `root`; never raises for bad input."""
    snapshot = _Snapshot(root.resolve(), PathPolicy(tuple(forbidden)))
    try:
        runner = _RUNNERS.get(call.name)
        if runner is None:
            names = ", ".join(t.name for t in TOOLS)
            raise _Refused(f"there is no tool named {str(call.name)[:60]!r}; the tools: {names}")
        outcome = runner(snapshot, _arguments(call.name, call.arguments), max(max_chars, 100))
    except _Refused as exc:
        return ToolOutcome(_capped(f"Refused: {exc.reason}", max_chars), refused=exc.reason)
    except (OSError, UnicodeError) as exc:
        # a file that vanished or cannot be read, a name the file system cannot encode
        reason = f"the snapshot could not be read ({getattr(exc, 'strerror', None) or 'bad name'})"
        return ToolOutcome(_capped(f"Refused: {reason}", max_chars), refused=reason)
    return ToolOutcome(_capped(outcome.text, max_chars), outcome.opened)


def _capped(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    note = _CUT.format(max_chars)
    return text[: max_chars - len(note)] + note if max_chars > 2 * len(note) else text[:max_chars]


_TYPES: dict[str, tuple[Callable[[object], bool], str]] = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
}


def _arguments(tool: str, text: str) -> dict[str, Any]:
    """The call's arguments checked against the tool's schema (a JSON object of known keys,
    required ones present, each of its type; `null` counts as left out)."""
    try:
        value = json.loads(text.strip() or "{}") if isinstance(text, str) else None
    except (ValueError, RecursionError) as exc:
        raise _Refused(f"the arguments are not valid JSON ({str(exc)[:80]})") from None
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise _Refused("the arguments must be a JSON object")
    schema = next(t.parameters for t in TOOLS if t.name == tool)
    props: Mapping[str, Any] = schema["properties"]
    args = {k: v for k, v in value.items() if v is not None}
    unknown = sorted(set(args) - set(props))
    if unknown:
        takes = ", ".join(props) or "no arguments"
        raise _Refused(f"{tool} has no argument {unknown[0][:40]!r}; it takes: {takes}")
    missing = [k for k in schema.get("required", ()) if k not in args]
    if missing:
        raise _Refused(f"{tool} needs the argument {missing[0]!r}")
    for key, arg in args.items():
        check, wanted = _TYPES[props[key]["type"]]
        if not check(arg) or arg < props[key].get("minimum", arg):
            least = f" of at least {props[key]['minimum']}" if "minimum" in props[key] else ""
            raise _Refused(f"{key!r} must be {wanted}{least}, not {json.dumps(arg)[:40]}")
    return args


def _list_dir(snap: _Snapshot, args: dict[str, Any], max_chars: int) -> ToolOutcome:
    rel, real = snap.resolve(args.get("path", "."), "dir")
    shown: list[str] = []
    skipped: list[str] = []
    for child in sorted(real.iterdir(), key=lambda p: p.name):
        child_rel = f"{rel}/{child.name}" if rel else child.name
        if not snap.allowed(child_rel, directory=child.is_dir()):
            continue  # .git and forbidden paths are not even named
        if child.is_dir() and (child.name in SKIP_DIRS or child.name.endswith(".egg-info")):
            skipped.append(child.name + "/")
        else:
            shown.append(_entry(snap, child))
    lines = [f"{rel or '.'}/ ({len(shown)} entries)", *shown[:LIST_ENTRIES]]
    if len(shown) > LIST_ENTRIES:
        lines.append(f"[… {len(shown) - LIST_ENTRIES} more entries not shown]")
    if skipped:
        lines.append(f"[not listed, tooling or vendored: {', '.join(skipped)}]")
    return ToolOutcome("\n".join(lines))


def _entry(snap: _Snapshot, child: Path) -> str:
    if not child.is_symlink():
        return child.name + ("/" if child.is_dir() else "")
    target = Path(os.path.realpath(child))
    inside = target.is_relative_to(snap.root) and target != snap.root
    if not inside or not snap.allowed(
        target.relative_to(snap.root).as_posix(), directory=target.is_dir()
    ):
        return f"{child.name}@ (symlink leading outside what may be read)"
    slash = "/" if target.is_dir() else ""
    return f"{child.name}{slash}@ (symlink to {target.relative_to(snap.root).as_posix()}{slash})"


def _open_file(snap: _Snapshot, args: dict[str, Any], max_chars: int) -> ToolOutcome:
    rel, real = snap.resolve(args["path"], "file")
    if real.stat().st_size > OPEN_BYTES:
        raise _Refused(f"{rel!r} is over {OPEN_BYTES // 1_000_000} MB; search it instead")
    data = real.read_bytes()
    if b"\0" in data:
        raise _Refused(f"{rel!r} is a binary file; only text files can be opened")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(f"{rel!r} is not UTF-8 text (byte {exc.start})") from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the text after the last newline is not a line
    start = args.get("start_line", 1)
    asked = args.get("end_line", start + OPEN_LINES - 1)
    if asked < start or start > max(len(lines), 1):
        raise _Refused(f"no lines {start}-{asked} in {rel!r}: it has {len(lines)} lines")
    end = min(asked, start + OPEN_LINES - 1, len(lines))
    width, budget = len(str(end)), max_chars - 200
    body: list[str] = []
    for number in range(start, end + 1):
        line = lines[number - 1]
        line = line if len(line) <= LINE_CHARS else line[:LINE_CHARS] + " …[line cut]"
        budget -= len(line) + width + 3
        if budget < 0 and body:
            break
        body.append(f"{number:>{width}}| {line}")
    last = start + len(body) - 1
    head = f"{rel} (lines {start}-{last} of {len(lines)})" if lines else f"{rel} (empty file)"
    tail = [f"[{len(lines) - last} more lines: open_file with start_line={last + 1} reads on]"]
    return ToolOutcome("\n".join([head, *body, *(tail if last < len(lines) else [])]), (rel,))


def _search(snap: _Snapshot, args: dict[str, Any], max_chars: int) -> ToolOutcome:
    pattern, regex = args["pattern"], args.get("regex", False)
    if not pattern or "\n" in pattern or "\0" in pattern:
        raise _Refused("the pattern must be one non-empty line")
    rel, _ = snap.resolve(args.get("path", "."), "any")
    result = run_grep(snap.root, grep_command(pattern, regex=regex, target=rel))
    if result.timed_out:
        raise _Refused(
            f"the search ran over {SEARCH_SECONDS:g} s and was stopped; search fixed text"
            " (regex false) or a simpler pattern"
        )
    if result.error:
        raise _Refused(f"grep could not use the pattern: {result.error[:300]}")
    matches = sorted((m for m in result.matches if snap.allowed(m.path)), key=_by_place)
    lines = [f"{len(matches)}{'+' if result.cut else ''} matching lines for {pattern!r}"]
    if result.warnings:
        lines.append(f"[grep: {result.warnings[:200]}; patterns are POSIX ERE: [0-9], not \\d]")
    used = sum(len(line) + 1 for line in lines) + 200
    for shown, m in enumerate(matches):
        text = m.text if len(m.text) <= LINE_CHARS else m.text[:LINE_CHARS] + " …[line cut]"
        line = f"{m.path}:{m.line}: {text}"
        if shown == SEARCH_LINES or used + len(line) > max_chars:
            more = "more" if result.cut else f"{len(matches) - shown} more"
            lines.append(f"[… {more} matching lines not shown; narrow the pattern or path]")
            break
        lines.append(line)
        used += len(line) + 1
    return ToolOutcome("\n".join(lines))


def _by_place(m: Match) -> tuple[bool, str, int]:
    return is_test_path(m.path), m.path, m.line


def _find_symbol(snap: _Snapshot, args: dict[str, Any], max_chars: int) -> ToolOutcome:
    name = args["name"].strip()
    if not NAME_RE.fullmatch(name) or len(name) > 200:
        raise _Refused("give a name like `rank_files` or `Class.method`")
    files = [f for f in read_sources(snap.root) if snap.allowed(f.path)]
    defs = sorted(defining_sites(files, name), key=lambda s: (is_test_path(s.path), s.path))
    refs = sorted(
        reference_sites(files, name, skip={(s.path, s.line) for s in defs}),
        key=lambda s: (is_test_path(s.path), s.path, s.line),
    )
    lines = [f"definitions of {name!r}: {len(defs)}"]
    lines += [f"{s.path}:{s.line}: ({s.kind}) {s.text.strip()[:LINE_CHARS]}" for s in defs[:40]]
    lines.append(f"references to {name.rsplit('.', 1)[-1]!r} (whole word): {len(refs)}")
    used = sum(len(line) + 1 for line in lines) + 200
    for shown, s in enumerate(refs):
        line = f"{s.path}:{s.line}: {s.text.strip()[:LINE_CHARS]}"
        if shown == SYMBOL_REFS or used + len(line) > max_chars:
            lines.append(f"[… {len(refs) - shown} more references; search narrows them]")
            break
        lines.append(line)
        used += len(line) + 1
    return ToolOutcome("\n".join(lines))


def _repo_map(snap: _Snapshot, args: dict[str, Any], max_chars: int) -> ToolOutcome:
    return ToolOutcome(repo_map(snap.root, max_chars, hidden=lambda p: not snap.allowed(p)))


_RUNNERS: dict[str, Callable[[_Snapshot, dict[str, Any], int], ToolOutcome]] = {
    "list_dir": _list_dir,
    "open_file": _open_file,
    "search": _search,
    "find_symbol": _find_symbol,
    "repo_map": _repo_map,
}
