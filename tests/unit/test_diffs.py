"""The produced diff: checked by unidiff, and a round trip through our own diff parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.code.apply import apply_edits, apply_patch_file
from agents.code.diffs import DiffCheckError, FileChange, render_diff, validate_diff
from agents.code.unified import parse_unified_diff

CHANGES = (
    FileChange(
        "src/app.py", b"import os\n\nprint(os.sep)\n", b"import os\nimport sys\n\nprint(sys.argv)\n"
    ),
    FileChange("new.txt", None, b"hello\nworld"),
    FileChange("gone.md", b"# Title\n\ntext\n", None),
    FileChange("win.bat", b"@echo off\r\necho a\r\n", b"@echo off\r\necho b\r\n"),
    FileChange("empty.txt", None, b""),
    FileChange("emptied.txt", b"x\n", b""),
    FileChange("logo.png", b"\x89PNG\0\1", None),
    FileChange("bin/run", None, b"#!/bin/sh\n", mode=0o100755),
)


def test_render_and_validate_every_kind_of_change() -> None:
    diff = render_diff(CHANGES)
    validate_diff(diff, CHANGES)
    assert (
        "diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n"
        in diff
    )
    assert "+world\n\\ No newline at end of file\n" in diff
    assert (
        "diff --git a/gone.md b/gone.md\ndeleted file mode 100644\n--- a/gone.md\n+++ /dev/null\n"
        in diff
    )
    assert "-echo a\r\n+echo b\r\n" in diff
    assert (
        "diff --git a/empty.txt b/empty.txt\nnew file mode 100644\ndiff --git a/emptied.txt" in diff
    )
    assert "Binary files a/logo.png and /dev/null differ\n" in diff
    assert "new file mode 100755\n" in diff


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda d: d.replace("+import sys\n", ""), "does not parse"),
        (lambda d: d.replace("+import sys\n", " import sys\n"), "does not parse"),
        (
            lambda d: d.replace(
                "-print(os.sep)\n+print(sys.argv)\n", "-print(os.sep)\n+print(sys.path)\n"
            ),
            "src/app.py: the diff's hunks do not rebuild the new content",
        ),
        (lambda d: d.split("diff --git a/new.txt")[0], "the diff names ['src/app.py']"),
        (
            lambda d: d.replace(
                "deleted file mode 100644\n--- a/gone.md\n+++ /dev/null",
                "--- a/gone.md\n+++ b/gone.md",
            ),
            "gone.md: the diff does not say the file is deleted",
        ),
    ],
)
def test_validation_catches_a_diff_that_says_something_else(tamper: object, message: str) -> None:
    changes = CHANGES[:3]
    diff = tamper(render_diff(changes))  # type: ignore[operator]
    with pytest.raises(DiffCheckError) as info:
        validate_diff(diff, changes)
    assert message in str(info.value)


def test_count_mismatch_is_reported() -> None:
    change = FileChange("a.txt", b"a\nb\n", b"a\nc\n")
    other = render_diff([FileChange("a.txt", b"a\nb\n", b"a\nc\nd\n")])
    with pytest.raises(
        DiffCheckError, match="the diff adds 2 and removes 1 lines, the change adds 1"
    ):
        validate_diff(other, [change])


def test_round_trip_through_our_parser(tmp_path: Path) -> None:
    before = {"src/app.py": "import os\n\nprint(os.sep)\n", "gone.md": "# T\n", "keep.txt": "k\n"}
    for name, text in before.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    changes = [
        FileChange(
            "src/app.py", before["src/app.py"].encode(), b"import os\nimport sys\n\nprint(sys.argv)"
        ),
        FileChange("gone.md", b"# T\n", None),
        FileChange("pkg/new.py", None, b"x = 1\n"),
    ]
    applied = apply_patch_file(tmp_path, render_diff(changes))
    assert (tmp_path / "src/app.py").read_bytes() == b"import os\nimport sys\n\nprint(sys.argv)"
    assert not (tmp_path / "gone.md").exists()
    assert (tmp_path / "pkg/new.py").read_text() == "x = 1\n"
    assert applied.diff == render_diff(sorted(changes, key=lambda change: change.path))


LINES = st.lists(st.sampled_from(["a", "b", "c", "", "  d", "\te", "f  ", "return x"]), max_size=25)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(old=LINES, new=LINES, old_eol=st.booleans(), new_eol=st.booleans(), crlf=st.booleans())
def test_any_diff_we_render_applies_back_to_the_same_content(
    tmp_path: Path, old: list[str], new: list[str], old_eol: bool, new_eol: bool, crlf: bool
) -> None:
    newline = "\r\n" if crlf else "\n"
    before = newline.join(old) + (newline if old and old_eol else "")
    after = newline.join(new) + (newline if new and new_eol else "")
    target = tmp_path / "f.txt"
    target.write_bytes(before.encode())
    change = FileChange("f.txt", before.encode(), after.encode())
    diff = render_diff([change])
    validate_diff(diff, [change])
    if before == after:
        return
    applied = apply_edits(tmp_path, parse_unified_diff(diff))
    assert target.read_bytes() == after.encode()
    assert applied.diff == diff
