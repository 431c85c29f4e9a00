"""Secrets at rest: AES-256-GCM, key from MORNINGAI_SECRET_KEY, bound to what they are."""

from __future__ import annotations

import base64
import os

import pytest

from core.secrets_at_rest import SealedValueError, SecretBox, SecretKeyError, new_key, parse_key


def test_seal_and_open() -> None:
    box = SecretBox.from_setting(new_key())
    sealed = box.seal(b"-----BEGIN RSA PRIVATE KEY-----", "pem")
    assert b"PRIVATE" not in sealed
    assert box.open(sealed, "pem") == b"-----BEGIN RSA PRIVATE KEY-----"
    assert box.seal(b"x", "pem") != box.seal(b"x", "pem")  # a fresh nonce each time


def test_another_key_purpose_or_altered_bytes_do_not_open() -> None:
    box = SecretBox.from_setting(new_key())
    sealed = box.seal(b"secret", "webhook")
    with pytest.raises(SealedValueError):
        SecretBox.from_setting(new_key()).open(sealed, "webhook")
    with pytest.raises(SealedValueError):
        box.open(sealed, "client")
    with pytest.raises(SealedValueError):
        box.open(sealed[:-1] + bytes([sealed[-1] ^ 1]), "webhook")
    with pytest.raises(SealedValueError):
        box.open(b"\x02" + sealed[1:], "webhook")


def test_key_formats() -> None:
    raw = os.urandom(32)
    standard = base64.b64encode(raw).decode()
    assert parse_key(standard) == raw  # Render's generateValue
    assert parse_key(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == raw
    assert len(parse_key(new_key())) == 32


@pytest.mark.parametrize("value", [None, "", "not base64!!", base64.b64encode(b"short").decode()])
def test_bad_keys_are_refused_without_showing_them(value: str | None) -> None:
    with pytest.raises(SecretKeyError) as caught:
        parse_key(value)
    assert "MORNINGAI_SECRET_KEY" in str(caught.value)
    if value:
        assert value not in str(caught.value)
