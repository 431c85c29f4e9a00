"""Which earlier questions a chat follow-up carries (jobs/chat/conversation.py) — pure: the
events as db.chat.thread_task_events gives them in, the exchanges out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.chat import ThreadTaskEvent
from jobs.chat.conversation import (
    ANSWER_CHARS,
    ANSWERED,
    MAX_EXCHANGES,
    POSTED,
    earlier_exchanges,
    with_context,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def asked(
    task_id: int, thread: str, ids: list[str], *, minutes_ago: int = 1, answered: bool = True
) -> list[ThreadTaskEvent]:
    """One earlier task's events (newest tasks are passed first by the caller)."""
    at = NOW - timedelta(minutes=minutes_ago)
    events = []
    if answered:
        answer = {"question": f"q{task_id}", "title": f"t{task_id}", "markdown": f"# a{task_id}"}
        events.append(ThreadTaskEvent(task_id, thread, ANSWERED, answer, at))
    events.append(ThreadTaskEvent(task_id, thread, POSTED, {"message_ids": ids}, at))
    return events


def questions(thread: str, events: list[ThreadTaskEvent]) -> list[str]:
    return [e.question for e in earlier_exchanges(thread, events, NOW)]


def test_a_chain_of_replies_is_followed_back_oldest_first() -> None:
    # 1 asked replying to message 10; 2 replied to 1's answer (11); 3 to 2's answer (12)
    events = asked(3, "12", ["13"]) + asked(2, "11", ["12"]) + asked(1, "10", ["11"])
    assert questions("13", events) == ["q1", "q2", "q3"]
    assert questions("12", events[2:]) == ["q1", "q2"]


def test_the_same_slack_thread_joins_and_another_thread_does_not() -> None:
    events = asked(3, "T2", ["x"]) + asked(2, "T1", ["y"]) + asked(1, "T1", ["z"])
    assert questions("T1", events) == ["q1", "q2"]
    assert questions("T9", events) == []


def test_unthreaded_questions_join_only_within_the_window() -> None:
    events = asked(2, "", ["a"], minutes_ago=10) + asked(1, "", ["b"], minutes_ago=45)
    assert questions("", events) == ["q2"]


def test_unanswered_tasks_are_skipped_and_at_most_three_are_carried() -> None:
    events: list[ThreadTaskEvent] = []
    for n in range(6, 0, -1):
        events += asked(n, "T", [str(n)], answered=n != 5)
    assert questions("T", events) == ["q2", "q3", "q4", "q6"][-MAX_EXCHANGES:]


def test_the_context_puts_the_question_first_and_cuts_long_answers() -> None:
    assert with_context("why?", []) == "why?"
    events = asked(1, "T", ["m"])
    long_answer = "x" * (ANSWER_CHARS * 2)
    events[0] = ThreadTaskEvent(1, "T", ANSWERED, {"question": "q1", "markdown": long_answer}, NOW)
    text = with_context("why?", earlier_exchanges("T", events, NOW))
    assert text.startswith("why?\n")
    assert "Earlier question: q1" in text
    assert "x" * ANSWER_CHARS + " […]" in text
    assert "x" * (ANSWER_CHARS + 1) not in text
