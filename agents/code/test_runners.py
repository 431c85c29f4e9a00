"""Test runners (pytest, unittest, npm, go, cargo): which files each collects, the argv that runs
some of them, which runner a command line names, how near a test is to a changed file, and how a
run ended — pure, over strings.

What a repository directory shows (its runner, where a new test goes, the tests near a change):
agents/code/test_layout.py.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from agents.code.state import RunStatus

RunnerName = Literal["pytest", "unittest", "npm", "go", "cargo"]

PYTEST_FILES = ("test_*.py", "*_test.py")
NPM_EXTS = frozenset({"js", "ts", "mjs", "cjs", "jsx", "tsx"})
_PYTHON_PRO = re.compile(r"^python(3(\.\d+)?)?$")


@dataclass(frozen=True)
class TestRunner:
    """A runner and the argv of the repository's whole suite. `patterns` are pytest's
    `python_files` globs when the repository sets them (empty: pytest's defaults)."""

    __test__ = False  # not a pytest test class, despite the name

    name: RunnerName
    suite: tuple[str, ...]
    patterns: tuple[str, ...] = ()


def is_test_file(runner: TestRunner, path: str, root: Path | None = None) -> bool:
    """Whether the runner collects this repository-relative path by its naming. For unittest,
    with `root` given, every directory on the way must also be a package (discovery needs it)."""
    p = PurePosixPath(path)
    dirs, name = p.parts[:-1], p.name
    if runner.name == "pytest":
        return name.endswith(".py") and any(
            fnmatch.fnmatchcase(name, g) for g in runner.patterns or PYTEST_FILES
        )
    if runner.name == "unittest":
        return _is_unittest_file(dirs, name, root)
    if runner.name == "npm":
        stem, _, ext = name.rpartition(".")
        if ext not in NPM_EXTS or not stem:
            return False
        return stem.endswith((".test", ".spec")) or "__tests__" in dirs or "test" in dirs
    if runner.name == "go":
        # go ignores files starting with "_" or "." and everything under testdata/
        return name.endswith("_test.go") and name[0] not in "_." and "testdata" not in dirs
    # cargo: integration tests are the files directly inside a crate's tests/
    return name.endswith(".rs") and bool(dirs) and dirs[-1] == "tests"


def _is_unittest_file(dirs: tuple[str, ...], name: str, root: Path | None) -> bool:
    if not (name.startswith("test") and name.endswith(".py")):
        return False
    if not all(d.isidentifier() for d in (*dirs, name[:-3])):
        return False
    if root is None:
        return True
    return all((root.joinpath(*dirs[: i + 1]) / "__init__.py").is_file() for i in range(len(dirs)))


def _dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _go_package_arg(path: str) -> str:
    parent = parent_dir(path)
    return "./" + parent if parent else "."


def _npm_tail(runner: TestRunner, paths: Sequence[str]) -> tuple[str, ...]:
    # npm, pnpm and yarn pass what follows `--` on to the script; a runner named directly
    # (jest, vitest, mocha) takes the paths as they are.
    if runner.suite and runner.suite[0] in ("npm", "pnpm", "yarn") and "--" not in runner.suite:
        return (*runner.suite, "--", *paths)
    return (*runner.suite, *paths)


def file_command(runner: TestRunner, path: str) -> tuple[str, ...]:
    """argv running just the test file `path`. go runs the file's whole package (go test takes
    packages, not files); npm hands the path to the script, which jest, vitest and mocha take
    as a filter, but a script that ignores its arguments runs everything."""
    return nearby_command(runner, (path,))


def nearby_command(runner: TestRunner, tests: Sequence[str]) -> tuple[str, ...]:
    """argv running these test files together; the whole suite when there are none."""
    if not tests:
        return runner.suite
    if runner.name == "pytest":
        return ("python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests)
    if runner.name == "unittest":
        return ("python3", "-m", "unittest", *(_dotted(t) for t in tests))
    if runner.name == "npm":
        return _npm_tail(runner, tests)
    if runner.name == "go":
        return ("go", "test", *dict.fromkeys(_go_package_arg(t) for t in tests))
    stems = dict.fromkeys(PurePosixPath(t).stem for t in tests)
    return ("cargo", "test", *(arg for stem in stems for arg in ("--test", stem)))


# Wrappers that run the rest of the command line in the project's environment.
_WRAPPERS = (("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"))
_JS_RUNNERS = frozenset({"jest", "vitest", "mocha", "ava", "tap", "karma"})


def _unwrap(argv: list[str]) -> list[str]:
    while argv and re.fullmatch(r"[A-Za-z_]\w*=.*", argv[0]):
        argv = argv[1:]  # FOO=1 pytest
    for wrapper in _WRAPPERS:
        if tuple(argv[:2]) == wrapper:
            return _unwrap(argv[2:])
    if argv[:1] == ["npx"]:
        return argv[1:]
    if len(argv) >= 3 and argv[0] == "coverage" and argv[1] == "run" and argv[2] == "-m":
        return ["python3", *argv[2:]]
    return argv


def command_runner(argv: Sequence[str]) -> RunnerName | None:
    """The runner one simple command runs (`python -m pytest -x`, `npx jest`, `go test ./...`),
    None for anything else (`make test`, a script)."""
    argv = _unwrap(list(argv))
    if not argv:
        return None
    program = PurePosixPath(argv[0]).name
    if program in ("pytest", "py.test"):
        return "pytest"
    if _PYTHON_PRO.match(program) and len(argv) >= 3 and argv[1] == "-m":
        return "pytest" if argv[2] == "pytest" else "unittest" if argv[2] == "unittest" else None
    if program in ("npm", "pnpm", "yarn") and len(argv) >= 2:
        script = argv[2] if argv[1] == "run" and len(argv) >= 3 else argv[1]
        return "npm" if script in ("t", "test") or script.startswith("test") else None
    if program in _JS_RUNNERS:
        return "npm"
    if program == "go" and argv[1:2] == ["test"]:
        return "go"
    if program == "cargo" and argv[1:2] in (["test"], ["nextest"]):
        return "cargo"
    return None


def _subject(runner: TestRunner, test: str) -> str:
    """The stem of the source file a test file is named after: test_foo.py, foo_test.go,
    foo.test.ts and tests/foo.rs are all about `foo`."""
    name = PurePosixPath(test).name
    if runner.name in ("pytest", "unittest"):
        stem = name.removesuffix(".py")
        return stem.removeprefix("test_").removesuffix("_test").removeprefix("test")
    if runner.name == "go":
        return name.removesuffix("_test.go")
    if runner.name == "npm":
        return re.sub(r"(\.(test|spec))?\.\w+$", "", name)
    return name.removesuffix(".rs")


def _stem(path: str) -> str:
    name = PurePosixPath(path).name
    return re.sub(r"(\.(test|spec))?\.\w+$", "", name)


def parent_dir(path: str) -> str:
    """The directory of a repository-relative path, "" at the root."""
    parent = PurePosixPath(path).parent.as_posix()
    return "" if parent == "." else parent


def _python_modules(path: str) -> list[str]:
    """The dotted names a Python file may be imported by: as it stands, and without a `src/`
    or `lib/` layout directory in front."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    names = [".".join(parts)] if parts else []
    if len(parts) > 1 and parts[0] in ("src", "lib"):
        names.append(".".join(parts[1:]))
    return names


def imports(test_text: str, changed: str) -> bool:
    """Whether a test's text imports the changed file (a cheap text search, not a resolver)."""
    if changed.endswith(".py"):
        for module in _python_modules(changed):
            head, _, last = module.rpartition(".")
            plain = re.escape(module)
            if re.search(rf"^\s*(import|from)\s+{plain}\b(?!\.)", test_text, re.MULTILINE):
                return True
            if head and any(
                re.search(rf"\b{re.escape(last)}\b", names)
                for names in re.findall(
                    rf"^\s*from\s+{re.escape(head)}\s+import\s+(\([^)]*\)|[^\n]*)",
                    test_text,
                    re.MULTILINE,
                )
            ):
                return True
        return False
    if changed.endswith(".go"):
        folder = parent_dir(changed)
        return bool(folder) and re.search(rf'"[^"\n]*/{re.escape(folder)}"', test_text) is not None
    specifiers = re.findall(r"""(?:from|require\(|import\(?)\s*['"]([^'"\n]+)['"]""", test_text)
    return any(_stem(s) == _stem(changed) and "/" in s for s in specifiers)


def closeness(runner: TestRunner, changed: str, test: str) -> int | None:
    """0 the changed file itself, 1 named after it, 2 beside it (its directory, or a tests/
    directory next to it); None otherwise (importing it is rank 3, read separately). A
    top-level tests/ is not "beside" every package: its tests are near by name or import."""
    if test == changed:
        return 0
    subject = _subject(runner, test)
    if subject and subject == _stem(changed):  # `test.py` is named after nothing
        return 1
    here, there = parent_dir(changed), parent_dir(test)
    prefix = here + "/" if here else ""
    return 2 if there in {here, *(prefix + d for d in ("tests", "test", "__tests__"))} else None


Verdict = tuple[RunStatus, str]

# what npm's default `test` script prints
NPM_DEFAULT_TEST_OUTPUT = "Error: no test specified"

# `sh: 1: jest: not found`, `bash: pytest: command not found`, go's exec error
_NOT_FOUND = re.compile(
    r"^[\w/.-]+: (?:\d+: )?([\w.+-]+): (?:command )?not found\s*$"
    r"|exec: \"([^\"]+)\": executable file not found",
    re.MULTILINE,
)
_NO_MODULE = re.compile(r"No module named ['\"]?(pytest|unittest)['\"]?(?:\s|$)")
_PYTEST_CODES: dict[int, Verdict] = {
    0: ("passed", "tests passed"),
    1: ("failed", "tests failed"),
    2: ("failed", "collection error"),
    3: ("failed", "pytest crashed (internal error)"),
    4: ("not_run", "pytest usage error"),
    5: ("not_run", "no tests ran"),
}


def verdict(runner: TestRunner, returncode: int | None, output: str) -> Verdict:
    """How a run ended: passed, failed, or not run at all (the program or its tests missing),
    with a short reason in plain words."""
    if returncode is None:
        return "not_run", "the run gave no exit status"
    missing = _missing_program(runner, returncode, output)
    if missing is not None:
        return "not_run", f"{missing} is not installed in the sandbox"
    special = _runner_verdict(runner, returncode, output)
    if special is not None:
        return special
    if returncode == 0:
        return "passed", "tests passed"
    return "failed", f"tests failed (exit {returncode})"


def _missing_program(runner: TestRunner, returncode: int, output: str) -> str | None:
    module = _NO_MODULE.search(output)
    if module is not None and runner.name in ("pytest", "unittest") and returncode != 0:
        return module.group(1)
    found = _NOT_FOUND.search(output)
    if found is not None and returncode != 0:
        return found.group(1) or found.group(2)
    if returncode in (126, 127):
        return runner.suite[0] if runner.suite else runner.name
    return None


def _runner_verdict(runner: TestRunner, returncode: int, output: str) -> Verdict | None:
    if runner.name == "pytest":
        return _PYTEST_CODES.get(returncode)
    if runner.name == "unittest":
        # 3.12+ exits 5 when nothing ran; older versions say "Ran 0 tests" and exit 0
        ran_none = returncode == 5 or re.search(r"^Ran 0 tests\b", output, re.MULTILINE)
        return ("not_run", "no tests ran") if ran_none else None
    if runner.name == "go":
        return _go_verdict(returncode, output)
    if runner.name == "cargo":
        return _cargo_verdict(returncode, output)
    return _npm_verdict(output)


def _go_verdict(returncode: int, output: str) -> Verdict | None:
    if "[build failed]" in output or "[setup failed]" in output:
        return "failed", "build failed"
    # `./...` lists packages without tests beside the others; only none-at-all is not a run
    ran = re.search(r"^(ok|FAIL|---)\s", output, re.MULTILINE)
    if "no test files" in output and ran is None and returncode == 0:
        return "not_run", "no test files"
    return None


def _cargo_verdict(returncode: int, output: str) -> Verdict | None:
    target = re.search(r"error: no test target named `([^`]+)`", output)
    if target is not None:
        return "not_run", f"no test target named {target.group(1)}"
    if "could not compile" in output:
        return "failed", "build failed"
    counts = re.findall(r"^running (\d+) tests?$", output, re.MULTILINE)
    if returncode == 0 and counts and not any(int(c) for c in counts):
        return "not_run", "no tests ran"
    return None


def _npm_verdict(output: str) -> Verdict | None:
    if re.search(r"missing script: \"?test", output, re.IGNORECASE):
        return "not_run", "package.json has no test script"
    if re.search(r"No tests found|No test files found|Error: No test files found", output):
        return "not_run", "no tests ran"
    if NPM_DEFAULT_TEST_OUTPUT in output:
        return "not_run", "package.json has no test script"
    return None
