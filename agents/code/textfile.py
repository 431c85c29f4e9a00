"""A text file as lines plus each line's own ending, so edits keep CRLF, a BOM and EOF as found."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Split on "\n" only: str.splitlines() also splits on form feeds and other separators that
# sources contain (Emacs page breaks), which would corrupt those files.
_CHUNK = re.compile(r"[^\n]*\n|[^\n]+\Z")


@dataclass
class TextFile:
    """Mutable while one file's edits are applied; `lines` hold no line terminators."""

    lines: list[str]
    eols: list[str]  # "\n", "\r\n", or "" for a last line without a newline
    newline: str = "\n"  # the file's usual ending, given to inserted lines
    bom: str = ""

    @classmethod
    def parse(cls, text: str) -> TextFile:
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        lines: list[str] = []
        eols: list[str] = []
        for chunk in _CHUNK.findall(text[len(bom) :]):
            eol = "\r\n" if chunk.endswith("\r\n") else "\n" if chunk.endswith("\n") else ""
            lines.append(chunk[: len(chunk) - len(eol)])
            eols.append(eol)
        newline = "\r\n" if eols.count("\r\n") > eols.count("\n") else "\n"
        return cls(lines, eols, newline, bom)

    def render(self) -> str:
        return self.bom + "".join(
            line + eol for line, eol in zip(self.lines, self.eols, strict=True)
        )

    def splice(
        self,
        start: int,
        count: int,
        lines: Sequence[str],
        kept: Sequence[int | None],
        eof_newline: bool | None = None,
    ) -> None:
        """Replace `count` lines at `start`; `kept[i]` is the old index a new line copies.

        A copied line keeps its own ending, an inserted one gets the file's usual one. If the
        change reaches the end of the file, the file keeps its "no newline at end" status
        unless `eof_newline` (from a diff's marker) says otherwise.
        """
        at_eof = start + count == len(self.lines)
        had_eol = bool(self.eols[-1]) if self.lines else True
        eols = [self.newline if k is None else self.eols[k] for k in kept]
        self.lines[start : start + count] = lines
        self.eols[start : start + count] = eols
        for i in range(max(0, start - 1), len(self.eols) - 1):
            if not self.eols[i]:  # only the last line may lack a newline
                self.eols[i] = self.newline
        if at_eof and self.lines:
            wanted = had_eol if eof_newline is None else eof_newline
            self.eols[-1] = (self.eols[-1] or self.newline) if wanted else ""


def model_lines(text: str) -> tuple[str, ...]:
    """The model's text as lines; its line endings carry no meaning (the file's win)."""
    if not text:
        return ()
    return tuple(line.removesuffix("\r") for line in text.removesuffix("\n").split("\n"))


def indent_width(line: str, tabsize: int) -> int:
    return len(line[: len(line) - len(line.lstrip())].expandtabs(tabsize))


def reindent(line: str, shift: int, tabsize: int, use_tabs: bool) -> str:
    """Move `line` by `shift` columns, writing the indentation in the file's style."""
    if not line.strip():
        return ""
    width = max(0, indent_width(line, tabsize) + shift)
    indent = "\t" * (width // tabsize) + " " * (width % tabsize) if use_tabs else " " * width
    return indent + line.lstrip()
