"""What a repository directory shows about its tests: the runner it uses (detected, or behind a
configured command), where a reproduction test for an issue goes, and the tests near a change.

Reads files only (no subprocess, no network) and walks at most MAX_WALK files, so a big monorepo
costs a bounded time; the runners themselves: agents/code/test_runners.py.
"""

from __future__ import annotations

import configparser
import itertools
import json
import os
import re
import shlex
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from agents.code.locate_repo import SKIP_DIRS
from agents.code.test_runners import (
    NPM_EXTS,
    TestRunner,
    closeness,
    command_runner,
    imports,
    is_test_file,
    parent_dir,
)

# A monorepo can hold millions of files; the layout shows in far fewer.
MAX_WALK = 20_000
# Reading a huge "test" file to look for an import is never worth it.
MAX_READ = 200_000

NPM_DEFAULT_TEST = 'echo "Error: no test specified" && exit 1'
_PIP_PYTEST = re.compile(r"^\s*pytest\b|[\"']pytest\b", re.MULTILINE)
_IMPORTS_UNITTEST = re.compile(r"^\s*(import unittest|from unittest\b)", re.MULTILINE)


def walk_files(root: Path, limit: int = MAX_WALK) -> Iterator[str]:
    """Relative POSIX paths under `root`, sorted per directory, junk directories skipped,
    at most `limit` of them."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
        )
        for name in sorted(filenames):
            if count >= limit:
                return
            count += 1
            yield prefix + name


def _read(path: Path) -> str:
    try:
        if not path.is_file() or path.stat().st_size > MAX_READ:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _ini(text: str) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def pytest_patterns(root: Path) -> tuple[str, ...] | None:
    """pytest's `python_files` where the repository configures pytest (empty when it keeps the
    defaults), or None when no configuration file names pytest."""
    for name, section in (
        ("pytest.ini", "pytest"),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ):
        parser = _ini(_read(root / name))
        if parser is not None and parser.has_section(section):
            return tuple(parser.get(section, "python_files", fallback="").split())
    pyproject = _read(root / "pyproject.toml")
    if "[tool.pytest.ini_options]" in pyproject:
        found = re.search(r"^python_files\s*=\s*(.+)$", pyproject, re.MULTILINE)
        return tuple(re.findall(r"[\w*?.\[\]-]+", found.group(1))) if found else ()
    if (root / "pytest.ini").is_file():
        return ()  # pytest.ini makes its directory pytest's root even when empty
    return None


def _names_pytest(root: Path, files: Sequence[str]) -> bool:
    deps = [
        f for f in files if re.fullmatch(r"(requirements[^/]*|requirements/[^/]+)\.(txt|in)", f)
    ]
    deps += [f for f in ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile") if f in files]
    return any(_PIP_PYTEST.search(_read(root / f)) for f in deps)


def detect(root: Path, limit: int = MAX_WALK) -> TestRunner | None:
    """The runner the layout shows, on evidence only; None for a repository without tests.

    When several match: pytest, unittest, go, cargo, then npm. A package.json test script is
    often tooling beside the main code (a docs site, a linter) in a repository whose Python, Go
    or Rust manifest speaks for what the issues are about; pytest before unittest because pytest
    also runs unittest-style tests."""
    files = list(walk_files(root, limit))
    python = _python_runner(root, files)
    if python is not None:
        return python
    if "go.mod" in files and any(f.endswith("_test.go") for f in files):
        return TestRunner("go", ("go", "test", "./..."))
    if "Cargo.toml" in files:
        return TestRunner("cargo", ("cargo", "test"))
    if _npm_test_script(root) is not None:
        return TestRunner("npm", ("npm", "test"))
    return None


def _python_runner(root: Path, files: Sequence[str]) -> TestRunner | None:
    patterns = pytest_patterns(root)
    pytest = TestRunner("pytest", ("python3", "-m", "pytest", "-q"), patterns or ())
    if patterns is not None or any(PurePosixPath(f).name == "conftest.py" for f in files):
        return pytest
    if _names_pytest(root, files) and any(is_test_file(pytest, f) for f in files):
        return pytest
    plain = TestRunner("unittest", ("python3", "-m", "unittest"))
    found = next(
        (f for f in files if is_test_file(plain, f) and _IMPORTS_UNITTEST.search(_read(root / f))),
        None,
    )
    if found is None or is_test_file(plain, found, root) or "/" not in found:
        return None if found is None else plain
    # discovery from the root skips directories that are not packages: start in the tests'
    start = found.split("/", 1)[0]
    return replace(plain, suite=(*plain.suite, "discover", "-s", start))


def _npm_test_script(root: Path) -> str | None:
    try:
        manifest = json.loads(_read(root / "package.json") or "{}")
    except ValueError:
        return None
    scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    if not isinstance(test, str) or not test.strip() or test.strip() == NPM_DEFAULT_TEST:
        return None
    return test


def from_command(command: str, root: Path) -> TestRunner | None:
    """The runner behind a configured test command, with that command as the suite; for a
    command that hides it (`make test`, `tox`, a script) the detected runner, still with the
    configured command as the suite."""
    try:
        argv = shlex.split(command)
    except ValueError:
        return None
    if not argv:
        return None
    segments: list[list[str]] = [[]]
    for token in argv:
        if token in ("&&", "||", ";"):
            segments.append([])
        else:
            segments[-1].append(token)
    for segment in segments:
        name = command_runner(segment)
        if name is not None:
            patterns = (pytest_patterns(root) or ()) if name == "pytest" else ()
            return TestRunner(name, tuple(argv), patterns)
    found = detect(root)
    return replace(found, suite=tuple(argv)) if found is not None else None


_GO_PACKAGE = re.compile(r"^package\s+(\w+)", re.MULTILINE)


def go_package(root: Path, directory: str) -> str | None:
    """The package name of the Go files in `directory` (relative), from a non-test file when
    there is one: an external test package (`foo_test`) is not the directory's own."""
    folder = root / directory
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.glob("*.go") if p.is_file())
    for path in sorted(files, key=lambda p: p.name.endswith("_test.go")):
        text = re.sub(r"/\*.*?\*/|//[^\n]*", "", _read(path), flags=re.DOTALL)
        found = _GO_PACKAGE.search(text)
        if found is not None:
            return found.group(1).removesuffix("_test")
    return None


