"""Settings: read once from the environment, every one documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    # every name in a row's first cell (`A` or `A` / `B` / `C`)
    first_cells = re.findall(r"^\| (`[A-Z_]+`(?: / `[A-Z_]+`)*) \|", text, flags=re.MULTILINE)
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z_]+)`", cell)}
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set()


def test_private_key_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pem = tmp_path / "app.pem"
    pem.write_text("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n")
    monkeypatch.setenv("GITHUB_PRIVATE_KEY_PATH", str(pem))
    monkeypatch.delenv("GITHUB_PRIVATE_KEY", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.github_private_key is not None
    assert settings.github_private_key.get_secret_value() == pem.read_text()
    # secrets never show in a repr (and so in a log line or a traceback)
    assert "abc" not in repr(settings)


def test_missing_github_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GITHUB_APP_ID",
        "GITHUB_PRIVATE_KEY",
        "GITHUB_PRIVATE_KEY_PATH",
        "GITHUB_WEBHOOK_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.missing_github_settings() == [
        "GITHUB_APP_ID",
        "GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH",
        "GITHUB_WEBHOOK_SECRET",
    ]
    assert settings.github_api_url == "https://api.github.com"
    assert settings.port == 8000


def test_settings_are_frozen() -> None:
    settings = Settings(_env_file=None, port=9000)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]
