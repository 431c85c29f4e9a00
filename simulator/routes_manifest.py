"""The manifest flow: the new-App pages a browser posts a manifest to, and the conversion."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request

from simulator import shapes
from simulator.api import ApiError, not_found, respond
from simulator.manifests import ManifestRejected, convert, issue_code
from simulator.routing import route, site, world
from simulator.state import Account

bp = Blueprint("manifest", __name__)
# who "clicks Create" on the personal new-App page (a browser session on real GitHub)
PERSONAL_OWNER = "morningai-admin"


@route(
    bp,
    "POST",
    "/app-manifests/<code>/conversions",
    "apps/create-from-manifest",
    auth="public",  # the code is the credential
)
def create_from_manifest(code: str) -> Response:
    created = convert(world(), code)
    if created is None:
        raise not_found()
    body = shapes.app(site(), created)
    body.update(
        client_secret=created.client_secret,
        webhook_secret=created.webhook_secret,
        pem=created.private_key_pem,
    )
    return respond(body, 201)


@route(bp, "POST", "/settings/apps/new", "_new_app", auth="public")
def new_app() -> Response:
    return _create(world().account(PERSONAL_OWNER, "User"))


@route(bp, "POST", "/organizations/<org>/settings/apps/new", "_new_org_app", auth="public")
def new_org_app(org: str) -> Response:
    return _create(world().account(org, "Organization"))


def _create(owner: Account) -> Response:
    """The page as if the person clicked "Create": back to redirect_url with code and state."""
    try:
        manifest: Any = json.loads(request.form.get("manifest", ""))
    except ValueError as exc:
        raise ApiError(400, "manifest is not JSON") from exc
    if not isinstance(manifest, dict):
        raise ApiError(400, "manifest is not a JSON object")
    try:
        code = issue_code(world(), manifest, owner)
    except ManifestRejected as exc:
        raise ApiError(422, str(exc)) from exc
    query = {"code": code, **({"state": s} if (s := request.args.get("state")) else {})}
    target = f"{manifest['redirect_url']}?{urlencode(query)}"
    response: Response = redirect(target, 302)  # type: ignore[assignment]
    return response
