"""GitHub's manifest flow: what `/settings/apps/new` does once the person clicks "Create"
(check the manifest, hand out a one-hour code) and the conversion of that code into a new App.

https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from simulator.auth import new_private_key_pem
from simulator.state import APP_IDS, Account, App, World

CODE_LIFETIME = timedelta(hours=1)
# delivered to every App; GitHub refuses them in default_events
_ALWAYS_DELIVERED = {"installation", "installation_repositories"}


class ManifestRejected(ValueError):
    """GitHub's new-App page would refuse this manifest."""


def check(manifest: dict[str, Any]) -> None:
    for name in ("url", "redirect_url"):
        if not str(manifest.get(name, "")).startswith(("http://", "https://")):
            raise ManifestRejected(f"{name} must be an http(s) URL")
    hook = manifest.get("hook_attributes") or {}
    if not str(hook.get("url", "")).startswith(("http://", "https://")):
        raise ManifestRejected("hook_attributes.url must be an http(s) URL")
    events = set(manifest.get("default_events") or [])
    if events & _ALWAYS_DELIVERED:
        raise ManifestRejected("Default events unsupported: installation")
    if len(manifest.get("callback_urls") or []) > 10:
        raise ManifestRejected("at most 10 callback_urls")


def issue_code(world: World, manifest: dict[str, Any], owner: Account) -> str:
    """What the new-App page does after "Create": remember the manifest, hand out a code."""
    check(manifest)
    code = secrets.token_hex(20)
    world.manifest_codes[code] = (dict(manifest), owner, world.now() + CODE_LIFETIME)
    return code


def convert(world: World, code: str) -> App | None:
    """The App behind a code, created once (None: unknown, used or expired code)."""
    found = world.manifest_codes.pop(code, None)
    if found is None or found[2] <= world.now():
        return None
    manifest, owner, _ = found
    name = str(manifest.get("name") or "MorningAI")
    slug = _unique_slug(world, name)
    hook = manifest["hook_attributes"]  # check() made sure it has an http(s) url
    app = App(
        next(APP_IDS),
        slug,
        name,
        owner,
        world.account(f"{slug}[bot]", "Bot"),
        world.now(),
        private_key_pem=new_private_key_pem(),
        permissions=dict(manifest.get("default_permissions") or {}),
        events=list(manifest.get("default_events") or []),
        webhook_secret=secrets.token_hex(20),
        client_secret=secrets.token_hex(20),
        homepage=str(manifest["url"]),
        hook_url=str(hook["url"]) if hook.get("active", True) else None,
        setup_url=str(manifest["setup_url"]) if manifest.get("setup_url") else None,
    )
    world.manifest_apps[app.id] = app
    return app


def _unique_slug(world: World, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"
    taken = {world.app.slug, *(a.slug for a in world.manifest_apps.values())}
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
