"""Snapshot extraction: every refusal, every skip, and nothing written outside the folder."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from jobs.steps.snapshot import (
    Limits,
    SafeMember,
    Snapshot,
    SnapshotError,
    extract_snapshot,
    fetch_snapshot,
    plan_extraction,
)
from tests.support.archives import (
    ROOT,
    SHA,
    Entry,
    file,
    link,
    raw,
    refused,
    special,
    tarball,
    tree,
)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "parent" / "snapshot"


def members(*entries: Entry) -> list[tarfile.TarInfo]:
    folder = tarfile.TarInfo(ROOT)
    folder.type = tarfile.DIRTYPE
    return [folder, *(info for info, _ in entries)]


def reasons(plan: Iterable[SafeMember]) -> dict[str, str | None]:
    return {item.path: item.skip for item in plan}


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (raw(f"{ROOT}/../evil.py"), "'octo-hello-1a2b3c4/../evil.py' has a '..' component"),
        (raw(f"{ROOT}/src/../../evil.py"), "has a '..' component"),
        (raw("/etc/cron.d/evil"), "'/etc/cron.d/evil' has an absolute path"),
        (raw("elsewhere/evil.py"), "'elsewhere/evil.py' is outside the root folder"),
        (link("escape", "../../etc/passwd"), "'octo-hello-1a2b3c4/escape' links outside"),
        (link("a/b/escape", "../../../x"), "'octo-hello-1a2b3c4/a/b/escape' links outside"),
        (link("absolute", "/etc/passwd"), "'octo-hello-1a2b3c4/absolute' links outside"),
        (link("hard", f"{ROOT}/README.md", tarfile.LNKTYPE), "/hard' is a hard link"),
        (special("tty", tarfile.CHRTYPE), "/tty' is a device or fifo"),
        (special("disk", tarfile.BLKTYPE), "/disk' is a device or fifo"),
        (special("pipe", tarfile.FIFOTYPE), "/pipe' is a device or fifo"),
        (special("volume", b"V"), "/volume' has an unsupported type"),
    ],
)
def test_unsafe_members_are_refused_by_name(entry: Entry, words: str, dest: Path) -> None:
    data = tarball(file("README.md", b"# hi\n"), entry, file("z.py"))
    assert words in refused(data, dest)


def test_a_link_out_then_a_write_through_it_is_refused(
    dest: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    data = tarball(link("l", str(outside)), file("l/planted.txt"))
    assert "links outside" in refused(data, dest)
    assert list(outside.iterdir()) == []


def test_nul_byte_in_a_name_is_refused(dest: Path) -> None:
    info, data = file("placeholder")
    info.pax_headers = {"path": f"{ROOT}/a\x00b.py"}  # a ustar name cannot hold NUL; pax can
    assert "has a NUL byte in its name" in refused(tarball((info, data)), dest)


def test_non_utf8_name_is_refused(dest: Path) -> None:
    # GNU format stores the raw bytes; Latin-1 "é" (0xE9) is not valid UTF-8.
    data = tarball(file("caf\xe9.py"), fmt=tarfile.GNU_FORMAT, encoding="latin-1", commit=None)
    assert "'octo-hello-1a2b3c4/caf\\udce9.py' has a name that is not UTF-8" in refused(data, dest)


def test_non_utf8_symlink_target_is_refused() -> None:
    info, _ = link("l", "caf\udce9")
    with pytest.raises(SnapshotError, match="not UTF-8"):
        plan_extraction(members((info, b"")))


def test_refusals_apply_inside_skipped_folders_too() -> None:
    with pytest.raises(SnapshotError, match="links outside"):
        plan_extraction(members(link("node_modules/x", "../../..")))


def test_too_many_files_is_refused(dest: Path) -> None:
    data = tarball(*(file(f"m{i}.py") for i in range(4)))
    assert "more than 3 files" in refused(data, dest, Limits(max_files=3))


def test_skipped_files_do_not_count_towards_the_file_cap(dest: Path) -> None:
    data = tarball(file("a.py"), *(file(f"vendor/v{i}.go") for i in range(10)))
    assert extract_snapshot(data, dest, Limits(max_files=1)).files == ("a.py",)


def test_too_big_in_total_is_refused(dest: Path) -> None:
    data = tarball(file("a.py", b"a" * 60), file("b.py", b"b" * 60))
    message = refused(data, dest, Limits(max_total_bytes=100))
    assert "add up to 120 bytes, over the 100 cap" in message


def test_archive_entry_and_size_caps_stop_reading(dest: Path) -> None:
    many = tarball(*(file(f"node_modules/m{i}.js") for i in range(10)))
    assert "more than 5 entries" in refused(many, dest, Limits(max_entries=5))
    big = tarball(file("a.bin", b"\0" * 5000))
    assert "holds more than 4096 bytes" in refused(big, dest, Limits(max_archive_bytes=4096))


@pytest.mark.parametrize(
    "data",
    [b"", b"not a tarball", gzip.compress(b"not a tarball"), tarball(file("a.py"))[:60]],
    # named: a gzip header holds the time it was made, which xdist workers would not agree on
    ids=["empty", "not-a-tarball", "gzip-of-not-a-tarball", "cut-short"],
)
def test_unreadable_or_damaged_archive_is_refused(data: bytes, dest: Path) -> None:
    assert "the archive" in refused(data, dest)


def test_an_archive_with_only_the_header_is_refused(dest: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz"):
        pass
    assert refused(buffer.getvalue(), dest) == "the archive is empty"


def test_duplicate_members_are_refused_and_the_folder_is_left_empty(dest: Path) -> None:
    data = tarball(file("a.py"), file("b.py"), file("a.py", b"again\n"))
    assert "'octo-hello-1a2b3c4/a.py' cannot be written (File exists)" in refused(data, dest)


def test_a_file_where_a_folder_should_be_is_refused(dest: Path) -> None:
    data = tarball(file("pkg"), file("pkg/mod.py"))
    assert "'octo-hello-1a2b3c4/pkg/mod.py' cannot be written" in refused(data, dest)


def test_destination_must_be_empty(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("keep me")
    with pytest.raises(SnapshotError, match="is not an empty folder"):
        extract_snapshot(tarball(file("a.py")), tmp_path)
    assert (tmp_path / "old.txt").read_text() == "keep me"


# -- skips --------------------------------------------------------------------------------


def test_big_files_are_skipped_and_listed_not_refused(dest: Path) -> None:
    data = tarball(file("small.py"), file("big.py", b"x" * (1024 * 1024 + 1)))
    snapshot = extract_snapshot(data, dest)
    assert snapshot.files == ("small.py",)
    assert snapshot.skipped == (("big.py", "larger than 1048576 bytes"),)
    assert not (dest / "big.py").exists()


def test_binary_means_a_nul_in_the_first_8_kb(dest: Path) -> None:
    late_nul = b"a" * 9000 + b"\x00"
    data = tarball(file("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00"), file("late.txt", late_nul))
    snapshot = extract_snapshot(data, dest)
    assert snapshot.skipped == (("logo.png", "binary"),)
    assert snapshot.files == ("late.txt",)


def test_vendored_folders_are_skipped_at_any_depth(dest: Path) -> None:
    data = tarball(
        file("vendor/lib.go"),
        file("web/node_modules/left-pad/index.js"),
        file("third_party/zlib/zlib.h"),
        file("sub/.git/config"),
        file("vendor.py"),
        file("src/vendored_notes.md"),
    )
    snapshot = extract_snapshot(data, dest)
    assert snapshot.files == ("src/vendored_notes.md", "vendor.py")
    assert dict(snapshot.skipped) == {
        "vendor/lib.go": "vendored (vendor/)",
        "web/node_modules/left-pad/index.js": "vendored (node_modules/)",
        "third_party/zlib/zlib.h": "vendored (third_party/)",
        "sub/.git/config": "vendored (.git/)",
    }


def test_generated_files_are_skipped(dest: Path) -> None:
    marker = b"// Code " + b"@generated by protoc. DO NOT EDIT.\n"
    data = tarball(
        file("static/app.min.js"),
        file("static/site.min.css"),
        file("static/app.js.map"),
        file("poetry.lock"),
        file("package-lock.json"),
        file("api/api.pb.go", b"package api\n" + marker),
        file("docs/notes.md", b"line\n" * 10 + b"mentions @" + b"generated later\n"),
        file("static/app.js"),
    )
    snapshot = extract_snapshot(data, dest)
    assert snapshot.files == ("docs/notes.md", "static/app.js")
    assert dict(snapshot.skipped) == {
        "static/app.min.js": "generated (*.min.*)",
        "static/site.min.css": "generated (*.min.*)",
        "static/app.js.map": "generated (*.map)",
        "poetry.lock": "generated (*.lock)",
        "package-lock.json": "generated (package-lock.json)",
        "api/api.pb.go": "generated (marker in the first lines)",
    }


def test_gitignored_files_are_skipped_with_nested_gitignores(dest: Path) -> None:
    data = tarball(
        file(".gitignore", b"*.log\nbuild/\n!keep.log\n/secret.txt\n"),
        file("app.log"),
        file("keep.log"),
        file("build/out.py"),
        file("secret.txt"),
        file("docs/secret.txt"),
        file("sub/.gitignore", b"local.cfg\n!*.log\n"),
        file("sub/local.cfg"),
        file("sub/debug.log"),
        file("other/local.cfg"),
    )
    snapshot = extract_snapshot(data, dest)
    assert snapshot.files == (
        ".gitignore",
        "docs/secret.txt",
        "keep.log",
        "other/local.cfg",
        "sub/.gitignore",
        "sub/debug.log",
    )
    assert {path for path, reason in snapshot.skipped if reason == "ignored by .gitignore"} == {
        "app.log",
        "build/out.py",
        "secret.txt",
        "sub/local.cfg",
    }


def test_in_tree_symlinks_are_skipped_not_written(dest: Path) -> None:
    data = tarball(
        file("src/real.py"),
        link("src/alias.py", "real.py"),
        link("docs/up.py", "../src/real.py"),
        link("here", "."),
    )
    snapshot = extract_snapshot(data, dest)
    assert snapshot.files == ("src/real.py",)
    reason = "symlink (in-tree links are not written)"
    assert dict(snapshot.skipped) == {"src/alias.py": reason, "docs/up.py": reason, "here": reason}
    assert not any(p.is_symlink() for p in dest.rglob("*"))


# -- what is written ----------------------------------------------------------------------


def test_root_folder_is_stripped_and_contents_kept(dest: Path) -> None:
    data = tarball(file("README.md", b"# hello\n"), file("src/pkg/mod.py", b"x = 1\n"))
    snapshot = extract_snapshot(data, dest)
    assert snapshot == Snapshot(dest.resolve(), ("README.md", "src/pkg/mod.py"), ())
    assert (dest / "README.md").read_bytes() == b"# hello\n"
    assert (dest / "src" / "pkg" / "mod.py").read_bytes() == b"x = 1\n"
    assert tree(dest.parent) == {"snapshot", *(f"snapshot/{p}" for p in tree(dest))}


def test_permissions_are_only_0644_or_0755(dest: Path) -> None:
    data = tarball(
        file("run.sh", b"#!/bin/sh\n", mode=0o777),
        file("suid", b"x\n", mode=0o4755),
        file("open.txt", b"x\n", mode=0o666),
    )
    extract_snapshot(data, dest)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in dest.iterdir()}
    assert modes == {"run.sh": 0o755, "suid": 0o755, "open.txt": 0o644}


def test_a_tarball_on_disk_is_read_too(tmp_path: Path, dest: Path) -> None:
    path = tmp_path / "repo.tar.gz"
    path.write_bytes(tarball(file("a.py")))
    assert extract_snapshot(path, dest).files == ("a.py",)


def test_the_commit_recorded_by_git_must_match(dest: Path) -> None:
    data = tarball(file("a.py"), commit="f" * 40)
    with pytest.raises(SnapshotError, match=f"of commit {'f' * 40}, not {SHA}"):
        extract_snapshot(data, dest, commit=SHA)
    assert extract_snapshot(data, dest, commit="F" * 40).files == ("a.py",)


def test_fetch_snapshot_downloads_the_fixed_commit(dest: Path) -> None:
    asked: list[str] = []

    def download(ref: str) -> bytes:
        asked.append(ref)
        return tarball(file("a.py"))

    assert fetch_snapshot(download, SHA, dest).files == ("a.py",)
    assert asked == [SHA]


@pytest.mark.parametrize("ref", ["main", "1a2b3c4", SHA.upper() + "0", ""])
def test_fetch_snapshot_wants_a_full_sha(ref: str, dest: Path) -> None:
    def download(ref: str) -> bytes:  # pragma: no cover - must not be called
        raise AssertionError(ref)

    with pytest.raises(SnapshotError, match="is not a full commit sha"):
        fetch_snapshot(download, ref, dest)


# -- the pure plan ------------------------------------------------------------------------


def test_plan_lists_files_with_their_skip_reason() -> None:
    plan = plan_extraction(
        members(
            file("a.py", b"x = 1\n"),
            file("big.txt", b"x" * 11),
            file("x.min.js"),
            file("out.log"),
            link("l", "a.py"),
        ),
        Limits(max_file_bytes=10),
        gitignores={"": "*.log\n"},
    )
    assert reasons(plan) == {
        "a.py": None,
        "big.txt": "larger than 10 bytes",
        "x.min.js": "generated (*.min.*)",
        "out.log": "ignored by .gitignore",
        "l": "symlink (in-tree links are not written)",
    }


def test_plan_drops_folders_and_dot_components() -> None:
    folder = tarfile.TarInfo(f"{ROOT}/src")
    folder.type = tarfile.DIRTYPE
    dotted = raw(f"{ROOT}/./src//a.py")
    assert reasons(plan_extraction(members((folder, b""), dotted))) == {"src/a.py": None}


def test_plan_of_nothing_is_refused() -> None:
    with pytest.raises(SnapshotError, match="empty"):
        plan_extraction([])
