"""Chunking follows structure (definitions, sections) and covers every line exactly once."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.chunking import TextChunk, chunk_file, chunkable, chunkable_text


def _starts(chunks: list[TextChunk]) -> list[int]:
    return [c.start_line for c in chunks]


def _assert_covers(
    text: str, chunks: list[TextChunk], max_lines: int, *, visible: bool = True
) -> None:
    """Chunks cover `text` line by line, in order, within `max_lines`; `visible`: none is
    blank (a run of blank lines longer than the limit can only be a blank chunk)."""
    assert "".join(c.content for c in chunks) == text
    line = 1
    for chunk in chunks:
        assert chunk.start_line == line
        assert chunk.start_line <= chunk.end_line
        assert chunk.end_line - chunk.start_line + 1 <= max_lines
        assert chunk.content.count("\n") in (
            chunk.end_line - chunk.start_line,
            chunk.end_line - chunk.start_line + 1,
        )
        assert chunk.content.strip() or not visible
        line = chunk.end_line + 1
    assert line - 1 == text.count("\n") + (0 if text.endswith("\n") else 1) or not text.strip()


def _function(name: str, body_lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(body_lines))
    return f"{indent}def {name}(a, b):\n{indent}    '''{name} things.'''\n{body}"


PYTHON = (
    '"""A module."""\n'
    "\n"
    "import os\n"
    "import re\n"
    "import sys\n"
    "from pathlib import Path\n"
    "\n"
    "\n"
    + _function("first", 6)
    + "\n\n# about the second one\n@decorated\n"
    + _function("second", 6)
    + "\n\nclass Thing:\n    '''A thing.'''\n\n"
    + _function("method", 5, "    ")
    + "\n"
    + _function("other", 5, "    ")
)


def test_python_preamble_functions_and_classes_are_chunk_boundaries() -> None:
    chunks = chunk_file("pkg/mod.py", PYTHON)
    lines = PYTHON.split("\n")
    assert _starts(chunks) == [
        1,
        lines.index("def first(a, b):") + 1,
        lines.index("# about the second one") + 1,  # its comment and decorator come along
        lines.index("class Thing:") + 1,
    ]
    assert chunks[0].content.startswith('"""A module."""')
    assert "from pathlib import Path" in chunks[0].content
    assert "def first" not in chunks[0].content
    assert chunks[2].content.splitlines()[:3] == [
        "# about the second one",
        "@decorated",
        "def second(a, b):",
    ]
    assert all(c.path == "pkg/mod.py" for c in chunks)
    _assert_covers(PYTHON, chunks, 80)


def test_a_big_class_is_split_into_its_methods_with_the_header_in_the_first() -> None:
    source = "class Big(Base):\n    '''Big.'''\n\n" + "\n".join(
        _function(f"m{i}", 8, "    ") for i in range(4)
    )
    chunks = chunk_file("big.py", source, max_lines=15)
    lines = source.split("\n")
    assert _starts(chunks) == [1] + [lines.index(f"    def m{i}(a, b):") + 1 for i in (1, 2, 3)]
    assert chunks[0].content.startswith("class Big(Base):\n    '''Big.'''\n\n    def m0(")
    _assert_covers(source, chunks, 15)


def test_a_single_huge_definition_is_split_within_max_lines() -> None:
    source = _function("huge", 200) + "\n\n" + _function("small", 6)
    chunks = chunk_file("huge.py", source, max_lines=50)
    _assert_covers(source, chunks, 50)
    assert len(chunks) >= 5
    assert chunks[0].content.startswith("def huge(a, b):")
    assert chunks[-1].content.startswith("def small(a, b):")  # its own chunk still
    # the function's statements are packed: nothing much smaller than the limit but the last
    assert all(c.end_line - c.start_line + 1 >= 40 for c in chunks[:-2])


def test_a_huge_nested_block_splits_by_its_own_statements() -> None:
    body = "".join(f"        y{i} = {i}\n" for i in range(120))
    source = "def f(items):\n    for item in items:\n" + body + "    return items\n"
    chunks = chunk_file("loop.py", source, max_lines=40)
    _assert_covers(source, chunks, 40)
    assert chunks[0].content.startswith("def f(items):\n    for item in items:\n")


def test_tiny_definitions_are_merged_with_their_neighbours() -> None:
    source = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(10))
    chunks = chunk_file("tiny.py", source)
    assert len(chunks) < 10
    _assert_covers(source, chunks, 80)


def test_broken_python_falls_back_to_definitions_by_regex() -> None:
    source = _function("good", 6) + "\n" + "def broken(:\n    pass\n" * 3 + "\n" + _function("g", 6)
    chunks = chunk_file("broken.py", source)
    _assert_covers(source, chunks, 80)
    assert chunks[0].start_line == 1
    assert chunks[-1].content.startswith("def g(a, b):")


MARKDOWN = textwrap.dedent(
    """\
    ---
    title: Guide
    ---
    Intro paragraph before any heading,
    long enough to be a chunk of its own,
    with several lines,
    one more,
    and the last.

    # Installing

    Run the installer.
    It asks two questions.
    Answer both.
    Then restart.

    ```sh
    # not a heading: inside a fence
    make install
    ```

    Configuring
    -----------

    Edit the file.
    Set the key.
    Save it.
    Done now.
    """
)


def test_markdown_sections_are_chunk_boundaries() -> None:
    chunks = chunk_file("docs/guide.md", MARKDOWN)
    lines = MARKDOWN.split("\n")
    assert _starts(chunks) == [1, lines.index("# Installing") + 1, lines.index("Configuring") + 1]
    assert "# not a heading" in chunks[1].content
    _assert_covers(MARKDOWN, chunks, 80)


def test_a_long_section_is_split_at_paragraphs() -> None:
    paragraphs = "\n".join(f"Paragraph {i} line one.\nline two.\nline three.\n" for i in range(30))
    source = "# Title\n\n" + paragraphs
    chunks = chunk_file("long.md", source, max_lines=20)
    _assert_covers(source, chunks, 20)
    assert len(chunks) > 1
    assert all(c.content.startswith(("# Title", "Paragraph")) for c in chunks)


def test_rst_titles_are_chunk_boundaries() -> None:
    section = "Some text here.\nMore text.\nEven more.\nAnd more.\nThe end.\n\n"
    source = "=====\nTitle\n=====\n\n" + section + "Usage\n-----\n\n" + section
    chunks = chunk_file("index.rst", source)
    assert _starts(chunks) == [1, source.split("\n").index("Usage") + 1]
    _assert_covers(source, chunks, 80)


def test_other_languages_cut_at_top_level_definitions() -> None:
    go = (
        'package main\n\nimport "fmt"\n\n'
        + "".join(
            f"// f{i} does things\nfunc f{i}() int {{\n"
            + "".join(f"\tx := {j}\n" for j in range(5))
            + f"\treturn {i}\n}}\n\n"
            for i in range(3)
        )
        + "var tail = 1\n"
    )
    chunks = chunk_file("main.go", go)
    lines = go.split("\n")
    assert [c.start_line for c in chunks][1:] == [
        lines.index(f"// f{i} does things") + 1 for i in (1, 2)
    ]
    assert chunks[0].content.startswith("package main")
    assert "func f0()" in chunks[0].content  # the tiny preamble joined the first function
    _assert_covers(go, chunks, 80)


def test_text_without_definitions_is_packed_by_blank_line_blocks() -> None:
    source = "\n".join(f"key{i}:\n  a: 1\n  b: 2\n" for i in range(40))
    chunks = chunk_file("config.yaml", source, max_lines=30)
    _assert_covers(source, chunks, 30)
    assert all(c.content.startswith("key") for c in chunks)
    assert all(c.end_line - c.start_line + 1 >= 25 for c in chunks[:-1])


def test_blank_files_have_no_chunks_and_crlf_keeps_its_line_ends() -> None:
    assert chunk_file("empty.py", "") == []
    assert chunk_file("blank.md", "\n  \n\t\n") == []
    source = "def f():\r\n    return 1\r\n"
    (only,) = chunk_file("crlf.py", source)
    assert (only.start_line, only.end_line, only.content) == (1, 2, source)
    with pytest.raises(ValueError, match="max_lines"):
        chunk_file("x.py", "x = 1\n", max_lines=0)


@pytest.mark.parametrize(
    ("path", "size", "expected"),
    [
        ("agents/chunking.py", 10_000, True),
        ("docs/README", 100, True),
        ("Dockerfile", 100, True),
        ("web/app.tsx", 100, True),
        ("image.png", 100, False),
        ("big.py", 300_000, False),
        ("empty.py", 0, False),
        ("node_modules/pkg/index.js", 100, False),
        ("src/vendor/lib.go", 100, False),
        ("dist/app.js", 100, False),
        ("static/app.min.js", 100, False),
        ("static/app.js.map", 100, False),
        ("package-lock.json", 100, False),
        ("Cargo.lock", 100, False),
        ("poetry.lock", 100, False),
        ("go.sum", 100, False),
    ],
)
def test_chunkable(path: str, size: int, expected: bool) -> None:
    assert chunkable(path, size) is expected


def test_chunkable_text_refuses_binary_and_minified() -> None:
    assert chunkable_text("def f():\n    pass\n")
    assert not chunkable_text("PK\x03\x04\x00\x00")
    assert not chunkable_text("var a=1;" * 1_000)


# --- properties -------------------------------------------------------------------------------

LINES = st.sampled_from(
    [
        "",
        "   ",
        "def f(x):",
        "    return x",
        "    pass",
        "class C:",
        "@decorator",
        "# comment",
        "## Heading",
        "Heading",
        "=======",
        "-------",
        "```",
        "text words here",
        "function g() {",
        "}",
        "  nested();",
        "\tif (x) {",
        "x = 1",
        "\r",
    ]
)
PATHS = st.sampled_from(["a.py", "a.md", "a.rst", "a.js", "a.go", "a.txt", "Makefile"])


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(LINES | st.text(max_size=20), max_size=120),
    trailing=st.booleans(),
    path=PATHS,
    max_lines=st.integers(1, 40),
)
def test_every_line_is_covered_exactly_once_in_order(
    lines: list[str], trailing: bool, path: str, max_lines: int
) -> None:
    text = "\n".join(lines) + ("\n" if trailing else "")
    chunks = chunk_file(path, text, max_lines=max_lines)
    if text.strip():
        _assert_covers(text, chunks, max_lines, visible=False)
    else:
        assert chunks == []


@st.composite
def python_modules(draw: st.DrawFn) -> str:
    """Valid Python: statements, functions and classes, nested, of random sizes."""

    def block(indent: str, depth: int) -> list[str]:
        out: list[str] = []
        for _ in range(draw(st.integers(1, 6))):
            kind = draw(st.sampled_from(["stmt", "blank", "comment", "def", "class", "if"]))
            if kind == "stmt":
                out.append(f"{indent}v = {draw(st.integers(0, 9))}")
            elif kind == "blank":
                out.append("")
            elif kind == "comment":
                out.append(f"{indent}# note")
            elif depth < 3:
                head = {"def": "def f():", "class": "class K:", "if": "if v:"}[kind]
                if kind != "if" and draw(st.booleans()):
                    out.append(f"{indent}@deco")
                out.append(f"{indent}{head}")
                out.extend([*block(indent + "    ", depth + 1), f"{indent}    pass"])
        return out

    return "\n".join(block("", 0)) + "\n"


@settings(max_examples=200, deadline=None)
@given(source=python_modules(), max_lines=st.integers(1, 30))
def test_python_chunks_cover_the_module_within_max_lines(source: str, max_lines: int) -> None:
    compile(source, "<generated>", "exec")
    chunks = chunk_file("gen.py", source, max_lines=max_lines)
    if source.strip():
        _assert_covers(source, chunks, max_lines, visible=False)
    else:
        assert chunks == []
