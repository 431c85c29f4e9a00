"""The answer of an inbound-request check: accepted or not, and why (for the log, never the
caller: the endpoint answers 401 alike for every refusal)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


ACCEPTED = Verdict(ok=True, reason="ok")


def refused(reason: str) -> Verdict:
    return Verdict(ok=False, reason=reason)
