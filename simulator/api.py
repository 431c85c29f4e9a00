"""HTTP helpers shared by the route modules: errors, JSON bodies, pagination."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Response, current_app, request

from simulator.shapes import JSON, error

T = TypeVar("T")
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


class ApiError(Exception):
    """An answer in GitHub's error shape; raised anywhere in a view."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[JSON] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> Response:
        return respond(error(self.status, self.message, self.errors), self.status, self.headers)


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def unprocessable(message: str, errors: list[JSON] | None = None) -> ApiError:
    return ApiError(422, message, errors)


def respond(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    payload = "" if body is None else json.dumps(body)
    mimetype = None if body is None else "application/json"
    return current_app.response_class(payload, status, headers or {}, mimetype=mimetype)


def json_value() -> Any:
    """The request's JSON document (None when the body is empty); 400 if it is not JSON."""
    raw = request.get_data()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "Problems parsing JSON") from exc


def json_body() -> JSON:
    """The request's JSON object ({} when empty); 400 as GitHub for anything else."""
    body = json_value()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "Body should be a JSON object")
    return body


def field(body: JSON, name: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
    """`body[name]` checked like GitHub's schema validation (422 "Invalid request")."""
    if name not in body or body[name] is None:
        if required:
            raise unprocessable(f'Invalid request.\n\n"{name}" wasn\'t supplied.')
        return None
    value = body[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise unprocessable(
            f"Invalid request.\n\nFor 'properties/{name}', {value!r} is not "
            f"a {_kinds(kind)[0].__name__}."
        )
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise unprocessable(f"Invalid value for parameter '{name}': {raw!r}") from exc


def choice_arg(name: str, choices: tuple[str, ...], default: str) -> str:
    """A query parameter limited to `choices` (GitHub's enum parameters); 422 otherwise."""
    raw = request.args.get(name) or default
    if raw not in choices:
        raise unprocessable(f"Invalid value for parameter '{name}': {raw!r}")
    return raw


def time_arg(name: str) -> datetime | None:
    """An ISO 8601 timestamp parameter such as `since` (UTC when no offset is given)."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise unprocessable(f"Invalid value for parameter '{name}': {raw!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def paginate(items: Sequence[T]) -> tuple[list[T], dict[str, str]]:
    """One page of `items` and the `Link` header GitHub sends for it (if there is more)."""
    per_page = min(max(int_arg("per_page", DEFAULT_PER_PAGE), 1), MAX_PER_PAGE)
    page = max(int_arg("page", 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = list(items[(page - 1) * per_page : page * per_page])
    rels: list[tuple[str, int]] = []
    if page > 1:
        rels += [("prev", min(page - 1, last)), ("first", 1)]
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    if not rels:
        return chunk, {}
    base = {k: v for k, v in request.args.items() if k != "page"}
    links = [
        f'<{request.base_url}?{urlencode({**base, "page": n})}>; rel="{rel}"' for rel, n in rels
    ]
    return chunk, {"Link": ", ".join(links)}


def respond_page(items: Sequence[JSON]) -> Response:
    chunk, headers = paginate(items)
    return respond(chunk, 200, headers)
