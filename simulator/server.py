"""The Flask app (auth, faults, GitHub's headers, recording) and its background HTTP server."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from simulator import (
    oauth,
    pages,
    routes_app,
    routes_avatars,
    routes_checks,
    routes_git,
    routes_install,
    routes_issues,
    routes_labels,
    routes_manifest,
    routes_oauth,
    routes_pulls,
    routes_repos,
    routes_reviews,
    routes_timeline,
)
from simulator.api import ApiError, respond
from simulator.auth import (
    AuthError,
    Caller,
    app_key,
    check_permission,
    check_repo_access,
    check_token,
    verify_jwt,
)
from simulator.exchanges import Exchange, parse_json, redact
from simulator.gitstore import GitError
from simulator.routes_manifest import PERSONAL_OWNER
from simulator.routing import ENDPOINTS, EXTENSION, Backend, Endpoint, backend
from simulator.shapes import error

log = logging.getLogger(__name__)
RATE_LIMIT = 5000
ARRIVED_AT = "simulator.arrived_at"  # the WSGI environ key of a request's arrival time
_request_ids = itertools.count(1)


def create_app(backend: Backend) -> Flask:
    """The simulated api.github.com as a Flask app."""
    app = Flask("simulator")
    app.extensions[EXTENSION] = backend
    for module in (
        routes_app,
        routes_avatars,
        routes_repos,
        routes_git,
        routes_pulls,
        routes_reviews,
        routes_checks,
        routes_issues,
        routes_labels,
        routes_manifest,
        routes_oauth,
        routes_install,
        routes_timeline,
    ):
        app.register_blueprint(module.bp)
    app.before_request(_run_triggers)
    app.before_request(_inject_fault)
    app.before_request(_browser_page)
    app.before_request(_authenticate)
    app.after_request(_record)  # after_request hooks run in reverse: decorate, then record
    app.after_request(_decorate)
    app.register_error_handler(ApiError, lambda exc: exc.response())
    app.register_error_handler(AuthError, _auth_error)
    app.register_error_handler(GitError, _git_error)
    app.register_error_handler(HTTPException, _http_error)
    app.wsgi_app = _Serialized(app.wsgi_app, backend.world.lock)  # type: ignore[method-assign]
    return app


class _Serialized:
    """Serve one request at a time: the world and the git repos are not thread-safe."""

    def __init__(self, inner: Callable[..., Iterable[bytes]], lock: threading.RLock) -> None:
        self.inner = inner
        self.lock = lock

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        environ[ARRIVED_AT] = time.monotonic()  # before queueing for the lock
        with self.lock:
            return list(self.inner(environ, start_response))


def _endpoint() -> Endpoint | None:
    return ENDPOINTS.get(request.endpoint or "")


def _run_triggers() -> None:
    for trigger in backend().recorder.take_triggers(request.method, request.path):
        trigger.action()  # under the world's lock, like every request


def _inject_fault() -> Response | None:
    fault = backend().recorder.take_fault(request.method, request.path)
    if fault is None:
        return None
    g.injected = True
    return respond(fault.body, fault.status, fault.headers)


def _browser_page() -> Response | None:
    """A browser on the new-App or the authorize page sees it and clicks; the button sends the
    same request again, confirmed, and the route acts (simulator/pages.py)."""
    if not pages.wants_page():
        return None
    if request.endpoint in ("manifest._new_app", "manifest._new_org_app"):
        return _new_app_page()
    if request.endpoint == "oauth._oauth_authorize":
        found = oauth.oauth_app(backend().world, request.args.get("client_id", ""))
        login = backend().world.oauth_approver
        if found is not None and login is not None:  # else the route answers 404 / 403
            return pages.authorize_page(found.name, login)
    return None


def _new_app_page() -> Response | None:
    try:
        manifest = json.loads(request.form.get("manifest", ""))
    except ValueError:
        return None  # the route answers 400
    if not isinstance(manifest, dict):
        return None
    org = (request.view_args or {}).get("org")
    owner = (
        backend().world.account(org, "Organization")
        if org
        else backend().world.account(PERSONAL_OWNER, "User")
    )
    return pages.new_app_page(str(manifest.get("name") or "MorningAI"), owner)


def _authenticate() -> None:
    """Check the credential the endpoint needs; resolve `{owner}/{repo}` into `g.repo`."""
    endpoint = _endpoint()
    if endpoint is None or endpoint.auth == "public":
        return
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if not credential or scheme.lower() not in ("bearer", "token"):
        raise AuthError(401, "Requires authentication")
    world = backend().world
    if endpoint.auth == "app":
        issuers, key = app_key(world, credential, backend().public_key)
        verify_jwt(credential, key, issuers, world.now())
        g.caller = Caller("app")
    else:
        token = check_token(world, credential)
        g.caller = Caller("installation", token)
        if endpoint.permission is not None:
            check_permission(token, *endpoint.permission)
    args = request.view_args or {}
    if "owner" in args and "repo" in args:
        repo = world.repo(args["owner"], args["repo"])
        if g.caller.token is not None:
            repo = check_repo_access(world, g.caller.token, repo)
        elif repo is None:
            raise AuthError(404, "Not Found")
        g.repo = repo


def _rate_headers() -> dict[str, str]:
    world = backend().world
    caller = g.get("caller")
    key = f"installation:{caller.token.installation_id}" if caller and caller.token else "app"
    used = world.rate_used.get(key, 0) + 1
    world.rate_used[key] = used
    now = world.now()
    reset = int(now.timestamp()) // 3600 * 3600 + 3600
    return {
        "x-ratelimit-limit": str(RATE_LIMIT),
        "x-ratelimit-remaining": str(max(RATE_LIMIT - used, 0)),
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-used": str(used),
        "x-ratelimit-resource": "core",
    }


def _decorate(response: Response) -> Response:
    """GitHub's headers on every answer; ETag and 304 for conditional GETs."""
    number = next(_request_ids)
    extra = {
        **_rate_headers(),
        "x-github-request-id": f"5IM0:{number:04X}:{number * 7919:06X}:0:0",
        "x-github-media-type": "github.v3; format=json",
        "x-github-api-version-selected": request.headers.get("X-GitHub-Api-Version", "2022-11-28"),
        "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
    }
    for name, value in extra.items():  # an injected fault's own headers win
        response.headers.setdefault(name, value)
    if request.method == "GET" and response.status_code == 200 and response.is_json:
        return _conditional(response)
    return response


