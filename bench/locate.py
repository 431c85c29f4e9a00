"""File-localization benchmark on SWE-bench Lite: issue text -> the files the real fix touched.

    .venv/bin/python -m bench.locate --dataset ../shared/benchdata/swebench/lite_dev.jsonl
        [--limit N] [--cache .morningai/bench-cache] [--details FILE.jsonl] [--repeat N]

For each instance the repository's source is the PyPI sdist of the latest release in the
instance's `version` series (`pip download --no-deps --no-binary :all: NAME==X.Y.*`), which is
close to, not at, `base_commit`. Sdists may lack tests, add a `src/` prefix or a `Name-1.2.3/`
root, so a ranked path and a gold path match when one is a path-suffix of the other. Ranks
`agents.code.locate.rank_files` and a plain BM25 baseline (whole-file content, the issue as the
query, nothing else) over the same files, and prints top-1/5/10 accuracy for both, and the
"oracle exploration" figure (`bench/locate_oracle.py`): how often a gold file is reachable from
our top 5 within 1, 2, 3, 5 calls of the code agent's exploration tools.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.code.locate import RankedFile, rank_files
from agents.code.locate_repo import SourceFile, read_sources
from agents.code.locate_text import BM25, Tokenizer, query_weights
from bench.locate_oracle import Explorable

PYPI_NAMES = {
    "astropy/astropy": "astropy",
    "django/django": "Django",
    "matplotlib/matplotlib": "matplotlib",
    "marshmallow-code/marshmallow": "marshmallow",
    "mwaskom/seaborn": "seaborn",
    "pallets/flask": "Flask",
    "psf/requests": "requests",
    "pvlib/pvlib-python": "pvlib",
    "pydata/xarray": "xarray",
    "pydicom/pydicom": "pydicom",
    "pylint-dev/astroid": "astroid",
    "pylint-dev/pylint": "pylint",
    "pytest-dev/pytest": "pytest",
    "pyvista/pyvista": "pyvista",
    "scikit-learn/scikit-learn": "scikit-learn",
    "sphinx-doc/sphinx": "Sphinx",
    "sqlfluff/sqlfluff": "sqlfluff",
    "sympy/sympy": "sympy",
}
KS = (1, 5, 10)
ORACLE_START = 5  # exploration starts from our top 5, the candidates the model is shown
ORACLE_STEPS = (1, 2, 3, 5)
TREES_KEPT = 3  # sdists whose files and definitions stay in memory for the next instances
DIFF_FILE_RE = re.compile(r"^diff --git a/(\S+) b/", re.M)
# git names the enclosing top-level definition after a hunk's line numbers
HUNK_DEF_RE = re.compile(r"^@@ [^@]* @@.*?\b(?:def|class)\s+(\w+)", re.M)


@dataclass(frozen=True, slots=True)
class Outcome:
    instance_id: str
    gold: tuple[str, ...]
    ours: tuple[str, ...]
    baseline: tuple[str, ...]
    seconds: float
    gold_in_source: bool
    source: str  # the sdist ranked, e.g. "Django 3.0.14"
    files: int  # files read and ranked
    megabytes: float
    # gold files in our top 10 whose patched definition (from the hunk headers) is known,
    # and how many of those had it among their five ranked symbols
    symbol_cases: int
    symbol_hits: int
    # the fewest exploration tool calls after which a gold file is known, starting from our
    # top ORACLE_START (0: it is among them); None: not within max(ORACLE_STEPS)
    oracle_steps: int | None = None


def gold_files(instance: dict[str, Any]) -> tuple[str, ...]:
    given = instance.get("gold_files")
    if given:
        return tuple(given)
    return tuple(dict.fromkeys(DIFF_FILE_RE.findall(instance["patch"])))


def same_file(ranked: str, gold: str) -> bool:
    """Sdist and repository paths differ by a root or `src/`: compare as path suffixes."""
    return ranked == gold or ranked.endswith("/" + gold) or gold.endswith("/" + ranked)


def _extract(archive: Path, dest: Path) -> None:
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            for member in z.namelist():
                # zip has no "data" filter: refuse absolute and parent-relative names ourselves
                if member.startswith("/") or ".." in Path(member).parts:
                    raise ValueError(f"unsafe path in {archive.name}: {member}")
            z.extractall(dest)  # noqa: S202 - names checked above
    else:
        with tarfile.open(archive) as t:
            t.extractall(dest, filter="data")


def _only_child(directory: Path) -> Path:
    children = [p for p in directory.iterdir() if not p.name.startswith(".")]
    return children[0] if len(children) == 1 and children[0].is_dir() else directory


def fetch_source(name: str, series: str, cache: Path) -> Path | None:
    """The unpacked sdist of NAME's latest X.Y.* release, downloaded once into `cache`."""
    dest = cache / "src" / f"{name}-{series}"
    if (dest / ".complete").exists():
        return _only_child(dest / "tree")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        tree = _pip_download(name, series, Path(tmp))
        if tree is None:
            return None
        shutil.move(str(tree), dest / "tree")
    (dest / ".complete").write_text("")
    return _only_child(dest / "tree")


