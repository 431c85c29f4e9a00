"""JSON builders for git data (blobs, trees, commits, refs), branches, contents and diffs."""

from __future__ import annotations

import base64
from urllib.parse import quote

from simulator.gitparse import CommitInfo, FileChange, Ident, TreeEntry
from simulator.shapes import JSON, Site, iso, node_id
from simulator.state import Repo

UNSIGNED = {
    "verified": False,
    "reason": "unsigned",
    "signature": None,
    "payload": None,
    "verified_at": None,
}


def _api(site: Site, repo: Repo) -> str:
    return f"{site.api}/repos/{repo.full_name}"


def encode_content(data: bytes) -> str:
    """Base64 with a newline every 60 characters, the way GitHub sends file content."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


def short_blob(site: Site, repo: Repo, sha: str) -> JSON:
    return {"sha": sha, "url": f"{_api(site, repo)}/git/blobs/{sha}"}


def blob(site: Site, repo: Repo, sha: str, data: bytes) -> JSON:
    return {
        **short_blob(site, repo, sha),
        "node_id": node_id("Blob", int(sha[:7], 16)),
        "size": len(data),
        "content": encode_content(data),
        "encoding": "base64",
    }


def tree_item(site: Site, repo: Repo, entry: TreeEntry) -> JSON:
    item: JSON = {"path": entry.path, "mode": entry.mode, "type": entry.type, "sha": entry.sha}
    if entry.size is not None:
        item["size"] = entry.size
    if entry.type in ("blob", "tree"):
        item["url"] = f"{_api(site, repo)}/git/{entry.type}s/{entry.sha}"
    return item


def tree(site: Site, repo: Repo, sha: str, entries: list[TreeEntry]) -> JSON:
    return {
        "sha": sha,
        "url": f"{_api(site, repo)}/git/trees/{sha}",
        "tree": [tree_item(site, repo, e) for e in entries],
        "truncated": False,
    }


def ident(person: Ident) -> JSON:
    return {"name": person.name, "email": person.email, "date": iso(person.date)}


def git_commit(site: Site, repo: Repo, info: CommitInfo) -> JSON:
    api = _api(site, repo)
    return {
        "sha": info.sha,
        "node_id": node_id("Commit", int(info.sha[:7], 16)),
        "url": f"{api}/git/commits/{info.sha}",
        "html_url": f"{site.html}/{repo.full_name}/commit/{info.sha}",
        "author": ident(info.author),
        "committer": ident(info.committer),
        "tree": {"sha": info.tree, "url": f"{api}/git/trees/{info.tree}"},
        "message": info.message,
        "parents": [
            {
                "sha": p,
                "url": f"{api}/git/commits/{p}",
                "html_url": f"{site.html}/{repo.full_name}/commit/{p}",
            }
            for p in info.parents
        ],
        "verification": dict(UNSIGNED),
    }


def git_ref(site: Site, repo: Repo, name: str, sha: str, kind: str) -> JSON:
    api = _api(site, repo)
    return {
        "ref": name,
        "node_id": node_id("Ref", name),
        "url": f"{api}/git/{name}",
        "object": {"type": kind, "sha": sha, "url": f"{api}/git/{kind}s/{sha}"},
    }


def commit(site: Site, repo: Repo, info: CommitInfo) -> JSON:
    """The REST `commit` schema (as embedded in a branch)."""
    api = _api(site, repo)
    return {
        "sha": info.sha,
        "node_id": node_id("Commit", int(info.sha[:7], 16)),
        "url": f"{api}/commits/{info.sha}",
        "html_url": f"{site.html}/{repo.full_name}/commit/{info.sha}",
        "comments_url": f"{api}/commits/{info.sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{info.sha}",
            "author": ident(info.author),
            "committer": ident(info.committer),
            "message": info.message.rstrip("\n"),
            "comment_count": 0,
            "tree": {"sha": info.tree, "url": f"{api}/git/trees/{info.tree}"},
            "verification": dict(UNSIGNED),
        },
        # the simulator does not map commit e-mails to accounts, like an unknown e-mail on GitHub
        "author": None,
        "committer": None,
        "parents": [
            {
                "sha": p,
                "url": f"{api}/commits/{p}",
                "html_url": f"{site.html}/{repo.full_name}/commit/{p}",
            }
            for p in info.parents
        ],
    }


def branch(site: Site, repo: Repo, name: str, info: CommitInfo) -> JSON:
    api = _api(site, repo)
    return {
        "name": name,
        "commit": commit(site, repo, info),
        "protected": False,
        "_links": {
            "self": f"{api}/branches/{quote(name)}",
            "html": f"{site.html}/{repo.full_name}/tree/{name}",
        },
        "protection": {
            "enabled": False,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": f"{api}/branches/{quote(name)}/protection",
    }


def content_item(site: Site, repo: Repo, entry: TreeEntry, ref: str) -> JSON:
    """One entry of the contents API (a directory listing row, or a file without content)."""
    kind = {"tree": "dir", "commit": "submodule"}.get(entry.type, "file")
    if entry.mode == "120000":
        kind = "symlink"
    api = _api(site, repo)
    self_url = f"{api}/contents/{quote(entry.path)}?ref={quote(ref, safe='')}"
    git_url = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{entry.sha}"
    html_url = (
        f"{site.html}/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/"
        f"{quote(entry.path)}"
    )
    download = (
        f"{site.api}/_raw/{repo.full_name}/{ref}/{quote(entry.path)}"
        if kind in ("file", "symlink")
        else None
    )
    return {
        "type": kind,
        "size": entry.size or 0,
        "name": entry.path.rsplit("/", 1)[-1],
        "path": entry.path,
        "sha": entry.sha,
        "url": self_url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": download,
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }


def content_file(site: Site, repo: Repo, entry: TreeEntry, ref: str, data: bytes) -> JSON:
    body = content_item(site, repo, entry, ref)
    if body["type"] == "symlink":
        return {**body, "target": data.decode(errors="replace")}
    return {**body, "content": encode_content(data), "encoding": "base64"}


def diff_entry(site: Site, repo: Repo, change: FileChange, head: str, patch: str) -> JSON:
    body: JSON = {
        "sha": change.sha,
        "filename": change.path,
        "status": change.status,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": f"{site.html}/{repo.full_name}/blob/{head}/{quote(change.path)}",
        "raw_url": f"{site.html}/{repo.full_name}/raw/{head}/{quote(change.path)}",
        "contents_url": f"{_api(site, repo)}/contents/{quote(change.path)}?ref={head}",
        "patch": patch,
    }
    if change.old_path:
        body["previous_filename"] = change.old_path
    return body
