"""Repository endpoints: the repo, contents, tarballs, branches, collaborator permissions."""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import quote

from flask import Blueprint, Response, request

from simulator import shapes, shapes_git
from simulator.api import ApiError, not_found, respond
from simulator.auth import check_repo_access, check_token
from simulator.gitparse import TreeEntry
from simulator.lookups import commit_for
from simulator.routing import current_repo, route, site, world
from simulator.state import ROLES

bp = Blueprint("repos", __name__)
DOWNLOAD_LIFETIME = timedelta(minutes=5)


@route(bp, "GET", "/repos/<owner>/<repo>", "repos/get", permission=("metadata", "read"))
def get_repo(owner: str, repo: str) -> Response:
    return respond(shapes.full_repository(site(), current_repo()))


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/contents/",
    "repos/get-content",
    permission=("contents", "read"),
)
@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/contents/<path:path>",
    "repos/get-content",
    permission=("contents", "read"),
)
def get_content(owner: str, repo: str, path: str = "") -> Response:
    found = current_repo()
    ref = request.args.get("ref") or found.default_branch
    entry = found.git.entry_at(commit_for(found, ref), path.strip("/"))
    if entry is None:
        raise not_found()
    if entry.type == "tree":
        rows = [
            TreeEntry(e.mode, e.type, e.sha, f"{entry.path}/{e.path}".lstrip("/"), e.size)
            for e in found.git.list_tree(entry.sha)
        ]
        return respond([shapes_git.content_item(site(), found, e, ref) for e in rows])
    if entry.type == "commit":
        return respond(shapes_git.content_item(site(), found, entry, ref))
    data = found.git.read_blob(entry.sha)
    if "application/vnd.github.raw" in request.headers.get("Accept", ""):
        # the raw media type: the file's bytes instead of the JSON object
        return Response(data, 200, {"Content-Type": "application/vnd.github.raw"})
    return respond(shapes_git.content_file(site(), found, entry, ref, data))


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/tarball/",
    "repos/download-tarball-archive",
    permission=("contents", "read"),
)
@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/tarball/<path:ref>",
    "repos/download-tarball-archive",
    permission=("contents", "read"),
)
def download_tarball(owner: str, repo: str, ref: str = "") -> Response:
    """GitHub answers 302 to codeload with a short-lived token in the query; so do we."""
    found = current_repo()
    ref = ref or found.default_branch
    sha = commit_for(found, ref)
    ticket = secrets.token_urlsafe(16)
    world().downloads[ticket] = (found.id, sha, world().now() + DOWNLOAD_LIFETIME)
    location = f"{site().api}/_codeload/{found.full_name}/legacy.tar.gz/{quote(ref)}?token={ticket}"
    return respond(None, 302, {"Location": location})


@route(bp, "GET", "/_codeload/<owner>/<repo>/legacy.tar.gz/<path:ref>", "_codeload", auth="public")
def codeload(owner: str, repo: str, ref: str) -> Response:
    ticket = world().downloads.get(request.args.get("token", ""))
    found = world().repo(owner, repo)
    if ticket is None or found is None or ticket[0] != found.id or ticket[2] < world().now():
        raise not_found()
    sha = ticket[1]
    name = f"{found.owner.login}-{found.name}-{sha[:7]}"
    data = found.git.archive(sha, f"{name}/")
    return Response(
        data,
        200,
        {
            "Content-Type": "application/x-gzip",
            "Content-Disposition": f"attachment; filename={name}.tar.gz",
        },
    )


@route(bp, "GET", "/_raw/<owner>/<repo>/<path:rest>", "_raw", auth="public")
def raw(owner: str, repo: str, rest: str) -> Response:
    """The contents API's `download_url` (raw.githubusercontent.com): `<ref>/<path>`."""
    found = world().repo(owner, repo)
    if found is not None and found.private:  # like raw.githubusercontent.com: token needed
        credential = request.headers.get("Authorization", "").partition(" ")[2]
        found = check_repo_access(world(), check_token(world(), credential), found)
    if found is None:
        raise not_found()
    parts = rest.split("/")
    for cut in range(1, len(parts)):  # a ref may contain slashes: try each split
        commit = found.git.resolve_commit("/".join(parts[:cut]))
        entry = found.git.entry_at(commit, "/".join(parts[cut:])) if commit else None
        if entry is not None and entry.type == "blob":
            data = found.git.read_blob(entry.sha)
            return Response(data, 200, {"Content-Type": "text/plain; charset=utf-8"})
    raise not_found()


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/branches/<path:branch>",
    "repos/get-branch",
    permission=("contents", "read"),
)
def get_branch(owner: str, repo: str, branch: str) -> Response:
    found = current_repo()
    sha = found.git.resolve(f"refs/heads/{branch}")
    if sha is None:
        raise ApiError(404, "Branch not found")
    return respond(shapes_git.branch(site(), found, branch, found.git.read_commit(sha)))


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/collaborators/<username>/permission",
    "repos/get-collaborator-permission-level",
    permission=("metadata", "read"),
)
def get_permission(owner: str, repo: str, username: str) -> Response:
    found = current_repo()
    role = world().role(found, username)
    if role not in ROLES:
        raise not_found()
    account = world().account(username)
    return respond(shapes.collaborator_permission(site(), account, role))
