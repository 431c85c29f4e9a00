"""The FAQ flows' fixed parts: the repository's setup doc, the scripted model's FAQ document
replies, and the FAQ memory as PostgreSQL holds it."""

from __future__ import annotations

import json
from typing import Any

import psycopg

Conn = psycopg.Connection[tuple[Any, ...]]

SETUP = "# Setup\n\nRun `python app.py` to greet.\n"


def reply(title: str = "Saying goodbye", answer: str = "Call `farewell` in `app.py`.") -> str:
    return json.dumps(
        {
            "title": title,
            "overview": "This change adds a way to say goodbye.",
            "sections": [
                {
                    "heading": "The new function",
                    "body": "`app.py` now defines `farewell` next to `greet`.",
                    "examples": [
                        {"path": "app.py", "start_line": 5, "end_line": 6, "caption": "farewell"}
                    ],
                }
            ],
            "entries": [
                {
                    "question": "How do I say goodbye to someone?",
                    "answer": answer,
                    "sources": [{"path": "app.py", "start_line": 5, "end_line": 6}],
                }
            ],
            "related": [{"path": "docs/setup.md", "title": "Setup"}],
            "troubleshooting": [
                {"question": "Why is the farewell informal?", "answer": "It returns `bye`."}
            ],
            "outdated": [],
        }
    )


def entries(owner_conn: Conn) -> list[tuple[Any, ...]]:
    return owner_conn.execute(
        "SELECT f.tenant_id, f.question, f.answer, f.embedding_model, f.embedding IS NOT NULL,"
        " f.source_pr, t.installation_id FROM faq_entries f JOIN tenants t ON t.id = f.tenant_id"
        " ORDER BY f.id"
    ).fetchall()


def ask_reply(path: str) -> str:
    return json.dumps(
        {
            "title": "How greeting works",
            "overview": "Greeting lives in one function.",
            "sections": [
                {
                    "heading": "greet",
                    "body": f"See `{path}`.",
                    "examples": [
                        {"path": path, "start_line": 1, "end_line": 2, "caption": "greet"}
                    ],
                }
            ],
            "entries": [
                {
                    "question": "What does greet return?",
                    "answer": "A greeting string.",
                    "sources": [{"path": path, "start_line": 1, "end_line": 2}],
                }
            ],
            "related": [],
            "troubleshooting": [],
            "outdated": [],
        }
    )
