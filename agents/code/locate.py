"""File and symbol localization: rank a repository's files (and their symbols) for an issue.

Lexical BM25 (over content, and over paths plus definition names) is fused with structural
evidence read from the issue (mentioned paths, stack-trace frames, dotted module names, imports,
names of definitions) and, when an `Embedder` is given, with cosine similarity of the issue to
chunks of the best candidates. Everything is pure over a directory: no network, no model unless
one is injected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agents.code.locate_defs import Definition, definitions
from agents.code.locate_issue import Frame, IssueFacts, read_issue
from agents.code.locate_repo import read_sources
from agents.code.locate_signals import (
    Evidence,
    RepoIndex,
    build_index,
    is_test_path,
    module_evidence,
    path_evidence,
    resolve_path,
    symbol_evidence,
    trace_evidence,
)
from agents.code.locate_text import best_chunk_scores, query_weights

# Weights of each signal in the fused score; lexical ones are normalised to [0, 1] by the best
# file, structural ones squashed to [0, 1) by 1 - exp(-evidence). Set by hand so that explicit
# pointers (paths, traces) outweigh word matches; an offline sweep on SWE-bench Lite found the
# optimum flat (within one or two instances), see bench/results/localization.md.
WEIGHTS = {
    "path": 3.0,
    "trace": 2.0,
    "module": 0.8,
    "symbol": 1.2,
    "content": 1.0,
    "names": 0.5,
    "window": 1.0,
    "embedding": 1.0,
}
TEST_FACTOR = 0.3  # tests are rarely what a fix changes, unless the issue is about tests
DOC_FACTOR = 0.3
EXAMPLE_FACTOR = 0.5  # examples/, docs/, benchmarks/: code that shows, rarely what a fix changes
CONFIG_FACTOR = 0.6
SHORTLIST = 50  # candidates whose chunks the embedder sees
WINDOW_SHORTLIST = 100  # candidates whose best 60-line window is scored (cheap, but not free)
WINDOW_LINES = 60
CHUNK_LINES = 60
MAX_CHUNKS_PER_FILE = 8
SYMBOLS_PER_FILE = 5


class Embedder(Protocol):
    """Anything that turns texts into vectors (an embeddings API client, a local model)."""

    def embed(self, texts: list[str]) -> list[list[float]]: ...


@dataclass(frozen=True, slots=True)
class RankedFile:
    """A file worth reading for the issue, why, and its most relevant definitions."""

    path: str
    score: float
    reasons: tuple[str, ...]
    symbols: tuple[str, ...]


@dataclass(slots=True)
class _Candidate:
    index: int
    score: float
    factor: float  # the test/doc/config down-weighting, applied to every later signal too
    reasons: list[str]


def rank_files(
    root: Path, issue_text: str, *, top: int = 10, embedder: Embedder | None = None
) -> list[RankedFile]:
    """The `top` files under `root` most relevant to `issue_text`, best first."""
    index = build_index(read_sources(root))
    if not index.files:
        return []
    facts = read_issue(issue_text)
    query = query_weights(index.tokenizer.terms(issue_text))
    ranked = _add_windows(index, _fuse(index, facts, query), query)
    if embedder is not None:
        ranked = _add_embeddings(index, ranked, issue_text, embedder)
    return [_finish(index, facts, issue_text, c) for c in ranked[:top]]


def locate_main(repo: Path, issue_file: Path, top: int) -> list[str]:
    """For `morningai locate`: the ranked paths, relative to `repo`; prints nothing."""
    issue_text = issue_file.read_text(encoding="utf-8", errors="replace")
    return [r.path for r in rank_files(repo, issue_text, top=top)]


def _squash(evidence: Evidence, i: int) -> float:
    return 1.0 - math.exp(-sum(w for w, _ in evidence.get(i, [])))


def _normalised(scores: Sequence[float]) -> list[float]:
    best = max(scores, default=0.0)
    return [s / best for s in scores] if best > 0 else [0.0 for _ in scores]


def _factor(index: RepoIndex, facts: IssueFacts, i: int) -> tuple[float, str]:
    """Down-weighting of tests, docs and configuration, with the reason shown."""
    if index.is_test[i] and not _about_tests(facts):
        return TEST_FACTOR, "test file (de-weighted)"
    kind = index.files[i].kind
    if kind == "doc" and not facts.about_docs:
        return DOC_FACTOR, "documentation (de-weighted)"
    if index.is_example[i] and not facts.about_docs:
        return EXAMPLE_FACTOR, "example or documentation code (de-weighted)"
    if kind == "config":
        return CONFIG_FACTOR, "configuration (de-weighted)"
    return 1.0, ""


def _about_tests(facts: IssueFacts) -> bool:
    # Judged on the mention itself: `models.py` also names many files under tests/.
    return facts.about_tests or any(is_test_path(p.replace("\\", "/")) for p in facts.paths)


def _fuse(index: RepoIndex, facts: IssueFacts, query: dict[str, float]) -> list[_Candidate]:
    lexical = {
        "content": _normalised(index.content.scores(query)),
        "names": _normalised(index.names.scores(query)),
    }
    structural = {
        "path": path_evidence(index, facts),
        "trace": trace_evidence(index, facts),
        "module": module_evidence(index, facts),
        "symbol": symbol_evidence(index, facts),
    }
    out = []
    for i in range(len(index.files)):
        score = sum(WEIGHTS[k] * v[i] for k, v in lexical.items())
        reasons = [f"bm25 {k} {v[i]:.2f}" for k, v in lexical.items() if v[i] >= 0.3]
        for kind, evidence in structural.items():
            if i in evidence:
                score += WEIGHTS[kind] * _squash(evidence, i)
                reasons.extend(r for _, r in sorted(evidence[i], reverse=True)[:3])
        factor, why = _factor(index, facts, i)
        if why:
            reasons.append(why)
        out.append(_Candidate(i, score * factor, factor, reasons))
    return _resorted(index, out)


def _add_windows(
    index: RepoIndex, ranked: list[_Candidate], query: dict[str, float]
) -> list[_Candidate]:
    """Add the shortlist's best-window BM25, normalised by the best file's."""
    shortlist, rest = ranked[:WINDOW_SHORTLIST], ranked[WINDOW_SHORTLIST:]
    texts = [index.files[c.index].text for c in shortlist]
    scores = _normalised(
        best_chunk_scores(index.content, index.tokenizer, texts, query, WINDOW_LINES)
    )
    for c, score in zip(shortlist, scores, strict=True):
        c.score += WEIGHTS["window"] * score * c.factor
        if score >= 0.3:
            c.reasons.append(f"bm25 best window {score:.2f}")
    return _resorted(index, shortlist) + rest


def _resorted(index: RepoIndex, candidates: list[_Candidate]) -> list[_Candidate]:
    return sorted(candidates, key=lambda c: (-c.score, index.files[c.index].path))


def _chunks(path: str, text: str) -> list[str]:
    lines = text.splitlines()
    step = max(CHUNK_LINES, math.ceil(len(lines) / MAX_CHUNKS_PER_FILE))
    return [
        f"{path}\n" + "\n".join(lines[s : s + step]) for s in range(0, max(len(lines), 1), step)
    ]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _add_embeddings(
    index: RepoIndex, ranked: list[_Candidate], issue_text: str, embedder: Embedder
) -> list[_Candidate]:
    """Re-rank the shortlist with the best chunk's cosine similarity, min-max normalised.

    Only the shortlist is embedded: embedding a whole repository per issue costs too much.
    """
    shortlist, rest = ranked[:SHORTLIST], ranked[SHORTLIST:]
    owners: list[int] = []
    texts = [issue_text]
    for pos, c in enumerate(shortlist):
        chunks = _chunks(index.files[c.index].path, index.files[c.index].text)
        texts.extend(chunks)
        owners.extend([pos] * len(chunks))
    vectors = embedder.embed(texts)
    best = [-1.0] * len(shortlist)
    for owner, vec in zip(owners, vectors[1:], strict=True):
        best[owner] = max(best[owner], _cosine(vectors[0], vec))
    low, high = min(best), max(best)
    for c, sim in zip(shortlist, best, strict=True):
        norm = (sim - low) / (high - low) if high > low else 0.0
        c.score += WEIGHTS["embedding"] * norm * c.factor
        c.reasons.append(f"embedding {sim:.2f}")
    return _resorted(index, shortlist) + rest


def _finish(index: RepoIndex, facts: IssueFacts, issue_text: str, c: _Candidate) -> RankedFile:
    f = index.files[c.index]
    symbols = rank_symbols(index, facts, issue_text, c.index) if f.kind == "code" else ()
    return RankedFile(f.path, round(c.score, 4), tuple(dict.fromkeys(c.reasons)), symbols)


def rank_symbols(index: RepoIndex, facts: IssueFacts, issue_text: str, i: int) -> tuple[str, ...]:
    """The definitions of file `i` most relevant to the issue, as qualified names, best first."""
    f = index.files[i]
    defs = definitions(f.path, f.text, exact=True)
    if not defs:
        return ()
    lines = f.text.splitlines()
    query = set(index.tokenizer.terms(issue_text))
    frames = [fr for fr in facts.frames if any(j == i for j, _ in resolve_path(index, fr.path))]
    tails = {".".join(d.split(".")[-2:]) for d in facts.dotted}
    scored = []
    for d in defs:
        score = _symbol_structure(d, facts, frames, tails)
        score += _symbol_lexical(index, d, lines, query)
        if score > 0:
            scored.append((score, d.line, d.qualname))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return tuple(q for _, _, q in scored[:SYMBOLS_PER_FILE])


def _symbol_structure(
    d: Definition, facts: IssueFacts, frames: list[Frame], tails: set[str]
) -> float:
    score = 2.0 * facts.identifiers.get(d.name, 0.0)
    if ".".join(d.qualname.split(".")[-2:]) in tails:
        score += 3.0
    for fr in frames:
        if fr.function == d.name or (d.kind != "class" and d.line <= fr.line <= d.end_line):
            score += 2.0
    return score


def _symbol_lexical(index: RepoIndex, d: Definition, lines: list[str], query: set[str]) -> float:
    """Issue words in the definition's name and first lines, weighted by their rarity."""
    body = "\n".join(lines[d.line - 1 : min(d.end_line, d.line + 40)])
    terms = set(index.tokenizer.terms(body))
    overlap = sum(index.content.idf(t) for t in terms & query)
    name_hits = sum(
        index.content.idf(t) for t in set(index.tokenizer.split_identifier(d.name)) & query
    )
    return (overlap / math.sqrt(len(terms) + 10) + name_hits) / 10.0