def nearby_tests(
    root: Path, runner: TestRunner, changed: Iterable[str], limit: int = 20
) -> tuple[str, ...]:
    """Existing test files near the changed files, nearest first: the changed tests
    themselves, tests named after a changed file, tests beside it, tests importing it. Ties go
    to the earlier changed file, then the test sharing more of its path, then by path."""
    changes = list(dict.fromkeys(changed))
    best: dict[str, tuple[int, int, int, str]] = {}
    for test in (f for f in walk_files(root) if is_test_file(runner, f)):
        text: str | None = None
        for index, change in enumerate(changes):
            rank = closeness(runner, change, test)
            if rank is None and runner.name != "cargo":
                text = _read(root / test) if text is None else text
                rank = 3 if imports(text, change) else None
            if rank is not None:
                key = (rank, index, -len(os.path.commonpath([test, change])), test)
                best[test] = min(best.get(test, key), key)
    return tuple(sorted(best, key=best.__getitem__)[:limit])


def _free(root: Path, folder: str, names: Iterable[str]) -> str:
    """The first of `names` in `folder` that no file takes yet."""
    prefix = folder + "/" if folder else ""
    for name in names:
        if not (root / prefix / name).exists():
            return prefix + name
    raise AssertionError("unreachable: the names never run out")  # pragma: no cover


def _tags(issue_number: int, sep: str) -> Iterator[str]:
    yield f"issue{sep}{issue_number}"
    for n in itertools.count(2):
        yield f"issue{sep}{issue_number}{sep}{n}"


def _crate_dir(root: Path, path: str) -> str:
    folder = parent_dir(path)
    while folder and not (root / folder / "Cargo.toml").is_file():
        folder = parent_dir(folder)
    return folder


def _tests_dir(root: Path, runner: TestRunner, near: Sequence[str]) -> str | None:
    """The directory of the existing tests closest to the first `near` file that has any:
    nearby ones first, else those sharing the longest path with it."""
    close = nearby_tests(root, runner, near, limit=1)
    if close:
        return parent_dir(close[0])
    tests = [f for f in walk_files(root) if is_test_file(runner, f)]
    if not tests:
        return None
    first = near[0] if near else ""
    return parent_dir(min(tests, key=lambda t: (-len(os.path.commonpath([t, first])), t)))


def reproduction_path(
    root: Path, runner: TestRunner, issue_number: int, near: Sequence[str]
) -> str:
    """Where the reproduction test for an issue goes so the runner collects it, beside the
    existing tests closest to the `near` files (ranked candidates); never an existing file."""
    if runner.name == "go":
        sources = [p for p in near if p.endswith(".go") and not p.endswith("_test.go")]
        folder = parent_dir(sources[0]) if sources else (_tests_dir(root, runner, near) or "")
        return _free(root, folder, (f"{t}_test.go" for t in _tags(issue_number, "_")))
    if runner.name == "cargo":
        crate = _crate_dir(root, near[0]) if near else ""
        folder = f"{crate}/tests" if crate else "tests"
        return _free(root, folder, (f"{t}.rs" for t in _tags(issue_number, "_")))
    found = _tests_dir(root, runner, near)
    if runner.name == "npm":
        suffix = _npm_suffix(root, found, near)
        names = (f"{t}{suffix}" for t in _tags(issue_number, "-"))
        return _free(root, "test" if found is None else found, names)
    folder = "tests" if found is None else found
    return _free(root, folder, _python_names(root, runner, folder, issue_number))


def _python_names(root: Path, runner: TestRunner, folder: str, number: int) -> Iterator[str]:
    """test_issue_N.py, or the form the folder's tests and pytest's `python_files` use."""
    siblings = [p.name for p in (root / folder).glob("*.py")]
    suffixed = any(n.endswith("_test.py") for n in siblings) and not any(
        n.startswith("test_") for n in siblings
    )
    for tag in _tags(number, "_"):
        forms = [f"test_{tag}.py", f"{tag}_test.py", f"test{tag}.py"]
        forms += [g.replace("*", tag, 1) for g in runner.patterns if "*" in g]
        if suffixed:
            forms.insert(0, forms.pop(1))
        yield next((f for f in forms if is_test_file(runner, f)), forms[0])


def _npm_suffix(root: Path, folder: str | None, near: Sequence[str]) -> str:
    """`.test.js`, `.spec.ts`, …: as the existing tests in `folder` are named."""
    siblings = sorted(p.name for p in (root / (folder or "")).glob("*") if folder is not None)
    for name in siblings:
        found = re.search(r"\.(test|spec)\.(\w+)$", name)
        if found is not None and found.group(2) in NPM_EXTS:
            return found.group(0)
    exts = [PurePosixPath(p).suffix.lstrip(".") for p in (*siblings, *near)]
    return ".test." + next((e for e in exts if e in NPM_EXTS), "js")
