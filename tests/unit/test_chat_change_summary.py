"""jobs/chat/change.py: what a "pull request opened" notification says of the change, from the
code task's `change` event (pure)."""

from __future__ import annotations

from jobs.chat.change import describe


def diff(*paths: str) -> str:
    return "".join(
        f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-a\n+b\n" for p in paths
    )


def test_files_and_checks_are_named() -> None:
    checks = [
        {"name": "parse app.py", "ok": True, "ran": True, "detail": "parses"},
        {"name": "tests", "ok": False, "ran": True, "detail": "1 failed"},
        {"name": "ruff", "ok": False, "ran": False, "detail": "not installed"},
    ]
    text = describe("2 file(s) changed", {"diff": diff("app.py", "my dir/b.py"), "checks": checks})
    assert text == (
        "Files changed (2): `app.py`, `my dir/b.py`\n\n"
        "Verification: ✅ parse app.py; ❌ tests; ⚠️ ruff (not run)."
    )


def test_a_cut_diff_still_counts_every_file_and_no_checks_is_said() -> None:
    text = describe("12 file(s) changed", {"diff": diff(*(f"f{i}.py" for i in range(11)))})
    assert text.startswith("Files changed (12): `f0.py`, ")
    assert "`f9.py`, …\n\n" in text
    assert "f10.py" not in text
    assert text.endswith("Verification: no check could run on the changed files.")


def test_odd_data_does_not_break_the_notice() -> None:
    assert describe("", {"diff": None, "checks": "x"}) == (
        "Files changed: 0\n\nVerification: no check could run on the changed files."
    )
