"""rank_files over small repositories built in tmp_path: one test per signal."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.code.locate import RankedFile, locate_main, rank_files

FILLER = "def helper(value):\n    return value\n"


def make_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def paths(ranked: list[RankedFile]) -> list[str]:
    return [r.path for r in ranked]


def test_mentioned_file_name_wins(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "shop/cart.py": "def total(items):\n    # price discount rounding price\n",
            "shop/pricing.py": "def price(item):\n    return item.cost\n",
            "shop/orders.py": "def order():\n    pass\n",
        },
    )
    issue = "Wrong rounding of the price discount. I think the bug is in shop/pricing.py."
    ranked = rank_files(tmp_path, issue)
    assert ranked[0].path == "shop/pricing.py"
    assert any("mentioned path" in r for r in ranked[0].reasons)


def test_bare_file_name_mention_wins(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "app/render.py": "# template template template context\n" + FILLER,
            "app/loader.py": "def load(name):\n    return name\n",
        },
    )
    ranked = rank_files(tmp_path, "The template context breaks, see loader.py")
    assert ranked[0].path == "app/loader.py"


def test_python_stack_trace_wins(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "pkg/io/reader.py": "def read_rows(f):\n    return f.readlines()\n",
            "pkg/io/writer.py": "# raises KeyError for a missing column\n" + FILLER,
            "pkg/core.py": "def run():\n    pass\n",
        },
    )
    issue = """KeyError on a missing column

Traceback (most recent call last):
  File "/home/me/venv/lib/python3.11/site-packages/pkg/core.py", line 2, in run
  File "/home/me/venv/lib/python3.11/site-packages/pkg/io/reader.py", line 2, in read_rows
