"""Words for lexical ranking: identifiers split into their parts, and Okapi BM25 over them."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from agents.code.locate_repo import words

IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# camelCase, PascalCase, acronyms, snake_case, digits: "parseHTTPResponse2" -> parse http response2
_PART_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")

STOPWORDS = words(
    """a an and are as at be been but by can could do does did for from had has have he her his
    how i if in into is it its me my no not of on or our she so such than that the their them then
    there these they this those to too us was we were what when where which while who why will with
    would you your also any all some just only very should may might must shall one two get got
    use used using like want would self cls def class return import none true false elif else try
    except finally raise pass lambda yield with global nonlocal assert del async await print var let
    const function new null undefined public private protected static void int str bool float
    """
)


def _stem(word: str) -> str:
    """A deliberately light stemmer: plurals and -ing/-ed, so "renders" meets "render"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Tokenizer:
    """Splits text into lower-cased, stemmed terms; caches each identifier's split."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, ...]] = {}

    def split_identifier(self, ident: str) -> tuple[str, ...]:
        cached = self._cache.get(ident)
        if cached is not None:
            return cached
        if ident.isalpha() and ident.islower():  # most identifiers: one plain word, no regex
            single = () if len(ident) < 2 or ident in STOPWORDS else (_stem(ident),)
            self._cache[ident] = single
            return single
        parts = [p.lower() for p in _PART_RE.findall(ident)]
        terms = [_stem(p) for p in parts if len(p) > 1 and p not in STOPWORDS]
        # The whole identifier is a term too: an exact `parse_header` beats `parse` + `header`.
        whole = ident.lower()
        if len(parts) > 1 and whole not in STOPWORDS:
            terms.append(whole)
        result = tuple(terms)
        self._cache[ident] = result
        return result

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for ident in IDENT_RE.findall(text):
            out.extend(self.split_identifier(ident))
        return out

    def counts(self, text: str) -> dict[str, int]:
        """Term counts of a text; the hot loop of indexing, hence the local-variable style."""
        cache, split = self._cache, self.split_identifier
        counts: dict[str, int] = {}
        get = counts.get
        for ident, n in Counter(IDENT_RE.findall(text)).items():
            terms = cache.get(ident)
            for term in split(ident) if terms is None else terms:
                counts[term] = get(term, 0) + n
        return counts


class BM25:
    """Okapi BM25 over bags of terms; only the query's terms are looked at when scoring."""

    def __init__(
        self,
        docs: Sequence[Mapping[str, int]],
        k1: float = 1.2,
        b: float = 0.75,
        idf_from: BM25 | None = None,
    ) -> None:
        """`idf_from`: take term rarity from another corpus (the whole repository for chunks
        of a few files, whose own document frequencies would say little)."""
        self.docs = docs
        self.idf_from = idf_from
        self.k1 = k1
        self.b = b
        self.lengths = [sum(d.values()) for d in docs]
        self.avg_length = (sum(self.lengths) / len(docs)) if docs else 0.0
        self.df: Counter[str] = Counter()
        for doc in docs:
            self.df.update(doc.keys())

    def idf(self, term: str) -> float:
        if self.idf_from is not None:
            return self.idf_from.idf(term)
        n = len(self.docs)
        df = self.df.get(term, 0)
        # The "+1" form (Lucene's) never goes negative for terms in more than half the docs.
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: Mapping[str, float]) -> list[float]:
        """One score per document; `query` maps a term to its weight (e.g. its count)."""
        weighted = [(t, w * self.idf(t)) for t, w in query.items() if t in self.df]
        norm = self.k1 / self.avg_length if self.avg_length else 0.0
        out = []
        for doc, length in zip(self.docs, self.lengths, strict=True):
            k = self.k1 * (1 - self.b) + norm * self.b * length
            score = 0.0
            for term, weight in weighted:
                tf = doc.get(term)
                if tf:
                    score += weight * tf * (self.k1 + 1) / (tf + k)
            out.append(score)
        return out


def best_chunk_scores(
    corpus: BM25, tok: Tokenizer, texts: Sequence[str], query: Mapping[str, float], lines: int
) -> list[float]:
    """For each text, the BM25 score of its best window of `lines` lines.

    File-level BM25 divides by length, so a long module holding the one matching function
    loses to a short one that mentions the words in passing; its best window does not.
    """
    owners: list[int] = []
    chunks: list[dict[str, int]] = []
    for i, text in enumerate(texts):
        split = text.split("\n")
        for start in range(0, len(split), lines):
            chunks.append(tok.counts("\n".join(split[start : start + lines])))
            owners.append(i)
    best = [0.0] * len(texts)
    for owner, score in zip(owners, BM25(chunks, idf_from=corpus).scores(query), strict=True):
        best[owner] = max(best[owner], score)
    return best


def query_weights(terms: Iterable[str]) -> dict[str, float]:
    """Repeated words in an issue matter more, but sub-linearly (a pasted log repeats a lot)."""
    return {t: 1.0 + math.log(n) for t, n in Counter(terms).items()}
