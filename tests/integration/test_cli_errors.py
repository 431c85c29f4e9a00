"""Each failure a person can cause or meet, through the real `morningai` console script: one or
two lines saying what is wrong and what to do, a non-zero exit, no traceback (unless --debug)
and no secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer

MORNINGAI = str(Path(sys.executable).parent / "morningai")
API_KEY = "sk-cli-errors-secret-0123456789"
PASSWORD = "pw-cli-errors-secret"
PROJECT = ("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_", "MORNINGAI_", "LOG_", "PORT")


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The console script in `cwd` (no .env, no .morningai/ there) with only `env` set."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT)}
    return subprocess.run(
        [MORNINGAI, *args],
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=cwd,
    )


def assert_clear(result: subprocess.CompletedProcess[str], words: str, *secrets: str) -> None:
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert words in result.stderr, result.stderr
    assert "Traceback" not in out
    for secret in secrets:
        assert secret not in out


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "work"
    repo.mkdir()
    (repo / "app.py").write_text("def greet(name):\n    return 'hey ' + name\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "a"],
        check=True,
    )
    return repo


def test_ask_without_a_model_names_the_settings(checkout: Path, tmp_path: Path) -> None:
    result = cli("ask", "--repo", str(checkout), "What is greet?", env={}, cwd=tmp_path)
    assert_clear(result, "no model is configured")
    assert "OPENAI_BASE_URL" in result.stderr
    assert "[gathering]" not in result.stderr  # it stopped before any work


def test_solve_without_a_model_names_the_settings(checkout: Path, tmp_path: Path) -> None:
    result = cli("solve", "--repo", str(checkout), "Fix greet", env={}, cwd=tmp_path)
    assert_clear(result, "no model is configured")


def test_unreachable_model_server_says_so_quickly(checkout: Path, tmp_path: Path) -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "OPENAI_API_KEY": API_KEY}
    result = cli("ask", "--repo", str(checkout), "What is greet?", env=env, cwd=tmp_path)
    assert_clear(result, "the model server at http://127.0.0.1:1 did not answer", API_KEY)
    assert "retry 2" not in result.stderr  # one retry at most, not the client's default 2


def test_wrong_api_key_is_named(checkout: Path, tmp_path: Path, model: ScriptedModelServer) -> None:
    model.expect_chat(status=401)
    env = {"OPENAI_BASE_URL": model.base_url, "OPENAI_API_KEY": API_KEY}
    result = cli("ask", "--repo", str(checkout), "What is greet?", env=env, cwd=tmp_path)
    assert_clear(result, "refused the API key (401)", API_KEY)
    assert "OPENAI_API_KEY" in result.stderr


def test_unreachable_database_hides_the_password(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"postgresql://someone:{PASSWORD}@127.0.0.1:1/db"}
    for command in ("migrate", "status", "reconcile", "worker"):
        result = cli(command, env=env, cwd=tmp_path)
        assert_clear(result, "cannot reach PostgreSQL", PASSWORD)
        assert "Check DATABASE_URL" in result.stderr


def test_unreachable_redis(database: DatabaseUrls, tmp_path: Path) -> None:
    env = {"DATABASE_URL": database.app, "REDIS_URL": f"redis://:{PASSWORD}@127.0.0.1:1/0"}
    result = cli("status", env=env, cwd=tmp_path)
    assert_clear(result, "cannot reach Redis", PASSWORD)
    assert "Check REDIS_URL" in result.stderr


def test_malformed_setting_is_named(tmp_path: Path) -> None:
    result = cli("migrate", env={"PORT": "eighty"}, cwd=tmp_path)
    assert_clear(result, "a setting is malformed: PORT")


def test_missing_app_settings_are_named(tmp_path: Path) -> None:
    result = cli("faq", "--repo", "octo/repo", env={}, cwd=tmp_path)
    assert_clear(result, "GITHUB_APP_ID and GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH")


def test_a_private_key_that_is_not_a_key(tmp_path: Path) -> None:
    not_a_key = "-----BEGIN RSA PRIVATE KEY-----\nnot-a-key-secret\n-----END RSA PRIVATE KEY-----"
    env = {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": not_a_key}
    result = cli("faq", "--repo", "octo/repo", env=env, cwd=tmp_path)
    assert_clear(result, "GITHUB_PRIVATE_KEY does not hold a PEM private key", "not-a-key-secret")


def test_a_private_key_path_that_does_not_exist(tmp_path: Path) -> None:
    env = {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY_PATH": str(tmp_path / "gone.pem")}
    result = cli("faq", "--repo", "octo/repo", env=env, cwd=tmp_path)
    assert_clear(result, f"cannot read {tmp_path / 'gone.pem'}")


def test_repository_path_that_is_not_a_checkout(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}
    result = cli("solve", "--repo", str(plain), "Fix greet", env=env, cwd=tmp_path)
    assert_clear(result, "is not a git checkout")
    missing = cli("ask", "--repo", str(tmp_path / "nowhere"), "q?", env=env, cwd=tmp_path)
    assert_clear(missing, "is not a directory")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"postgresql://someone:{PASSWORD}@127.0.0.1:1/db"}
    for args, extra in ((("--debug", "migrate"), {}), (("migrate", "--debug"), {})):
        result = cli(*args, env={**env, **extra}, cwd=tmp_path)
        assert result.returncode == 2
        assert "Traceback" in result.stderr
        assert "cannot reach PostgreSQL" in result.stderr
    by_level = cli("migrate", env={**env, "LOG_LEVEL": "DEBUG"}, cwd=tmp_path)
    assert "Traceback" in by_level.stderr


def test_app_checks_use_the_simulator(sim: GitHubSimulator, tmp_path: Path) -> None:
    """A valid key passes the key check: the command goes on to the database."""
    env = {
        "GITHUB_APP_ID": str(sim.app_id),
        "GITHUB_PRIVATE_KEY": sim.private_key_pem,
        "GITHUB_API_URL": sim.url,
        "DATABASE_URL": f"postgresql://someone:{PASSWORD}@127.0.0.1:1/db",
    }
    result = cli("faq", "--repo", "octo/repo", env=env, cwd=tmp_path)
    assert_clear(result, "cannot reach PostgreSQL", PASSWORD, "PRIVATE KEY")
