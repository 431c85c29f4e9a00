"""How often real patches, damaged the way models damage diffs, still apply correctly.

    .venv/bin/python -m bench.patch_apply --dataset ../shared/benchdata/swebench/lite_public.jsonl
        [--cache ~/.cache/morningai/bench-sources] [--seed 1] [--limit N]

For each SWE-bench task, the files its gold patch touches are taken from the registry's wheel
of the task's `version` (`pip download --no-deps --only-binary :all:`), cached. The release is
near the task's base commit, not at it, so a real (old, new) pair is made from it: if the gold
patch applies strictly (`git apply`, no fuzz) the release is "old"; if it applies in reverse,
the release already has the fix and is "new". Tasks where neither holds are skipped.

Each patch is then damaged as models do — hunk line numbers shifted, left out or miscounted,
context lines dropped or drifted, trailing whitespace, blank context lines without their
space — and applied to a fresh copy of "old" by our applier, `git apply --recount` and
`patch --fuzz=3`. A result is correct when every file equals "new", wrong when the tool
succeeded with other content. Our applier must also leave every file untouched on failure.
(Dropping all context is not among the damages: it changes what a diff means, e.g. a line
moved into a `try:` becomes a line re-indented in place, so no result could be judged.)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from agents.code.apply import apply_patch_file
from agents.code.edits import PatchError
from agents.code.unified import parse_unified_diff

PYPI_NAMES = {
    "django/django": "Django",
    "sphinx-doc/sphinx": "Sphinx",
    "pvlib/pvlib-python": "pvlib",
}
PYTHONS = ("3.8", "3.7", "3.6", "3.9", "3.11", "3.5")
VERBOSE = False
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
Files = dict[str, bytes | None]


def fetch_wheel(repo: str, version: str, cache: Path) -> Path | None:
    """The wheel of the latest `version`.* release, downloaded once into `cache`."""
    name = PYPI_NAMES.get(repo, repo.split("/")[1])
    target = cache / f"{name}-{version}"
    if not target.exists():
        for python in PYTHONS:
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                 "--python-version", python, "-d", str(target), "-q", f"{name}=={version}.*"],
                capture_output=True, check=False,
            )  # fmt: skip
            if done.returncode == 0:
                break
        else:
            target.mkdir(parents=True, exist_ok=True)  # remember the miss
    wheels = sorted(target.glob("*.whl"))
    return wheels[0] if wheels else None


def release_files(wheel: Path, paths: list[str]) -> Files:
    """The repository paths' contents in the wheel, by the longest matching path suffix."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        found: Files = {}
        for path in paths:
            parts = path.split("/")
            inside = next(
                ("/".join(parts[i:]) for i in range(len(parts)) if "/".join(parts[i:]) in names),
                None,
            )
            found[path] = archive.read(inside) if inside else None
    return found


def materialize(root: Path, files: Files) -> None:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for path, data in files.items():
        if data is not None:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)


def snapshot(root: Path, paths: list[str]) -> Files:
    return {p: (root / p).read_bytes() if (root / p).is_file() else None for p in paths}


