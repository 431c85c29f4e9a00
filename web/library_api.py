"""`GET /api/faq?q=…&repository=…`: the FAQ library of the repositories the viewer reaches.

Full-text search: the web process never loads the embedding model (no model client in the web
process — see the import contracts), so vector search stays the workers' (`/morningai ask`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from db.reads.faq_library import MAX_ENTRIES, LibraryEntry, entries
from db.tenancy import tenant_transaction
from web.errors import json_error
from web.services import current_services
from web.viewer import ReachedInstallation, Viewer, signed_in

blueprint = Blueprint("library_api", __name__)
MAX_QUERY_CHARS = 200


def source_json(github_url: str, repository: str, source: dict[str, Any]) -> dict[str, Any]:
    """A citation with a link a person can follow (files at the default branch)."""
    base = f"{github_url.rstrip('/')}/{repository}"
    if "path" in source:
        start, end = source.get("start_line"), source.get("end_line")
        return {
            "kind": "file",
            "path": source["path"],
            "start_line": start,
            "end_line": end,
            "url": f"{base}/blob/HEAD/{source['path']}#L{start}-L{end}",
        }
    kind = "pull" if source.get("kind") == "pull" else "issue"
    return {"kind": kind, "number": source.get("number"), "url": source.get("url")}


def entry_json(github_url: str, inst: ReachedInstallation, entry: LibraryEntry) -> dict[str, Any]:
    base = f"{github_url.rstrip('/')}/{entry.repository}"
    return {
        "id": entry.id,
        "installation_id": inst.id,
        "repository": entry.repository,
        "question": entry.question,
        "answer": entry.answer,
        "stale": entry.stale,
        "sources": [source_json(github_url, entry.repository, s) for s in entry.sources],
        "source_pr": entry.source_pr,
        "source_url": f"{base}/pull/{entry.source_pr}" if entry.source_pr else None,
        "updated_at": entry.updated_at.isoformat(),
    }


@blueprint.get("/api/faq")
@signed_in
def search(viewer: Viewer) -> Response:
    query = request.args.get("q", "").strip()
    if len(query) > MAX_QUERY_CHARS:
        return json_error(400, f"a search is at most {MAX_QUERY_CHARS} characters")
    wanted = request.args.get("repository", "").strip().lower() or None
    github_url = current_services().github_settings().github_url
    found: list[tuple[ReachedInstallation, LibraryEntry]] = []
    for inst in viewer.tenants:
        names = [n for n in inst.names if wanted is None or n.lower() == wanted]
        if not names or inst.tenant_id is None:
            continue
        with tenant_transaction(current_services().db, inst.tenant_id) as scope:
            found += [(inst, e) for e in entries(scope, names, query or None, MAX_ENTRIES)]
    if query:
        found.sort(key=lambda pair: (pair[1].rank, pair[1].updated_at), reverse=True)
    else:
        found.sort(key=lambda pair: (pair[1].updated_at, pair[1].id), reverse=True)
    shown = found[:MAX_ENTRIES]
    return jsonify(entries=[entry_json(github_url, inst, e) for inst, e in shown])
