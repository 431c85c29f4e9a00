"""How alike the model's lines are to the file's: for loose matches and for error messages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

_MIN_LIKENESS = 0.6  # how close a misremembered line must still be to the file's
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


def context_mask(search: Sequence[str], replace: Sequence[str]) -> list[bool]:
    """For each search line, whether the replacement keeps it (a context line)."""
    mask = [False] * len(search)
    matcher = SequenceMatcher(None, search, replace, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            mask[i1:i2] = [True] * (i2 - i1)
    return mask


def alike(have: str, want: str) -> bool:
    """Two non-empty lines that say mostly the same (a misremembered line)."""
    return bool(have and want) and SequenceMatcher(None, have, want).ratio() >= _MIN_LIKENESS


def context_resembles(
    lines: Sequence[str],
    start: int,
    search: Sequence[str],
    replace: Sequence[str],
    dropped: tuple[Sequence[str], Sequence[str]],
) -> bool:
    """Dropped context must still be found next to the match: drifted, not unrelated.

    The file region searched is two lines longer than what was dropped, so that a context
    line the model left out does not count against it — except where the change inserts
    lines right at the cut: only the dropped lines placed those, so they must be the file's
    adjacent lines, one for one.
    """
    top, bottom = dropped
    end = start + len(search)
    ops = SequenceMatcher(None, search, replace, autojunk=False).get_opcodes()
    if top and ops[0][0] == "insert":
        top_ok = one_for_one(top, lines[max(0, start - len(top)) : start])
    else:
        top_ok = covered(top, lines[max(0, start - len(top) - 2) : start])
    if bottom and ops[-1][0] == "insert":
        return top_ok and one_for_one(bottom, lines[end : end + len(bottom)])
    return top_ok and covered(bottom, lines[end : end + len(bottom) + 2])


def one_for_one(dropped: Sequence[str], lines: Sequence[str]) -> bool:
    """The dropped lines are these file lines, each the same or alike."""
    return len(lines) == len(dropped) and all(
        want.strip() == have.strip() or alike(have.strip(), want.strip())
        for want, have in zip(dropped, lines, strict=True)
    )


def covered(dropped: Sequence[str], region: Sequence[str]) -> bool:
    """Most of the dropped text is found, in order, in the file region."""
    want = squash(dropped)
    if not want.strip():
        return True  # blank lines say nothing about the place
    matcher = SequenceMatcher(None, want, squash(region), autojunk=False)
    found = sum(block.size for block in matcher.get_matching_blocks())
    return found >= _MIN_LIKENESS * len(want)
