"""A revise task asked for by a review (github_app.handlers.reviews): the review's comments,
read from GitHub with their file and line, and one short reply in each thread once the
follow-up commit is pushed, saying what changed there (or that nothing did, and why)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from agents.code.review import MAX_NOTES, ReviewNoteState
from github_app.client import RepoClient, ReviewNote
from github_app.handlers.reviews import COMMENT_TRIGGER, REVIEW_TRIGGER

# the plan answers comment n in a line `Reply n: …` (agents/code/review.py asks for it)
_REPLY = re.compile(r"^\s*[-*]?\s*Reply\s+(\d+)\s*:\s*(.+?)\s*$", re.MULTILINE | re.IGNORECASE)
MAX_REPLY_NOTE = 300


def from_review(trigger: str) -> bool:
    return trigger.startswith((REVIEW_TRIGGER, COMMENT_TRIGGER))


def read_notes(client: RepoClient, number: int, trigger: str) -> list[ReviewNote]:
    """The comments the trigger names: every comment of the review, or the one comment."""
    kind, _, raw = trigger.partition(":")
    if not raw.isdigit():
        return []
    if kind + ":" == REVIEW_TRIGGER:
        return list(client.review_notes(number, int(raw)))[:MAX_NOTES]
    if kind + ":" == COMMENT_TRIGGER:
        return [client.review_note(int(raw))]
    return []


def as_state(notes: Sequence[ReviewNote]) -> list[ReviewNoteState]:
    return [
        {"id": n.id, "path": n.path, "line": n.line, "diff_hunk": n.diff_hunk, "body": n.body}
        for n in notes
    ]


def _model_notes(plan: str) -> dict[int, str]:
    """What the plan says it did for comment n, one line each, cut short and unable to
    mention anyone (a reply is public; an `@` in it would notify)."""
    found: dict[int, str] = {}
    for n, text in _REPLY.findall(plan):
        found.setdefault(int(n), text[:MAX_REPLY_NOTE].replace("@", "@\u200b"))
    return found


def reply_text(note: ReviewNote, index: int, changed: Collection[str], sha: str, plan: str) -> str:
    """The reply in the thread of the `index`-th comment (from 1), after commit `sha`."""
    short = sha[:12]
    if note.path in changed:
        what = f"Changed `{note.path}` in {short}."
    else:
        others = ", ".join(f"`{p}`" for p in sorted(changed)) or "no file"
        what = f"Left `{note.path}` as it was in {short}; the change is in {others}."
    said = _model_notes(plan).get(index)
    return f"{what} {said}" if said else what


def reply_all(
    client: RepoClient,
    number: int,
    notes: Sequence[ReviewNote],
    *,
    changed: Collection[str],
    sha: str,
    plan: str,
) -> int:
    """One reply a thread (a comment that answers another belongs to that one's thread);
    how many replies were posted."""
    answered: set[int] = set()
    for index, note in enumerate(notes, start=1):
        thread = note.in_reply_to or note.id
        if thread in answered:
            continue
        answered.add(thread)
        client.reply_to_review_note(number, thread, reply_text(note, index, changed, sha, plan))
    return len(answered)
