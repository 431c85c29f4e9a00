"""Test runners and test layouts (#15): detection from a repository directory, the runner behind
a configured command, which files a runner collects, the argv for some test files, where a
reproduction test goes, the tests near a change, and how a run ended — from real outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.code.test_layout import (
    detect,
    from_command,
    go_package,
    nearby_tests,
    reproduction_path,
)
from agents.code.test_runners import (
    TestRunner,
    file_command,
    is_test_file,
    nearby_command,
    verdict,
)

PYTEST = TestRunner("pytest", ("python3", "-m", "pytest", "-q"))
UNITTEST = TestRunner("unittest", ("python3", "-m", "unittest"))
NPM = TestRunner("npm", ("npm", "test"))
GO = TestRunner("go", ("go", "test", "./..."))
CARGO = TestRunner("cargo", ("cargo", "test"))


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# --- detect ---------------------------------------------------------------------------------

LAYOUTS: dict[str, tuple[dict[str, str], str | None]] = {
    "pytest.ini": ({"pytest.ini": "[pytest]\n", "app.py": ""}, "pytest"),
    "conftest": ({"tests/conftest.py": "", "app.py": ""}, "pytest"),
    "pyproject": ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n"}, "pytest"),
    "setup.cfg": ({"setup.cfg": "[metadata]\nname = x\n[tool:pytest]\n"}, "pytest"),
    "tox.ini": ({"tox.ini": "[tox]\nenvlist = py3\n[pytest]\n"}, "pytest"),
    "requirements": (
        {"requirements-dev.txt": "pytest>=7\n", "tests/test_app.py": "def test_x(): pass\n"},
        "pytest",
    ),
    "requirements without tests": ({"requirements-dev.txt": "pytest>=7\n", "a.py": ""}, None),
    "unittest": ({"tests/test_app.py": "import unittest\n", "app.py": ""}, "unittest"),
    "test file without unittest": ({"tests/test_app.py": "x = 1\n"}, None),
    "npm": ({"package.json": '{"scripts": {"test": "jest"}}'}, "npm"),
    "npm default script": (
        {"package.json": '{"scripts": {"test": "echo \\"Error: no test specified\\" && exit 1"}}'},
        None,
    ),
    "npm without scripts": ({"package.json": '{"name": "x"}'}, None),
    "go": ({"go.mod": "module x\n", "a/a.go": "", "a/a_test.go": ""}, "go"),
    "go without tests": ({"go.mod": "module x\n", "a/a.go": ""}, None),
    "cargo": ({"Cargo.toml": "[package]\n", "src/lib.rs": ""}, "cargo"),
    "no tests": ({"README.md": "hi\n", "app.py": "print(1)\n"}, None),
    # pytest before npm: the JS side is tooling beside the Python package
    "python and npm": (
        {"package.json": '{"scripts": {"test": "jest"}}', "tests/conftest.py": ""},
        "pytest",
    ),
    "go and npm": (
        {"package.json": '{"scripts": {"test": "jest"}}', "go.mod": "", "x_test.go": ""},
        "go",
    ),
    "tests in node_modules do not count": (
        {"node_modules/x/tests/test_a.py": "import unittest\n"},
        None,
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_detect_layouts(tmp_path: Path, layout: str) -> None:
    files, expected = LAYOUTS[layout]
    found = detect(_tree(tmp_path, files))
    assert (found.name if found else None) == expected


def test_detect_reads_python_files_and_caps_the_walk(tmp_path: Path) -> None:
    _tree(tmp_path, {"pytest.ini": "[pytest]\npython_files = check_*.py\n"})
    found = detect(tmp_path)
    assert found == TestRunner("pytest", ("python3", "-m", "pytest", "-q"), ("check_*.py",))
    assert is_test_file(found, "tests/check_x.py")
    assert not is_test_file(found, "tests/test_x.py")
    # a monorepo: the only Go test sits past the cap, so only a longer walk finds it
    many = {f"a/f{i:03}.go": "" for i in range(50)}
    _tree(tmp_path / "mono", {"go.mod": "", **many, "z/z_test.go": ""})
    assert detect(tmp_path / "mono", limit=20) is None
    assert detect(tmp_path / "mono", limit=100) == GO


# --- from_command ---------------------------------------------------------------------------

COMMANDS: list[tuple[str, str | None]] = [
    ("python -m pytest -x tests/", "pytest"),
    ("python3.12 -m pytest", "pytest"),
    ("pytest -q", "pytest"),
    ("uv run pytest", "pytest"),
    ("poetry run python -m pytest", "pytest"),
    ("PYTHONPATH=src pytest", "pytest"),
    ("coverage run -m pytest", "pytest"),
    ("python -m unittest discover -s tests", "unittest"),
    ("npm test", "npm"),
    ("npm run test:unit", "npm"),
    ("yarn test", "npm"),
    ("npx vitest run", "npm"),
    ("npm run build", None),
    ("go test ./...", "go"),
    ("go vet ./...", None),
    ("cargo test --all", "cargo"),
    ("cargo build", None),
    ("pip install -e . && pytest", "pytest"),
    ("./run_tests.sh", None),
    ("", None),
    ("pytest 'unclosed", None),
]


@pytest.mark.parametrize(("command", "expected"), COMMANDS)
def test_from_command_names_the_runner(tmp_path: Path, command: str, expected: str | None) -> None:
    found = from_command(command, tmp_path)  # an empty directory: nothing to fall back to
    assert (found.name if found else None) == expected
    if found is not None:
        assert (
            found.suite[-1] == command.rsplit(maxsplit=1)[-1]
        )  # the configured command is the suite


def test_unittest_suite_starts_where_discovery_finds_the_tests(tmp_path: Path) -> None:
    _tree(tmp_path, {"tests/test_a.py": "import unittest\n", "pkg/__init__.py": ""})
    assert detect(tmp_path) == TestRunner("unittest", (*UNITTEST.suite, "discover", "-s", "tests"))
    _tree(tmp_path, {"tests/__init__.py": ""})
    assert detect(tmp_path) == UNITTEST


def test_make_test_falls_back_to_the_layout_with_the_configured_suite(tmp_path: Path) -> None:
    _tree(tmp_path, {"Makefile": "test:\n\tgo test ./...\n", "go.mod": "", "a_test.go": ""})
    assert from_command("make test", tmp_path) == TestRunner("go", ("make", "test"))
    _tree(tmp_path / "py", {"setup.cfg": "[tool:pytest]\npython_files = *_check.py\n"})
    found = from_command("python -m pytest", tmp_path / "py")
    assert found == TestRunner("pytest", ("python", "-m", "pytest"), ("*_check.py",))


# --- is_test_file and commands ----------------------------------------------------------------

TEST_FILES: list[tuple[TestRunner, str, bool]] = [
    (PYTEST, "tests/test_app.py", True),
    (PYTEST, "pkg/app_test.py", True),
    (PYTEST, "tests/helpers.py", False),
    (PYTEST, "tests/test_app.txt", False),
    (UNITTEST, "tests/test_app.py", True),
    (UNITTEST, "testing.py", True),
    (UNITTEST, "my-tests/test_app.py", False),  # not importable as a module
    (UNITTEST, "tests/app_test.py", False),
    (NPM, "src/app.test.ts", True),
    (NPM, "src/app.spec.jsx", True),
    (NPM, "src/__tests__/app.js", True),
    (NPM, "test/app.mjs", True),
    (NPM, "src/app.ts", False),
    (NPM, "src/app.test.py", False),
    (GO, "pkg/app_test.go", True),
    (GO, "pkg/app.go", False),
    (GO, "pkg/_app_test.go", False),
    (GO, "pkg/testdata/app_test.go", False),
    (CARGO, "tests/issue.rs", True),
    (CARGO, "crates/a/tests/issue.rs", True),
    (CARGO, "src/lib.rs", False),
]


@pytest.mark.parametrize(("runner", "path", "expected"), TEST_FILES)
def test_is_test_file(runner: TestRunner, path: str, expected: bool) -> None:
    assert is_test_file(runner, path) is expected


def test_unittest_discovery_needs_packages_on_the_way(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/__init__.py": "", "a/b/test_x.py": "", "a/test_y.py": ""})
    assert is_test_file(UNITTEST, "a/test_y.py", tmp_path)
    assert not is_test_file(UNITTEST, "a/b/test_x.py", tmp_path)


COMMAND_LINES: list[tuple[TestRunner, tuple[str, ...], tuple[str, ...]]] = [
    (
        PYTEST,
        ("tests/test_a.py",),
        ("python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_a.py"),
    ),
    (UNITTEST, ("tests/unit/test_a.py",), ("python3", "-m", "unittest", "tests.unit.test_a")),
    (NPM, ("src/a.test.ts",), ("npm", "test", "--", "src/a.test.ts")),
    (
        TestRunner("npm", ("npm", "run", "test:unit")),
        ("a.test.js",),
        ("npm", "run", "test:unit", "--", "a.test.js"),
    ),
    (TestRunner("npm", ("npx", "jest")), ("a.test.js",), ("npx", "jest", "a.test.js")),
    (GO, ("pkg/x/a_test.go",), ("go", "test", "./pkg/x")),
    (GO, ("a_test.go",), ("go", "test", ".")),
    (GO, ("p/a_test.go", "p/b_test.go", "q/c_test.go"), ("go", "test", "./p", "./q")),
    (CARGO, ("tests/issue_1.rs",), ("cargo", "test", "--test", "issue_1")),
    (CARGO, ("tests/a.rs", "tests/b.rs"), ("cargo", "test", "--test", "a", "--test", "b")),
    (GO, (), ("go", "test", "./...")),
]


@pytest.mark.parametrize(("runner", "tests", "expected"), COMMAND_LINES)
def test_commands(runner: TestRunner, tests: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert nearby_command(runner, tests) == expected
    if len(tests) == 1:
        assert file_command(runner, tests[0]) == expected


# --- reproduction_path and go_package -------------------------------------------------------


def test_reproduction_path_for_python(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "src/pkg/app.py": "",
            "tests/unit/test_app.py": "",
            "tests/integration/test_db.py": "",
        },
    )
    assert (
        reproduction_path(tmp_path, PYTEST, 123, ["src/pkg/app.py"])
        == "tests/unit/test_issue_123.py"
    )
    _tree(tmp_path, {"tests/unit/test_issue_123.py": ""})  # taken
    assert (
        reproduction_path(tmp_path, PYTEST, 123, ["src/pkg/app.py"])
        == "tests/unit/test_issue_123_2.py"
    )
    assert (
        reproduction_path(tmp_path, UNITTEST, 7, ["db.py"]) == "tests/integration/test_issue_7.py"
    )
    assert reproduction_path(tmp_path / "empty", PYTEST, 7, ["a.py"]) == "tests/test_issue_7.py"


def test_reproduction_path_follows_the_repository_naming(tmp_path: Path) -> None:
    _tree(tmp_path, {"pkg/app.py": "", "pkg/app_test.py": ""})
    assert reproduction_path(tmp_path, PYTEST, 5, ["pkg/app.py"]) == "pkg/issue_5_test.py"
    checks = TestRunner("pytest", PYTEST.suite, ("check_*.py",))
    assert reproduction_path(tmp_path / "c", checks, 5, []) == "tests/check_issue_5.py"


def test_reproduction_path_for_go_and_its_package(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "go.mod": "module example.com/x\n",
            "internal/store/store.go": "// Package store keeps things.\npackage store\n",
            "internal/store/store_ext_test.go": "package store_test\n",
            "cmd/main.go": "package main\n",
        },
    )
    path = reproduction_path(tmp_path, GO, 42, ["internal/store/store.go", "cmd/main.go"])
    assert path == "internal/store/issue_42_test.go"
    assert go_package(tmp_path, "internal/store") == "store"
    _tree(tmp_path, {"only/a_test.go": "/* package nope */\npackage only_test\n"})
    assert go_package(tmp_path, "only") == "only"
    assert go_package(tmp_path, "missing") is None


def test_reproduction_path_for_cargo_and_npm(tmp_path: Path) -> None:
    _tree(tmp_path, {"Cargo.toml": "", "crates/a/Cargo.toml": "", "crates/a/src/lib.rs": ""})
    assert (
        reproduction_path(tmp_path, CARGO, 9, ["crates/a/src/lib.rs"])
        == "crates/a/tests/issue_9.rs"
    )
    assert reproduction_path(tmp_path, CARGO, 9, ["src/main.rs"]) == "tests/issue_9.rs"
    _tree(tmp_path / "js", {"src/app.ts": "", "src/__tests__/app.spec.ts": ""})
    assert (
        reproduction_path(tmp_path / "js", NPM, 3, ["src/app.ts"])
        == "src/__tests__/issue-3.spec.ts"
    )
    _tree(tmp_path / "js", {"src/__tests__/issue-3.spec.ts": ""})
    assert (
        reproduction_path(tmp_path / "js", NPM, 3, ["src/app.ts"])
        == "src/__tests__/issue-3-2.spec.ts"
    )
    assert reproduction_path(tmp_path / "bare", NPM, 3, ["lib/x.mjs"]) == "test/issue-3.test.mjs"


# --- nearby_tests ---------------------------------------------------------------------------


def test_nearby_tests_rank_and_order(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "pkg/mod.py": "",
            "pkg/test_near.py": "",
            "pkg/tests/test_helpers.py": "",
            "tests/test_zz_imports.py": "from pkg import (\n    other,\n    mod,\n)\n",
            "tests/test_dotted.py": "import pkg.mod as m\n",
            "tests/test_unrelated.py": "import pkg.modular\nfrom pkg.other import mod_x\n",
            "tests/deep/test_mod.py": "",
        },
    )
    found = nearby_tests(tmp_path, PYTEST, ["pkg/mod.py", "pkg/tests/test_helpers.py"])
    assert found == (
        "pkg/tests/test_helpers.py",  # a changed test itself
        "tests/deep/test_mod.py",  # named after the change
        "pkg/test_near.py",  # beside it
        "tests/test_dotted.py",  # importing it
        "tests/test_zz_imports.py",
    )
    assert nearby_tests(tmp_path, PYTEST, ["pkg/mod.py"], limit=2) == (
        "tests/deep/test_mod.py",
        "pkg/test_near.py",
    )
    # unittest collects `test.py`, which is named after no file (not even `.env`)
    _tree(tmp_path / "u", {"tests/test.py": ""})
    assert nearby_tests(tmp_path / "u", UNITTEST, ["conf/.env"]) == ()


def test_nearby_tests_for_go_and_npm(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "store/store.go": "",
            "store/store_test.go": "",
            "store/cache_test.go": "",
            "api/api_test.go": 'import "example.com/x/store"\n',
            "web/web_test.go": "",
        },
    )
    assert nearby_tests(tmp_path, GO, ["store/store.go"]) == (
        "store/store_test.go",
        "store/cache_test.go",
        "api/api_test.go",
    )
    _tree(
        tmp_path / "js",
        {"src/x.ts": "", "src/x.test.ts": "", "e2e/flow.spec.ts": "import {x} from '../src/x'\n"},
    )
    assert nearby_tests(tmp_path / "js", NPM, ["src/x.ts"]) == ("src/x.test.ts", "e2e/flow.spec.ts")


# --- verdict --------------------------------------------------------------------------------

PYTEST_FAILED = """\
tests/test_a.py:3: AssertionError
=========================== short test summary info ============================
FAILED tests/test_a.py::test_bad - assert 1 == 2
1 failed, 1 passed in 0.13s
"""
PYTEST_COLLECTION = """\
tests/test_b.py:1: in <module>
    import nope
