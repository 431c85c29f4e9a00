"""The files the model reads: the top-ranked ones, whole when they fit, cut when not."""

from __future__ import annotations

from pathlib import Path

from agents.code.locate import rank_files
from agents.untrusted import fence


def file_context(root: Path, issue_text: str, top: int, budget_chars: int) -> tuple[list[str], str]:
    """(ranked paths, the context text) for the issue, within `budget_chars`."""
    ranked = rank_files(root, issue_text, top=top)
    parts = fenced_files(root, [r.path for r in ranked], budget_chars)
    listing = "\n".join(f"- {r.path} ({', '.join(r.reasons[:3])})" for r in ranked)
    return [r.path for r in ranked], f"Ranked files:\n{listing}\n\n" + "\n\n".join(parts)


def fenced_files(root: Path, paths: list[str], budget_chars: int) -> list[str]:
    """Each file fenced as untrusted, in order, whole while they fit in `budget_chars` and the
    last one cut where the room ends."""
    parts: list[str] = []
    used = 0
    for path in paths:
        text = (root / path).read_text(encoding="utf-8", errors="replace")
        room = budget_chars - used
        if room <= 200:
            break
        if len(text) > room:
            text = text[:room] + "\n[… file cut here]"
        parts.append(fence(f"file {path}", text, limit=room + 100))
        used += len(text)
    return parts
