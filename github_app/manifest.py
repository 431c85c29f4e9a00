"""The GitHub App manifest MorningAI registers itself with: app.yml with the public URL filled
in, and where the browser posts it. Pure: no I/O beyond reading app.yml.

https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import yaml

WEBHOOK_PATH = "/api/github/webhooks"
SETUP_COMPLETE_PATH = "/setup/complete"
SIGN_IN_CALLBACK_PATH = "/auth/callback"
MAX_NAME = 34  # GitHub's limit on an App's name
# an organisation login: letters, digits and single hyphens, at most 39 characters
_ORG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


class ManifestError(ValueError):
    """A public URL, organisation or name the manifest cannot carry."""


def app_yml_path() -> Path:
    """app.yml at the repository root: beside the packages in a checkout (also what Render
    deploys), else in the working directory."""
    beside = Path(__file__).resolve().parents[1] / "app.yml"
    return beside if beside.is_file() else Path.cwd() / "app.yml"


def load_template(path: Path | None = None) -> dict[str, Any]:
    data = yaml.safe_load((path or app_yml_path()).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ManifestError("app.yml is not a mapping")
    return data


def public_base(url: str) -> str:
    """`url` as the App's base URL: http(s), a host, no query or fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ManifestError("the public URL must be an http(s) URL with a host")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ManifestError("the public URL must not carry credentials, a query or a fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def build(template: dict[str, Any], public_url: str, name: str | None = None) -> dict[str, Any]:
    """The manifest to post: app.yml's permissions and events, URLs pointing at `public_url`."""
    base = public_base(public_url)
    manifest = copy.deepcopy(template)
    manifest["url"] = base
    hook = {**manifest.get("hook_attributes", {}), "url": base + WEBHOOK_PATH}
    manifest["hook_attributes"] = hook
    manifest["redirect_url"] = base + SETUP_COMPLETE_PATH
    manifest["callback_urls"] = [base + SIGN_IN_CALLBACK_PATH]
    if name is not None and name.strip():
        if len(name.strip()) > MAX_NAME:
            raise ManifestError(f"the App's name must be at most {MAX_NAME} characters")
        manifest["name"] = name.strip()
    return manifest


def post_url(github_url: str, state: str, org: str | None = None) -> str:
    """Where the browser posts the manifest: the account's or the organisation's new-App page."""
    web = github_url.rstrip("/")
    query = urlencode({"state": state})
    if not org:
        return f"{web}/settings/apps/new?{query}"
    if not _ORG.match(org):
        raise ManifestError("not an organisation login")
    return f"{web}/organizations/{quote(org)}/settings/apps/new?{query}"


def install_url(github_url: str, slug: str) -> str:
    return f"{github_url.rstrip('/')}/apps/{quote(slug)}/installations/new"
