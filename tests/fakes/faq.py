"""In-memory doubles for the FAQ graph's ports, a small repository, and a valid model reply."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.faq.context import FaqContext, KnownEntry, Passage
from agents.ports import Completion, Message, Tool, Usage

SERVER = [
    '"""The demo web server."""',
    "",
    "from flask import Flask",
    "",
    "",
    "def create_app() -> Flask:",
    "    app = Flask(__name__)",
    '    app.add_url_rule("/health", view_func=health)',
    "    return app",
    "",
    "",
    "def health() -> str:",
    '    return "ok"',
]
REPO: dict[str, str] = {
    "README.md": "# Demo\n\nA demo service.\n",
    "docs/setup.md": "# Setup\n\nRun `make run`.\n",
    "docs/architecture.md": "# Architecture\n\nOne Flask app.\n",
    "app/__init__.py": "",
    "app/server.py": "\n".join(SERVER) + "\n",
    "app/config.py": "PORT = 8000\nDEBUG = False\n",
    "assets/logo.png": "\x89PNG",
}


class MemoryFiles:
    """RepoFiles over a dict; binary files (here: .png) have no lines."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def exists(self, path: str) -> bool:
        return path in self.files

    def lines(self, path: str) -> list[str] | None:
        if path not in self.files or path.endswith(".png"):
            return None
        return self.files[path].splitlines()

    def paths(self) -> list[str]:
        return sorted(self.files)


@dataclass
class StaticRetriever:
    passages: list[Passage] = field(default_factory=list)
    known: list[KnownEntry] = field(default_factory=list)
    queries: list[tuple[str, str, int]] = field(default_factory=list)

    def code(self, query: str, k: int) -> list[Passage]:
        self.queries.append(("code", query, k))
        return self.passages[:k]

    def faq(self, query: str, k: int) -> list[KnownEntry]:
        self.queries.append(("faq", query, k))
        return self.known[:k]


class ScriptedModel:
    """Answers with the scripted replies in order; records every conversation it was sent."""

    def __init__(self, replies: list[str], model: str = "scripted-model-1") -> None:
        self.replies = list(replies)
        self.calls: list[list[Message]] = []
        self._model = model

    @property
    def model(self) -> str:
        return self._model

    def complete(
        self, messages: list[Message], *, max_tokens: int, tools: Sequence[Tool] = ()
    ) -> Completion:
        self.calls.append(list(messages))
        if not self.replies:
            raise AssertionError("the model was asked more often than scripted")
        return Completion(self.replies.pop(0), Usage(1000, 200), self._model)


@dataclass
class RecordingProgress:
    stages: list[tuple[str, str]] = field(default_factory=list)
    spent_usage: list[Usage] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def stage(self, name: str, detail: str) -> None:
        self.stages.append((name, detail))

    def spent(self, usage: Usage) -> None:
        self.spent_usage.append(usage)

    def note(self, kind: str, message: str, **data: object) -> None:
        self.notes.append((kind, message))


def context(
    model: ScriptedModel,
    retriever: StaticRetriever | None = None,
    files: dict[str, str] | None = None,
    **options: Any,
) -> FaqContext:
    return FaqContext(
        model=model,
        progress=RecordingProgress(),
        retriever=retriever or StaticRetriever(),
        files=MemoryFiles(REPO if files is None else files),
        repository="acme/demo",
        **options,
    )


def document(**overrides: Any) -> dict[str, Any]:
    """A valid document for REPO, as the model would send it."""
    doc: dict[str, Any] = {
        "title": "The health endpoint",
        "overview": "This pull request adds a `/health` route to `app/server.py`. It returns ok.",
        "sections": [
            {
                "heading": "How the route is registered",
                "body": "`create_app` registers the view; settings live in `app/config.py`.",
                "examples": [
                    {"path": "app/server.py", "start_line": 6, "end_line": 9, "caption": "The app"}
                ],
            }
        ],
        "entries": [
            {
                "question": "How do I check that the service is up?",
                "answer": "Request `/health`; it answers `ok` (see `app/server.py`).",
                "sources": [{"path": "app/server.py", "start_line": 12, "end_line": 13}],
            }
        ],
        "related": [{"path": "docs/setup.md", "title": "Setup"}],
        "troubleshooting": [
            {"question": "The health check returns 404", "answer": "Run the app from `app/`."}
        ],
    }
    doc.update(overrides)
    return doc


def reply(**overrides: Any) -> str:
    return json.dumps(document(**overrides), indent=2)


def with_entry_source(source: dict[str, Any]) -> Callable[[], str]:
    def make() -> str:
        entry = dict(document()["entries"][0], sources=[source])
        return reply(entries=[entry])

    return make