KeyError: 'column'
"""
    ranked = rank_files(tmp_path, issue)
    assert ranked[0].path == "pkg/io/reader.py"
    # an outer frame counts too, a little less than the innermost one
    assert "pkg/core.py" in paths(ranked)[:3]
    assert "stack trace line 2 in run" in ranked[paths(ranked).index("pkg/core.py")].reasons
    assert "read_rows" in ranked[0].symbols


def test_jvm_stack_trace_wins(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "src/main/java/com/acme/Parser.java": "class Parser {\n  void parse() {\n  }\n}\n",
            "src/main/java/com/acme/Lexer.java": "// NullPointerException token\nclass Lexer {}\n",
        },
    )
    issue = (
        "NullPointerException on an empty token\n"
        "java.lang.NullPointerException\n"
        "    at com.acme.Parser.parse(Parser.java:2)\n"
    )
    ranked = rank_files(tmp_path, issue)
    assert ranked[0].path == "src/main/java/com/acme/Parser.java"
    assert ranked[0].symbols[0] == "parse"


def test_symbol_mention_wins(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "lib/headers.py": "def normalize_header(name):\n    return name.lower()\n",
            "lib/client.py": "# headers are sent lower case, headers headers lower case\n" + FILLER,
            "lib/server.py": "def serve():\n    pass\n",
        },
    )
    issue = "Headers are sent in lower case: `normalize_header()` should keep the case."
    ranked = rank_files(tmp_path, issue)
    assert ranked[0].path == "lib/headers.py"
    assert ranked[0].symbols[0] == "normalize_header"


def test_method_mention_ranks_the_symbol(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "db/query.py": (
                "class QuerySet:\n"
                "    def filter(self, **kw):\n        return self\n\n"
                "    def exclude(self, **kw):\n        return self\n"
            ),
            "db/sql.py": "class Query:\n    def filter(self):\n        pass\n",
        },
    )
    ranked = rank_files(tmp_path, "QuerySet.exclude() ignores the negation")
    assert ranked[0].path == "db/query.py"
    assert ranked[0].symbols[0] == "QuerySet.exclude"


def test_dotted_module_and_import_resolve(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "toolkit/mixture/__init__.py": "from .gaussian import Gaussian\n",
            "toolkit/mixture/gaussian.py": "class Gaussian:\n    def fit(self):\n        pass\n",
            "toolkit/other/gaussian_like.py": "# fit fit fit mixture\n" + FILLER,
        },
    )
    issue = "```python\nfrom toolkit.mixture import Gaussian\nGaussian().fit()\n```\nfails."
    ranked = rank_files(tmp_path, issue)
    assert ranked[0].path == "toolkit/mixture/gaussian.py"
    assert "toolkit/mixture/__init__.py" in paths(ranked)[:3]


def test_bm25_content_match(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "a/alpha.py": "def first():\n    return 'unrelated words here'\n",
            "a/beta.py": "def second():\n    # timezone conversion drops daylight saving offset\n",
            "a/gamma.py": "def third():\n    return 'nothing to see'\n",
        },
    )
    ranked = rank_files(tmp_path, "daylight saving offset is lost in timezone conversion")
    assert ranked[0].path == "a/beta.py"
    assert any(r.startswith("bm25 content") for r in ranked[0].reasons)


def test_ignored_vendored_binary_and_generated_files_are_skipped(tmp_path: Path) -> None:
    body = "def frobnicate_widget():\n    '''frobnicate the widget'''\n"
    make_repo(
        tmp_path,
        {
            ".gitignore": "build/\n*.log\n",
            "src/widget.py": body,
            "build/widget.py": body,
            "debug.log": body,
            "sub/.gitignore": "private.py\n",
            "sub/private.py": body,
            "vendor/widget.py": body,
            "node_modules/w/index.js": "function frobnicate_widget() {}\n",
            "third_party/widget.py": body,
            "src/widget_pb2.py": body,
            "src/gen.py": "# @generated by a tool\n" + body,
            "src/blob.py": b"\x00\x01frobnicate_widget\x00",
            "static/app.min.js": "function frobnicate_widget(){}" + ";x()" * 2000,
        },
    )
    ranked = rank_files(tmp_path, "`frobnicate_widget` frobnicates the widget twice", top=20)
    assert paths(ranked) == ["src/widget.py"]


def test_tests_are_deweighted_unless_the_issue_is_about_tests(tmp_path: Path) -> None:
    body = "def parse_duration(text):\n    # duration parsing of hours and minutes\n"
    make_repo(tmp_path, {"tests/test_durations.py": body * 3, "lib/durations.py": body})
    ranked = rank_files(tmp_path, "parse_duration gets hours and minutes wrong")
    assert paths(ranked) == ["lib/durations.py", "tests/test_durations.py"]
    assert "test file (de-weighted)" in ranked[1].reasons
    about_tests = rank_files(tmp_path, "The test suite fails: parse_duration hours and minutes")
    assert about_tests[0].path == "tests/test_durations.py"


class FakeEmbedder:
    """Vectors by keyword: texts about "sunset" point one way, everything else the other."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(texts)
        return [[1.0, 0.0] if "sunset" in t or "evening" in t else [0.0, 1.0] for t in texts]


def test_embedding_signal_changes_ranking(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "a_morning.py": "def light():\n    # the lamp turns on\n    pass\n",
            "b_dusk.py": "def dim():\n    # the lamp turns on at sunset\n    pass\n",
        },
    )
    issue = "The lamp turns on too late in the evening"
    without = rank_files(tmp_path, issue)
    embedder = FakeEmbedder()
    with_embeddings = rank_files(tmp_path, issue, embedder=embedder)
    assert without[0].path == "a_morning.py"
    assert with_embeddings[0].path == "b_dusk.py"
    assert any(r.startswith("embedding") for r in with_embeddings[0].reasons)
    assert embedder.calls[0][0] == issue  # the issue first, then chunks carrying their path
    assert all(t.startswith(("a_morning.py\n", "b_dusk.py\n")) for t in embedder.calls[0][1:])


def test_top_limits_and_empty_repository(tmp_path: Path) -> None:
    assert rank_files(tmp_path, "anything") == []
    make_repo(tmp_path, {f"m{i}.py": FILLER for i in range(15)})
    assert len(rank_files(tmp_path, "helper value", top=4)) == 4


def test_locate_main_returns_paths_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {"x/parser.py": "def parse_config():\n    pass\n"})
    issue_file = tmp_path / "issue.md"
    issue_file.write_text("parse_config crashes on empty files")
    assert locate_main(repo, issue_file, 3) == ["x/parser.py"]
    assert capsys.readouterr() == ("", "")
