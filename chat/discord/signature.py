"""Discord's interaction signature: Ed25519 over `X-Signature-Timestamp` + raw body, checked
with the application's public key (hex). Discord sends invalid signatures on purpose when the
endpoint is registered: every refusal is a 401.
https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chat.verdict import ACCEPTED, Verdict, refused

SIGNATURE_HEADER = "X-Signature-Ed25519"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
# Discord documents no window; when the caller passes `now`, older than this is a replay
TOLERANCE = 60 * 5
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_HEX128 = re.compile(r"[0-9a-fA-F]{128}")


def public_key(public_key_hex: str) -> Ed25519PublicKey:
    """The application's public key from the Developer Portal's hex (ValueError if not one)."""
    if _HEX64.fullmatch(public_key_hex.strip()) is None:
        raise ValueError("a Discord public key is 64 hex characters")
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex.strip()))


def verify(
    key: Ed25519PublicKey, body: bytes, headers: Mapping[str, str], now: float | None = None
) -> Verdict:
    """Whether `body` with these headers was signed by Discord for this application."""
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER.lower())
    timestamp = lowered.get(TIMESTAMP_HEADER.lower())
    if not signature or not timestamp:
        return refused("missing signature headers")
    if _HEX128.fullmatch(signature) is None:
        return refused("malformed signature")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return refused("malformed timestamp")
    try:
        key.verify(bytes.fromhex(signature), timestamp.encode() + body)
    except InvalidSignature:
        return refused("bad signature")
    if now is not None and now - int(timestamp) > TOLERANCE:
        return refused("stale timestamp")
    return ACCEPTED
