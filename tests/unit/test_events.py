from __future__ import annotations

import pytest

from github_app.events import PayloadError, parse


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe",
        b'{"action": 3}',
        b'{"installation": "x"}',
        b'{"installation": {"id": "7"}}',
        b'{"repository": {"id": 1}}',
    ],
)
def test_malformed_bodies_raise(body: bytes) -> None:
    with pytest.raises(PayloadError):
        parse("d", "issues", body)


def test_minimal_payload() -> None:
    env = parse("d", "ping", b'{"zen": "Keep it logically awesome."}')
    assert env.action is None
    assert env.installation_id is None
    assert env.repository is None


def test_bot_detection_by_login_suffix() -> None:
    env = parse("d", "issues", b'{"sender": {"login": "morningai[bot]", "type": "User"}}')
    assert env.sender_is_bot