def git_apply(root: Path, patch: str, *extra: str) -> bool:
    done = subprocess.run(
        ["git", "apply", *extra, "-"],
        cwd=root,
        input=patch.encode(),
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def gnu_patch(root: Path, patch: str) -> bool:
    done = subprocess.run(
        ["patch", "-p1", "--fuzz=3", "-f", "-s", "--no-backup-if-mismatch", "-r", "-"],
        cwd=root, input=patch.encode(), capture_output=True, check=False,
    )  # fmt: skip
    return done.returncode == 0


def ours(root: Path, patch: str) -> bool:
    try:
        apply_patch_file(root, patch)
    except PatchError as error:
        if VERBOSE:
            print(f"--- ours failed:\n{error}\n{patch}", file=sys.stderr)
        return False
    return True


def make_pair(row: dict[str, str], cache: Path, work: Path) -> tuple[Files, Files] | None:
    """(old, new) contents of the patched files, from the release as explained above."""
    paths = sorted({p.path for p in parse_unified_diff(row["patch"])} | _old_paths(row["patch"]))
    wheel = fetch_wheel(row["repo"], row["version"], cache)
    if wheel is None:
        return None
    release = release_files(wheel, paths)
    materialize(work, release)
    if git_apply(work, row["patch"]):
        return release, snapshot(work, paths)
    materialize(work, release)
    if git_apply(work, row["patch"], "-R"):
        return snapshot(work, paths), release
    return None


def _old_paths(patch: str) -> set[str]:
    return {p.old_path for p in parse_unified_diff(patch) if p.old_path}


def _hunk_edit(patch: str, edit: Callable[[list[str]], list[str]]) -> str:
    """Apply `edit` to the body lines of every hunk (the lines after each @@ header)."""
    out: list[str] = []
    body: list[str] = []
    for line in [*patch.removesuffix("\n").split("\n"), "@@END"]:
        if line[:1] in (" ", "+", "-", "\\", "") and out and not line.startswith(("---", "+++")):
            body.append(line)
            continue
        out.extend(edit(body) if body else body)
        body = []
        out.append(line)
    return "\n".join(out[:-1]) + "\n"


def shift_numbers(rng: random.Random, patch: str) -> str:
    def header(m: re.Match[str]) -> str:
        k = rng.choice([-1, 1]) * rng.randint(3, 40)
        old, new = max(1, int(m[1]) + k), max(1, int(m[3]) + k)
        return f"@@ -{old},{m[2] or 1} +{new},{m[4] or 1} @@{m[5]}"

    return "\n".join(HUNK.sub(header, line) for line in patch.split("\n"))


def wrong_counts(patch: str) -> str:
    return "\n".join(
        HUNK.sub(lambda m: f"@@ -{m[1]},{int(m[2] or 1) + 2} +{m[3]},{m[4] or 1} @@", line)
        for line in patch.split("\n")
    )


def no_numbers(patch: str) -> str:
    return "\n".join("@@ ... @@" if HUNK.match(line) else line for line in patch.split("\n"))


def _pick(rng: random.Random, lines: list[str], cond: Callable[[str], bool]) -> int | None:
    spots = [i for i, line in enumerate(lines) if cond(line)]
    return rng.choice(spots) if spots else None


def drop_context(rng: random.Random, body: list[str]) -> list[str]:
    i = _pick(rng, body, lambda line: line.startswith(" "))
    return body if i is None else body[:i] + body[i + 1 :]


def drift_context(rng: random.Random, body: list[str]) -> list[str]:
    """Misremember the last word of one context line."""
    i = _pick(rng, body, lambda line: line.startswith(" ") and len(line.split()) >= 2)
    if i is None:
        return body
    words = body[i].split(" ")
    j = max(k for k, w in enumerate(words) if w)
    words[j] = words[j][:-1] + "_x" if len(words[j]) > 1 else words[j] + "_x"
    return [*body[:i], " ".join(words), *body[i + 1 :]]


def trailing_spaces(rng: random.Random, body: list[str]) -> list[str]:
    return [line + "  " if line[:1] in " -" and rng.random() < 0.4 else line for line in body]


def bare_blanks(_: random.Random, body: list[str]) -> list[str]:
    return ["" if line == " " else line for line in body]


def damages(rng: random.Random) -> dict[str, Callable[[str], str]]:
    def hunks(*edits: Callable[[random.Random, list[str]], list[str]]) -> Callable[[str], str]:
        def edit(body: list[str]) -> list[str]:
            for one in edits:
                body = one(rng, body)
            return body

        return lambda patch: _hunk_edit(patch, edit)

    return {
        "none": lambda p: p,
        "shifted line numbers": lambda p: shift_numbers(rng, p),
        "wrong line counts": wrong_counts,
        "no line numbers": no_numbers,
        "a context line dropped": hunks(drop_context),
        "a context line drifted": hunks(drift_context),
        "trailing whitespace": hunks(trailing_spaces),
        "blank context w/o space": hunks(bare_blanks),
        "shift+drift+whitespace": lambda p: hunks(drift_context, trailing_spaces)(
            shift_numbers(rng, p)
        ),
    }


TOOLS: dict[str, Callable[[Path, str], bool]] = {
    "ours": ours,
    "git apply --recount": lambda root, p: git_apply(root, p, "--recount"),
    "patch --fuzz=3": gnu_patch,
}


def run(rows: list[dict[str, str]], cache: Path, seed: int) -> int:
    tally: Counter[tuple[str, str, str]] = Counter()
    used, bugs = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for row in rows:
            pair = make_pair(row, cache, work / "pair")
            if pair is None:
                continue
            used += 1
            old, new = pair
            rng = random.Random(f"{seed}:{row['instance_id']}")
            for damage, make in damages(rng).items():
                patch = make(row["patch"])
                for tool, apply in TOOLS.items():
                    materialize(work / "t", old)
                    ok = apply(work / "t", patch)
                    got = snapshot(work / "t", list(old))
                    verdict = "failed" if not ok else "correct" if got == new else "wrong"
                    tally[damage, tool, verdict] += 1
                    bugs += tool == "ours" and not ok and got != old
    report(tally, used, len(rows), bugs)
    return (
        1 if bugs or any(v for (_, t, r), v in tally.items() if t == "ours" and r == "wrong") else 0
    )


def report(tally: Counter[tuple[str, str, str]], used: int, total: int, bugs: int) -> None:
    print(f"tasks: {used} of {total} (the others' gold patch fits neither way on the release)")
    print(f"{'damage':<26}" + "".join(f"{tool:>26}" for tool in TOOLS))
    damage_names = list(dict.fromkeys(d for d, _, _ in tally))
    for damage in [*damage_names, "all"]:
        cells = []
        for tool in TOOLS:
            sel: Counter[str] = Counter()
            for (d, t, r), v in tally.items():
                if t == tool and damage in (d, "all"):
                    sel[r] += v
            n = sum(sel.values())
            right, wrong = sel.get("correct", 0), sel.get("wrong", 0)
            cells.append(f"{right / n:6.1%} ok, {wrong:3d} wrong" if n else "-")
        print(f"{damage:<26}" + "".join(f"{c:>26}" for c in cells))
    print(f"our failures that touched a file: {bugs}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument(
        "--cache", type=Path, default=Path.home() / ".cache/morningai/bench-sources"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="print our failures on stderr")
    args = parser.parse_args()
    global VERBOSE  # noqa: PLW0603 - a flag for this script's one run
    VERBOSE = args.verbose
    rows = [json.loads(line) for line in args.dataset.read_text().splitlines() if line.strip()]
    return run(rows[: args.limit] if args.limit else rows, args.cache, args.seed)


if __name__ == "__main__":
    sys.exit(main())
