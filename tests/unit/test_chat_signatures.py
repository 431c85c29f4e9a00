"""The three platforms' inbound checks, with the documented vectors: Slack's worked example,
RFC 8032's TEST 1 key for Ed25519 (Discord publishes no vector), Telegram's secret charset."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chat.discord import signature as discord
from chat.slack import signature as slack
from chat.telegram import secret as telegram

# docs.slack.dev/authentication/verifying-requests-from-slack: the worked example
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TS = "1531420618"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
SLACK_HEADERS = {"X-Slack-Request-Timestamp": SLACK_TS, "X-Slack-Signature": SLACK_SIGNATURE}
AT = int(SLACK_TS)

# RFC 8032 section 7.1, TEST 1
RFC_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC_EMPTY_SIGNATURE = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701"
    "cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
# a known answer for Discord's scheme with that key (Ed25519 is deterministic): a PING at
# timestamp 1700000000, signature over b'1700000000' + b'{"type":1}'
PING_BODY = b'{"type":1}'
PING_TS = "1700000000"
PING_SIGNATURE = (
    "1695961a47c91a1ec033b819b7e87e3dbc583dd0cee6d1fd0216f58ac87b6228ae531ddbf91fb7bc28d7edf7f"
    "08604da16f54624f38a6bc0614e4dc13cd47f0f"
)


# Slack ---------------------------------------------------------------------------------------


def test_slack_documented_example_verifies() -> None:
    assert slack.verify(SLACK_SECRET, SLACK_BODY, SLACK_HEADERS, now=AT + 60).ok


def test_slack_signer_matches_the_documented_signature_and_plain_hmac() -> None:
    assert slack.sign(SLACK_SECRET, SLACK_TS, SLACK_BODY) == SLACK_SIGNATURE
    basestring = b"v0:" + SLACK_TS.encode() + b":" + SLACK_BODY
    by_hand = "v0=" + hmac.new(SLACK_SECRET.encode(), basestring, hashlib.sha256).hexdigest()
    assert by_hand == SLACK_SIGNATURE


def test_slack_a_correctly_signed_body_that_is_not_utf8_is_refused_not_raised() -> None:
    body = b"text=\xff\xfe"
    basestring = b"v0:" + SLACK_TS.encode() + b":" + body
    signed = "v0=" + hmac.new(SLACK_SECRET.encode(), basestring, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": SLACK_TS, "X-Slack-Signature": signed}
    verdict = slack.verify(SLACK_SECRET, body, headers, now=AT)
    assert (verdict.ok, verdict.reason) == (False, "body is not UTF-8")


def test_slack_headers_are_case_insensitive() -> None:
    lowered = {k.lower(): v for k, v in SLACK_HEADERS.items()}
    assert slack.verify(SLACK_SECRET, SLACK_BODY, lowered, now=AT).ok


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (AT + 301, "stale timestamp"),
        (AT + 86400, "stale timestamp"),
        (AT - 301, "timestamp in the future"),
    ],
)
def test_slack_refuses_timestamps_more_than_five_minutes_away(now: int, reason: str) -> None:
    verdict = slack.verify(SLACK_SECRET, SLACK_BODY, SLACK_HEADERS, now=now)
    assert (verdict.ok, verdict.reason) == (False, reason)


def test_slack_five_minutes_exactly_is_still_accepted() -> None:
    assert slack.verify(SLACK_SECRET, SLACK_BODY, SLACK_HEADERS, now=AT + 300).ok


@pytest.mark.parametrize(
    ("secret", "body", "headers", "reason"),
    [
        ("another-secret", SLACK_BODY, SLACK_HEADERS, "bad signature"),
        (SLACK_SECRET, SLACK_BODY + b"&x=1", SLACK_HEADERS, "bad signature"),
        (
            SLACK_SECRET,
            SLACK_BODY,
            {**SLACK_HEADERS, "X-Slack-Signature": "v0=" + "0" * 64},
            "bad signature",
        ),
        (
            SLACK_SECRET,
            SLACK_BODY,
            {**SLACK_HEADERS, "X-Slack-Signature": "v1=abc"},
            "malformed signature",
        ),
        (
            SLACK_SECRET,
            SLACK_BODY,
            {**SLACK_HEADERS, "X-Slack-Signature": "v0=é"},
            "malformed signature",
        ),
        (
            SLACK_SECRET,
            SLACK_BODY,
            {"X-Slack-Signature": SLACK_SIGNATURE},
            "missing signature headers",
        ),
        (
            SLACK_SECRET,
            SLACK_BODY,
            {"X-Slack-Request-Timestamp": SLACK_TS},
            "missing signature headers",
        ),
        (
            SLACK_SECRET,
            SLACK_BODY,
            {**SLACK_HEADERS, "X-Slack-Request-Timestamp": "1.5e9"},
            "malformed timestamp",
        ),
        (
            SLACK_SECRET,
            SLACK_BODY,
            {**SLACK_HEADERS, "X-Slack-Request-Timestamp": "-1531420618"},
            "malformed timestamp",
        ),
        (
            SLACK_SECRET,
            SLACK_BODY,
            {**SLACK_HEADERS, "X-Slack-Request-Timestamp": "9" * 40},
            "malformed timestamp",
        ),
        ("  ", SLACK_BODY, SLACK_HEADERS, "no signing secret configured"),
    ],
)
def test_slack_refusals_say_why(
    secret: str, body: bytes, headers: dict[str, str], reason: str
) -> None:
    verdict = slack.verify(secret, body, headers, now=AT)
    assert not verdict
    assert verdict.reason == reason


# Discord -------------------------------------------------------------------------------------


def test_rfc8032_test1_known_answer() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC_SECRET)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    assert public == RFC_PUBLIC
    assert key.sign(b"").hex() == RFC_EMPTY_SIGNATURE
    discord.public_key(RFC_PUBLIC).verify(bytes.fromhex(RFC_EMPTY_SIGNATURE), b"")


def test_discord_known_answer_with_the_rfc_key() -> None:
    headers = {"X-Signature-Ed25519": PING_SIGNATURE, "X-Signature-Timestamp": PING_TS}
    assert discord.verify(discord.public_key(RFC_PUBLIC), PING_BODY, headers).ok
    # the timestamp is signed too: the same body with another timestamp is refused
    later = {"X-Signature-Ed25519": PING_SIGNATURE, "X-Signature-Timestamp": "1700000001"}
    assert discord.verify(discord.public_key(RFC_PUBLIC), PING_BODY, later).reason == (
        "bad signature"
    )


def _signed(key: Ed25519PrivateKey, body: bytes, timestamp: str = "1700000000") -> dict[str, str]:
    signature = key.sign(timestamp.encode() + body).hex()
    return {"x-signature-ed25519": signature, "x-signature-timestamp": timestamp}


def test_discord_generated_key_pair() -> None:
    key = Ed25519PrivateKey.generate()
    public = discord.public_key(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex())
    body = b'{"type":2,"id":"1"}'
    assert discord.verify(public, body, _signed(key, body)).ok
    assert discord.verify(public, body + b" ", _signed(key, body)).reason == "bad signature"
    other = Ed25519PrivateKey.generate()
    assert discord.verify(public, body, _signed(other, body)).reason == "bad signature"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing signature headers"),
        ({"X-Signature-Ed25519": PING_SIGNATURE}, "missing signature headers"),
        (
            {"X-Signature-Ed25519": "zz" * 64, "X-Signature-Timestamp": PING_TS},
            "malformed signature",
        ),
        (
            {"X-Signature-Ed25519": PING_SIGNATURE[:-2], "X-Signature-Timestamp": PING_TS},
            "malformed signature",
        ),
        (
            {"X-Signature-Ed25519": PING_SIGNATURE, "X-Signature-Timestamp": "soon"},
            "malformed timestamp",
        ),
    ],
)
def test_discord_malformed_headers_are_refused(headers: dict[str, str], reason: str) -> None:
    assert discord.verify(discord.public_key(RFC_PUBLIC), PING_BODY, headers).reason == reason


def test_discord_replay_window_when_the_caller_gives_the_time() -> None:
    headers = {"X-Signature-Ed25519": PING_SIGNATURE, "X-Signature-Timestamp": PING_TS}
    key = discord.public_key(RFC_PUBLIC)
    assert discord.verify(key, PING_BODY, headers, now=int(PING_TS) + 299).ok
    assert (
        discord.verify(key, PING_BODY, headers, now=int(PING_TS) + 301).reason == "stale timestamp"
    )


@pytest.mark.parametrize("bad", ["", "abc", "g" * 64, RFC_PUBLIC + "00"])
def test_discord_public_key_must_be_64_hex(bad: str) -> None:
    with pytest.raises(ValueError, match="64 hex"):
        discord.public_key(bad)


# Telegram ------------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["a", "A-z_09", "x" * 256, "-_-"])
def test_telegram_accepts_the_documented_charset(secret: str) -> None:
    assert telegram.is_valid_secret_token(secret)


@pytest.mark.parametrize(
    "secret", ["", "x" * 257, "has space", "plus+", "eq=", "é", "new\nline", "dot."]
)
def test_telegram_refuses_other_secret_tokens(secret: str) -> None:
    assert not telegram.is_valid_secret_token(secret)


def test_telegram_secret_header_checked() -> None:
    secret = "s3cr3t_TOKEN-1"
    assert telegram.verify(secret, {telegram.HEADER: secret}).ok
    assert telegram.verify(secret, {telegram.HEADER.lower(): secret}).ok
    assert telegram.verify(secret, {}).reason == "missing secret header"
    assert telegram.verify(secret, {telegram.HEADER: ""}).reason == "missing secret header"
    assert telegram.verify(secret, {telegram.HEADER: secret + "x"}).reason == "wrong secret"
    assert telegram.verify(secret, {telegram.HEADER: secret[:-1]}).reason == "wrong secret"
    assert telegram.verify(secret, {telegram.HEADER: "sé cret"}).reason == "wrong secret"
    assert telegram.verify("bad secret!", {telegram.HEADER: "bad secret!"}).reason == (
        "no usable secret configured"
    )
