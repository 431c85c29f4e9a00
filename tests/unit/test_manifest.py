"""The App manifest MorningAI registers with: app.yml with the public URL filled in, and
where the browser posts it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from github_app import manifest
from github_app.manifest import ManifestError

ROOT_YML = manifest.app_yml_path()


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return manifest.load_template()


def test_template_is_the_repository_app_yml(template: dict[str, Any]) -> None:
    assert template == yaml.safe_load(ROOT_YML.read_text(encoding="utf-8"))


def test_urls_point_at_the_public_url(template: dict[str, Any]) -> None:
    built = manifest.build(template, "https://ai.example.org/")
    assert built["url"] == "https://ai.example.org"
    assert built["hook_attributes"] == {
        "url": "https://ai.example.org/api/github/webhooks",
        "active": True,
    }
    assert built["redirect_url"] == "https://ai.example.org/setup/complete"
    assert built["callback_urls"] == ["https://ai.example.org/auth/callback"]


def test_a_path_prefix_is_kept(template: dict[str, Any]) -> None:
    built = manifest.build(template, "http://localhost:8000/morningai/")
    assert built["hook_attributes"]["url"] == "http://localhost:8000/morningai/api/github/webhooks"


def test_permissions_and_events_come_from_app_yml(template: dict[str, Any]) -> None:
    built = manifest.build(template, "https://ai.example.org")
    assert built["default_permissions"] == template["default_permissions"]
    assert built["default_events"] == template["default_events"]
    assert built["public"] is template["public"]
    assert template["url"] != built["url"]  # the template itself is not changed


def test_name_is_optional(template: dict[str, Any]) -> None:
    assert manifest.build(template, "https://a.example")["name"] == template["name"]
    assert manifest.build(template, "https://a.example", " Acme AI ")["name"] == "Acme AI"
    with pytest.raises(ManifestError):
        manifest.build(template, "https://a.example", "x" * 35)


@pytest.mark.parametrize(
    "url",
    ["ftp://a.example", "a.example", "https://", "https://a.example/?x=1", "https://u:p@a.example"],
)
def test_unusable_public_urls_are_refused(template: dict[str, Any], url: str) -> None:
    with pytest.raises(ManifestError):
        manifest.build(template, url)


def test_post_url_for_a_personal_account_and_an_organisation() -> None:
    assert (
        manifest.post_url("https://github.com", "s1")
        == "https://github.com/settings/apps/new?state=s1"
    )
    assert (
        manifest.post_url("https://ghe.example.com/", "s/2", "acme-inc")
        == "https://ghe.example.com/organizations/acme-inc/settings/apps/new?state=s%2F2"
    )


@pytest.mark.parametrize("org", ["-acme", "acme/../x", "a" * 40, "ac me"])
def test_post_url_refuses_what_is_not_an_organisation_login(org: str) -> None:
    with pytest.raises(ManifestError):
        manifest.post_url("https://github.com", "s", org)


def test_install_url() -> None:
    assert (
        manifest.install_url("https://github.com", "morningai-acme")
        == "https://github.com/apps/morningai-acme/installations/new"
    )