def _conditional(response: Response) -> Response:
    etag = 'W/"' + hashlib.sha256(response.get_data()).hexdigest() + '"'
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
    if etag in request.headers.get("If-None-Match", ""):
        response.status_code = 304
        response.set_data(b"")
        del response.headers["Content-Type"]
    return response


def _record(response: Response) -> Response:
    endpoint = _endpoint()
    body = response.get_data()
    backend().recorder.record(
        Exchange(
            method=request.method,
            path=request.path,
            query=request.args.to_dict(flat=False),
            request_headers={k.lower(): v for k, v in redact(dict(request.headers)).items()},
            request_json=parse_json(request.get_data()),
            status=response.status_code,
            response_headers={k.lower(): v for k, v in response.headers.items()},
            response_json=parse_json(body) if response.is_json else None,
            response_bytes=body,
            operation_id=endpoint.operation_id if endpoint else None,
            injected=bool(g.get("injected", False)),
            arrived_at=float(request.environ.get(ARRIVED_AT, time.monotonic())),
        )
    )
    return response


def _auth_error(exc: AuthError) -> Response:
    return respond(error(exc.status, exc.message), exc.status)


def _git_error(exc: GitError) -> Response:
    log.warning("git failed: %s", exc)
    return respond(error(422, f"Git error: {exc}"), 422)


def _http_error(exc: HTTPException) -> Response:
    # Unknown paths and methods: GitHub answers both with a plain 404.
    status = exc.code or 500
    if status in (404, 405):
        return respond(error(404, "Not Found"), 404)
    return respond(error(status, exc.description or "Error"), status)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path, code)


class ServerThread:
    """A threaded werkzeug server on 127.0.0.1 (a free port) in a daemon thread."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler
        )
        # a short poll interval: shutdown() waits up to one interval (0.5 s by default)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="github-simulator", daemon=True
        )
        self._running = False

    @property
    def port(self) -> int:
        return self._server.server_port

    def start(self) -> None:
        self._thread.start()
        self._running = True

    def stop(self) -> None:
        """Stop serving and release the port (shutdown() would hang if never started)."""
        if self._running:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._running = False
        self._server.server_close()
