"""Applying edits to a working tree: tolerant of what models get wrong, never misplaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from agents.code.apply import (
    AppliedChange,
    ApplyFailed,
    apply_edits,
    apply_patch_file,
    plan_edits,
)
from agents.code.edits import DeleteFile, EditFormatError, FileEdit, PatchError, parse_edits
from agents.code.matching import MatchError

RULE = '''\
"""Implementation of Rule L060."""

from typing import Optional

from sqlfluff.core.rules.base import BaseRule, LintFix, LintResult, RuleContext


class Rule_L060(BaseRule):
    """Use ``COALESCE`` instead of ``IFNULL`` or ``NVL``."""

    def _eval(self, context: RuleContext) -> Optional[LintResult]:
        """Use ``COALESCE`` instead of ``IFNULL`` or ``NVL``."""
        # We only care about function names.
        if context.segment.name != "function_name_identifier":
            return None

        # Only care if the function is ``IFNULL`` or ``NVL``.
        if context.segment.raw_upper not in {"IFNULL", "NVL"}:
            return None

        # Create fix to replace ``IFNULL`` or ``NVL`` with ``COALESCE``.
        fix = LintFix.replace(
            context.segment,
            [
                CodeSegment(
                    raw="COALESCE",
                    name="function_name_identifier",
                    type="function_name_identifier",
                )
            ],
        )

        return LintResult(context.segment, [fix])
'''

NEW_RESULT = """\
        return LintResult(
            anchor=context.segment,
            fixes=[fix],
            description=f"Use 'COALESCE' instead of '{context.segment.raw_upper}'.",
        )