def _pip_download(name: str, series: str, tmp: Path) -> Path | None:
    """The latest X.Y.* release, or, for a series never released (pytest 6.3 became 7.0), the
    latest release before it: the code the instance's development series started from."""
    for spec in (f"{name}=={series}.*", f"{name}<{series}"):
        tree = _pip_download_spec(spec, tmp)
        if tree is not None:
            return tree
    return None


def _pip_download_spec(spec: str, tmp: Path) -> Path | None:
    """Run pip; when the sdist's metadata cannot be built here (old setup.py needing numpy,
    another build backend), pip has still unpacked it, and `--no-clean` keeps that tree."""
    archives, scratch = tmp / "archives", tmp / "scratch"
    shutil.rmtree(archives, ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)
    archives.mkdir()
    scratch.mkdir()
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary"]
    cmd += [":all:", "--no-build-isolation", "--no-clean", "-d", str(archives), spec]
    env = {**os.environ, "TMPDIR": str(scratch), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=900)
    for archive in sorted(archives.iterdir()):
        unpacked = tmp / "unpacked"
        _extract(archive, unpacked)
        return unpacked
    for candidate in sorted(scratch.glob("pip-download-*/*")):
        if candidate.is_dir():
            return candidate
    return None


def baseline_bm25(files: list[SourceFile], issue_text: str, top: int) -> list[str]:
    """The plain baseline: BM25 over whole files, the issue text as the query, nothing else."""
    tok = Tokenizer()
    bm25 = BM25([tok.counts(f.text) for f in files])
    scores = bm25.scores(query_weights(tok.terms(issue_text)))
    order = sorted(range(len(files)), key=lambda i: -scores[i])
    return [files[i].path for i in order[:top]]


def run_instance(
    instance: dict[str, Any],
    cache: Path,
    repeat: int = 1,
    trees: dict[Path, Explorable] | None = None,
) -> Outcome | None:
    name = PYPI_NAMES.get(instance["repo"])
    root = fetch_source(name, instance["version"], cache) if name else None
    if root is None:
        print(f"  {instance['instance_id']}: no source for {instance['repo']}", file=sys.stderr)
        return None
    gold = gold_files(instance)
    seconds = float("inf")
    for _ in range(max(repeat, 1)):  # the fastest of `repeat` runs: least disturbed by other load
        started = time.perf_counter()
        ranked = rank_files(root, instance["problem_statement"], top=max(KS))
        seconds = min(seconds, time.perf_counter() - started)
    ours = [r.path for r in ranked]
    files = read_sources(root)
    base = baseline_bm25(files, instance["problem_statement"], max(KS))
    present = {f.path for f in files}
    in_source = all(any(same_file(p, g) for p in present) for g in gold)
    source = f"{name} {sdist_version(root)}"
    trees = trees if trees is not None else {}
    if root not in trees:
        while len(trees) >= TREES_KEPT:
            del trees[next(iter(trees))]  # the oldest: instances come grouped by repository
        trees[root] = Explorable.of(files)
    tree = trees[root]
    oracle = tree.steps(
        ours[:ORACLE_START],
        instance["problem_statement"],
        lambda path: any(same_file(path, g) for g in gold),
        max(ORACLE_STEPS),
    )
    return Outcome(
        instance["instance_id"],
        gold,
        tuple(ours),
        tuple(base),
        seconds,
        in_source,
        source,
        len(files),
        sum(len(f.text) for f in files) / 1e6,
        *symbol_hits(ranked, gold_definitions(instance["patch"])),
        oracle,
    )


def gold_definitions(patch: str) -> dict[str, set[str]]:
    """Per patched file, the top-level definitions its hunk headers name."""
    found: dict[str, set[str]] = {}
    for section in re.split(r"^(?=diff --git )", patch, flags=re.M):
        path = DIFF_FILE_RE.search(section)
        names = set(HUNK_DEF_RE.findall(section))
        if path and names:
            found[path[1]] = names
    return found


def symbol_hits(ranked: list[RankedFile], gold: dict[str, set[str]]) -> tuple[int, int]:
    cases = hit = 0
    for r in ranked:
        for path, names in gold.items():
            if same_file(r.path, path):
                cases += 1
                # methods rank as Class.method; the header names the class
                hit += any(q.split(".")[0] in names or q.split(".")[-1] in names for q in r.symbols)
    return cases, hit


