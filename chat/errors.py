"""The chat clients' typed errors. Their text names the platform, the operation, the HTTP status
and the platform's error code: never a URL (Telegram's carries the bot token, Discord's webhook
paths the interaction token), a header or a request body."""

from __future__ import annotations


class ChatApiError(Exception):
    """A platform refused a call, or it could not be reached."""

    def __init__(self, platform: str, operation: str, status: int | None, code: str) -> None:
        self.platform = platform
        self.operation = operation
        self.status = status
        self.code = code
        where = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{platform} {operation}: {where}: {code}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self})"


class RateLimited(ChatApiError):
    """HTTP 429 whose wait (seconds) is more than the caller agreed to wait."""

    def __init__(self, platform: str, operation: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(platform, operation, 429, f"rate limited, retry after {retry_after:g} s")


def redact(text: str, *secrets: str) -> str:
    """`text` with every non-empty secret replaced (for texts a platform sends back to us)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
