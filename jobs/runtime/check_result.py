"""One configuration check's answer: its name, its verdict and, when it is not ok, the fix in
words — what `morningai doctor` prints and the setup page shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# off: optional and not configured; warn: works, but weaker than it should be (never fails)
Status = Literal["ok", "warn", "fail", "off"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def ok(name: str, detail: str) -> Check:
    return Check(name, "ok", detail)


def fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, "fail", detail, fix)
