"""X-Slack-Signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing
secret, refused when the timestamp is more than 5 minutes from now (either way: a replay, or a
clock to distrust). slack_sdk's SignatureVerifier does the arithmetic; this adds reasons and a
timestamp that cannot make it raise.
https://docs.slack.dev/authentication/verifying-requests-from-slack/"""

from __future__ import annotations

import time
from collections.abc import Mapping

from slack_sdk.signature import Clock, SignatureVerifier

from chat.verdict import ACCEPTED, Verdict, refused

TOLERANCE = 60 * 5
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def verify(
    signing_secret: str, body: bytes, headers: Mapping[str, str], now: float | None = None
) -> Verdict:
    """Whether `body` with these headers came from Slack (pure when `now` is given)."""
    if not signing_secret.strip():
        return refused("no signing secret configured")
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower())
    signature = lowered.get(SIGNATURE_HEADER.lower())
    if not timestamp or not signature:
        return refused("missing signature headers")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return refused("malformed timestamp")
    if not signature.isascii() or not signature.startswith("v0="):
        return refused("malformed signature")
    at = time.time() if now is None else now
    age = at - int(timestamp)
    if age > TOLERANCE:
        return refused("stale timestamp")
    if age < -TOLERANCE:
        return refused("timestamp in the future")
    verifier = SignatureVerifier(signing_secret, clock=_FixedClock(at))
    try:
        valid = verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except UnicodeDecodeError:  # slack_sdk decodes the body as UTF-8 first; Slack's always is
        return refused("body is not UTF-8")
    if not valid:
        return refused("bad signature")
    return ACCEPTED


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    """The X-Slack-Signature Slack would send (for fakes and tests)."""
    generated = SignatureVerifier(signing_secret).generate_signature(timestamp=timestamp, body=body)
    assert generated is not None
    return generated
