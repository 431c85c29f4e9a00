"""`morningai apply-patch` and `morningai locate` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from morningai.cli import main

PATCH = """--- a/app.py
+++ b/app.py
@@ -1,2 +1,2 @@
 def greet(name):
-    return 'hey ' + name
+    return 'Hello, ' + name
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("def greet(name):\n    return 'hey ' + name\n")
    (tmp_path / "other.py").write_text("print('unrelated')\n")
    return tmp_path


def test_apply_patch_prints_changed_files(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    patch = tmp_path_factory.mktemp("p") / "fix.diff"
    patch.write_text(PATCH)
    assert main(["apply-patch", "--repo", str(repo), str(patch)]) == 0
    assert capsys.readouterr().out.splitlines() == ["app.py"]
    assert (repo / "app.py").read_text() == "def greet(name):\n    return 'Hello, ' + name\n"


def test_apply_patch_failure_names_the_hunk_and_touches_nothing(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    patch = tmp_path_factory.mktemp("p") / "bad.diff"
    patch.write_text(
        PATCH.replace("return 'hey '", "return 'howdy '")
        + PATCH.replace("app.py", "other.py").replace("def greet(name):", "print('unrelated')")
    )
    before = {p.name: p.read_text() for p in repo.iterdir()}
    assert main(["apply-patch", "--repo", str(repo), str(patch)]) == 1
    err = capsys.readouterr().err
    assert "app.py" in err
    assert "no file was changed" in err
    assert {p.name: p.read_text() for p in repo.iterdir()} == before


def test_apply_patch_refuses_forbidden_paths(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    patch = tmp_path_factory.mktemp("p") / "evil.diff"
    patch.write_text(PATCH)
    assert main(["apply-patch", "--repo", str(repo), "--forbid", "app.py", str(patch)]) == 1
    assert "app.py" in capsys.readouterr().err
    assert "hey" in (repo / "app.py").read_text()


def test_locate_ranks_the_mentioned_file_first(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = tmp_path_factory.mktemp("i") / "issue.md"
    issue.write_text("greet() in app.py is rude: it says hey")
    assert main(["locate", "--repo", str(repo), "--issue-file", str(issue), "--top", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "app.py"
