"""Secrets at rest: AES-256-GCM with the key of the MORNINGAI_SECRET_KEY setting.

A sealed value is `version byte || 12-byte random nonce || ciphertext and tag`; the caller
names what the value is (`purpose`, bound as associated data), so a ciphertext moved to another
column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_VERSION = b"\x01"
_NONCE_BYTES = 12


class SecretKeyError(ValueError):
    """MORNINGAI_SECRET_KEY is missing or is not base64 of 32 bytes (the value is never shown)."""


class SealedValueError(ValueError):
    """A sealed value did not decrypt: another key, another purpose, or altered bytes."""


def new_key() -> str:
    """A fresh key in the setting's format (URL-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_key(value: str | None) -> bytes:
    if not value:
        raise SecretKeyError("MORNINGAI_SECRET_KEY is not set")
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SecretKeyError("MORNINGAI_SECRET_KEY is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise SecretKeyError(f"MORNINGAI_SECRET_KEY must encode {KEY_BYTES} bytes")
    return key


class SecretBox:
    """Seals and opens secrets with one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise SecretKeyError(f"the key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_setting(cls, value: str | None) -> SecretBox:
        return cls(parse_key(value))

    def seal(self, plaintext: bytes, purpose: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, purpose.encode("utf-8"))

    def open(self, sealed: bytes, purpose: str) -> bytes:
        if len(sealed) < 1 + _NONCE_BYTES or sealed[:1] != _VERSION:
            raise SealedValueError(f"{purpose}: not a sealed value")
        nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, purpose.encode("utf-8"))
        except InvalidTag:
            raise SealedValueError(f"{purpose}: does not decrypt with this key") from None
