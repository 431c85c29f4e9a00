"""The oracle-exploration figure's reachability, on a tiny repository held in memory."""

from __future__ import annotations

from collections.abc import Iterator

from agents.code.locate_repo import SourceFile
from bench.locate_oracle import (
    Explorable,
    ImportGraph,
    find_symbol_reveals,
    issue_names,
    module_names,
    oracle_steps,
    search_reveals,
)

FILES = {
    "pkg/__init__.py": "",
    "pkg/api.py": "from pkg import core\nfrom .util import helper\n\n\ndef handle():\n"
    "    return core.run()\n",
    "pkg/core.py": '"""Core."""\nfrom . import deep\n\n\ndef run():\n    return deep.walk()\n',
    "pkg/deep.py": "import os\n\n\ndef walk():\n    return os.sep\n",
    "pkg/util.py": "def helper():\n    return 'walked'\n",
    "pkg/sub/mod.py": "from ..util import (\n    helper,\n)\nfrom ...outside import x\n",
    "tests/test_deep.py": "from pkg.deep import walk\n\nwalk()\n",
}


def repo() -> list[SourceFile]:
    return [SourceFile(path, text, "code") for path, text in FILES.items()]


def gold(path: str) -> bool:
    return path == "pkg/deep.py"


def test_steps_are_a_shortest_path_through_opens() -> None:
    edges = {"a": ["b"], "b": ["c"], "c": ["d"]}

    def opens(f: str) -> list[str]:
        return edges.get(f, [])

    def is_d(f: str) -> bool:
        return f == "d"

    assert oracle_steps(["a"], [], opens, is_d, 5) == 3
    assert oracle_steps(["a"], [], opens, is_d, 2) is None
    assert oracle_steps(["a", "c"], [], opens, is_d, 5) == 1
    assert oracle_steps(["x"], [["q"], ["b"]], opens, is_d, 5) == 3  # a call finds b, two opens
    assert oracle_steps(["x"], [["d"]], opens, is_d, 5) == 1
    assert oracle_steps(["d"], [["d"]], opens, is_d, 0) == 0


def test_calls_from_the_issue_are_not_run_when_a_candidate_is_gold() -> None:
    def moves() -> Iterator[list[str]]:
        raise AssertionError("computed for nothing")
        yield []

    assert oracle_steps(["pkg/deep.py"], moves(), lambda f: [], gold, 5) == 0


def test_opening_a_file_reveals_what_it_imports() -> None:
    graph = ImportGraph.build(repo())
    assert graph.opens("pkg/api.py") == ("pkg/__init__.py", "pkg/core.py", "pkg/util.py")
    assert graph.opens("pkg/core.py") == ("pkg/__init__.py", "pkg/deep.py")
    assert graph.opens("pkg/sub/mod.py") == ("pkg/util.py",)  # `...outside` leaves the tree
    assert graph.opens("pkg/deep.py") == ()  # os is not in the repository
    assert graph.opens("tests/test_deep.py") == ("pkg/deep.py",)


def test_only_imports_in_the_first_window_count() -> None:
    late = SourceFile("pkg/late.py", "x = 1\n" * 300 + "from pkg import deep\n", "code")
    early = SourceFile("pkg/early.py", "x = 1\n" * 200 + "from pkg import deep\n", "code")
    graph = ImportGraph.build([*repo(), late, early])
    assert graph.opens("pkg/late.py") == ()
    assert graph.opens("pkg/early.py") == ("pkg/__init__.py", "pkg/deep.py")


def test_module_names_drop_a_layout_directory() -> None:
    assert module_names("src/lib2/x.py") == ["src.lib2.x", "lib2.x"]
    assert module_names("pkg/__init__.py") == ["pkg"]
    assert module_names("README.md") == []


def test_find_symbol_and_search_reveal_the_files_their_answers_name() -> None:
    files = repo()
    assert find_symbol_reveals(files, "walk") == {
        "pkg/deep.py",
        "pkg/core.py",
        "tests/test_deep.py",
    }
    assert search_reveals(files, "walk") == {
        "pkg/deep.py",
        "pkg/core.py",
        "pkg/util.py",  # 'walked': a search matches inside words
        "tests/test_deep.py",
    }


def test_search_reveals_only_the_lines_it_shows() -> None:
    many = [SourceFile(f"m/f{n:03}.py", "needle = 1\n", "code") for n in range(150)]
    assert len(search_reveals(many, "needle")) == 100


def test_issue_names_are_the_code_like_words() -> None:
    names = issue_names("Calling `run_all()` with SPECIAL_FLAG fails; the print() is fine.")
    assert "run_all" in names
    assert "SPECIAL_FLAG" in names
    assert "fails" not in names
    assert "the" not in names
    assert "print" not in names  # a builtin names nothing of the repository


def test_explorable_reaches_gold_through_imports_or_an_issue_name() -> None:
    tree = Explorable.of(repo())
    assert tree.steps(["pkg/api.py"], "Handling breaks.", gold, 5) == 2  # api -> core -> deep
    assert tree.steps(["pkg/api.py"], "Handling breaks.", gold, 1) is None
    assert tree.steps(["pkg/util.py"], "`walk()` returns the wrong separator", gold, 5) == 1
