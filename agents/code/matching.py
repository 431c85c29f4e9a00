"""Place one replacement in a file's lines: exact first, then looser, never a guess — pure.

The ladder: exact lines, then trailing whitespace ignored, then a uniform indentation shift
(tabs or spaces), each first with the model's full context and then with up to two context
lines at either end dropped when they still resemble the file; then up to one context line
in four misremembered (same length, still alike); last, a hunk with several changes placed
change by change, in order. The first step with exactly one match wins. Looser steps only
add matches, so a second match ends the search: the edit is refused, never placed by guess.

One file on purpose, just over the usual size: the ladder's steps share their match types and
are only safe in this order, which reads best as one file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from agents.code.edits import PatchError
from agents.code.nearest import alike, context_mask, context_resembles, not_found
from agents.code.textfile import TextFile, indent_width, reindent

_Lines = Sequence[str]
_MAX_TRIM = 2  # context lines dropped per end, as GNU patch's default fuzz
_PIECE_SLACK = 2  # lines a piece may sit away from where the previous one puts it


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


@dataclass(frozen=True)
class _Found:
    match: _Match
    rep: Replacement  # as matched: maybe without some context lines
    level: _Level
    top: int = 0  # context lines dropped at the start
    bottom: int = 0


def place(text: TextFile, rep: Replacement, path: str) -> str | None:
    """Apply `rep` to `text` in place; return a note when a loose step was needed."""
    if not rep.search:
        return _insert_at_hint(text, rep, path)
    found = _locate(text, rep, path)
    if found is None:
        note = _place_in_pieces(text, rep, path)
        if note is None:
            raise MatchError(not_found(text.lines, rep.search, f"{path}: {rep.label}"))
        return note
    _splice(text, found)
    return _note(path, rep, found)


def _locate(text: TextFile, rep: Replacement, path: str) -> _Found | None:
    """Climb the ladder; None if nothing matched, MatchError if a step matched twice."""
    keys = {level.key: [level.key(line) for line in text.lines] for level in _LEVELS}
    for trimmed, top, bottom in _trims(rep):
        dropped = (rep.search[:top], rep.search[len(rep.search) - bottom :])
        for level in _LEVELS:
            matches = _pick(_matches(text, keys[level.key], trimmed, level), trimmed.hint)
            if len(matches) > 1 and not (top or bottom):
                raise MatchError(_ambiguous(matches, rep, path, level))
            if len(matches) > 1:
                break  # less context made it ambiguous: try keeping other context lines
            if matches:  # one match: the dropped context must still resemble the file there
                if not context_resembles(
                    text.lines, matches[0].start, trimmed.search, trimmed.replace, dropped
                ):
                    break
                return _Found(matches[0], trimmed, level, top, bottom)
    matches = _pick(_drifted(text, keys[str.strip], rep), rep.hint)
    if len(matches) > 1:
        raise MatchError(_ambiguous(matches, rep, path, _DRIFT))
    return _Found(matches[0], rep, _DRIFT) if matches else None


def _place_in_pieces(text: TextFile, rep: Replacement, path: str) -> str | None:
    """Last resort for a hunk with several changes: place each with its own context.

    Every piece must match once, in order, each where the one before it says it should be
    (give or take the lines a model drops or adds); otherwise nothing is changed.
    """
    pieces = _pieces(rep)
    if len(pieces) < 2 or not all(piece.search for _, piece in pieces):
        return None
    trial = TextFile(list(text.lines), list(text.eols), text.newline, text.bom)
    expected = rep.hint
    for n, (offset, piece) in enumerate(pieces):
        try:
            found = _locate(trial, replace(piece, hint=expected), path)
        except MatchError:
            return None
        if found is None:
            return None
        start = found.match.start - found.top
        if n and expected is not None and abs(start - expected) > _PIECE_SLACK:
            return None
        _splice(trial, found)
        if n + 1 < len(pieces):  # where the next piece's search should begin
            expected = start + pieces[n + 1][0] - offset + len(piece.replace) - len(piece.search)
    text.lines, text.eols = trial.lines, trial.eols
    return f"{path}: {rep.label} applied in {len(pieces)} pieces (its context did not match whole)"


def _pieces(rep: Replacement) -> list[tuple[int, Replacement]]:
    """Each run of changes with the unchanged lines around it, and where it starts in search."""
    ops = SequenceMatcher(None, rep.search, rep.replace, autojunk=False).get_opcodes()
    groups: list[list[int]] = []
    for k, op in enumerate(ops):
        if op[0] == "equal":
            continue
        if groups and groups[-1][-1] == k - 1:
            groups[-1].append(k)
        else:
            groups.append([k])
    pieces = []
    for n, group in enumerate(groups):
        first = group[0] - 1 if group[0] > 0 else group[0]
        last = group[-1] + 1 if group[-1] + 1 < len(ops) else group[-1]
        i1, i2, j1, j2 = ops[first][1], ops[last][2], ops[first][3], ops[last][4]
        piece = replace(
            rep,
            search=rep.search[i1:i2],
            replace=rep.replace[j1:j2],
            label=f"{rep.label}, piece {n + 1}",
            eof_newline=rep.eof_newline if n + 1 == len(groups) else None,
        )
        pieces.append((i1, piece))
    return pieces


def _drifted(text: TextFile, keys: list[str], rep: Replacement) -> list[_Match]:
    """Matches where a few context lines differ a little from the file (misremembered).

    Only context lines (kept by the replacement) may differ, at most one in four, each
    still mostly alike; the replacement then keeps the file's version of those lines.
    """
    context = context_mask(rep.search, rep.replace)
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
        if not all(context[j] and alike(window[j], wanted[j]) for j in differing):
            continue
        same = [j for j in range(len(wanted)) if j not in differing]
        lines = text.lines[start : start + len(wanted)]
        shift = _shift([lines[j] for j in same], tuple(rep.search[j] for j in same), _DRIFT.tabsize)
        if shift is not None:
            found.append(_Match(start, shift))
    return found


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


def _matches(text: TextFile, keys: list[str], rep: Replacement, level: _Level) -> list[_Match]:
    wanted = [level.key(line) for line in rep.search]
    m = len(wanted)
    found: list[_Match] = []
    for start in range(len(keys) - m + 1):
        if keys[start] != wanted[0] or keys[start : start + m] != wanted:
            continue
        shift = _shift(text.lines[start : start + m], rep.search, level.tabsize)
        if shift is not None:
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


def _splice(text: TextFile, found: _Found) -> None:
    match, rep, level = found.match, found.rep, found.level
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


def _note(path: str, rep: Replacement, found: _Found) -> str | None:
    how: list[str] = []
    if found.level.name != "exact":
        shift = found.match.shift
        how.append(found.level.name + (f" ({shift:+d} columns)" if shift else ""))
    if found.top or found.bottom:
        dropped = found.top + found.bottom
        how.append(f"without {dropped} context line(s) that differed from the file")
    if not how:
        return None
    start = found.match.start + 1 - found.top
    return f"{path}: {rep.label} applied at line {start} {' and '.join(how)}"
