"""Route registration (operation id, auth kind, required permission) and request context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from flask import Blueprint, Response, current_app, g, request

from simulator.auth import Caller
from simulator.exchanges import Recorder
from simulator.hooks import Hookshot
from simulator.shapes import Site
from simulator.state import Account, Repo, Token, World

View = TypeVar("View", bound=Callable[..., Response])
EXTENSION = "github_simulator"


@dataclass(frozen=True)
class Endpoint:
    """How a route is served: its OpenAPI operation, who may call it, what it needs."""

    operation_id: str | None
    auth: str  # "app" (JWT), "installation" (token) or "public" (checks its own query token)
    permission: tuple[str, str] | None  # (name, "read"|"write") on the installation token


@dataclass(frozen=True)
class Backend:
    """What the Flask app serves from; kept in `app.extensions`."""

    world: World
    recorder: Recorder
    site: Site
    public_key: RSAPublicKey
    hookshot: Hookshot = field(default_factory=Hookshot)  # webhook deliveries to Apps


ENDPOINTS: dict[str, Endpoint] = {}


def route(
    bp: Blueprint,
    method: str,
    rule: str,
    operation_id: str,
    *,
    auth: str = "installation",
    permission: tuple[str, str] | None = None,
) -> Callable[[View], View]:
    """Register `view` under the endpoint name derived from GitHub's operationId."""
    endpoint = operation_id.replace("/", ":")

    def register(view: View) -> View:
        bp.add_url_rule(
            rule, endpoint=endpoint, view_func=view, methods=[method], strict_slashes=False
        )
        ENDPOINTS[f"{bp.name}.{endpoint}"] = Endpoint(
            None if operation_id.startswith("_") else operation_id, auth, permission
        )
        return view

    return register


def backend() -> Backend:
    found: Backend = current_app.extensions[EXTENSION]
    return found


def world() -> World:
    return backend().world


def site() -> Site:
    return backend().site


def caller() -> Caller:
    found: Caller = g.caller
    return found


def caller_token() -> Token:
    """The installation token of the request (routes with auth="installation" only)."""
    token = caller().token
    if token is None:
        raise RuntimeError(f"{request.endpoint} is not an installation-token route")
    return token


def acting_bot() -> Account:
    """The bot account of the App whose installation token made the request (the simulator's
    own App, or one registered from a manifest): who authors its comments, commits and pulls."""
    found = g.get("caller")
    inst = world().installations.get(found.token.installation_id) if found and found.token else None
    app = world().manifest_apps.get(inst.app_id) if inst and inst.app_id else None
    return (app or world().app).bot


def current_repo() -> Repo:
    """The repository named in the URL, already checked against the caller's token."""
    found: Repo = g.repo
    return found
