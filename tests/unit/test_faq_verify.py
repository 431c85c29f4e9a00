"""The checks that keep invented files, lines, threads and code out of a FAQ document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agents.faq import mentions
from agents.faq.context import ThreadRef
from agents.faq.document import FileCite, parse_reply
from agents.faq.verify import MAX_EXAMPLE_LINES, Checked, check
from tests.fakes.faq import REPO, SERVER, MemoryFiles, document

DIRECTORIES = ["app", "docs", "assets"]


def checked(threads: dict[int, ThreadRef] | None = None, **overrides: Any) -> Checked:
    doc = parse_reply(json.dumps(document(**overrides)))
    return check(doc, MemoryFiles(REPO), threads or {}, frozenset({"app/old_health.py"}))


def sections(*examples: dict[str, Any], body: str = "") -> list[dict[str, Any]]:
    return [{"heading": "Code", "body": body, "examples": list(examples)}]


def test_a_valid_document_passes_and_gets_the_files_own_lines() -> None:
    result = checked()
    assert result.problems == ()
    assert result.document.sections[0].examples[0].code == "\n".join(SERVER[5:9])


def test_a_long_example_is_cut_to_its_first_lines_and_its_range_with_it() -> None:
    long_repo = {**REPO, "big.py": "\n".join(f"line {n}" for n in range(1, 101))}
    example = {"path": "big.py", "start_line": 5, "end_line": 90, "caption": "c"}
    doc = parse_reply(json.dumps(document(sections=sections(example))))
    result = check(doc, MemoryFiles(long_repo), {})
    cut = result.document.sections[0].examples[0]
    assert (cut.start_line, cut.end_line) == (5, 5 + MAX_EXAMPLE_LINES - 1)
    assert cut.code.splitlines() == [f"line {n}" for n in range(5, 5 + MAX_EXAMPLE_LINES)]


@pytest.mark.parametrize(
    ("example", "problem"),
    [
        ({"path": "app/nope.py", "start_line": 1, "end_line": 2}, "`app/nope.py` does not exist"),
        ({"path": "app/server.py", "start_line": 10, "end_line": 14}, "has 13 lines"),
        ({"path": "app/server.py", "start_line": 0, "end_line": 3}, "lines 0-3 cannot be cited"),
        ({"path": "app/server.py", "start_line": 5, "end_line": 2}, "lines 5-2 cannot be cited"),
        ({"path": "assets/logo.png", "start_line": 1, "end_line": 1}, "is not a text file"),
        ({"path": "../secrets.py", "start_line": 1, "end_line": 1}, "does not exist"),
    ],
)
def test_bad_examples_are_named_and_dropped(example: dict[str, Any], problem: str) -> None:
    result = checked(sections=sections(example))
    assert len(result.problems) == 1
    assert problem in result.problems[0]
    assert result.problems[0].startswith("sections[0].examples[0]")
    assert result.document.sections[0].examples == ()


def test_sources_are_checked_and_whole_files_and_thread_urls_filled_in() -> None:
    entry = {
        "question": "q",
        "answer": "a",
        "sources": [
            {"path": "./app/config.py"},
            {"kind": "pull", "number": 9},
            {"kind": "issue", "number": 5},
            {"path": "app/gone.py", "start_line": 1, "end_line": 1},
        ],
    }
    threads = {9: ThreadRef("pull", 9, "https://github.com/acme/demo/pull/9")}
    result = checked(threads, entries=[entry])
    assert result.document.entries[0].sources == (
        FileCite("app/config.py", 1, 2),
        threads[9],
    )
    assert result.missing == ("app/gone.py",)
    assert any("#5 is not a thread given to you (given: #9)" in p for p in result.problems)


def test_entries_must_exist_and_cite_something() -> None:
    assert any("no FAQ entries" in p for p in checked(entries=[]).problems)
    bare = checked(entries=[{"question": "q", "answer": "a"}])
    assert bare.problems == ("entries[0] cites no source; each answer cites where it comes from.",)


def test_related_documentation_must_exist() -> None:
    result = checked(related=[{"path": "docs/setup.md"}, {"path": "docs/deploy.md"}])
    assert result.missing == ("docs/deploy.md",)


def test_paths_in_prose_must_exist_but_other_code_spans_are_left_alone() -> None:
    body = (
        "See `app/server.py:12`, `app/`, `README.md`, `__init__.py`, the deleted "
        "`app/old_health.py`, `application/json`, `make run`, `ctx.files.lines(path)`, "
        "`/etc/hosts`, `app/*.py` and [the setup](docs/setup.md#run). But `app/routes.py`, "
        "`settings.toml` and [deploying](docs/deploy.md) are invented."
    )
    result = checked(sections=sections(body=body))
    assert result.missing == ("app/routes.py", "settings.toml", "docs/deploy.md")
    assert all("sections[0] (as a file mentioned in the text)" in p for p in result.problems)


def test_fenced_code_in_prose_is_refused() -> None:
    body = "Run this:\n\n```python\nimport os\nos.system('x')\n```\n"
    result = checked(entries=[{**document()["entries"][0], "answer": body}])
    assert result.problems == (
        "entries[0] holds a fenced code block; give code only as `examples` citations.",
    )


def test_mentions_only_reads_spans_outside_code_blocks() -> None:
    text = "```\n`app/x.py`\n```\nand `docs/y.md`"
    assert mentions.paths(text, DIRECTORIES) == ["docs/y.md"]


def test_relink_rewrites_repository_links_for_the_documents_folder() -> None:
    text = "[setup](docs/setup.md#run), [web](https://example.com/a.md), [top](#faq)"
    assert mentions.relink(text, "docs/faq") == (
        "[setup](../setup.md#run), [web](https://example.com/a.md), [top](#faq)"
    )
