"""The code agent's exploration tools over a small repository snapshot built in tmp_path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agents.code import text_search
from agents.code.explore_tools import TOOLS, ToolOutcome, run_tool
from agents.code.repo_map import repo_map
from agents.ports import ToolCall

FORBIDDEN = ("secrets/**",)

CORE = '''"""The engine."""

LIMIT = 3
first, second = 1, 2


class Engine:
    speed: int = 0

    def start(self) -> int:
        return helper() + LIMIT


def helper() -> int:
    return 1
'''

USE = """from pkg.core import Engine, helper


def run() -> int:
    return Engine().start() + helper()
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    files = {
        "pkg/__init__.py": "",
        "pkg/core.py": CORE,
        "pkg/use.py": USE,
        "tests/test_core.py": "from pkg.core import Engine\n\nEngine().start()\n",
        "docs/guide.md": "# Guide\n\nStart the Engine.\n",
        "secrets/key.pem": "Engine secret helper\n",
        ".git/config": "[core]\n\tEngine = helper\n",
        "node_modules/dep/index.js": "function Engine() {}\n",
        "web/app.js": "export function launchEngine() {\n  return 1;\n}\n",
        "long.py": "".join(f"value_{n} = {n}\n" for n in range(1, 1001)),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "blob.bin").write_bytes(b"PK\x03\x04\x00\x00Engine")
    (root / "latin.txt").write_bytes(b"caf\xe9 Engine\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.txt").write_text("Engine outside the snapshot\n")
    os.symlink("/etc/passwd", root / "passwd_link")
    os.symlink(outside, root / "outdir")
    os.symlink("pkg/core.py", root / "core_link.py")
    os.symlink("secrets/key.pem", root / "key_link.pem")
    return root


def call(root: Path, tool: str, args: dict[str, object] | str, **kw: object) -> ToolOutcome:
    text = args if isinstance(args, str) else json.dumps(args)
    return run_tool(root, ToolCall("c1", tool, text), forbidden=FORBIDDEN, **kw)  # type: ignore[arg-type]


def test_every_tool_has_a_strict_schema_and_runs() -> None:
    for tool in TOOLS:
        schema = tool.parameters
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) <= set(schema["properties"])
        assert tool.description


def test_list_dir_marks_dirs_and_symlinks_and_hides_git_junk_and_forbidden(repo: Path) -> None:
    out = call(repo, "list_dir", {})
    assert out.refused is None
    lines = out.text.splitlines()
    assert "pkg/" in lines
    assert "long.py" in lines
    assert "core_link.py@ (symlink to pkg/core.py)" in lines
    assert "passwd_link@ (symlink leading outside what may be read)" in lines
    assert "outdir@ (symlink leading outside what may be read)" in lines
    assert not any(line.startswith((".git", "secrets")) for line in lines)
    assert "node_modules/" not in lines
    assert "[not listed, tooling or vendored: node_modules/]" in lines


def test_list_dir_of_a_subdirectory_and_its_cap(repo: Path) -> None:
    assert call(repo, "list_dir", {"path": "pkg/"}).text.splitlines()[1:] == [
        "__init__.py",
        "core.py",
        "use.py",
    ]
    many = repo / "many"
    many.mkdir()
    for n in range(320):
        (many / f"f{n:03}.py").write_text("")
    text = call(repo, "list_dir", {"path": "many"}).text
    assert "f299.py" in text
    assert "f300.py" not in text
    assert "[… 20 more entries not shown]" in text


def test_open_file_numbers_lines_and_counts_as_opened(repo: Path) -> None:
    out = call(repo, "open_file", {"path": "pkg/core.py", "start_line": 7, "end_line": 8})
    assert out.text.splitlines() == [
        "pkg/core.py (lines 7-8 of 15)",
        "7| class Engine:",
        "8|     speed: int = 0",
        "[7 more lines: open_file with start_line=9 reads on]",
    ]
    assert out.opened == ("pkg/core.py",)
    assert out.refused is None


