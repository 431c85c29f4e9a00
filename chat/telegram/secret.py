"""Telegram's webhook secret: `setWebhook(secret_token=…)` makes every update carry it in
X-Telegram-Bot-Api-Secret-Token; compared in constant time. A secret_token is 1-256 characters
of A-Z a-z 0-9 _ - (https://core.telegram.org/bots/api#setwebhook)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from chat.verdict import ACCEPTED, Verdict, refused

HEADER = "X-Telegram-Bot-Api-Secret-Token"
_ALLOWED = re.compile(r"[A-Za-z0-9_-]{1,256}")


def is_valid_secret_token(secret: str) -> bool:
    """Whether Telegram accepts `secret` as a setWebhook secret_token."""
    return _ALLOWED.fullmatch(secret) is not None


def verify(expected: str, headers: Mapping[str, str]) -> Verdict:
    """Whether the update carries our secret token."""
    if not is_valid_secret_token(expected):
        return refused("no usable secret configured")
    lowered = {k.lower(): v for k, v in headers.items()}
    received = lowered.get(HEADER.lower())
    if not received:
        return refused("missing secret header")
    # bytes: compare_digest refuses non-ASCII str, and a header is whatever a sender chose
    if not hmac.compare_digest(received.encode("utf-8", "replace"), expected.encode()):
        return refused("wrong secret")
    return ACCEPTED
