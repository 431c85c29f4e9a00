"""Every task kind the server knows is the one list the dashboard's filter and the API contract
offer: a kind added in core/task_kinds.py and forgotten there could not be filtered on."""

from __future__ import annotations

import re
from pathlib import Path

from core.task_kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_app_offers_every_kind_in_the_servers_order() -> None:
    client = (ROOT / "webapp/src/api/client.ts").read_text()
    found = re.search(r"export const TASK_KINDS = \[(.*?)\] as const;", client, re.S)
    assert found is not None
    assert re.findall(r'"([a-z_]+)"', found.group(1)) == list(KINDS)


def test_the_api_contract_lists_every_kind() -> None:
    contract = (ROOT / "docs/api.md").read_text()
    found = re.search(r"`kind` \(`([a-z_|\s]+)`\)", contract)
    assert found is not None
    assert re.sub(r"\s", "", found.group(1)).split("|") == list(KINDS)