def test_open_file_shows_a_window_and_says_how_to_read_on(repo: Path) -> None:
    text = call(repo, "open_file", {"path": "long.py"}).text
    assert text.splitlines()[0] == "long.py (lines 1-250 of 1000)"
    assert "250| value_250 = 250" in text
    assert "value_251" not in text
    assert text.endswith("[750 more lines: open_file with start_line=251 reads on]")
    tail = call(repo, "open_file", {"path": "long.py", "start_line": 990}).text
    assert tail.splitlines()[-1] == "1000| value_1000 = 1000"
    past = call(repo, "open_file", {"path": "long.py", "start_line": 1001})
    assert past.refused == "no lines 1001-1250 in 'long.py': it has 1000 lines"


def test_open_file_refuses_binary_and_non_utf8_politely(repo: Path) -> None:
    assert call(repo, "open_file", {"path": "blob.bin"}).refused == (
        "'blob.bin' is a binary file; only text files can be opened"
    )
    out = call(repo, "open_file", {"path": "latin.txt"})
    assert out.refused == "'latin.txt' is not UTF-8 text (byte 3)"
    assert out.opened == ()
    assert out.text == "Refused: 'latin.txt' is not UTF-8 text (byte 3)"


def test_search_text_answers_path_line_text_outside_git_junk_and_forbidden(repo: Path) -> None:
    out = call(repo, "search", {"pattern": "Engine"})
    assert out.refused is None
    # not .git, node_modules, the forbidden file, binaries, nor anything behind a symlink
    assert out.text.splitlines() == [
        "7 matching lines for 'Engine'",
        "docs/guide.md:3: Start the Engine.",
        "pkg/core.py:7: class Engine:",
        "pkg/use.py:1: from pkg.core import Engine, helper",
        "pkg/use.py:5:     return Engine().start() + helper()",
        "web/app.js:1: export function launchEngine() {",
        "tests/test_core.py:1: from pkg.core import Engine",
        "tests/test_core.py:3: Engine().start()",
    ]


def test_search_regex_and_path(repo: Path) -> None:
    out = call(repo, "search", {"pattern": r"def \w+\(", "regex": True, "path": "pkg"})
    assert out.text.splitlines()[1:] == [
        "pkg/core.py:10:     def start(self) -> int:",
        "pkg/core.py:14: def helper() -> int:",
        "pkg/use.py:4: def run() -> int:",
    ]
    fixed = call(repo, "search", {"pattern": r"\w+(", "path": "pkg/core.py"})
    assert fixed.text == "0 matching lines for '\\\\w+('"
    bad = call(repo, "search", {"pattern": "(", "regex": True})
    assert bad.refused is not None
    assert bad.refused.startswith("grep could not use the pattern")


def test_search_caps_the_lines_and_counts_the_rest(repo: Path) -> None:
    out = call(repo, "search", {"pattern": "value_", "path": "long.py"})
    lines = out.text.splitlines()
    assert lines[0] == "1000 matching lines for 'value_'"
    assert len(lines) == 102
    assert lines[-1] == "[… 900 more matching lines not shown; narrow the pattern or path]"


def test_a_catastrophic_regex_returns(repo: Path) -> None:
    # Python's re would backtrack for ever here: 2**50000 ways to split the a's before the "!"
    (repo / "aaa.txt").write_text("a" * 50_000 + "!\n" + "a" * 50_000 + "\n")
    out = call(repo, "search", {"pattern": "(a+)+$", "regex": True, "path": "aaa.txt"})
    assert out.refused is None
    assert out.text.startswith("1 matching lines")
    assert "aaa.txt:2: aaaa" in out.text
    assert out.text.endswith("a …[line cut]")


