"""File names for FAQ documents (docs/faq/<slug>.md): lowercase ASCII words and hyphens — pure."""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_LENGTH = 60
HISTORY = "history"
_RESERVED = frozenset({"readme", "index", HISTORY})  # the index file, and history's own slug
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, limit: int = MAX_LENGTH) -> str:
    """ASCII words joined by hyphens, cut at a word boundary; "" when no word is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = [w for w in _NOT_WORD.split(ascii_text.lower()) if w]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or (words[0][:limit] if words else "")


def for_pull_request(number: int, title: str) -> str:
    words = slugify(title, MAX_LENGTH - len(f"pr-{number}-"))
    return f"pr-{number}-{words}" if words else f"pr-{number}"


def for_question(question: str) -> str:
    """The question's words; a question with no ASCII words gets a short hash instead. Never
    a slug another mode uses (history, pr-<n>) or the index's name."""
    slug = slugify(question)
    if not slug:
        digest = hashlib.sha256(question.strip().encode("utf-8")).hexdigest()[:10]
        return f"question-{digest}"
    if slug in _RESERVED or re.match(r"^pr-\d+(-|$)", slug):
        return slugify(f"q {slug}")
    return slug


def for_history() -> str:
    return HISTORY
