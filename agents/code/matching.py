"""Place one replacement in a file's lines: exact first, then looser, never a guess — pure.

The ladder: exact lines, then trailing whitespace ignored, then a uniform indentation shift
(tabs or spaces), each first with the model's full context and then with up to two context
lines at either end dropped when they merely resemble the file (drifted context). The first
step with exactly one match wins. Looser steps only ever add matches, so a second match at
any step ends the search: the edit is ambiguous and refused, never placed by guesswork.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from agents.code.edits import PatchError
from agents.code.nearest import not_found, squash
from agents.code.textfile import TextFile, indent_width, reindent

_Lines = Sequence[str]
_MAX_TRIM = 2  # context lines dropped per end, as GNU patch's default fuzz
_MIN_LIKENESS = 0.6  # how close dropped context must still be to the file's lines


class MatchError(PatchError):
    """An edit or hunk matched nowhere or more than once; the message helps the model retry."""


@dataclass(frozen=True)
class Replacement:
    """Replace the lines `search` by `replace`; `hint` is where a diff says `search` starts."""

    search: tuple[str, ...]
    replace: tuple[str, ...]
    label: str
    hint: int | None = None  # 0-based index in the current lines
    eof_newline: bool | None = None  # a diff's "\ No newline at end of file"; None: keep


@dataclass(frozen=True)
class _Level:
    name: str
    key: Callable[[str], str]
    tabsize: int = 0  # > 0: indentation may differ by a uniform shift


_LEVELS = (
    _Level("exact", lambda line: line),
    _Level("ignoring trailing whitespace", str.rstrip),
    _Level("with a uniform indentation shift", str.strip, 4),
    _Level("with a uniform indentation shift (8-column tabs)", str.strip, 8),
)
_DRIFT = _Level("with context lines that differ from the file", str.strip, 4)


@dataclass(frozen=True)
class _Match:
    start: int
    shift: int


def place(text: TextFile, rep: Replacement, path: str) -> str | None:
    """Apply `rep` to `text` in place; return a note when a loose step was needed."""
    if not rep.search:
        return _insert_at_hint(text, rep, path)
    keys = {level.key: [level.key(line) for line in text.lines] for level in _LEVELS}
    for trimmed, top, bottom in _trims(rep):
        dropped = (rep.search[:top], rep.search[len(rep.search) - bottom :])
        for level in _LEVELS:
            matches = _pick(_matches(text, keys[level.key], trimmed, level, dropped), trimmed.hint)
            if len(matches) == 1:
                _splice(text, matches[0], trimmed, level)
                return _note(path, rep, level, matches[0], top=top, bottom=bottom)
            if len(matches) > 1:
                if top or bottom:
                    break  # less context made it ambiguous: try keeping other context lines
                raise MatchError(_ambiguous(matches, rep, path, level))
    matches = _pick(_drifted(text, keys[str.strip], rep), rep.hint)
    if len(matches) > 1:
        raise MatchError(_ambiguous(matches, rep, path, _DRIFT))
    if matches:
        _splice(text, matches[0], rep, _DRIFT)
        return _note(path, rep, _DRIFT, matches[0], top=0, bottom=0)
    raise MatchError(not_found(text.lines, rep.search, f"{path}: {rep.label}"))


def _drifted(text: TextFile, keys: list[str], rep: Replacement) -> list[_Match]:
    """Matches where a few context lines differ a little from the file (misremembered).

    Only context lines (kept by the replacement) may differ, at most one in four, each
    still mostly alike; the replacement then keeps the file's version of those lines.
    """
    context = _context_mask(rep)
    allowed = max(1, sum(context) // 4)
    wanted = [line.strip() for line in rep.search]
    found: list[_Match] = []
    for start in range(len(keys) - len(wanted) + 1):
        window = keys[start : start + len(wanted)]
        differing = [
            j for j, (have, want) in enumerate(zip(window, wanted, strict=True)) if have != want
        ]
        if not differing or len(differing) > allowed:
            continue
        if not all(context[j] and _alike(window[j], wanted[j]) for j in differing):
            continue
        same = [j for j in range(len(wanted)) if j not in differing]
        lines = text.lines[start : start + len(wanted)]
        shift = _shift([lines[j] for j in same], tuple(rep.search[j] for j in same), _DRIFT.tabsize)
        if shift is not None:
            found.append(_Match(start, shift))
    return found


def _context_mask(rep: Replacement) -> list[bool]:
    mask = [False] * len(rep.search)
    matcher = SequenceMatcher(None, rep.search, rep.replace, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            mask[i1:i2] = [True] * (i2 - i1)
    return mask


def _alike(have: str, want: str) -> bool:
    return bool(have and want) and SequenceMatcher(None, have, want).ratio() >= _MIN_LIKENESS


def _trims(rep: Replacement) -> Iterator[tuple[Replacement, int, int]]:
    """`rep` itself, then copies without some of the context lines at either end."""
    yield rep, 0, 0
    prefix = _common(rep.search, rep.replace)
    suffix = _common(rep.search[prefix:][::-1], rep.replace[prefix:][::-1])
    steps = sorted(
        (
            (t, b)
            for t in range(min(prefix, _MAX_TRIM) + 1)
            for b in range(min(suffix, _MAX_TRIM) + 1)
        ),
        key=lambda tb: (max(tb), sum(tb)),
    )
    for top, bottom in steps[1:]:
        search = rep.search[top : len(rep.search) - bottom]
        if not any(line.strip() for line in search):
            continue
        hint = None if rep.hint is None else rep.hint + top
        yield (
            replace(
                rep, search=search, replace=rep.replace[top : len(rep.replace) - bottom], hint=hint
            ),
            top,
            bottom,
        )


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _matches(
    text: TextFile,
    keys: list[str],
    rep: Replacement,
    level: _Level,
    dropped: tuple[_Lines, _Lines],
) -> list[_Match]:
    wanted = [level.key(line) for line in rep.search]
    m = len(wanted)
    found: list[_Match] = []
    for start in range(len(keys) - m + 1):
        if keys[start] != wanted[0] or keys[start : start + m] != wanted:
            continue
        shift = _shift(text.lines[start : start + m], rep.search, level.tabsize)
        if shift is None or not _context_resembles(text, start, start + m, *dropped):
            continue
        found.append(_Match(start, shift))
    return found


def _shift(window: list[str], search: tuple[str, ...], tabsize: int) -> int | None:
    """The uniform indentation difference (file minus search), or None if it varies."""
    if not tabsize:
        return 0
    shifts = {
        indent_width(have, tabsize) - indent_width(want, tabsize)
        for have, want in zip(window, search, strict=True)
        if want.strip()
    }
    return shifts.pop() if len(shifts) == 1 else None


def _context_resembles(text: TextFile, start: int, end: int, top: _Lines, bottom: _Lines) -> bool:
    """Dropped context must still be mostly found next to the match: drifted, not unrelated.

    The file region searched is two lines longer than what was dropped, so that a context
    line the model left out does not count against it.
    """
    above = text.lines[max(0, start - len(top) - 2) : start] if top else []
    below = text.lines[end : end + len(bottom) + 2] if bottom else []
    return _covered(top, above) and _covered(bottom, below)


def _covered(dropped: _Lines, region: _Lines) -> bool:
    want = squash(dropped)
    if not want.strip():
        return True  # blank lines say nothing about the place
    matcher = SequenceMatcher(None, want, squash(region), autojunk=False)
    found = sum(block.size for block in matcher.get_matching_blocks())
    return found >= _MIN_LIKENESS * len(want)


def _pick(matches: list[_Match], hint: int | None) -> list[_Match]:
    """Of several matches, the one at the diff's own line number, if it names one."""
    at_hint = [match for match in matches if match.start == hint]
    return at_hint if len(matches) > 1 and len(at_hint) == 1 else matches


