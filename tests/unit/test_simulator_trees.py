"""GitHub's create-a-tree semantics on flattened trees (pure, no git)."""

from __future__ import annotations

from simulator.trees import TREE_MODE, FlatEntry, TreeChange, apply_changes, nest

A = FlatEntry("100644", "blob", "a" * 40)
B = FlatEntry("100644", "blob", "b" * 40)
BASE = {"README.md": A, "src/app.py": A, "src/lib/util.py": B}


def no_expand(sha: str) -> dict[str, FlatEntry]:
    raise AssertionError(f"unexpected expand({sha})")


def test_entries_overwrite_add_and_delete() -> None:
    changes = [
        TreeChange("src/app.py", "100755", "blob", B.sha),
        TreeChange("docs/new.md", "100644", "blob", A.sha),
        TreeChange("README.md", "100644", "blob", None),
    ]
    result = apply_changes(BASE, changes, no_expand)
    assert result == {
        "src/app.py": FlatEntry("100755", "blob", B.sha),
        "src/lib/util.py": B,
        "docs/new.md": A,
    }


def test_deleting_a_directory_removes_everything_below_it() -> None:
    result = apply_changes(BASE, [TreeChange("src", TREE_MODE, "tree", None)], no_expand)
    assert result == {"README.md": A}


def test_a_file_replaces_a_directory_and_a_directory_replaces_a_file() -> None:
    result = apply_changes(
        BASE,
        [
            TreeChange("src", "100644", "blob", B.sha),
            TreeChange("README.md/inner.txt", "100644", "blob", A.sha),
        ],
        no_expand,
    )
    assert result == {"src": B, "README.md/inner.txt": A}


def test_a_tree_entry_is_expanded_under_its_path() -> None:
    sub = {"x.py": A, "pkg/y.py": B}
    result = apply_changes(
        {},
        [TreeChange("/vendor/", TREE_MODE, "tree", "t" * 40)],
        lambda sha: sub if sha == "t" * 40 else {},
    )
    assert result == {"vendor/x.py": A, "vendor/pkg/y.py": B}


def test_nest_lists_directories_deepest_first_with_placeholders() -> None:
    order = nest(BASE)
    assert [directory for directory, _ in order] == ["src/lib", "src", ""]
    children = dict(order)
    assert children["src/lib"] == [("util.py", B)]
    assert sorted(children["src"]) == [
        ("app.py", A),
        ("lib", FlatEntry(TREE_MODE, "tree", "src/lib")),
    ]
    assert sorted(children[""]) == [("README.md", A), ("src", FlatEntry(TREE_MODE, "tree", "src"))]


def test_nest_of_nothing_is_one_empty_root() -> None:
    assert nest({}) == [("", [])]
