"""X-Hub-Signature-256: HMAC-SHA256 of the raw request body, compared in constant time.

GitHub signs the exact bytes it sends (compact JSON, `\\uXXXX` escapes upper-cased), so the
body is verified as received, never re-serialised. Only `sha256=` is accepted: the legacy
`X-Hub-Signature` (SHA-1) is not. https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(secret: bytes, body: bytes) -> str:
    """The header value GitHub would send for `body`."""
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def is_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """True only for a well-formed `sha256=<64 hex>` header that matches `body`."""
    if not secret or not header or not header.startswith(PREFIX):
        return False
    expected = sign(secret, body)
    # compare_digest needs equal types; ASCII-only input keeps non-ASCII junk from raising
    if not header.isascii():
        return False
    return hmac.compare_digest(expected, header)
