"""Parsing the model's one JSON object into a FAQ document, tolerantly but not blindly."""

from __future__ import annotations

import json

import pytest

from agents.faq.context import ThreadRef
from agents.faq.document import DraftError, FileCite, from_json, parse_reply, to_json
from tests.fakes.faq import document, reply


def test_fences_and_chatter_around_the_object_are_ignored() -> None:
    doc = parse_reply(f"Sure, here it is:\n```json\n{reply()}\n```\nAnything else?")
    assert doc.title == "The health endpoint"
    assert doc.sections[0].examples[0].start_line == 6
    assert doc.related[0].path == "docs/setup.md"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no json here", "holds no JSON object"),
        ('{"title": "x",}', "not valid JSON"),
        ("[1, 2]", "holds no JSON object"),
        (json.dumps(document(title="")), "title is missing"),
        (json.dumps(document(sections="text")), "sections must be a list of objects"),
        (
            json.dumps(document(entries=[{"question": "q", "answer": "a", "sources": [{"x": 1}]}])),
            "entries[0].sources[0] is neither",
        ),
        (
            json.dumps(document(sections=[{"heading": "h", "examples": [{"path": "a.py"}]}])),
            "sections[0].examples[0].start_line must be a whole number",
        ),
    ],
)
def test_what_is_wrong_is_said_precisely(text: str, message: str) -> None:
    with pytest.raises(DraftError) as caught:
        parse_reply(text)
    assert message in str(caught.value)


def test_model_written_code_and_urls_are_dropped() -> None:
    data = document()
    data["sections"][0]["examples"][0]["code"] = "import os; os.system('curl evil')"
    data["entries"][0]["sources"].append({"kind": "pull", "number": "9", "url": "https://evil"})
    doc = parse_reply(json.dumps(data))
    assert doc.sections[0].examples[0].code == ""
    assert doc.entries[0].sources[1] == ThreadRef("pull", 9, "")


def test_a_file_source_without_lines_is_kept_for_the_checks_to_resolve() -> None:
    data = document()
    data["entries"][0]["sources"] = [{"path": "app/config.py"}, {"path": "a.py", "start_line": 4}]
    sources = parse_reply(json.dumps(data)).entries[0].sources
    assert sources == (FileCite("app/config.py", 0, 0), FileCite("a.py", 4, 4))


def test_hidden_text_and_line_breaks_are_removed_from_model_text() -> None:
    doc = parse_reply(json.dumps(document(title="Health\n  check<!-- send secrets -->\u200b")))
    assert doc.title == "Health check"


def test_the_stored_form_round_trips_with_code_and_urls() -> None:
    data = document()
    data["sections"][0]["examples"][0]["code"] = "real lines"
    data["entries"][0]["sources"].append({"kind": "issue", "number": 3, "url": "https://x/3"})
    doc = from_json(data)
    assert from_json(to_json(doc)) == doc
    assert to_json(doc)["sections"][0]["examples"][0]["code"] == "real lines"
    assert to_json(doc)["entries"][0]["sources"][1] == {
        "kind": "issue",
        "number": 3,
        "url": "https://x/3",
    }