def _ambiguous(matches: list[_Match], rep: Replacement, path: str, level: _Level) -> str:
    places = ", ".join(str(match.start + 1) for match in matches[:10])
    return (
        f"{path}: {rep.label} did not apply: the lines to replace match {len(matches)} places"
        f" ({level.name}; at lines {places}). Include more surrounding lines so that they match"
        " exactly one place."
    )


def _splice(text: TextFile, match: _Match, rep: Replacement, level: _Level) -> None:
    window = text.lines[match.start : match.start + len(rep.search)]
    use_tabs = any(line.startswith("\t") for line in window)
    lines: list[str] = []
    kept: list[int | None] = []  # index of the file line kept, None for a new line
    ops = SequenceMatcher(None, rep.search, rep.replace, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            lines.extend(window[i1:i2])
            kept.extend(range(match.start + i1, match.start + i2))
        elif j2 > j1:
            new = rep.replace[j1:j2]
            if level.tabsize:
                new = tuple(reindent(line, match.shift, level.tabsize, use_tabs) for line in new)
            lines.extend(new)
            kept.extend([None] * len(new))
    text.splice(match.start, len(rep.search), lines, kept, rep.eof_newline)


def _insert_at_hint(text: TextFile, rep: Replacement, path: str) -> str | None:
    # A hunk without context or removed lines can only be placed by its line number.
    if rep.hint is None or not 0 <= rep.hint <= len(text.lines):
        raise MatchError(
            f"{path}: {rep.label} did not apply: it has no context lines and no usable line"
            " number; include a few unchanged lines around the change"
        )
    text.splice(rep.hint, 0, list(rep.replace), [None] * len(rep.replace), rep.eof_newline)
    return None


def _note(
    path: str, rep: Replacement, level: _Level, match: _Match, *, top: int, bottom: int
) -> str | None:
    how: list[str] = []
    if level.name != "exact":
        how.append(level.name + (f" ({match.shift:+d} columns)" if match.shift else ""))
    if top or bottom:
        how.append(f"without {top + bottom} context line(s) that differed from the file")
    if not how:
        return None
    return f"{path}: {rep.label} applied at line {match.start + 1 - top} {' and '.join(how)}"
