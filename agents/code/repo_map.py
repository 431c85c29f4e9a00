"""The repository map the model may ask for: files and their top-level definitions, trimmed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from agents.code.locate_defs import definitions
from agents.code.locate_repo import SourceFile, read_sources
from agents.code.locate_signals import is_example_path, is_test_path

# From most to least detail: the first that fits the source files wins.
_NAMES_PER_FILE = (None, 12, 5, 2)
_DIRECTORY_LINE = 240
_TIER_NAMES = ("source", "test or example", "configuration", "documentation")


def repo_map(
    root: Path, max_chars: int, *, hidden: Callable[[str], bool] = lambda _path: False
) -> str:
    """The map of the files under `root` (see `render_map`), without those `hidden` names."""
    return render_map([f for f in read_sources(root) if not hidden(f.path)], max_chars)


def render_map(files: Sequence[SourceFile], max_chars: int) -> str:
    """One line per file, `path: Name, other_name, …`: source code first, then tests and
    examples, configuration, documentation. When the source files do not fit `max_chars`,
    fewer names per file; then one line per directory naming its files; the last lines say
    what was left out."""
    entries = sorted((_tier(f), f.path, _top_names(f)) for f in files)
    if not entries:
        return "(no source files)"
    budget = max_chars - 400  # room for the lines that say what was left out
    sources = sum(1 for tier, _, _ in entries if tier == 0) or len(entries)
    most = max(len(names) for _, _, names in entries)
    for cap in _NAMES_PER_FILE:
        lines = [(_entry(e[1], e[2], cap), [e]) for e in entries]
        if sum(len(line) + 1 for line, _ in lines[:sources]) <= budget:
            note = f"[at most {cap} names per file shown]" if cap is not None and cap < most else ""
            return _fitted(lines, budget, note)[:max_chars]
    note = "[one line per directory; list_dir, open_file and find_symbol show more]"
    return _fitted(_by_directory(entries), budget, note)[:max_chars]


_Entry = tuple[int, str, tuple[str, ...]]


def _fitted(lines: list[tuple[str, list[_Entry]]], budget: int, note: str) -> str:
    """The lines that fit `budget` in order, the note, and what was left out."""
    shown: list[str] = []
    used = 0
    left: list[_Entry] = []
    for line, covered in lines:
        if left or used + len(line) + 1 > budget:
            left += covered
            continue
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown + ([note] if note else []) + ([_left_out(left)] if left else []))


def _by_directory(entries: Sequence[_Entry]) -> list[tuple[str, list[_Entry]]]:
    """One line per directory, `dir/: a.py, b.py, …`, shallow directories and sources first."""
    groups: dict[str, list[_Entry]] = {}
    for entry in entries:
        groups.setdefault(entry[1].rpartition("/")[0], []).append(entry)
    order = sorted(groups, key=lambda d: (min(e[0] for e in groups[d]), d.count("/"), d))
    lines = []
    for directory in order:
        names = [e[1].rpartition("/")[2] for e in groups[directory]]
        line = f"{directory or '.'}/: {', '.join(names)}"
        if len(line) > _DIRECTORY_LINE:
            line = line[: _DIRECTORY_LINE - 20].rsplit(",", 1)[0] + f", … {len(names)} files"
        lines.append((line, groups[directory]))
    return lines


def _tier(f: SourceFile) -> int:
    if f.kind == "code":
        return 1 if is_test_path(f.path) or is_example_path(f.path) else 0
    return 2 if f.kind == "config" else 3


def _top_names(f: SourceFile) -> tuple[str, ...]:
    if f.kind != "code":
        return ()
    found = definitions(f.path, f.text, exact=False)
    # Python's scan knows nesting; other languages' names are all kept (members included).
    return tuple(dict.fromkeys(d.name for d in found if "." not in d.qualname))


def _entry(path: str, names: tuple[str, ...], cap: int | None) -> str:
    if not names or cap == 0:
        return path
    kept = names if cap is None else names[:cap]
    more = f", … {len(names) - len(kept)} more" if len(kept) < len(names) else ""
    return f"{path}: {', '.join(kept)}{more}"


def _left_out(left: Sequence[tuple[int, str, tuple[str, ...]]]) -> str:
    counts = Counter(_TIER_NAMES[tier] for tier, _, _ in left)
    kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    tops = sorted({path.split("/", 1)[0] + ("/" if "/" in path else "") for _, path, _ in left})
    where = ", ".join(tops[:10]) + (", …" if len(tops) > 10 else "")
    return f"[{len(left)} more files not shown ({kinds}) under: {where}; list_dir shows them]"
