"""Parsing the model's replies: SEARCH/REPLACE blocks and sloppy unified diffs."""

from __future__ import annotations

import pytest

from agents.code.edits import (
    DeleteFile,
    EditFormatError,
    FileEdit,
    FilePatch,
    HunkLine,
    parse_edits,
    parse_search_replace,
)
from agents.code.unified import parse_unified_diff

REPLY = """\
I'll fix the rule's message and add a helper.

src/sqlfluff/rules/L031.py
```python
<<<<<<< SEARCH
                    description="Avoid using aliases in join condition",
=======
                    description="Avoid aliases in from clauses and join conditions.",
>>>>>>> REPLACE
```

**src/sqlfluff/core/helpers.py**
```python
<<<<<<< SEARCH
=======
def curtail(text: str, limit: int) -> str:
    return text[:limit]
>>>>>>> REPLACE
```
"""


def test_blocks_with_paths_fences_and_prose() -> None:
    assert parse_edits(REPLY) == (
        FileEdit(
            "src/sqlfluff/rules/L031.py",
            " " * 20 + 'description="Avoid using aliases in join condition",\n',
            " " * 20 + 'description="Avoid aliases in from clauses and join conditions.",\n',
            5,
        ),
        FileEdit(
            "src/sqlfluff/core/helpers.py",
            "",
            "def curtail(text: str, limit: int) -> str:\n    return text[:limit]\n",
            14,
        ),
    )


@pytest.mark.parametrize(
    "path_line",
    [
        "src/x.py",
        "`src/x.py`",
        "**src/x.py**",
        "`src/x.py`:",
        "# src/x.py",
        "./src/x.py",
        "Change src/x.py:",
        "  src/x.py  ",
    ],
)
def test_path_line_decorations(path_line: str) -> None:
    text = f"{path_line}\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n"
    assert parse_search_replace(text)[0].path == "src/x.py"


def test_back_to_back_blocks_reuse_the_path() -> None:
    text = (
        "app.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n"
        "<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE\n"
    )
    edits = parse_search_replace(text)
    assert [(e.path, e.line) for e in edits] == [("app.py", 2), ("app.py", 7)]


def test_marker_lengths_and_blank_lines_are_kept() -> None:
    text = "a.py\n<<<<<<<< SEARCH\nx\n\n=========\ny\n\n\n>>>>>> REPLACE\n"
    (edit,) = parse_search_replace(text)
    assert edit == FileEdit("a.py", "x\n\n", "y\n\n\n", 2)


def test_empty_replace_deletes_lines() -> None:
    (edit,) = parse_search_replace("a.py\n<<<<<<< SEARCH\nx\n=======\n>>>>>>> REPLACE\n")
    assert edit == FileEdit("a.py", "x\n", "", 2)


def test_delete_block() -> None:
    text = "old/module.py\n<<<<<<< DELETE\n>>>>>>> DELETE\nnew.py\n<<<<<<< DELETE\n"
    assert parse_edits(text) == (DeleteFile("old/module.py", 2), DeleteFile("new.py", 5))


def test_a_quoted_diff_inside_a_block_is_content() -> None:
    text = "a.md\n<<<<<<< SEARCH\n--- a/x\n+++ b/x\n=======\n@@ -1 +1 @@\n>>>>>>> REPLACE\n"
    (edit,) = parse_edits(text)
    assert isinstance(edit, FileEdit)
    assert edit.search == "--- a/x\n+++ b/x\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.py\n<<<<<<< SEARCH\nx\n", "block at line 2 (a.py): '=======' missing before the end"),
        (
            "a.py\n<<<<<<< SEARCH\nx\n=======\ny\n",
            "block at line 2 (a.py): '>>>>>>> REPLACE' missing before the end",
        ),
        (
            "a.py\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n",
            "block at line 2 (a.py): '=======' missing before line 4",
        ),
        (
            "a.py\n<<<<<<< SEARCH\nx\n=======\ny\n<<<<<<< SEARCH\n",
            "'>>>>>>> REPLACE' missing before line 6",
        ),
        ("<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n", "line 1: the block has no file path"),
        ("a.py\nx\n=======\ny\n>>>>>>> REPLACE\n", "line 5: '>>>>>>> REPLACE' without a SEARCH"),
        ("Sure! Here is the fix: use a lock.", "no edits found"),
    ],
)
def test_malformed_blocks_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(EditFormatError) as info:
        parse_edits(text)
    assert message in str(info.value)


GIT_DIFF = """\
diff --git a/src/sqlfluff/core/parser/helpers.py b/src/sqlfluff/core/parser/helpers.py
index 1d2e3f4..5a6b7c8 100644
--- a/src/sqlfluff/core/parser/helpers.py
+++ b/src/sqlfluff/core/parser/helpers.py
@@ -2,6 +2,7 @@

 from typing import Tuple, List, Any, Iterator, TYPE_CHECKING

+from sqlfluff.core.errors import SQLParseError
 from sqlfluff.core.string_helpers import curtail_string

 if TYPE_CHECKING:
@@ -26,3 +27,3 @@ def check_still_complete(
     initial_str = join_segments_raw(segments_in)
-    if initial_str != current_str:  # pragma: no cover
+    if initial_str != current_str:
         raise RuntimeError(
"""