"""


def make_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode())
    return root


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


def failure(root: Path, reply: str) -> str:
    """Apply a reply that must fail; check that no file changed and return the message."""
    before = tree(root)
    with pytest.raises(ApplyFailed) as info:
        apply_patch_file(root, reply)
    assert tree(root) == before
    return str(info.value)


# --- exact and looser matches -------------------------------------------------------------


def test_exact_block(tmp_path: Path) -> None:
    make_repo(tmp_path, {"src/L060.py": RULE})
    reply = block("src/L060.py", "        return LintResult(context.segment, [fix])\n", NEW_RESULT)
    change = apply_patch_file(tmp_path, reply)
    assert change.changed == ("src/L060.py",)
    assert change.notes == ()
    assert (tmp_path / "src/L060.py").read_text() == RULE.replace(
        "        return LintResult(context.segment, [fix])\n", NEW_RESULT
    )
    assert "+            fixes=[fix],\n" in change.diff
    assert change.diff.startswith("diff --git a/src/L060.py b/src/L060.py\n--- a/src/L060.py\n")


def test_blocks_apply_in_order_to_the_same_file(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "x = 1\ny = 2\n"})
    reply = block("a.py", "x = 1\n", "x = 10\n") + block("a.py", "x = 10\ny = 2\n", "x = 10\n")
    apply_patch_file(tmp_path, reply)
    assert (tmp_path / "a.py").read_text() == "x = 10\n"


def test_trailing_whitespace_drift_keeps_the_files_other_lines(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "def f():  \n    a = 1 \n    return a\n"})
    reply = block("a.py", "def f():\n    a = 1\n", "def f():\n    a = 2\n")
    change = apply_patch_file(tmp_path, reply)
    assert (tmp_path / "a.py").read_text() == "def f():  \n    a = 2\n    return a\n"
    assert "ignoring trailing whitespace" in change.notes[0]


def test_a_uniform_indent_shift_is_reapplied_to_the_replacement(tmp_path: Path) -> None:
    make_repo(tmp_path, {"src/L060.py": RULE})
    search = "return LintResult(context.segment, [fix])\n"  # the model dropped the indentation
    replace = "return LintResult(\n    anchor=context.segment,\n    fixes=[fix],\n)\n"
    change = apply_patch_file(tmp_path, block("src/L060.py", search, replace))
    text = (tmp_path / "src/L060.py").read_text()
    assert text.endswith(
        "        return LintResult(\n"
        "            anchor=context.segment,\n"
        "            fixes=[fix],\n"
        "        )\n"
    )
    assert "with a uniform indentation shift (+8 columns)" in change.notes[0]


def test_an_over_indented_search_moves_the_replacement_left(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "if x:\n    y()\n    z()\n"})
    reply = block("a.py", "        y()\n        z()\n", "        y()\n        w()\n        z()\n")
    apply_patch_file(tmp_path, reply)
    assert (tmp_path / "a.py").read_text() == "if x:\n    y()\n    w()\n    z()\n"


def test_tabs_in_the_file_spaces_in_the_reply(tmp_path: Path) -> None:
    source = "func main() {\n\tif err != nil {\n\t\treturn err\n\t}\n}\n"
    make_repo(tmp_path, {"main.go": source})
    search = "    if err != nil {\n        return err\n    }\n"
    replace = '    if err != nil {\n        log.Print("failed")\n        return err\n    }\n'
    apply_patch_file(tmp_path, block("main.go", search, replace))
    assert (tmp_path / "main.go").read_text() == (
        'func main() {\n\tif err != nil {\n\t\tlog.Print("failed")\n\t\treturn err\n\t}\n}\n'
    )


def test_unchanged_lines_keep_the_files_exact_text(tmp_path: Path) -> None:
    # the model normalised a mixed-indent line; the file's own version stays
    make_repo(tmp_path, {"a.py": "if a:\n\t    b()\n\t    c()\n"})
    reply = block("a.py", "if a:\n            b()\n", "if a:\n            b()\n            d()\n")
    apply_patch_file(tmp_path, reply)
    assert (tmp_path / "a.py").read_text().startswith("if a:\n\t    b()\n")


def test_a_non_uniform_indent_difference_is_not_a_match(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "if a:\n    b()\n    c()\n"})
    message = failure(tmp_path, block("a.py", "if a:\n  b()\n    c()\n", "pass\n"))
    assert "were not found" in message


# --- unified diffs ------------------------------------------------------------------------

RULE_DIFF = """\
diff --git a/src/L060.py b/src/L060.py
--- a/src/L060.py
+++ b/src/L060.py
@@ -31,4 +31,8 @@ def _eval(self, context: RuleContext) -> Optional[LintResult]:
             ],
         )

-        return LintResult(context.segment, [fix])
+        return LintResult(
+            anchor=context.segment,
+            fixes=[fix],
+            description=f"Use 'COALESCE' instead of '{context.segment.raw_upper}'.",
+        )
"""


@pytest.mark.parametrize(
    "header",
    [
        "@@ -31,4 +31,8 @@",  # right
        "@@ -3,4 +3,8 @@",  # far off
        "@@ -310,40 +310,8 @@",  # past the end, wrong counts
        "@@ ... @@",  # none at all
    ],
)
def test_diff_line_numbers_are_only_hints(tmp_path: Path, header: str) -> None:
    make_repo(tmp_path, {"src/L060.py": RULE})
    diff = RULE_DIFF.replace("@@ -31,4 +31,8 @@", header)
    apply_patch_file(tmp_path, diff)
    assert (tmp_path / "src/L060.py").read_text().endswith(NEW_RESULT)


def test_drifted_context_applies_when_it_still_resembles_the_file(tmp_path: Path) -> None:
    make_repo(tmp_path, {"src/L060.py": RULE})
    # the model remembered "raw_upper" as "raw" in a context line two lines above the change
    diff = """\
--- a/src/L060.py
+++ b/src/L060.py
@@ -18,5 +18,5 @@
         if context.segment.raw not in {"IFNULL", "NVL"}:
             return None