E   ModuleNotFoundError: No module named 'nope'
=========================== short test summary info ============================
ERROR tests/test_b.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
1 error in 0.19s
"""
UNITTEST_FAILED = """\
AssertionError: 1 != 2

----------------------------------------------------------------------
Ran 2 tests in 0.000s

FAILED (failures=1)
"""
UNITTEST_NONE = """
----------------------------------------------------------------------
Ran 0 tests in 0.000s

OK
"""
GO_NO_FILES = "?   \texample.com/x/cmd\t[no test files]\n"
GO_MIXED = "?   \texample.com/x/cmd\t[no test files]\nok  \texample.com/x/store\t0.004s\n"
GO_BUILD = """\
# example.com/x/store
store/issue_1_test.go:5:2: undefined: Fix
FAIL\texample.com/x/store [build failed]
"""
CARGO_FAILED = """\
failures:
    t

test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.07s

error: test failed, to rerun pass `--test issue_1`
"""
CARGO_NO_TARGET = """\
error: no test target named `nothere` in default-run packages
help: available test targets:
    issue_1
"""
CARGO_COMPILE = 'error: could not compile `crate1` (test "issue_2") due to 1 previous error\n'
CARGO_NONE = "running 0 tests\n\ntest result: ok. 0 passed; 0 failed\n\nrunning 0 tests\n"
NPM_MISSING = (
    'npm error Missing script: "test"\nnpm error\nnpm error To see a list of scripts, run:\n'
)
NPM_JEST_MISSING = "> x@1.0.0 test\n> jest a.test.js\n\nsh: 1: jest: not found\n"
NPM_DEFAULT = (
    '> x@1.0.0 test\n> echo "Error: no test specified" && exit 1\n\nError: no test specified\n'
)
NODE_FAILED = "1..1\n# tests 1\n# suites 0\n# pass 0\n# fail 1\n"

VERDICTS: list[tuple[TestRunner, int | None, str, tuple[str, str]]] = [
    (PYTEST, 0, "2 passed in 0.01s\n", ("passed", "tests passed")),
    (PYTEST, 1, PYTEST_FAILED, ("failed", "tests failed")),
    (PYTEST, 2, PYTEST_COLLECTION, ("failed", "collection error")),
    (PYTEST, 4, "ERROR: usage: python -m pytest [options]\n", ("not_run", "pytest usage error")),
    (PYTEST, 5, "\nno tests ran in 0.08s\n", ("not_run", "no tests ran")),
    (
        PYTEST,
        1,
        "/usr/bin/python3: No module named pytest\n",
        ("not_run", "pytest is not installed in the sandbox"),
    ),
    (PYTEST, None, "", ("not_run", "the run gave no exit status")),
    (UNITTEST, 1, UNITTEST_FAILED, ("failed", "tests failed (exit 1)")),
    (UNITTEST, 0, UNITTEST_NONE, ("not_run", "no tests ran")),
    (UNITTEST, 0, "Ran 1 test in 0.000s\n\nOK\n", ("passed", "tests passed")),
    (GO, 0, GO_NO_FILES, ("not_run", "no test files")),
    (GO, 0, GO_MIXED, ("passed", "tests passed")),
    (GO, 1, GO_BUILD, ("failed", "build failed")),
    (
        GO,
        1,
        'exec: "go": executable file not found in $PATH\n',
        ("not_run", "go is not installed in the sandbox"),
    ),
    (CARGO, 101, CARGO_FAILED, ("failed", "tests failed (exit 101)")),
    (CARGO, 101, CARGO_NO_TARGET, ("not_run", "no test target named nothere")),
    (CARGO, 101, CARGO_COMPILE, ("failed", "build failed")),
    (CARGO, 0, CARGO_NONE, ("not_run", "no tests ran")),
    (CARGO, 127, "", ("not_run", "cargo is not installed in the sandbox")),
    (NPM, 1, NPM_MISSING, ("not_run", "package.json has no test script")),
    (NPM, 127, NPM_JEST_MISSING, ("not_run", "jest is not installed in the sandbox")),
    (NPM, 1, NPM_DEFAULT, ("not_run", "package.json has no test script")),
    (NPM, 1, NODE_FAILED, ("failed", "tests failed (exit 1)")),
    (NPM, 1, "bash: npm: command not found\n", ("not_run", "npm is not installed in the sandbox")),
]


@pytest.mark.parametrize(("runner", "code", "output", "expected"), VERDICTS)
def test_verdict(
    runner: TestRunner, code: int | None, output: str, expected: tuple[str, str]
) -> None:
    assert verdict(runner, code, output) == expected
