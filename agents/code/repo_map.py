"""The repository map the model may ask for: files and their top-level definitions, trimmed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from agents.code.locate_defs import definitions
from agents.code.locate_repo import SourceFile, read_sources
from agents.code.locate_signals import is_example_path, is_test_path

# From most to least detail: the first that fits the source files wins.
_NAMES_PER_FILE = (None, 12, 5, 0)
_TIER_NAMES = ("source", "test or example", "configuration", "documentation")


def repo_map(
    root: Path, max_chars: int, *, hidden: Callable[[str], bool] = lambda _path: False
) -> str:
    """The map of the files under `root` (see `render_map`), without those `hidden` names."""
    return render_map([f for f in read_sources(root) if not hidden(f.path)], max_chars)


def render_map(files: Sequence[SourceFile], max_chars: int) -> str:
    """One line per file, `path: Name, other_name, …`: source code first, then tests and
    examples, configuration, documentation. When it does not fit `max_chars`, fewer names per
    file, then paths alone, then whole files are left out, and the last line says which."""
    entries = sorted((_tier(f), f.path, _top_names(f)) for f in files)
    if not entries:
        return "(no source files)"
    budget = max_chars - 400  # room for the lines that say what was left out
    for cap in _NAMES_PER_FILE:
        lines = [_entry(path, names, cap) for _, path, names in entries]
        sources = sum(1 for tier, _, _ in entries if tier == 0)
        if sum(len(line) + 1 for line in lines[: max(sources, 1)]) <= budget:
            break
    shown: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        shown.append(line)
        used += len(line) + 1
    left = entries[len(shown) :]
    if cap is not None and cap < max(len(names) for _, _, names in entries):
        shown.append(f"[at most {cap} names per file shown; open_file or find_symbol for more]")
    if left:
        shown.append(_left_out(left))
    return "\n".join(shown)[:max_chars]


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
