"""What the model is told when its edit matched nowhere: missing lines, the closest place."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

_MAX_LINES = 50_000  # past this, finding the closest window costs more than it helps


def not_found(lines: list[str], search: Sequence[str], what: str) -> str:
    """`what` did not apply: which of its lines are nowhere in the file, and the closest place."""
    parts = [f"{what} did not apply: the lines to replace were not found."]
    present = {line.strip() for line in lines}
    missing = [
        (n, line)
        for n, line in enumerate(search, 1)
        if line.strip() and line.strip() not in present
    ]
    if missing:
        parts.append("These lines are not in the file at all:")
        parts.extend(f"  line {n} of the search: {line.strip()!r}" for n, line in missing[:3])
    closest = closest_window(lines, search)
    if closest is not None:
        start, ratio = closest
        end = min(start + len(search), len(lines))
        parts.append(f"The closest lines in the file ({start + 1}-{end}, {ratio:.0%} alike):")
        parts.extend(f"  {n + 1:>5} | {lines[n]}" for n in range(start, end))
    return "\n".join(parts)


def closest_window(lines: list[str], search: Sequence[str]) -> tuple[int, float] | None:
    """The start and likeness of the window of the file most like `search`."""
    m = len(search)
    if not lines or len(lines) > _MAX_LINES:
        return None
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(squash(search))
    best: tuple[float, int] = (0.0, 0)
    for start in range(max(1, len(lines) - m + 1)):
        matcher.set_seq1(squash(lines[start : start + m]))
        if matcher.real_quick_ratio() > best[0] and matcher.quick_ratio() > best[0]:
            best = max(best, (matcher.ratio(), -start))
    ratio, start = best[0], -best[1]
    return (start, ratio) if ratio >= 0.3 else None


def squash(lines: Sequence[str]) -> str:
    """Lines with their whitespace runs collapsed, for comparing what the text says."""
    return "\n".join(re.sub(r"\s+", " ", line.strip()) for line in lines)
