"""What an issue's text points at: file paths, stack-trace frames, dotted names and identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.code.locate_repo import CODE_EXTS, CONFIG_EXTS, DOC_EXTS

_EXTS = "|".join(sorted(CODE_EXTS | DOC_EXTS | CONFIG_EXTS, key=len, reverse=True))
# A path-like token ending in a known extension: `src/app/models.py`, `C:\x\y.js`, `query.py`.
PATH_RE = re.compile(rf"(?<![\w.-])((?:[\w.$@~+-]+[/\\])*[\w.$@+-]*\w\.(?:{_EXTS}))(?![\w/\\])")
# Python tracebacks: File "/x/site-packages/pkg/mod.py", line 12, in func
PY_FRAME_RE = re.compile(r'File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?')
# JVM: at com.acme.Foo.bar(Foo.java:12)
JVM_FRAME_RE = re.compile(r"\bat ((?:[\w$]+\.)+)([\w$<>]+)\(([\w$]+\.\w+):(\d+)\)")
# Node, Go, Rust, Ruby, compilers: path/to/file.ext:12[:5]
GENERIC_FRAME_RE = re.compile(
    rf"((?:[A-Za-z]:)?[/\\]?(?:[\w.$@~+-]+[/\\])*[\w.$@+-]+\.(?:{_EXTS})):(\d+)"
)
DOTTED_RE = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
# `from pkg.mod import A, B` and `import pkg.mod` in pasted code
FROM_IMPORT_RE = re.compile(
    r"^[ \t]*(?:>>>|\.\.\.|In \[\d+\]:)?[ \t]*from\s+([\w.]+)\s+import\s+\(?([\w ,]+)", re.M
)
IDENT_RE = re.compile(r"[A-Za-z_]\w*")
CODE_SPAN_RE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`|^(?: {4}|\t)[^\n]+$", re.S | re.M)
TESTS_RE = re.compile(
    r"\b(test[ -]?suite|unit[ -]?tests?|the tests|test (?:file|case|module)s?|conftest|"
    r"tests? (?:fails?|failing|passes)|flaky)\b",
    re.I,
)
DOCS_RE = re.compile(r"\b(documentation|the docs|readme|changelog|docs? page)\b", re.I)


@dataclass(frozen=True, slots=True)
class Frame:
    """One stack-trace line: the path as written, its line and the function when given."""

    path: str
    line: int
    function: str


@dataclass(frozen=True, slots=True)
class IssueFacts:
    """Everything structural read from an issue, in order of first appearance."""

    paths: tuple[str, ...]
    frames: tuple[Frame, ...]
    dotted: tuple[str, ...]
    # (module, name) pairs from `from module import name` lines
    imports: tuple[tuple[str, str], ...]
    # identifier -> how code-like its mentions are (1.0 in code spans, down to ~0.1 for prose)
    identifiers: dict[str, float]
    about_tests: bool
    about_docs: bool


def _frames(text: str) -> list[Frame]:
    frames = [Frame(m[1], int(m[2]), m[3] or "") for m in PY_FRAME_RE.finditer(text)]
    for m in JVM_FRAME_RE.finditer(text):
        package = m[1].rstrip(".").split(".")
        # `com.acme.Foo.bar` -> com/acme/Foo.java: the class is the last package part.
        directory = "/".join(package[:-1])
        path = f"{directory}/{m[3]}" if directory else m[3]
        frames.append(Frame(path, int(m[4]), m[2]))
    seen = {(f.path, f.line) for f in frames}
    for m in GENERIC_FRAME_RE.finditer(text):
        if (m[1], int(m[2])) not in seen and not m[1].endswith(".java"):
            frames.append(Frame(m[1], int(m[2]), ""))
    return frames


def _code_likeness(ident: str, in_code: bool, called: bool) -> float:
    """How surely a word names something in the code: calls and compound names are sure; plain
    lower-case words in pasted code are often local variables, in prose mostly English."""
    if called:
        return 1.0
    inner = ident.lstrip("_")
    if "_" in inner or any(c.isupper() for c in inner[1:]):
        return 1.0 if in_code else 0.9
    if ident[0].isupper():
        return 0.8 if in_code else 0.3
    return 0.4 if in_code else 0.1


def _identifiers(text: str) -> dict[str, float]:
    spans = [(m.start(), m.end()) for m in CODE_SPAN_RE.finditer(text)]
    weights: dict[str, float] = {}
    span_i = 0
    for m in IDENT_RE.finditer(text):
        while span_i < len(spans) and spans[span_i][1] <= m.start():
            span_i += 1
        in_code = span_i < len(spans) and spans[span_i][0] <= m.start()
        called = text.startswith("(", m.end())
        w = _code_likeness(m[0], in_code, called)
        # One- and two-letter names count only as capitals in code (`Q`, `F` in Django).
        short = len(m[0]) <= 2 and not (in_code and m[0][0].isupper())
        if not short and w > weights.get(m[0], 0.0):
            weights[m[0]] = w
    return weights


def read_issue(text: str) -> IssueFacts:
    """Parse the issue once; everything downstream works on these facts."""
    frames = _frames(text)
    frame_paths = {f.path for f in frames}
    paths = [m[1] for m in PATH_RE.finditer(text)]
    # A frame's path is found again without its leading "/" or drive; count it once, as a frame.
    paths = list(dict.fromkeys(p for p in paths if not any(f.endswith(p) for f in frame_paths)))
    dotted = [d for d in dict.fromkeys(DOTTED_RE.findall(text)) if not _is_filename(d)]
    return IssueFacts(
        paths=tuple(paths),
        frames=tuple(frames),
        dotted=tuple(dotted),
        imports=tuple(_imports(text)),
        identifiers=_identifiers(text),
        about_tests=bool(TESTS_RE.search(text)),
        about_docs=bool(DOCS_RE.search(text)),
    )


def _imports(text: str) -> list[tuple[str, str]]:
    pairs = []
    for m in FROM_IMPORT_RE.finditer(text):
        for item in m[2].split(","):
            # `import A as B` keeps A: the name the module defines
            name = item.strip().split(" ")[0]
            if name and name.isidentifier():
                pairs.append((m[1], name))
    return pairs


def _is_filename(dotted: str) -> bool:
    last = dotted.rsplit(".", 1)[-1].lower()
    return last in CODE_EXTS or last in DOC_EXTS or last in CONFIG_EXTS