def test_a_search_over_the_time_limit_is_stopped(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Backreferences make glibc's matcher polynomial of high degree: minutes on this line.
    monkeypatch.setattr(text_search, "SEARCH_SECONDS", 0.5)
    (repo / "aaa.txt").write_text("a" * 3000 + "bc\n")
    pattern = r"^(.*)(.*)(.*)(.*)\4\3\2\1c"
    out = call(repo, "search", {"pattern": pattern, "regex": True, "path": "aaa.txt"})
    assert out.refused is not None
    assert "was stopped" in out.refused


def test_find_symbol_definitions_and_references(repo: Path) -> None:
    text = call(repo, "find_symbol", {"name": "Engine"}).text
    lines = text.splitlines()
    # not secrets/ (forbidden), .git, node_modules, nor web/app.js's launchEngine; tests last
    assert lines == [
        "definitions of 'Engine': 1",
        "pkg/core.py:7: (class) class Engine:",
        "references to 'Engine' (whole word): 6",
        "docs/guide.md:3: Start the Engine.",
        "latin.txt:1: caf\ufffd Engine",
        "pkg/use.py:1: from pkg.core import Engine, helper",
        "pkg/use.py:5: return Engine().start() + helper()",
        "tests/test_core.py:1: from pkg.core import Engine",
        "tests/test_core.py:3: Engine().start()",
    ]


def test_find_symbol_members_assignments_and_other_languages(repo: Path) -> None:
    start = call(repo, "find_symbol", {"name": "Engine.start"}).text.splitlines()
    assert start[:2] == [
        "definitions of 'Engine.start': 1",
        "pkg/core.py:10: (method) def start(self) -> int:",
    ]
    limit = call(repo, "find_symbol", {"name": "LIMIT"}).text.splitlines()
    assert limit[1] == "pkg/core.py:3: (variable) LIMIT = 3"
    second = call(repo, "find_symbol", {"name": "second"}).text.splitlines()
    assert second[1] == "pkg/core.py:4: (variable) first, second = 1, 2"
    speed = call(repo, "find_symbol", {"name": "speed"}).text.splitlines()
    assert speed[1] == "pkg/core.py:8: (attribute) speed: int = 0"
    js = call(repo, "find_symbol", {"name": "launchEngine"}).text.splitlines()
    assert js[1] == "web/app.js:1: (function) export function launchEngine() {"
    assert call(repo, "find_symbol", {"name": "not a name"}).refused is not None


def test_repo_map_lists_sources_first_with_their_names(repo: Path) -> None:
    text = call(repo, "repo_map", "").text
    lines = text.splitlines()
    assert "pkg/core.py: Engine, helper" in lines
    assert "web/app.js: launchEngine" in lines
    assert lines.index("pkg/core.py: Engine, helper") < lines.index("tests/test_core.py")
    assert lines.index("tests/test_core.py") < lines.index("docs/guide.md")
    assert "secrets" not in text
    assert "node_modules" not in text


def test_repo_map_names_fewer_definitions_per_file_to_fit(repo: Path) -> None:
    for n in range(20):
        (repo / "pkg" / f"mod{n:03}.py").write_text(
            "".join(f"def function_number_{k}():\n    pass\n" for k in range(30))
        )
    text = repo_map(repo, 4000)
    assert len(text) <= 4000
    assert "pkg/mod019.py: function_number_0, function_number_1" in text
    assert "function_number_29" not in text
    assert "names per file shown]" in text


def test_repo_map_falls_back_to_directories_then_says_what_was_left_out(repo: Path) -> None:
    for d in range(60):
        (repo / f"d{d:02}").mkdir()
        for n in range(5):
            (repo / f"d{d:02}" / f"mod{n}.py").write_text("def f():\n    pass\n")
    text = repo_map(repo, 1500)
    lines = text.splitlines()
    assert len(text) <= 1500
    assert "./: long.py, latin.txt" in lines
    assert "d00/: mod0.py, mod1.py, mod2.py, mod3.py, mod4.py" in lines
    assert "[one line per directory; list_dir, open_file and find_symbol show more]" in lines
    assert lines[-1].startswith("[")
    assert "more files not shown (" in lines[-1]
    assert lines[-1].endswith(", …; list_dir shows them]")  # ten top directories named


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("list_dir", {}),
        ("open_file", {"path": "long.py"}),
        ("search", {"pattern": "value"}),
        ("find_symbol", {"name": "value_1"}),
        ("repo_map", {}),
        ("open_file", {"path": "x" * 5000}),
    ],
)
def test_no_result_exceeds_max_chars(repo: Path, tool: str, args: dict[str, object]) -> None:
    for max_chars in (300, 2000):
        assert len(call(repo, tool, args, max_chars=max_chars).text) <= max_chars


