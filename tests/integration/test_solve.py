"""`morningai solve` on a local git checkout, against the scripted model server."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from core.settings import Settings
from morningai.solve import SolveError, solve
from simulator.openai_server import ScriptedModelServer
from tests.support.model import EDIT, PLAN, settings_for
from tests.support.simulated import APP


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "work"
    repo.mkdir()
    (repo / "app.py").write_text(APP)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    return repo


def test_solve_commits_on_a_new_branch(checkout: Path, model: ScriptedModelServer) -> None:
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    err = io.StringIO()
    git(checkout, "config", "user.name", "t")
    git(checkout, "config", "user.email", "t@example.com")
    branch = solve(
        checkout, "Greeting is rude\ngreet() says hey", settings=settings_for(model), err=err
    )
    assert branch == "morningai/solve-greet-people-politely"
    assert git(checkout, "branch", "--show-current").strip() == branch
    assert "Hello, " in git(checkout, "show", f"{branch}:app.py")
    assert git(checkout, "log", "--format=%s", "-1").strip() == "Greet people politely"
    assert "[planning]" in err.getvalue()


def test_solve_diff_only_leaves_the_checkout_alone(
    checkout: Path, model: ScriptedModelServer
) -> None:
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    out = io.StringIO()
    diff = solve(
        checkout,
        "Greeting is rude",
        diff_only=True,
        settings=settings_for(model),
        out=out,
        err=io.StringIO(),
    )
    assert "+    return 'Hello, ' + name + '!'" in diff
    assert out.getvalue() == diff
    assert (checkout / "app.py").read_text() == APP
    assert git(checkout, "branch", "--show-current").strip() == "main"


def test_solve_refuses_a_dirty_checkout(checkout: Path) -> None:
    (checkout / "app.py").write_text("changed\n")
    with pytest.raises(SolveError, match="uncommitted changes"):
        solve(checkout, "x", settings=Settings(_env_file=None))  # type: ignore[call-arg]
