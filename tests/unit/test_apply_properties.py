"""Property: a damaged edit is applied exactly where it belongs, or refused — never elsewhere."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agents.code.matching import MatchError, Replacement, place
from agents.code.textfile import TextFile

# few distinct lines, so that windows repeat and ambiguity is common
STATEMENTS = ["x = 1", "return x", "if x:", "pass", "y = f(x)", "# note", ""]
LINE = st.tuples(st.sampled_from([0, 4, 8]), st.sampled_from(STATEMENTS)).map(
    lambda pair: " " * pair[0] + pair[1] if pair[1] else ""
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[str], int, int, list[str], str]:
    lines = draw(st.lists(LINE, min_size=1, max_size=30))
    start = draw(st.integers(0, len(lines) - 1))
    length = draw(st.integers(1, min(6, len(lines) - start)))
    new = draw(st.lists(LINE, max_size=5))
    damage = draw(st.sampled_from(["none", "trailing", "dedent", "indent", "drop-first"]))
    return lines, start, length, new, damage


def damaged(search: list[str], new: list[str], damage: str) -> tuple[list[str], list[str]]:
    if damage == "trailing":
        return [line + "  " for line in search], new
    if damage in ("dedent", "indent"):
        shift = (
            4
            if damage == "indent"
            else -min(
                (len(line) - len(line.lstrip()) for line in search if line.strip()), default=0
            )
        )
        if any(line.strip() and len(line) - len(line.lstrip()) < -shift for line in new):
            return search, new  # the new lines cannot move that far left: no damage
        return [_move(line, shift) for line in search], [_move(line, shift) for line in new]
    if damage == "drop-first" and len(search) > 1:
        return search[1:], new
    return search, new


def _occurs_elsewhere(lines: list[str], search: list[str], intended: int) -> bool:
    size = len(search)
    return any(lines[i : i + size] == search for i in range(len(lines) - size + 1) if i != intended)


def _move(line: str, shift: int) -> str:
    if not line.strip():
        return line
    return " " * (len(line) - len(line.lstrip()) + shift) + line.lstrip()


@settings(max_examples=200, deadline=None)
@given(cases())
def test_never_in_the_wrong_place(case: tuple[list[str], int, int, list[str], str]) -> None:
    lines, start, length, new, damage = case
    search = lines[start : start + length]
    expected = lines[:start] + new + lines[start + length :]
    if damage == "drop-first" and length > 1:
        # the model left out the first line of its search: it then stays in the file
        expected = lines[: start + 1] + new + lines[start + length :]
    model_search, model_new = damaged(search, new, damage)
    if not any(line.strip() for line in model_search):
        return
    intended = start + 1 if damage == "drop-first" and length > 1 else start
    if _occurs_elsewhere(lines, model_search, intended):
        return  # the damaged text is, verbatim, another place: no applier could tell
    text = TextFile.parse("".join(line + "\n" for line in lines))
    try:
        place(text, Replacement(tuple(model_search), tuple(model_new), "edit 1"), "f.py")
    except MatchError:
        return  # refusing is always allowed
    got = text.lines
    # blank lines of an indented replacement are written empty
    assert [line if line.strip() else "" for line in got] == [
        line if line.strip() else "" for line in expected
    ]