-        # Create fix to replace ``IFNULL`` or ``NVL`` with ``COALESCE``.
+        # Replace ``IFNULL`` or ``NVL`` with ``COALESCE``.
         fix = LintFix.replace(
"""
    change = apply_patch_file(tmp_path, diff)
    text = (tmp_path / "src/L060.py").read_text()
    assert "        # Replace ``IFNULL`` or ``NVL`` with ``COALESCE``.\n        fix =" in text
    assert 'context.segment.raw_upper not in {"IFNULL", "NVL"}' in text  # context untouched
    assert "without 1 context line(s) that differed from the file" in change.notes[0]


def test_an_insertion_at_a_cut_in_the_context_is_not_guessed(tmp_path: Path) -> None:
    # the model left out the second import: insert before or after it? Refuse to guess.
    source = "from django.conf import settings\nfrom .trans import code_re\n\nfrom . import Error\n"
    make_repo(tmp_path, {"checks.py": source})
    diff = """\
--- a/checks.py
+++ b/checks.py
@@ -1,3 +1,4 @@
 from django.conf import settings
+from django.utils.translation import get_supported_language_variant

 from . import Error
"""
    assert "were not found" in failure(tmp_path, diff)
    # with the neighbour only drifted (not missing), the insertion point is certain
    drifted = diff.replace(" from django.conf import settings", " from django.conf import setting")
    drifted = drifted.replace("\n\n from . import Error", "\n from .trans import code_re\n")
    apply_patch_file(tmp_path, drifted)
    assert (
        (tmp_path / "checks.py")
        .read_text()
        .startswith(
            "from django.conf import settings\nfrom django.utils.translation import get_supported"
        )
    )


def test_unrelated_context_is_not_fuzzed_away(tmp_path: Path) -> None:
    make_repo(tmp_path, {"src/L060.py": RULE})
    diff = """\
--- a/src/L060.py
+++ b/src/L060.py
@@ -18,5 +18,5 @@
 import numpy as np
 plt.show()
-        # Create fix to replace ``IFNULL`` or ``NVL`` with ``COALESCE``.
+        # Replace ``IFNULL`` or ``NVL`` with ``COALESCE``.
         fix = LintFix.replace(
"""
    message = failure(tmp_path, diff)
    assert "src/L060.py: hunk 1 of 1 (@@ -18,5 +18,5 @@) did not apply" in message
    assert "'import numpy as np'" in message


def test_several_files_and_hunks(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "".join(f"line{n}\n" for n in range(1, 40)), "b.py": "b\n"})
    diff = """\
--- a/a.py
+++ b/a.py
@@ -2,3 +2,4 @@
 line2
+inserted
 line3
 line4
@@ -30,3 +31,2 @@
 line30
-line31
 line32
--- a/b.py
+++ b/b.py
@@ -1 +1 @@
-b
+B
"""
    change = apply_patch_file(tmp_path, diff)
    assert change.changed == ("a.py", "b.py")
    lines = (tmp_path / "a.py").read_text().splitlines()
    assert lines[1:4] == ["line2", "inserted", "line3"]
    assert "line31" not in lines
    assert (tmp_path / "b.py").read_text() == "B\n"


def test_a_zero_context_hunk_goes_where_its_number_says(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.txt": "a\nb\nc\n"})
    apply_patch_file(tmp_path, "--- a/a.txt\n+++ b/a.txt\n@@ -2,0 +3 @@\n+new\n")
    assert (tmp_path / "a.txt").read_text() == "a\nb\nnew\nc\n"
    message = failure(tmp_path, "--- a/a.txt\n+++ b/a.txt\n@@ ... @@\n+new\n")
    assert "it has no context lines and no usable line number" in message


def test_a_misremembered_context_line_inside_the_search(tmp_path: Path) -> None:
    make_repo(tmp_path, {"src/L060.py": RULE})
    search = (
        "        # Only care if the function is ``IFNULL`` or ``NVL``.\n"
        '        if context.segment.raw_upper not in {"IFNULL", "NVL"}:\n'
        "            return None\n"
        "\n"
        "        # Create a fix to replace IFNULL or NVL with COALESCE.\n"  # misremembered
        "        fix = LintFix.replace(\n"
        "            context.segment,\n"
    )
    replace = search.replace("return None", "return LintResult()")
    change = apply_patch_file(tmp_path, block("src/L060.py", search, replace))
    text = (tmp_path / "src/L060.py").read_text()
    assert "        # Create fix to replace ``IFNULL`` or ``NVL`` with ``COALESCE``.\n" in text
    assert '"NVL"}:\n            return LintResult()\n' in text
    assert "with context lines that differ from the file" in change.notes[0]


def test_drift_is_refused_in_a_changed_line_or_when_it_is_too_much(tmp_path: Path) -> None:
    make_repo(tmp_path, {"src/L060.py": RULE})
    changed_line_drifted = block(
        "src/L060.py",
        '        if context.segment.raw_lower not in {"IFNULL", "NVL"}:\n            return None\n',
        "        pass\n",
    )
    assert "were not found" in failure(tmp_path, changed_line_drifted)
    search = (
        "        # Only care if the function is ``IFNULL`` or ``NVL``.\n"
        '        if context.segment.raw_upper not in {"IFNULL", "NVL", "ISNULL"}:\n'
        "            return None\n"
        "\n"
        "        # Create a fix to replace IFNULL or NVL with COALESCE.\n"
    )
    two_of_four = block("src/L060.py", search, search.replace("return None", "return 1"))
    assert "were not found" in failure(tmp_path, two_of_four)


CONFIG = "".join(f"setting_{n} = {n}\n" for n in range(1, 30))


def test_a_hunk_missing_a_middle_context_line_applies_in_pieces(tmp_path: Path) -> None:
    make_repo(tmp_path, {"conf.py": CONFIG})
    diff = """\
--- a/conf.py
+++ b/conf.py
@@ -10,9 +10,9 @@
 setting_10 = 10
 setting_11 = 11
-setting_12 = 12
+setting_12 = 120
 setting_13 = 13
 setting_15 = 15
-setting_16 = 16
+setting_16 = 160
 setting_17 = 17
 setting_18 = 18
"""
    change = apply_patch_file(tmp_path, diff)  # "setting_14" was left out between the changes
    expected = CONFIG.replace("setting_12 = 12\n", "setting_12 = 120\n")
    assert (tmp_path / "conf.py").read_text() == expected.replace("= 16\n", "= 160\n")
    assert "hunk 1 of 1 (@@ -10,9 +10,9 @@) applied in 2 pieces" in change.notes[0]


def test_pieces_far_apart_are_refused(tmp_path: Path) -> None:
    make_repo(tmp_path, {"conf.py": CONFIG})
    diff = """\
--- a/conf.py
+++ b/conf.py
@@ -10,9 +10,9 @@
 setting_10 = 10
 setting_11 = 11
-setting_12 = 12
+setting_12 = 120
 setting_13 = 13
 setting_25 = 25
-setting_26 = 26
+setting_26 = 260
 setting_27 = 27
"""
    assert "were not found" in failure(tmp_path, diff)


def test_a_header_that_disagrees_with_an_insert_only_body_is_not_trusted(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.txt": "a\nb\nc\n"})
    message = failure(tmp_path, "--- a/a.txt\n+++ b/a.txt\n@@ -2,3 +2,4 @@\n+new\n")
    assert "no context lines and no usable line number" in message


# --- never in the wrong place -------------------------------------------------------------

TWINS = """\
def load(path):
    with open(path) as f:
        return f.read()


def save(path, data):
    with open(path) as f:
        return f.read()
"""


def test_an_ambiguous_block_is_refused_with_the_places(tmp_path: Path) -> None:
    make_repo(tmp_path, {"io.py": TWINS})
    reply = block("io.py", "    with open(path) as f:\n", '    with open(path, "w") as f:\n')
    message = failure(tmp_path, reply)
    assert message.startswith("The edits were not applied and no file was changed:\n\n")
    assert "io.py: edit 1 (the block at line 2 of the reply) did not apply" in message
    assert "match 2 places (exact; at lines 2, 7)" in message
    assert "Include more surrounding lines" in message


def test_ambiguity_at_a_looser_level_is_refused_too(tmp_path: Path) -> None:
    make_repo(tmp_path, {"io.py": TWINS})
    reply = block("io.py", "with open(path) as f:\n    return f.read()\n", "pass\n")
    assert "match 2 places (with a uniform indentation shift" in failure(tmp_path, reply)


def test_a_diffs_exact_line_number_picks_one_of_twins(tmp_path: Path) -> None:
    make_repo(tmp_path, {"io.py": TWINS})
    diff = "--- a/io.py\n+++ b/io.py\n@@ -7,2 +7,2 @@\n-    with open(path) as f:\n"
    diff += '+    with open(path, "w") as f:\n         return f.read()\n'
    apply_patch_file(tmp_path, diff)
    assert (tmp_path / "io.py").read_text() == TWINS.replace(
        "def save(path, data):\n    with open(path) as f:",
        'def save(path, data):\n    with open(path, "w") as f:',
    )
    make_repo(tmp_path, {"io.py": TWINS})
    off_by_one = diff.replace("@@ -7,2 +7,2 @@", "@@ -8,2 +8,2 @@")
    assert "match 2 places" in failure(tmp_path, off_by_one)


def test_a_missing_match_names_the_file_edit_and_closest_lines(tmp_path: Path) -> None:
    make_repo(tmp_path, {"src/L060.py": RULE})
    reply = block(
        "src/L060.py",
        '        if context.segment.raw_lower not in {"ifnull", "nvl"}:\n            return None\n',
        "        pass\n",
    )
    message = failure(tmp_path, reply)
    assert "src/L060.py: edit 1 (the block at line 2 of the reply) did not apply: the lines" in (
        message
    )
    assert "These lines are not in the file at all:\n  line 1 of the search: 'if context" in (
        message
    )
    assert "The closest lines in the file (18-19, " in message
    assert '     18 |         if context.segment.raw_upper not in {"IFNULL", "NVL"}:' in message


def test_all_failures_are_reported_at_once(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "a\n", "b.py": "b\n"})
    reply = block("a.py", "nope\n", "x\n") + block("b.py", "b\n", "B\n") + block("c.py", "c\n", "")
    message = failure(tmp_path, reply)
    assert "a.py: edit 1" in message
    assert "b.py" not in message
    assert (
        "c.py: edit 3 (the block at line 14 of the reply) did not apply: the file does not exist"
        in (message)
    )


def test_atomic_second_edit_fails_first_file_untouched(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "a = 1\n", "b.py": "b = 1\n"})
    edits = [FileEdit("a.py", "a = 1\n", "a = 2\n"), FileEdit("b.py", "b = 9\n", "b = 2\n")]
    with pytest.raises(ApplyFailed) as info:
        apply_edits(tmp_path, edits)
    assert (tmp_path / "a.py").read_text() == "a = 1\n"
    assert isinstance(info.value.errors[0], MatchError)


def test_a_write_failure_puts_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_repo(tmp_path, {"a.py": "a = 1\n", "z.py": "z = 1\n", "old.py": "o\n"})
    edits = [
        FileEdit("a.py", "a = 1\n", "a = 2\n"),
        FileEdit("new/pkg/mod.py", "", "m = 1\n"),
        DeleteFile("old.py"),
        FileEdit("z.py", "z = 1\n", "z = 2\n"),
    ]
    before = tree(tmp_path)
    real_replace = os.replace

    def failing_replace(src: str, dst: Path) -> None:
        if Path(dst).name == "z.py":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(PatchError, match=r"could not write z\.py: No space left on device; no"):
        apply_edits(tmp_path, edits)
    monkeypatch.undo()
    assert tree(tmp_path) == before
    assert not (tmp_path / "new").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --- files: line endings, creation, deletion, renames, binaries --------------------------


def test_crlf_file_stays_crlf(tmp_path: Path) -> None:
    make_repo(tmp_path, {"win.txt": b"one\r\ntwo\r\nthree\r\n"})
    change = apply_patch_file(tmp_path, block("win.txt", "two\n", "2\nzwei\n"))
    assert (tmp_path / "win.txt").read_bytes() == b"one\r\n2\r\nzwei\r\nthree\r\n"
    assert "-two\r\n+2\r\n+zwei\r\n" in change.diff


def test_a_crlf_diff_applies_to_a_crlf_file(tmp_path: Path) -> None:
    make_repo(tmp_path, {"win.txt": b"one\r\ntwo\r\n"})
    apply_patch_file(
        tmp_path, "--- a/win.txt\r\n+++ b/win.txt\r\n@@ -1,2 +1,2 @@\r\n one\r\n-two\r\n+2\r\n"
    )
    assert (tmp_path / "win.txt").read_bytes() == b"one\r\n2\r\n"


def test_missing_final_newline_and_bom_are_kept(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.txt": "\ufeffa\nb".encode()})
    change = apply_patch_file(tmp_path, block("a.txt", "a\nb\n", "A\nb\n"))
    assert (tmp_path / "a.txt").read_bytes() == "\ufeffA\nb".encode()
    assert change.diff.endswith(" b\n\\ No newline at end of file\n")


def test_a_diff_can_add_the_final_newline(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.txt": "a\nb"})
    diff = "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
    apply_patch_file(tmp_path, diff)
    assert (tmp_path / "a.txt").read_text() == "a\nb\n"


def test_append_to_a_file_without_final_newline(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.txt": "a"})
    change = apply_patch_file(tmp_path, block("a.txt", "", "b\n"))
    assert (tmp_path / "a.txt").read_text() == "a\nb"
    assert "appended to the existing file" in change.notes[0]


def test_new_files_from_blocks_and_diffs(tmp_path: Path) -> None:
    reply = block("pkg/util/strings.py", "", "def curtail(s, n):\n    return s[:n]\n")
    change = apply_patch_file(tmp_path, reply)
    assert change.created == ("pkg/util/strings.py",)
    assert (tmp_path / "pkg/util/strings.py").read_text().startswith("def curtail")
    diff = "--- /dev/null\n+++ b/docs/notes.md\n@@ -0,0 +1,2 @@\n+# Notes\n+\n"
    assert apply_patch_file(tmp_path, diff).created == ("docs/notes.md",)
    assert (tmp_path / "docs/notes.md").read_text() == "# Notes\n\n"
    assert "creates this file, but it exists" in failure(tmp_path, diff)


def test_deletion_must_be_explicit(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n", "c.py": "z = 3\n"})
    # removing every line leaves an empty file; it is not deleted
    apply_patch_file(tmp_path, "--- a/a.py\n+++ b/a.py\n@@ -1 +0,0 @@\n-x = 1\n")
    assert (tmp_path / "a.py").read_text() == ""
    change = apply_patch_file(tmp_path, "b.py\n<<<<<<< DELETE\n>>>>>>> DELETE\n")
    assert change.deleted == ("b.py",)
    assert "deleted file mode 100644\n--- a/b.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-y = 2\n" in (
        change.diff
    )
    diff = "--- a/c.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-z = 3\n"
    assert apply_patch_file(tmp_path, diff).deleted == ("c.py",)
    assert not (tmp_path / "b.py").exists()
    assert not (tmp_path / "c.py").exists()
    assert "no such file to delete" in failure(tmp_path, "b.py\n<<<<<<< DELETE\n")


def test_a_deletion_diff_must_match_the_whole_file(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "x = 1\ny = 2\n"})
    message = failure(tmp_path, "--- a/a.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n")
    assert "the diff deletes the file, but its hunks do not remove every line" in message


def test_renames(tmp_path: Path) -> None:
    make_repo(tmp_path, {"old.py": "a\nb\n", "m.py": "1\n", "taken.py": "t\n"})
    diff = (
        "diff --git a/old.py b/new/place.py\nsimilarity index 100%\n"
        "rename from old.py\nrename to new/place.py\n"
        "diff --git a/m.py b/n.py\nrename from m.py\nrename to n.py\n"
        "--- a/m.py\n+++ b/n.py\n@@ -1 +1 @@\n-1\n+2\n"
    )
    change = apply_patch_file(tmp_path, diff)
    assert change.renamed == (("old.py", "new/place.py"), ("m.py", "n.py"))
    assert change.created == ("n.py", "new/place.py")
    assert change.deleted == ("m.py", "old.py")
    assert (tmp_path / "new/place.py").read_text() == "a\nb\n"
    assert (tmp_path / "n.py").read_text() == "2\n"
    onto = "diff --git a/n.py b/taken.py\nrename from n.py\nrename to taken.py\n"
    assert "taken.py: cannot rename n.py to it: the file exists" in failure(tmp_path, onto)


def test_binary_files_cannot_be_edited_but_can_be_deleted(tmp_path: Path) -> None:
    make_repo(
        tmp_path, {"logo.png": b"\x89PNG\r\n\x1a\n\0\0\0", "l1.txt": "caf\xe9\n".encode("latin-1")}
    )
    message = failure(tmp_path, block("logo.png", "PNG\n", "GIF\n") + block("l1.txt", "a\n", "b\n"))
    assert "refused to edit 'logo.png': it is a binary file" in message
    assert "refused to edit 'l1.txt': it is not UTF-8 text" in message
    change = apply_edits(tmp_path, [DeleteFile("logo.png")])
    assert "Binary files a/logo.png and /dev/null differ\n" in change.diff


def test_executable_mode_is_kept(tmp_path: Path) -> None:
    make_repo(tmp_path, {"run.sh": "#!/bin/sh\necho hi\n"})
    (tmp_path / "run.sh").chmod(0o755)
    apply_patch_file(tmp_path, block("run.sh", "echo hi\n", "echo hello\n"))
    assert stat.S_IMODE((tmp_path / "run.sh").stat().st_mode) == 0o755


# --- the API around it --------------------------------------------------------------------


def test_plan_writes_nothing_and_applied_change_lists_paths(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "a\n", "gone.py": "g\n"})
    edits = parse_edits(
        block("a.py", "a\n", "A\n") + block("b.py", "", "b\n") + "gone.py\n<<<<<<< DELETE\n"
    )
    before = tree(tmp_path)
    change = plan_edits(tmp_path, edits)
    assert tree(tmp_path) == before
    assert isinstance(change, AppliedChange)
    assert (change.changed, change.created, change.deleted) == (("a.py",), ("b.py",), ("gone.py",))
    assert change.paths == ("a.py", "b.py", "gone.py")
    assert [f.after for f in change.files] == [b"A\n", b"b\n", None]


def test_a_no_op_edit_changes_nothing(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "a\n"})
    change = apply_patch_file(tmp_path, block("a.py", "a\n", "a\n"))
    assert change.files == ()
    assert change.diff == ""


def test_malformed_replies_raise_edit_format_errors(tmp_path: Path) -> None:
    with pytest.raises(EditFormatError, match="no edits found"):
        apply_patch_file(tmp_path, "I could not find the bug.")
    with pytest.raises(ApplyFailed, match="there were no edits"):
        apply_edits(tmp_path, [])