def sdist_version(root: Path) -> str:
    pkg_info = root / "PKG-INFO"
    text = pkg_info.read_text(errors="replace") if pkg_info.exists() else ""
    match = re.search(r"^Version: (\S+)", text, re.M)
    return match[1] if match else "?"


def hits(ranked: tuple[str, ...], gold: tuple[str, ...], k: int) -> tuple[bool, bool]:
    """(all gold files in the top k, any gold file in the top k)."""
    found = [any(same_file(p, g) for p in ranked[:k]) for g in gold]
    return all(found), any(found)


def _instances(path: Path, limit: int | None) -> Iterator[dict[str, Any]]:
    with path.open() as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                return
            yield json.loads(line)


def _pct(n: int, total: int) -> str:
    return f"{100.0 * n / total:5.1f} %" if total else "  n/a"


def report(outcomes: list[Outcome]) -> str:
    n = len(outcomes)
    lines = [f"instances: {n} (gold files all present in the sdist: "]
    lines[0] += f"{sum(o.gold_in_source for o in outcomes)})"
    lines.append(f"{'method':<10}" + "".join(f"  all@{k:<2}    any@{k:<2}  " for k in KS))
    for label, pick in (("ours", "ours"), ("bm25", "baseline")):
        row = f"{label:<10}"
        for k in KS:
            results = [hits(getattr(o, pick), o.gold, k) for o in outcomes]
            row += f"  {_pct(sum(a for a, _ in results), n)}  {_pct(sum(b for _, b in results), n)}"
        lines.append(row)
    mean = sum(o.seconds for o in outcomes) / n if n else 0.0
    slowest = max((o.seconds for o in outcomes), default=0.0)
    lines.append(f"ours: mean {mean:.2f} s per instance, slowest {slowest:.2f} s")
    cases = sum(o.symbol_cases for o in outcomes)
    found = sum(o.symbol_hits for o in outcomes)
    lines.append(
        f"symbols: the patched definition is among the file's 5 ranked symbols in {found} of"
        f" {cases} gold files found in the top 10 ({_pct(found, cases).strip()})"
    )
    lines.append(_oracle_line(outcomes))
    lines.extend(_speed_by_source(outcomes))
    return "\n".join(lines)


def _oracle_line(outcomes: list[Outcome]) -> str:
    """Gold reachable from our top 5 within N tool calls; N = 0 is recall@5."""
    n = len(outcomes)
    reached = [o.oracle_steps for o in outcomes]
    cells = [
        f"{steps} {_pct(sum(r is not None and r <= steps for r in reached), n).strip()}"
        for steps in (0, *ORACLE_STEPS)
    ]
    return f"oracle exploration from our top {ORACLE_START}, gold known within N calls: " + (
        ", ".join(f"N={c}" for c in cells)
    )


def _speed_by_source(outcomes: list[Outcome]) -> list[str]:
    """Ranking time against repository size, one line per sdist, largest first."""
    by_source: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_source.setdefault(o.source, []).append(o)
    lines = ["sdist                      files      MB   mean s"]
    for source, group in sorted(by_source.items(), key=lambda kv: -kv[1][0].files):
        mean = sum(o.seconds for o in group) / len(group)
        lines.append(f"{source:<25} {group[0].files:>6} {group[0].megabytes:>7.1f} {mean:>8.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--cache", type=Path, default=Path(".morningai/bench-cache"))
    parser.add_argument("--details", type=Path, help="write one JSON line per instance here")
    parser.add_argument("--repeat", type=int, default=1, help="time the fastest of N rankings")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    outcomes = []
    trees: dict[Path, Explorable] = {}  # one per sdist, shared by its instances
    for instance in _instances(args.dataset, args.limit):
        outcome = run_instance(instance, args.cache.resolve(), args.repeat, trees)
        if outcome is not None:
            outcomes.append(outcome)
            rank = next(
                (i + 1 for i, p in enumerate(outcome.ours) if same_file(p, outcome.gold[0])), "-"
            )
            print(
                f"  {outcome.instance_id} ({outcome.source}, {outcome.files} files):"
                f" gold rank {rank}, {outcome.seconds:.2f} s, oracle steps {outcome.oracle_steps}"
            )
    if args.details:
        with args.details.open("w") as f:
            for o in outcomes:
                f.write(json.dumps(_as_dict(o)) + "\n")
    print(report(outcomes))
    return 0


def _as_dict(o: Outcome) -> dict[str, Any]:
    return {name: getattr(o, name) for name in Outcome.__slots__}


if __name__ == "__main__":
    sys.exit(main())