@pytest.mark.parametrize(
    ("tool", "args", "reason"),
    [
        ("open_file", {"path": "../repo/pkg/core.py"}, "'..' is not allowed"),
        ("open_file", {"path": "/etc/passwd"}, "absolute paths are not allowed"),
        ("open_file", {"path": ".git/config"}, "inside .git/"),
        ("list_dir", {"path": ".git"}, "inside .git/"),
        ("open_file", {"path": "secrets/key.pem"}, "forbidden pattern 'secrets/**'"),
        ("search", {"pattern": "x", "path": "secrets"}, "forbidden pattern 'secrets/**'"),
        ("open_file", {"path": "key_link.pem"}, "forbidden pattern 'secrets/**'"),
        ("open_file", {"path": "passwd_link"}, "leads outside the repository snapshot"),
        ("open_file", {"path": "outdir/leak.txt"}, "leads outside the repository snapshot"),
        ("list_dir", {"path": "outdir"}, "leads outside the repository snapshot"),
        ("search", {"pattern": "Engine", "path": "outdir"}, "leads outside the repository"),
        ("list_dir", {"path": "/"}, "absolute paths are not allowed"),
        ("open_file", {"path": "missing.py"}, "does not exist"),
        ("open_file", {"path": "pkg"}, "is not a file"),
    ],
)
def test_paths_outside_the_rules_are_refused(
    repo: Path, tool: str, args: dict[str, object], reason: str
) -> None:
    out = call(repo, tool, args)
    assert out.refused is not None
    assert reason in out.refused
    assert out.text == f"Refused: {out.refused}"
    assert out.opened == ()
    assert "root:" not in out.text  # nothing of /etc/passwd
    assert "outside the snapshot\n" not in out.text


def test_a_file_symlink_inside_is_followed(repo: Path) -> None:
    out = call(repo, "open_file", {"path": "core_link.py", "end_line": 1})
    assert out.refused is None
    assert out.text.splitlines()[:2] == ["pkg/core.py (lines 1-1 of 15)", '1| """The engine."""']
    assert out.opened == ("pkg/core.py",)


@pytest.mark.parametrize(
    ("tool", "arguments", "reason"),
    [
        ("open_file", '{"path": "pkg/core.py"', "the arguments are not valid JSON"),
        ("open_file", "[1, 2]", "the arguments must be a JSON object"),
        ("open_file", "[" * 100_000, "the arguments are not valid JSON"),
        ("open_file", "{}", "open_file needs the argument 'path'"),
        ("open_file", '{"path": 7}', "'path' must be a string, not 7"),
        ("open_file", '{"path": "a", "start_line": true}', "'start_line' must be an integer"),
        ("open_file", '{"path": "a", "start_line": 0}', "must be an integer of at least 1"),
        ("search", '{"pattern": "a", "regex": "yes"}', "'regex' must be true or false"),
        ("list_dir", '{"dir": "."}', "list_dir has no argument 'dir'; it takes: path"),
        ("rm_rf", "{}", "there is no tool named 'rm_rf'"),
    ],
)
def test_bad_calls_are_refused_not_raised(
    repo: Path, tool: str, arguments: str, reason: str
) -> None:
    out = call(repo, tool, arguments)
    assert out.refused is not None
    assert reason in out.refused


def test_null_and_empty_arguments_count_as_left_out(repo: Path) -> None:
    assert call(repo, "list_dir", "").refused is None
    out = call(repo, "open_file", '{"path": "pkg/use.py", "start_line": null}')
    assert out.text.startswith("pkg/use.py (lines 1-5 of 5)")
