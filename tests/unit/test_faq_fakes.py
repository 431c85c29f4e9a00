"""The FAQ graph's in-memory doubles (tests/fakes/faq.py) behave as the graph's tests assume."""

from __future__ import annotations

import pytest

from agents.ports import Message
from tests.fakes.faq import REPO, SERVER, MemoryFiles, ScriptedModel


def test_memory_files_has_no_lines_for_binary_or_missing_files() -> None:
    files = MemoryFiles(REPO)
    assert files.lines("app/server.py") == SERVER
    assert files.lines("assets/logo.png") is None
    assert files.lines("nope.py") is None


def test_scripted_model_refuses_an_unscripted_call() -> None:
    model = ScriptedModel(["{}"])
    model.complete([Message("user", "hi")], max_tokens=10)
    with pytest.raises(AssertionError):
        model.complete([Message("user", "again")], max_tokens=10)
