"""The path policy: every rule refuses with the path and the rule, on text and on the tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents.code.apply import ApplyFailed, apply_edits, apply_patch_file
from agents.code.edits import FileEdit
from agents.code.paths import (
    PathPolicy,
    PathRefused,
    check_path,
    decode_text,
    normalize_path,
)

POLICY = PathPolicy(("secrets/**", "*.pem", "/config/prod.yml", "**/private/*", "build/"))


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/etc/passwd", "absolute paths are not allowed"),
        ("C:/Windows/win.ini", "absolute paths are not allowed"),
        ("\\\\server\\share", "absolute paths are not allowed"),
        ("src\\app.py", "use '/' as the directory separator"),
        ("../outside.py", "'..' is not allowed"),
        ("src/../../outside.py", "'..' is not allowed"),
        ("src/\0.py", "NUL byte"),
        ("", "not a file path"),
        ("./", "not a file path"),
        ("src/", "not a file path"),
        (".git/config", "inside .git/"),
        (".git/hooks/pre-commit", "inside .git/"),
        (".GIT/config", "inside .git/"),
        ("vendor/lib/.git/config", "inside .git/"),
        (".git", "inside .git/"),
        (".github/workflows/ci.yml", "under .github/workflows/"),
        (".GitHub/Workflows/release.yaml", "under .github/workflows/"),
        (".github/morningai.yml", "MorningAI's own rules"),
        (".GitHub/MorningAI.yml", "MorningAI's own rules"),
        ("secrets/prod/token.txt", "forbidden pattern 'secrets/**'"),
        ("deploy/tls/server.pem", "forbidden pattern '*.pem'"),
        ("config/prod.yml", "forbidden pattern '/config/prod.yml'"),
        ("src/private/key.txt", "forbidden pattern '**/private/*'"),
        ("private/key.txt", "forbidden pattern '**/private/*'"),
        ("build/out/app.js", "forbidden pattern 'build/'"),
        ("Secrets/x", "forbidden pattern 'secrets/**'"),
    ],
)
def test_refused_paths_name_the_path_and_the_rule(path: str, rule: str) -> None:
    with pytest.raises(PathRefused) as info:
        normalize_path(path, POLICY)
    assert str(info.value).startswith(f"refused to edit {path!r}: ")
    assert rule in str(info.value)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("src/app.py", "src/app.py"),
        ("./src//app.py", "src/app.py"),
        (".github/dependabot.yml", ".github/dependabot.yml"),
        (".github/workflows-notes.md", ".github/workflows-notes.md"),
        ("docs/.gitignore", "docs/.gitignore"),
        ("server.pem.md", "server.pem.md"),
        ("app/config/prod.yml", "app/config/prod.yml"),  # the pattern is anchored at the root
        ("src/privately/x.txt", "src/privately/x.txt"),
        ("mysecrets/x", "mysecrets/x"),
    ],
)
def test_allowed_paths_are_normalised(path: str, normal: str) -> None:
    assert normalize_path(path, POLICY) == normal


def test_a_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "link.txt").symlink_to(outside)
    with pytest.raises(PathRefused, match="symlink pointing outside the repository"):
        check_path(repo, "link.txt")
    with pytest.raises(ApplyFailed) as info:
        apply_patch_file(repo, "link.txt\n<<<<<<< SEARCH\nsecret\n=======\nx\n>>>>>>> REPLACE\n")
    assert "refused to edit 'link.txt'" in str(info.value)
    assert outside.read_text() == "secret\n"


def test_a_symlink_inside_the_tree_is_not_written_through(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("a\n")
    (tmp_path / "alias.txt").symlink_to("real.txt")
    with pytest.raises(PathRefused, match=r"edit the file it points to \(real.txt\)"):
        check_path(tmp_path, "alias.txt")


def test_a_parent_directory_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "out").symlink_to(outside, target_is_directory=True)
    (repo / "docs").symlink_to(repo / "src", target_is_directory=True)
    with pytest.raises(PathRefused, match="its parent directory 'src/out' is a symlink"):
        check_path(repo, "src/out/new.py")
    with pytest.raises(PathRefused, match="its parent directory 'docs' is a symlink"):
        check_path(repo, "docs/x.md")  # even when it points inside: it would alias the file
    with pytest.raises(ApplyFailed):
        apply_edits(repo, [FileEdit("src/out/new.py", "", "x = 1\n")])
    assert list(outside.iterdir()) == []


def test_a_root_reached_through_a_symlink_is_fine(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "via").symlink_to(tmp_path / "real", target_is_directory=True)
    assert check_path(tmp_path / "via", "a/b.py") == tmp_path / "real" / "a" / "b.py"


def test_non_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "README").write_text("x\n")
    with pytest.raises(PathRefused, match="not a regular file"):
        check_path(tmp_path, "pkg")
    with pytest.raises(PathRefused, match="'README' is a file, not a directory"):
        check_path(tmp_path, "README/x.md")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(PathRefused, match="not a regular file"):
        check_path(tmp_path, "pipe")


def test_binary_and_non_utf8_contents_are_refused() -> None:
    assert decode_text("a.txt", "héllo\n".encode()) == "héllo\n"
    with pytest.raises(PathRefused, match=r"'logo\.png': it is a binary file"):
        decode_text("logo.png", b"\x89PNG\r\n\x1a\n\0\0")
    with pytest.raises(PathRefused, match=r"not UTF-8 text \(byte 0\)"):
        decode_text("latin1.txt", "é!".encode("latin-1"))


def test_apply_patch_file_takes_forbidden_patterns(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "dev.pem").write_text("-----BEGIN-----\n")
    patch = "--- a/keys/dev.pem\n+++ b/keys/dev.pem\n@@ -1 +1 @@\n------BEGIN-----\n+x\n"
    with pytest.raises(ApplyFailed) as info:
        apply_patch_file(tmp_path, patch, forbidden=["*.pem"])
    assert "refused to edit 'keys/dev.pem': it matches the forbidden pattern '*.pem'" in str(
        info.value
    )
    assert info.value.refused[0].rule == "it matches the forbidden pattern '*.pem'"
    assert apply_patch_file(tmp_path, patch).changed == ("keys/dev.pem",)


def test_a_workflow_edit_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    edits = [
        FileEdit("a.py", "x = 1\n", "x = 2\n"),
        FileEdit(".github/workflows/ci.yml", "", "on: push\n"),
    ]
    with pytest.raises(ApplyFailed) as info:
        apply_edits(tmp_path, edits)
    assert [error.path for error in info.value.refused] == [".github/workflows/ci.yml"]
    assert (tmp_path / "a.py").read_text() == "x = 1\n"
    assert not (tmp_path / ".github").exists()
