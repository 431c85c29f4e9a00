"""Payloads only a forger (or a broken sender) would sign: refused as PayloadError (a 400),
never passed on to PostgreSQL, which cannot store them (a 500 before the fix)."""

from __future__ import annotations

import pytest

from github_app.events import PayloadError, parse


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),  # RecursionError in json
        (b'{"a": ' + b"1" * 5000 + b"}", "not valid JSON"),  # over Python's int digit limit
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"a": -Infinity}', "-Infinity is not a JSON number"),
        (b'{"repository": {"id": 1e400, "full_name": "a/b"}}', "number out of range"),
        (b'{"installation": {"id": 100000000000000000000}}', "integer out of range"),
        (b'{"action": "a\\u0000b"}', "NUL character"),
        (b'{"comment": {"body": "/morningai code \\u0000"}}', "NUL character"),
        (b'{"a\\u0000": 1}', "NUL character"),
        (b'{"action": "\\ud800"}', "unpaired surrogate"),
        (b'{"sender": {"login": "x\\udfff"}}', "unpaired surrogate"),
    ],
)
def test_unstorable_payloads_are_refused(body: bytes, words: str) -> None:
    with pytest.raises(PayloadError, match=words):
        parse("d", "issues", body)


def test_what_github_does_send_still_parses() -> None:
    # a surrogate pair escaped by an ASCII-only encoder is one emoji, not a lone surrogate
    env = parse(
        "d", "issues", b'{"action": "\\ud83d\\ude00", "installation": {"id": 9007199254740993}}'
    )
    assert env.action == "😀"
    assert env.installation_id == 9007199254740993
