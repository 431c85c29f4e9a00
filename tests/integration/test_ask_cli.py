"""`morningai ask --repo DIR` on a local checkout, against the scripted model server."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.chunking import chunk_file
from morningai.ask import AskError, LexicalRetriever, ask
from simulator.openai_server import ScriptedModelServer, scripted_model_server
from tests.support.faq import ask_reply
from tests.support.model import settings_for
from tests.support.simulated import APP


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "work"
    (repo / "docs").mkdir(parents=True)
    (repo / "app.py").write_text(APP)
    (repo / "docs" / "usage.md").write_text("# Usage\n\nCall greet with a name.\n")
    (repo / ".gitignore").write_text("secret.py\n")
    (repo / "secret.py").write_text("TOKEN = 'do-not-read-me'\n")
    return repo


def test_ask_prints_an_answer_citing_the_checkout(checkout: Path) -> None:
    with scripted_model_server() as server:
        server.expect_chat(ask_reply("app.py"), match="What does greet return")
        state = ask(checkout, "What does greet return?", settings_for(server))
        sent = str(server.requests[0].json)
    markdown = state.get("markdown", "")
    assert markdown.startswith("# How greeting works")
    assert APP.splitlines()[1].strip() in markdown
    assert "def greet" in sent  # the retrieved chunk went to the model
    assert "do-not-read-me" not in sent  # git-ignored files are not read


def test_ask_refuses_an_answer_citing_missing_files(checkout: Path) -> None:
    server: ScriptedModelServer
    with scripted_model_server() as server:
        server.expect_chat(ask_reply("lib/greeting.py"), times=2)
        with pytest.raises(AskError, match=r"lib/greeting\.py"):
            ask(checkout, "What does greet return?", settings_for(server))


def test_lexical_retriever_ranks_the_matching_chunk_first() -> None:
    chunks = chunk_file("a.py", "def parse_header(x):\n    return x\n") + chunk_file(
        "b.py", "def render_page(y):\n    return y\n"
    )
    [best, *_] = LexicalRetriever(chunks).code("how is the header parsed", 2)
    assert best.path == "a.py"
    assert LexicalRetriever(chunks).code("nothing matches zzz", 2) == []
