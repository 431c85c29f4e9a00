"""The web app (webapp/, built by Vite into web/dist/): its files, and index.html for every
other path so deep links (/tasks/123) work in the browser.

- /assets/* are content-hashed: cached for a year, immutable. index.html: no-cache.
- GET of any other path: the build's file when one exists, else index.html.
- /api/... paths that match no route: a JSON 404, never the page (the catch-all's converter
  leaves /api out, so a known /api path asked with the wrong method stays a 405).
- Without a build (a Python-only checkout) nothing here answers GET /: web/health.py keeps its
  page listing the missing settings.

No `static_url_path=''` static route: it would shadow the catch-all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

from web.services import Services

if TYPE_CHECKING:
    from flask.blueprints import BlueprintSetupState

blueprint = Blueprint("spa", __name__)

DEFAULT_BUILD = Path(__file__).parent / "dist"
# app.config key: where the build is (tests point it at a directory of their own)
BUILD_DIR = "MORNINGAI_WEBAPP_DIR"
IMMUTABLE = "public, max-age=31536000, immutable"


class _PageConverter(PathConverter):
    """A path that is not under /api: those answer 404 (or 405) as JSON, never the page."""

    regex = r"(?!api(?:/|$))[^/].*?"


@blueprint.record_once
def _converter(state: BlueprintSetupState) -> None:  # before the routes below are added
    state.app.url_map.converters["page"] = _PageConverter


def build_dir() -> Path:
    return Path(current_app.config.get(BUILD_DIR) or DEFAULT_BUILD)


def built() -> bool:
    return (build_dir() / "index.html").is_file()


def _github_origin() -> str:
    """Where the setup page posts the App manifest (github.com, or the Enterprise host)."""
    services: Services = current_app.extensions["morningai"]
    url = str(getattr(services.settings, "github_url", None) or "https://github.com")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url


def _secure(response: Response) -> Response:
    """The page's security headers: scripts and styles only from this origin (no inline
    script), forms only to this origin and GitHub, images also from GitHub's avatar hosts
    (github.com's, or the Enterprise host itself), never framed."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: https://avatars.githubusercontent.com {_github_origin()}; "
        "connect-src 'self'; "
        f"font-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self' {_github_origin()}; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def index_response() -> Response:
    response = send_from_directory(build_dir(), "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return _secure(response)


def _api_not_found() -> Response:
    response = jsonify(error="not found")
    response.status_code = 404
    return _secure(response)


@blueprint.get("/assets/<path:name>")
def asset(name: str) -> Response:
    if not built():
        raise NotFound()
    response = send_from_directory(build_dir() / "assets", name, max_age=31536000)
    response.headers["Cache-Control"] = IMMUTABLE
    return _secure(response)


@blueprint.get("/<page:path>")
def page(path: str) -> Response:
    if not built():
        raise NotFound()
    if path != "index.html":
        found = safe_join(str(build_dir()), path)
        if found is not None and Path(found).is_file():
            response = send_from_directory(build_dir(), path, max_age=3600)
            return _secure(response)
    return index_response()


@blueprint.app_errorhandler(404)
def not_found(error: HTTPException) -> Response | HTTPException:
    """Any method on an /api path that matches nothing: JSON. Elsewhere, Flask's page."""
    if request.path == "/api" or request.path.startswith("/api/"):
        return _api_not_found()
    return error


@blueprint.after_app_request
def _private_api(response: Response) -> Response:
    """/api answers are one person's view: never stored by a browser or a proxy."""
    if request.path.startswith("/api/") and request.path != "/api/github/webhooks":
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
