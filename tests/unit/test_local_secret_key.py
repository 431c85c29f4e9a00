"""`make run` makes the key for secrets at rest once, into .morningai/secret_key."""

from __future__ import annotations

import stat
from pathlib import Path

from core.secrets_at_rest import parse_key
from morningai.devrun import local_secret_key


def test_made_once_private_and_reused(tmp_path: Path) -> None:
    first: dict[str, str] = {}
    local_secret_key(tmp_path / "data", first)
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(parse_key(first["MORNINGAI_SECRET_KEY"])) == 32
    again: dict[str, str] = {}
    local_secret_key(tmp_path / "data", again)
    assert again == first


def test_a_set_key_wins(tmp_path: Path) -> None:
    env = {"MORNINGAI_SECRET_KEY": "from-the-environment"}
    local_secret_key(tmp_path, env)
    assert env == {"MORNINGAI_SECRET_KEY": "from-the-environment"}
    assert not (tmp_path / "secret_key").exists()
