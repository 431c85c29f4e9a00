"""Git plumbing on one bare repository, through the `git` CLI (no working tree, no index)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from simulator.gitparse import (
    CommitInfo,
    FileChange,
    Ident,
    TreeEntry,
    parse_ident,
    parse_ls_tree,
    parse_raw_numstat,
)
from simulator.trees import FlatEntry, TreeChange, apply_changes, nest

ZERO_SHA = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class GitError(Exception):
    """A git command failed (bad object, ref lock lost, ...)."""


def _env() -> dict[str, str]:
    # A fixed, isolated environment: the developer's git config must not leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C")
    return env


class GitStore:
    """A bare repository on disk; every method is one or a few git invocations."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: dict[str, str] | None = None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> bytes:
        """Run `git --git-dir=<repo> <args>`; raise GitError on an unexpected exit code."""
        proc = self._spawn(args, stdin, env)
        if proc.returncode not in ok_codes:
            raise GitError(f"git {args[0]}: {proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout

    def _spawn(
        self, args: tuple[str, ...], stdin: bytes | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["git", f"--git-dir={self.path}", *args],
            input=stdin,
            capture_output=True,
            env={**_env(), **(env or {})},
            check=False,
        )

    def init(self, default_branch: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self.run("init", "--bare", "--quiet", f"--initial-branch={default_branch}")

    # objects -------------------------------------------------------------------------

    def write_blob(self, data: bytes) -> str:
        return self.run("hash-object", "-w", "--stdin", stdin=data).decode().strip()

    def object_type(self, sha: str) -> str | None:
        """`blob`, `tree`, `commit`, `tag`, or None when the object does not exist."""
        if not _is_hex(sha):
            return None
        out = self.run("cat-file", "-t", sha, ok_codes=(0, 128))
        return out.decode().strip() or None

    def read_blob(self, sha: str) -> bytes:
        return self.run("cat-file", "blob", sha)

    def list_tree(
        self, treeish: str, recursive: bool = False, path: str | None = None
    ) -> list[TreeEntry]:
        """Entries of a tree (or of the tree of a commit); `-r -t` lists subtrees too."""
        args = ["ls-tree", "-l", "-z", *(["-r", "-t"] if recursive else []), treeish]
        out = self.run(*args, *(["--", path] if path else []))
        return [parse_ls_tree(row) for row in out.decode().split("\0") if row]

    def entry_at(self, commit: str, path: str) -> TreeEntry | None:
        """The tree entry at `path` in `commit` (a synthetic root entry for '')."""
        if not path:
            return TreeEntry("040000", "tree", self.tree_of(commit), "", None)
        hits = [e for e in self.list_tree(commit, path=path) if e.path == path]
        return hits[0] if hits else None

    def write_tree(self, entries: dict[str, FlatEntry]) -> str:
        """Write a full tree from flattened `path -> entry` rows; returns the root sha."""
        written: dict[str, str] = {}
        for directory, rows in nest(entries):
            lines = []
            for name, row in rows:
                sha = written[row.sha] if row.type == "tree" else row.sha
                lines.append(f"{row.mode} {row.type} {sha}\t{name}\0")
            written[directory] = (
                self.run("mktree", "-z", stdin="".join(lines).encode()).decode().strip()
            )
        return written.get("", EMPTY_TREE)

    def flatten(self, tree: str) -> dict[str, FlatEntry]:
        """Every non-tree entry under `tree`, keyed by full path."""
        return {
            e.path: FlatEntry(e.mode, e.type, e.sha)
            for e in self.list_tree(tree, recursive=True)
            if e.type != "tree"
        }

    def commit_files(
        self, branch: str, files: Mapping[str, str | bytes | None], message: str, author: Ident
    ) -> str:
        """Commit `files` (None deletes) on top of `branch` (created if missing), move it."""
        ref = f"refs/heads/{branch}"
        parent = self.resolve(ref)
        changes = [
            TreeChange(
                path,
                "100644",
                "blob",
                None
                if data is None
                else self.write_blob(data.encode() if isinstance(data, str) else data),
            )
            for path, data in files.items()
        ]
        base = self.flatten(self.tree_of(parent)) if parent else {}
        tree = self.write_tree(apply_changes(base, changes, self.flatten))
        sha = self.commit_tree(tree, [parent] if parent else [], message, author, author)
        self.set_ref(ref, sha, parent or ZERO_SHA)
        return sha

    def commit_tree(
        self, tree: str, parents: list[str], message: str, author: Ident, committer: Ident
    ) -> str:
        env = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_AUTHOR_DATE": _git_date(author.date),
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
            "GIT_COMMITTER_DATE": _git_date(committer.date),
        }
        parent_args = [arg for p in parents for arg in ("-p", p)]
        out = self.run(
            "commit-tree", tree, *parent_args, "-F", "-", stdin=message.encode(), env=env
        )
        return out.decode().strip()

    def read_commit(self, sha: str) -> CommitInfo:
        raw = self.run("cat-file", "commit", sha).decode(errors="replace")
        header, _, message = raw.partition("\n\n")
        fields: dict[str, list[str]] = {}
        for line in header.splitlines():
            key, _, value = line.partition(" ")
            fields.setdefault(key, []).append(value)
        return CommitInfo(
            sha,
            fields["tree"][0],
            tuple(fields.get("parent", [])),
            parse_ident(fields["author"][0]),
            parse_ident(fields["committer"][0]),
            message,
        )

    def tree_of(self, commit: str) -> str:
        return self.run("rev-parse", f"{commit}^{{tree}}").decode().strip()

    # refs --------------------------------------------------------------------------

    def resolve(self, rev: str) -> str | None:
        """The object a ref name, sha or other revision points to, or None."""
        out = self.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", rev, ok_codes=(0, 1, 128)
        )
        return out.decode().strip() or None

    def resolve_commit(self, ref: str) -> str | None:
        """The commit a branch, tag, full ref or sha names, GitHub's lookup order."""
        for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
            sha = self.resolve(f"{candidate}^{{commit}}")
            if sha:
                return sha
        return None

    def count_commits(self, base: str, head: str) -> int:
        return int(self.run("rev-list", "--count", f"{base}..{head}").decode().strip() or 0)

    def refs(self) -> list[tuple[str, str, str]]:
        """All refs as (name, sha, object type), sorted by name."""
        out = self.run("for-each-ref", "--format=%(refname) %(objectname) %(objecttype)")
        rows = [line.split(" ") for line in out.decode().splitlines() if line]
        return [(r[0], r[1], r[2]) for r in rows]

    def set_ref(self, ref: str, new: str, old: str | None = None) -> None:
        """Point `ref` at `new`; with `old` (ZERO_SHA = must not exist) as a compare-and-swap."""
        self.run("update-ref", ref, new, *([old] if old is not None else []))

    def delete_ref(self, ref: str) -> None:
        self.run("update-ref", "-d", ref)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self._spawn(("merge-base", "--is-ancestor", ancestor, descendant)).returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        return self.run("merge-base", a, b, ok_codes=(0, 1)).decode().strip() or None

    def merge_tree(self, ours: str, theirs: str) -> str | None:
        """The tree of a three-way merge of two commits (no worktree), None on conflicts."""
        proc = self._spawn(("merge-tree", "--write-tree", "--no-messages", ours, theirs))
        problem = proc.stderr.decode(errors="replace").strip()
        # 1: conflicts (git still prints a tree, with conflict markers); GitHub cannot merge
        # unrelated histories either
        if proc.returncode == 1 or "unrelated histories" in problem:
            return None
        if proc.returncode != 0:
            raise GitError(f"git merge-tree: {problem}")
        return proc.stdout.decode().strip()

    def fetch(self, source: Path, *refspecs: str) -> None:
        """Copy refs, with their objects, from another repository on disk (a fork, a parent)."""
        self.run("fetch", "--quiet", "--no-tags", str(source), *refspecs)

    def subjects(self, base: str, head: str) -> list[str]:
        """First lines of the messages of the commits in `base..head`, oldest first."""
        out = self.run("log", "--reverse", "--format=%s", f"{base}..{head}")
        return out.decode(errors="replace").splitlines()

    # diffs and archives ---------------------------------------------------------------

    def diff(self, base: str, head: str) -> list[FileChange]:
        """Files changed from `base` to `head`, with rename detection."""
        raw = self.run("diff", "--raw", "--numstat", "--no-abbrev", "-z", "-M", base, head).decode()
        return parse_raw_numstat(raw)

    def patch(self, base: str, head: str, change: FileChange) -> str:
        paths = [change.old_path, change.path] if change.old_path else [change.path]
        out = self.run("diff", "-M", "--no-color", base, head, "--", *paths).decode(
            errors="replace"
        )
        # GitHub's `patch` starts at the first hunk: drop the `diff --git` header lines.
        start = out.find("\n@@")
        return out[start + 1 :] if start >= 0 else ""

    def archive(self, commit: str, prefix: str) -> bytes:
        return self.run("archive", "--format=tar.gz", f"--prefix={prefix}", commit)


def _is_hex(sha: str) -> bool:
    return 4 <= len(sha) <= 40 and all(c in "0123456789abcdef" for c in sha)


def _git_date(when: datetime) -> str:
    return f"@{int(when.timestamp())} +0000"
