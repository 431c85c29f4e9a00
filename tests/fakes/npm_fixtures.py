"""Locate GitHub's real data fetched from the npm registry by `scripts/fetch_fixtures.sh`.

Nothing here is committed: `make test` fetches the packages into `.morningai/fixtures`.
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("MORNINGAI_FIXTURES", ROOT / ".morningai" / "fixtures"))


def _require(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run `make fixtures` (scripts/fetch_fixtures.sh) to fetch "
            "GitHub's webhook examples and OpenAPI description from the npm registry"
        )
    return path


def openapi_path() -> Path:
    """GitHub's official REST OpenAPI description (dereferenced: no $ref to resolve)."""
    return _require(FIXTURES / "openapi" / "generated" / "api.github.com.deref.json")


@cache
def _webhook_index() -> dict[str, list[dict[str, Any]]]:
    path = _require(FIXTURES / "webhooks-examples" / "api.github.com" / "index.json")
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {entry["name"]: entry["examples"] for entry in entries}


def webhook_examples(event: str, action: str | None = None) -> list[dict[str, Any]]:
    """All of GitHub's examples for `event` (and `action`), as fresh copies."""
    examples = _webhook_index()[event]
    picked = [e for e in examples if action is None or e.get("action") == action]
    if not picked:
        raise LookupError(f"no GitHub example for {event}.{action}")
    return copy.deepcopy(picked)


def webhook_example(event: str, action: str | None = None, index: int = 0) -> dict[str, Any]:
    """One of GitHub's examples for `event`.`action`."""
    return webhook_examples(event, action)[index]
