"""Files cut into retrieval chunks along their structure (definitions, sections) — pure.

A chunk is whole lines; lines end at "\n" only (a "\r\n" file keeps its "\r"), so a file's
chunks concatenate back to the file and line numbers agree with GitHub's.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from agents.code.locate_defs import definitions
from agents.code.locate_repo import words

MAX_CHUNKABLE_BYTES = 200_000
# Pieces with fewer non-blank lines join a neighbour: two imports or a getter retrieve nothing.
_TINY = 5

_TEXT_SUFFIXES = words(
    "py pyi md markdown mdx rst txt adoc js jsx mjs cjs ts tsx mts cts vue svelte go rs java kt"
    " kts scala groovy gradle c h cc cpp cxx hpp hh cs fs rb php swift m mm dart lua pl pm r jl"
    " ex exs erl hrl hs ml mli clj cljs elm zig nim sh bash zsh fish ps1 bat sql graphql gql proto"
    " yaml yml toml ini cfg conf json jsonc tf hcl html htm css scss sass less xml cmake mk"
)
_TEXT_NAMES = words(
    "makefile dockerfile containerfile procfile gemfile rakefile justfile vagrantfile jenkinsfile"
    " readme license copying notice authors changelog contributing codeowners"
)
_SKIP_DIRS = words(
    "node_modules vendor third_party bower_components dist build .git .hg .svn __pycache__ .venv"
    " venv site-packages .tox .mypy_cache .pytest_cache .next coverage"
)
_LOCK_NAMES = words(
    "package-lock.json npm-shrinkwrap.json pnpm-lock.yaml yarn.lock go.sum cargo.lock poetry.lock"
    " pipfile.lock composer.lock gemfile.lock uv.lock"
)
_MINIFIED_NAME = re.compile(r"[.-]min\.\w+$|\.map$|\.bundle\.js$")


@dataclass(frozen=True)
class TextChunk:
    """Lines `start_line`..`end_line` (1-based, inclusive) of `path`; `content` is exactly
    those lines, line ends included."""

    path: str
    start_line: int
    end_line: int
    content: str


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    loose: bool = False  # statements, paragraphs, blocks: packed with loose neighbours
    node: ast.AST | None = None  # the Python statement whose body splits it when too long
    unit: int = 0  # which top-level piece of structure it is, or a part of
    part: bool = False  # a part of a unit too long for one chunk

    @property
    def size(self) -> int:
        return self.end - self.start + 1


Splitter = Callable[[_Span], list[_Span]]


def chunkable(path: str, size: int) -> bool:
    """Whether a file is worth chunking: text-like, not huge, not a lock file, minified bundle
    or vendored/built copy. `path` is relative and "/"-separated, `size` in bytes."""
    if not 0 < size <= MAX_CHUNKABLE_BYTES:
        return False
    *dirs, name = path.lower().split("/")
    if any(d in _SKIP_DIRS for d in dirs) or name in _LOCK_NAMES:
        return False
    if name.endswith(".lock") or _MINIFIED_NAME.search(name):
        return False
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return name in _TEXT_NAMES
    return suffix in _TEXT_SUFFIXES or stem in _TEXT_NAMES  # e.g. README.txt, Dockerfile.dev


def chunkable_text(text: str) -> bool:
    """The content check `chunkable` cannot make: no NUL (binary), no minified one-liners."""
    if "\x00" in text[:8192]:
        return False
    lines = text.count("\n") + 1
    return len(text) <= 2_000 or len(text) / lines <= 300


def chunk_file(path: str, text: str, *, max_lines: int = 80) -> list[TextChunk]:
    """Cut `text` into chunks of at most `max_lines` lines that follow its structure.

    Every line is in exactly one chunk, in order; a file with no visible character has none.
    """
    if max_lines < 1:
        raise ValueError("max_lines is at least 1")
    if not text.strip():
        return []
    lines = _lines(text)
    spans, split = _structure(path, text, lines)
    pieces = []
    for unit, span in enumerate(spans):
        parts = _fit(span, split, lines, max_lines)
        pieces += [replace(p, unit=unit, part=len(parts) > 1) for p in parts]
    return [
        TextChunk(path, s.start, s.end, "".join(lines[s.start - 1 : s.end]))
        for s in _merge(pieces, lines, max_lines)
    ]


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _structure(path: str, text: str, lines: list[str]) -> tuple[list[_Span], Splitter]:
    suffix = path.rpartition("/")[2].rpartition(".")[2].lower()
    if suffix in ("py", "pyi"):
        spans = _python(text, lines)
        if spans is not None:
            return spans, lambda span: _python_children(span, lines)
    if suffix in ("md", "markdown", "mdx", "rst"):
        heads, fenced = _rst_headings(lines) if suffix == "rst" else _markdown_headings(lines)
        return _sections(lines, heads, fenced), lambda span: _paragraphs(span, lines, fenced)
    return _definitions(path, text, lines)


def _fit(span: _Span, split: Splitter, lines: list[str], max_lines: int) -> list[_Span]:
    """`span` as pieces of at most `max_lines`: by its structure, else at blank lines."""
    if span.size <= max_lines:
        return [span]
    parts = split(span)
    if len(parts) == 1 and parts[0].node is not None and parts[0].node is not span.node:
        return _fit(parts[0], split, lines, max_lines)  # one statement deeper, same lines
    if len(parts) < 2:
        return _windows(span, lines, max_lines)
    return [piece for part in parts for piece in _fit(part, split, lines, max_lines)]


def _windows(span: _Span, lines: list[str], max_lines: int) -> list[_Span]:
    """Fixed windows, the last resort: each ends on a blank line in its second half if any."""
    out, start = [], span.start
    while span.end - start + 1 > max_lines:
        cut = limit = start + max_lines - 1
        for n in range(limit, start + max_lines // 2 - 1, -1):
            if not lines[n - 1].strip():
                cut = n
                break
        out.append(_Span(start, cut, loose=True))
        start = cut + 1
    return [*out, _Span(start, span.end, loose=True)]


def _merge(spans: list[_Span], lines: list[str], max_lines: int) -> list[_Span]:
    """Join neighbours within `max_lines`: loose with loose, and anything with a tiny piece —
    but the part of a split unit only with the other parts of that unit (the tail of a long
    function does not belong at the head of the next one)."""
    out: list[_Span] = []
    for span in spans:
        last = out[-1] if out else None
        if last and last.size + span.size <= max_lines and _joinable(last, span, lines):
            out[-1] = replace(span, start=last.start, loose=last.loose and span.loose, node=None)
        else:
            out.append(span)
    return out


def _joinable(last: _Span, span: _Span, lines: list[str]) -> bool:
    if last.unit == span.unit:
        return (last.loose and span.loose) or _tiny(last, lines) or _tiny(span, lines)
    if last.loose and span.loose and not (last.part or span.part):
        return True
    return (_tiny(last, lines) and not last.part) or (_tiny(span, lines) and not span.part)


def _tiny(span: _Span, lines: list[str]) -> bool:
    return sum(1 for line in lines[span.start - 1 : span.end] if line.strip()) < _TINY


def _cut(
    span: _Span, first: tuple[bool, ast.AST | None], marks: list[tuple[int, bool, ast.AST | None]]
) -> list[_Span]:
    """`span` cut before each mark (line, loose, node); marks ascend within (start, end]."""
    bounds = [(span.start, *first), *marks]
    ends = [line - 1 for line, _, _ in marks] + [span.end]
    return [_Span(s, e, loose, node) for (s, loose, node), e in zip(bounds, ends, strict=True)]


def _pulled_back(line: int, lines: list[str], floor: int, comment: re.Pattern[str]) -> int:
    """`line` moved up over the comment (or decorator) lines right above it, not above `floor`."""
    while line > floor and comment.match(lines[line - 2]):
        line -= 1
    return line


# --- Python, by ast ---------------------------------------------------------------------------

_PY_COMMENT = re.compile(r"[ \t]*#")
_PY_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")


def _python(text: str, lines: list[str]) -> list[_Span] | None:
    if re.search(r"\r(?!\n)", text):
        return None  # ast counts a lone "\r" as a line end, these lines do not
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    whole = _Span(1, len(lines), node=tree)
    return _python_children(whole, lines) if tree.body else [_Span(1, len(lines), loose=True)]


def _python_children(span: _Span, lines: list[str]) -> list[_Span]:
    """`span` cut before each statement of its node's body (the header stays in the first);
    definitions are pieces of their own, other statements loose."""
    children = [c for block in _BLOCKS for c in getattr(span.node, block, ())]
    if not children:
        return []
    marks: list[tuple[int, bool, ast.AST | None]] = []
    floor = max(span.start, _end(children[0]))  # the last line a mark may not be on
    for child in children[1:]:
        start = min([_lineno(child)] + [d.lineno for d in getattr(child, "decorator_list", ())])
        start = _pulled_back(start, lines, floor + 1, _PY_COMMENT)
        if floor < start <= span.end:
            marks.append((start, not isinstance(child, _PY_DEFS), child))
            floor = start
        floor = max(floor, _end(child))
    first = children[0]
    return _cut(span, (not isinstance(first, _PY_DEFS), first), marks)


def _lineno(node: ast.AST) -> int:
    if isinstance(node, ast.match_case):
        return node.pattern.lineno
    return int(getattr(node, "lineno", 1))


def _end(node: ast.AST) -> int:
    if isinstance(node, ast.match_case):
        return _end(node.body[-1])
    return int(getattr(node, "end_lineno", None) or _lineno(node))


# --- Markdown and reStructuredText, by headings -----------------------------------------------

_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_RST_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1{2,}[ \t]*")


def _markdown_headings(lines: list[str]) -> tuple[list[int], set[int]]:
    """Heading lines (ATX and setext) and the lines inside fences or front matter."""
    heads: list[int] = []
    fenced: set[int] = set()
    fence = "---" if lines[0].rstrip() == "---" else None  # YAML front matter
    for n, raw in enumerate(lines, 1):
        text = raw.rstrip("\r\n")
        opener = _FENCE.match(text)
        if fence is not None:
            fenced.add(n)
            if fence == "---":
                done = n > 1 and text.rstrip() == "---"
            else:
                done = opener is not None and _closes(fence, opener[1])
            fence = None if done else fence
        elif opener:
            fence = opener[1]
            fenced.add(n)
        elif _ATX.match(text):
            heads.append(n)
        elif _SETEXT.match(text) and n > 1 and lines[n - 2].strip() and _free(n - 1, heads, fenced):
            heads.append(n - 1)
    return heads, fenced


def _free(line: int, heads: list[int], fenced: set[int]) -> bool:
    return line not in fenced and (not heads or heads[-1] != line)


def _closes(fence: str, candidate: str) -> bool:
    return candidate[0] == fence[0] and len(candidate) >= len(fence)


def _rst_headings(lines: list[str]) -> tuple[list[int], set[int]]:
    """Titles: a line underlined (and maybe overlined) by one punctuation mark repeated."""
    heads: list[int] = []
    for n in range(2, len(lines) + 1):
        under, title = lines[n - 1].rstrip(), lines[n - 2].rstrip()
        if not (_RST_ADORNMENT.fullmatch(under) and title and not title[0].isspace()):
            continue
        if _RST_ADORNMENT.fullmatch(title) or len(under) < len(title):
            continue
        start = n - 2 if n > 2 and lines[n - 3].rstrip() == under else n - 1
        if not heads or heads[-1] < start:
            heads.append(start)
    return heads, set()


def _sections(lines: list[str], heads: list[int], fenced: set[int]) -> list[_Span]:
    whole = _Span(1, len(lines), loose=True)
    if not heads:
        return _paragraphs(whole, lines, fenced) or [whole]
    marks: list[tuple[int, bool, ast.AST | None]] = [(h, False, None) for h in heads if h > 1]
    return _cut(whole, (heads[0] > 1, None), marks)


def _paragraphs(span: _Span, lines: list[str], fenced: set[int]) -> list[_Span]:
    """`span` cut before each line that follows a blank line (outside fences); all loose."""
    marks: list[tuple[int, bool, ast.AST | None]] = [
        (n, True, None)
        for n in range(span.start + 1, span.end + 1)
        if n not in fenced and lines[n - 1].strip() and not lines[n - 2].strip()
    ]
    return _cut(span, (True, None), marks) if marks else []


# --- other languages, by definitions found by regex -------------------------------------------

_COMMENT = re.compile(r"[ \t]*(?://|#|/\*|\*|--|;|@)")
_CLOSER = re.compile(r"(?:\}|end\b)")


def _definitions(path: str, text: str, lines: list[str]) -> tuple[list[_Span], Splitter]:
    """Top-level definitions (unindented) are pieces, from their comments to their closing
    brace or `end` at column 0; code between them is loose. Nested ones split a long one."""
    found = sorted({d.line for d in definitions(path, text, exact=False) if d.line <= len(lines)})
    whole = _Span(1, len(lines), loose=True)

    def split(span: _Span) -> list[_Span]:
        nested = [d for d in found if span.start < d <= span.end]
        return _def_spans(span, nested, lines, False) or _paragraphs(span, lines, set())

    top = [d for d in found if not lines[d - 1][:1].isspace()]
    spans = _def_spans(whole, top, lines, True)
    if not spans:
        return _paragraphs(whole, lines, set()) or [whole], split
    return [piece for s in spans for piece in _closed(s, lines)], split


def _def_spans(span: _Span, defs: list[int], lines: list[str], head_loose: bool) -> list[_Span]:
    """`span` cut before each of `defs` (moved up over their comments); what comes before the
    first is `head_loose`."""
    marks: list[tuple[int, bool, ast.AST | None]] = []
    floor = span.start - 1
    for d in defs:
        start = _pulled_back(d, lines, floor + 1, _COMMENT)
        if floor < start <= span.end:
            marks.append((start, False, None))
            floor = start
        floor = max(floor, d)
    if not marks:
        return []
    if marks[0][0] == span.start:
        return _cut(span, (False, None), marks[1:])
    return _cut(span, (head_loose, None), marks)


def _closed(span: _Span, lines: list[str]) -> list[_Span]:
    """A definition's span ends at its closing line; what follows is loose code."""
    if span.loose:
        return [span]
    for n in range(span.start + 1, span.end):
        if _CLOSER.match(lines[n - 1]):
            return [_Span(span.start, n), _Span(n + 1, span.end, loose=True)]
    return [span]
