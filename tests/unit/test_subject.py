"""The task subject: what the web process writes is what a worker reads, or a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.subject import NO_THREAD, ChatThread, SubjectError, TaskSubject
from github_app.events import Repo
from github_app.intents import RequestTask

names = st.from_regex(r"[A-Za-z0-9_.-]{1,39}", fullmatch=True)


@given(
    owner=names,
    repo=names,
    number=st.integers(min_value=0, max_value=2**31),
    requester=names,
    trigger=st.text(),
    instructions=st.text(),
)
def test_decode_reads_back_what_encode_wrote(
    owner: str, repo: str, number: int, requester: str, trigger: str, instructions: str
) -> None:
    subject = TaskSubject(f"{owner}/{repo}", number, requester, trigger, instructions)
    assert TaskSubject.decode(subject.encode()) == subject


def test_the_web_side_writes_the_subject_the_worker_reads() -> None:
    intent = RequestTask(
        kind="code",
        installation_id=7,
        repository=Repo(1, "acme/app", False),
        number=12,
        requested_by="alice",
        trigger="label:morningai",
        instructions="be brief",
    )
    decoded = TaskSubject.decode(intent.subject().encode())
    assert decoded == TaskSubject("acme/app", 12, "alice", "label:morningai", "be brief")
    assert decoded.has_thread
    assert intent.queue == "default"


def test_a_subject_from_the_command_line_has_no_thread() -> None:
    # the shape `morningai faq --repo` wrote before subjects were typed: no trigger, no text
    old = {"repository": "acme/app", "number": 0, "requested_by": "morningai-cli"}
    subject = TaskSubject.decode(old)
    assert (subject.number, subject.trigger, subject.instructions) == (NO_THREAD, "", "")
    assert not subject.has_thread


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        ({"number": 1, "requested_by": "a"}, "owner/repository"),
        ({"repository": "noslash", "number": 1, "requested_by": "a"}, "owner/repository"),
        ({"repository": "a/b", "number": "1", "requested_by": "a"}, "issue number"),
        ({"repository": "a/b", "number": True, "requested_by": "a"}, "issue number"),
        ({"repository": "a/b", "number": -1, "requested_by": "a"}, "issue number"),
        ({"repository": "a/b", "number": 1, "requested_by": ""}, "nobody asked"),
        ({"repository": "a/b", "number": 1, "requested_by": "a", "instructions": 3}, "non-text"),
    ],
    ids=["no-repository", "no-owner", "text-number", "bool-number", "negative", "nobody", "text"],
)
def test_a_subject_that_does_not_decode_says_what_is_wrong(
    broken: dict[str, Any], says: str
) -> None:
    with pytest.raises(SubjectError, match=says):
        TaskSubject.decode(broken)


@given(
    platform=st.sampled_from(["slack", "discord", "telegram"]),
    workspace_id=st.integers(min_value=1, max_value=2**62),
    channel=st.text(),
    thread=st.text(),
    token=st.text(),
)
def test_a_chat_thread_travels_with_the_subject(
    platform: str, workspace_id: int, channel: str, thread: str, token: str
) -> None:
    where = ChatThread(platform, workspace_id, channel, thread, token)
    subject = TaskSubject("a/b", NO_THREAD, "alice", "chat:slack", "how?", where)
    assert TaskSubject.decode(subject.encode()) == subject
    assert "reply_token" not in repr(where)  # a Discord interaction token: never in a log


@pytest.mark.parametrize(
    ("reply_to", "says"),
    [
        ("slack", "not a mapping"),
        ({"platform": "irc", "workspace_id": 1}, "no known platform"),
        ({"platform": "slack", "workspace_id": "1"}, "no workspace"),
        ({"platform": "slack", "workspace_id": 1, "channel": 5}, "non-text"),
    ],
)
def test_a_broken_chat_thread_does_not_decode(reply_to: Any, says: str) -> None:
    broken = {"repository": "a/b", "number": 1, "requested_by": "a", "reply_to": reply_to}
    with pytest.raises(SubjectError, match=says):
        TaskSubject.decode(broken)
