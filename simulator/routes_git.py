"""Git database endpoints (blobs, trees, commits, refs), backed by the bare repository.

See https://docs.github.com/en/rest/git
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request

from simulator import shapes_git
from simulator.api import field, json_body, not_found, respond, unprocessable
from simulator.gitparse import Ident
from simulator.gitstore import ZERO_SHA, GitError
from simulator.routing import acting_bot, current_repo, route, site, world
from simulator.state import Repo
from simulator.trees import TreeChange, apply_changes

bp = Blueprint("git", __name__)
READ = ("contents", "read")
WRITE = ("contents", "write")
MODES = {"100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree", "160000": "commit"}


@route(bp, "POST", "/repos/<owner>/<repo>/git/blobs", "git/create-blob", permission=WRITE)
def create_blob(owner: str, repo: str) -> Response:
    body = json_body()
    content = field(body, "content", str)
    encoding = field(body, "encoding", str, required=False) or "utf-8"
    if encoding not in ("utf-8", "utf8", "base64"):
        raise unprocessable(f"encoding must be 'utf-8' or 'base64', not {encoding!r}")
    try:
        data = (
            base64.b64decode(content, validate=False) if encoding == "base64" else content.encode()
        )
    except binascii.Error as exc:
        raise unprocessable("content is not valid Base64") from exc
    found = current_repo()
    sha = found.git.write_blob(data)
    short = shapes_git.short_blob(site(), found, sha)
    return respond(short, 201, {"Location": short["url"]})


@route(bp, "GET", "/repos/<owner>/<repo>/git/blobs/<file_sha>", "git/get-blob", permission=READ)
def get_blob(owner: str, repo: str, file_sha: str) -> Response:
    found = current_repo()
    if found.git.object_type(file_sha) != "blob":
        raise not_found()
    return respond(shapes_git.blob(site(), found, file_sha, found.git.read_blob(file_sha)))


def _tree_change(repo: Repo, item: Any) -> TreeChange:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        raise unprocessable(
            "Invalid tree info", [{"resource": "Tree", "field": "path", "code": "missing_field"}]
        )
    mode = str(item.get("mode") or "100644")
    kind = str(item.get("type") or MODES.get(mode, "blob"))
    if "content" in item and item.get("sha") is not None:
        raise unprocessable("Only one of tree.sha or tree.content may be specified")
    if isinstance(item.get("content"), str):
        return TreeChange(item["path"], mode, "blob", repo.git.write_blob(item["content"].encode()))
    if "sha" not in item:
        raise unprocessable("Must supply tree.sha or tree.content")
    sha = item["sha"]
    if sha is not None and (not isinstance(sha, str) or repo.git.object_type(sha) != kind):
        raise unprocessable(f"tree.sha {sha} is not a valid {kind}")
    return TreeChange(item["path"], mode, kind, sha)


@route(bp, "POST", "/repos/<owner>/<repo>/git/trees", "git/create-tree", permission=WRITE)
def create_tree(owner: str, repo: str) -> Response:
    body = json_body()
    items = field(body, "tree", list)
    base = field(body, "base_tree", str, required=False)
    found = current_repo()
    if base is not None and found.git.object_type(base) not in ("tree", "commit"):
        raise unprocessable(
            "Invalid tree info", [{"resource": "Tree", "field": "base_tree", "code": "invalid"}]
        )
    changes = [_tree_change(found, item) for item in items]
    flat = found.git.flatten(found.git.tree_of(base)) if base else {}
    sha = found.git.write_tree(apply_changes(flat, changes, found.git.flatten))
    return respond(shapes_git.tree(site(), found, sha, found.git.list_tree(sha)), 201)


@route(
    bp, "GET", "/repos/<owner>/<repo>/git/trees/<path:tree_sha>", "git/get-tree", permission=READ
)
def get_tree(owner: str, repo: str, tree_sha: str) -> Response:
    found = current_repo()
    kind = found.git.object_type(tree_sha)
    if kind not in ("tree", "commit"):
        commit = found.git.resolve_commit(tree_sha)
        if commit is None:
            raise not_found()
        tree_sha = commit
    sha = found.git.tree_of(tree_sha)
    recursive = bool(request.args.get("recursive"))
    return respond(shapes_git.tree(site(), found, sha, found.git.list_tree(sha, recursive)))


def _ident(body: dict[str, Any], name: str, default: Ident) -> Ident:
    raw = field(body, name, dict, required=False)
    if raw is None:
        return default
    if not isinstance(raw.get("name"), str) or not isinstance(raw.get("email"), str):
        raise unprocessable(f'Invalid request.\n\n"name" and "email" are required in {name}.')
    date = raw.get("date")
    try:
        when = datetime.fromisoformat(date) if isinstance(date, str) else world().now()
    except ValueError as exc:
        raise unprocessable(f"Invalid request.\n\n{date!r} is not a valid date-time.") from exc
    return Ident(raw["name"], raw["email"], when)


def _app_ident() -> Ident:
    bot = acting_bot()
    return Ident(bot.login, f"{bot.id}+{bot.login}@users.noreply.github.com", world().now())


@route(bp, "POST", "/repos/<owner>/<repo>/git/commits", "git/create-commit", permission=WRITE)
def create_commit(owner: str, repo: str) -> Response:
    body = json_body()
    message = field(body, "message", str)
    tree = field(body, "tree", str)
    parents = field(body, "parents", list, required=False) or []
    found = current_repo()
    if found.git.object_type(tree) != "tree":
        raise unprocessable("Tree SHA does not exist")
    if any(not isinstance(p, str) or found.git.object_type(p) != "commit" for p in parents):
        raise unprocessable("Parent SHA does not exist or is not a commit object")
    author = _ident(body, "author", _app_ident())
    committer = _ident(body, "committer", author)
    sha = found.git.commit_tree(tree, parents, message, author, committer)
    return respond(shapes_git.git_commit(site(), found, found.git.read_commit(sha)), 201)


@route(
    bp, "GET", "/repos/<owner>/<repo>/git/commits/<commit_sha>", "git/get-commit", permission=READ
)
def get_commit(owner: str, repo: str, commit_sha: str) -> Response:
    found = current_repo()
    if found.git.object_type(commit_sha) != "commit":
        raise not_found()
    return respond(shapes_git.git_commit(site(), found, found.git.read_commit(commit_sha)))


def _ref_json(repo: Repo, name: str) -> dict[str, Any]:
    sha = repo.git.resolve(name)
    if sha is None:
        raise not_found()
    return shapes_git.git_ref(site(), repo, name, sha, repo.git.object_type(sha) or "commit")


@route(bp, "GET", "/repos/<owner>/<repo>/git/ref/<path:ref>", "git/get-ref", permission=READ)
def get_ref(owner: str, repo: str, ref: str) -> Response:
    found = current_repo()
    if not any(name == f"refs/{ref}" for name, _, _ in found.git.refs()):
        raise not_found()
    return respond(_ref_json(found, f"refs/{ref}"))


@route(
    bp, "GET", "/repos/<owner>/<repo>/git/matching-refs/", "git/list-matching-refs", permission=READ
)
@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/git/matching-refs/<path:ref>",
    "git/list-matching-refs",
    permission=READ,
)
def list_matching_refs(owner: str, repo: str, ref: str = "") -> Response:
    found = current_repo()
    prefix = f"refs/{ref}"
    return respond(
        [
            shapes_git.git_ref(site(), found, name, sha, kind)
            for name, sha, kind in found.git.refs()
            if name.startswith(prefix)
        ]
    )


def _valid_ref_name(name: str) -> bool:
    if not name.startswith("refs/") or name.count("/") < 2:
        return False
    try:
        current_repo().git.run("check-ref-format", name)
    except GitError:
        return False
    return True


@route(bp, "POST", "/repos/<owner>/<repo>/git/refs", "git/create-ref", permission=WRITE)
def create_ref(owner: str, repo: str) -> Response:
    body = json_body()
    name = field(body, "ref", str)
    sha = field(body, "sha", str)
    found = current_repo()
    if not _valid_ref_name(name):
        raise unprocessable(f"{name} is not a valid ref name.")
    if found.git.object_type(sha) is None:
        raise unprocessable("Object does not exist")
    if found.git.resolve(name) is not None:
        raise unprocessable("Reference already exists")
    found.git.set_ref(name, sha, ZERO_SHA)
    ref = _ref_json(found, name)
    return respond(ref, 201, {"Location": ref["url"]})


@route(bp, "PATCH", "/repos/<owner>/<repo>/git/refs/<path:ref>", "git/update-ref", permission=WRITE)
def update_ref(owner: str, repo: str, ref: str) -> Response:
    body = json_body()
    sha = field(body, "sha", str)
    force = field(body, "force", bool, required=False) or False
    found, name = current_repo(), f"refs/{ref}"
    old = found.git.resolve(name)
    if old is None:
        raise unprocessable("Reference does not exist")
    if found.git.object_type(sha) is None:
        raise unprocessable("Object does not exist")
    if not force and not found.git.is_ancestor(old, sha):
        raise unprocessable("Update is not a fast forward")
    found.git.set_ref(name, sha, old)
    return respond(_ref_json(found, name))


@route(
    bp, "DELETE", "/repos/<owner>/<repo>/git/refs/<path:ref>", "git/delete-ref", permission=WRITE
)
def delete_ref(owner: str, repo: str, ref: str) -> Response:
    found, name = current_repo(), f"refs/{ref}"
    if found.git.resolve(name) is None:
        raise unprocessable("Reference does not exist")
    found.git.delete_ref(name)
    return respond(None, 204)