def test_git_diff_with_blank_context_lines_missing_their_space() -> None:
    (patch,) = parse_edits(GIT_DIFF)
    assert isinstance(patch, FilePatch)
    assert patch.old_path == patch.new_path == "src/sqlfluff/core/parser/helpers.py"
    first, second = patch.hunks
    assert (first.old_start, first.old_len, first.new_start, first.new_len) == (2, 6, 2, 7)
    assert first.old_lines()[0] == ""
    assert "+from sqlfluff.core.errors import SQLParseError" in [
        h.tag + h.text for h in first.lines
    ]
    assert second.section == "def check_still_complete("
    assert second.header == "@@ -26,3 +27,3 @@"
    assert second.line == 13


def test_hunks_without_numbers_and_wrong_counts() -> None:
    text = (
        "--- a.py\n+++ a.py\n@@ ... @@\n def f():\n-    pass\n+    return 1\n@@ -1,9 +1,1 @@\n x\n"
    )
    (patch,) = parse_unified_diff(text)
    assert patch.old_path == "a.py"  # no a/ b/ prefixes: the names are kept as written
    assert patch.hunks[0].old_start is None
    assert patch.hunks[0].new_lines() == ("def f():", "    return 1")
    assert patch.hunks[1].old_len == 9  # kept as a hint, never trusted
    assert patch.hunks[1].lines == (HunkLine(" ", "x"),)


def test_trailing_blank_lines_are_separators_unless_counted() -> None:
    text = "--- a/a.py\n+++ b/a.py\n@@ -1,1 +1,1 @@\n-x\n+y\n\n\n--- a/b.py\n+++ b/b.py\n"
    text += "@@ -1,2 +1,2 @@\n-x\n+y\n\n"
    a, b = parse_unified_diff(text)
    assert len(a.hunks[0].lines) == 2
    assert b.hunks[0].lines[-1] == HunkLine(" ", "")


def test_no_newline_markers_and_timestamps() -> None:
    text = (
        "--- a/a.txt\t2024-01-01 10:00:00.000 +0000\n+++ b/a.txt\t2024-01-02 10:00:00 +0000\n"
        "@@ -1 +1 @@\n-old\n\\ No newline at end of file\n+new\n"
    )
    (patch,) = parse_unified_diff(text)
    assert patch.path == "a.txt"
    assert patch.hunks[0].lines == (HunkLine("-", "old", newline=False), HunkLine("+", "new"))


def test_creation_deletion_and_renames() -> None:
    text = """\
diff --git a/new.py b/new.py
new file mode 100644
--- /dev/null
+++ b/new.py
@@ -0,0 +1 @@
+x = 1
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-y = 2
diff --git a/empty.txt b/empty.txt
deleted file mode 100644
diff --git a/old name.py b/new name.py
similarity index 100%
rename from old name.py
rename to new name.py
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
diff --git a/m.py b/n.py
similarity index 90%
rename from m.py
rename to n.py
--- a/m.py
+++ b/n.py
@@ -1 +1 @@
-a
+b
"""
    patches = parse_unified_diff(text)
    assert [(p.old_path, p.new_path, len(p.hunks)) for p in patches] == [
        (None, "new.py", 1),
        ("gone.py", None, 1),
        ("empty.txt", None, 0),
        ("old name.py", "new name.py", 0),
        ("m.py", "n.py", 1),
    ]


def test_quoted_paths() -> None:
    text = '--- "a/caf\\303\\251.txt"\n+++ "b/caf\\303\\251.txt"\n@@ -1 +1 @@\n-a\n+b\n'
    assert parse_unified_diff(text)[0].path == "café.txt"


def test_diff_in_a_fence_with_prose_after() -> None:
    text = "Here:\n```diff\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-a\n+b\n```\nDone - all good.\n"
    (patch,) = parse_edits(text)
    assert isinstance(patch, FilePatch)
    assert len(patch.hunks[0].lines) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@@ -1 +1 @@\n-a\n+b\n", "line 1: a hunk comes before any file header"),
        (
            "--- a/a.py\n+++ b/a.py\n@@ -1,3 +1,3 @@\n x\nforgot the space\n-a\n+b\n",
            "line 5, in the hunk at line 3 (@@ -1,3 +1,3 @@): every line of a hunk must start",
        ),
        ("--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n@@ -5 +5 @@\n-a\n", "line 3: the hunk"),
        ("--- a/a.py\n+++ b/a.py\nno hunks here\n", "line 1: the diff of a.py has no hunks"),
        ("--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+x\n", "both sides"),
        (
            "diff --git a/i.png b/i.png\nindex 1..2\nBinary files a/i.png and b/i.png differ\n",
            "binary",
        ),
        ("diff --git a/a b/b\ncopy from a\ncopy to b\n", "copies are not supported"),
    ],
)
def test_malformed_diffs_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(EditFormatError) as info:
        parse_unified_diff(text)
    assert message in str(info.value)


def test_a_mode_change_alone_is_nothing_to_apply() -> None:
    text = "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
    with pytest.raises(EditFormatError, match="no file headers"):
        parse_unified_diff(text)
