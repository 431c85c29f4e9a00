"""Localization's pieces: tokens, BM25, issue parsing, definitions, path resolution, reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.code.locate_defs import definitions, other_definitions, python_definitions_fast
from agents.code.locate_issue import read_issue
from agents.code.locate_repo import SourceFile, read_sources
from agents.code.locate_signals import build_index, is_test_path, resolve_path
from agents.code.locate_text import BM25, Tokenizer, best_chunk_scores, query_weights


@pytest.mark.parametrize(
    ("ident", "terms"),
    [
        ("parseHTTPResponse", ("parse", "http", "response", "parsehttpresponse")),
        ("normalize_header", ("normalize", "header", "normalize_header")),
        ("L060", ("l060",)),
        ("self", ()),
        ("renders", ("render",)),
    ],
)
def test_identifiers_split_into_terms(ident: str, terms: tuple[str, ...]) -> None:
    assert Tokenizer().split_identifier(ident) == terms


def test_bm25_prefers_rare_terms_and_short_documents() -> None:
    tok = Tokenizer()
    docs = [
        tok.counts("timezone offset offset"),
        tok.counts("timezone " + "filler " * 50 + "offset"),
        tok.counts("timezone"),
    ]
    scores = BM25(docs).scores(query_weights(tok.terms("offset timezone")))
    assert scores[0] > scores[1] > scores[2] > 0
    assert BM25(docs).idf("offset") > BM25(docs).idf("timezone")
    assert BM25([]).scores({"x": 1.0}) == []


ISSUE = """Crash in `Dataset.to_dict()` with `skip_empty=True`; see xarray/core/dataset.py.

```python
from xarray.core.dataset import Dataset
import xarray.backends.api
```

Traceback (most recent call last):
  File "/usr/lib/python3/site-packages/xarray/core/dataset.py", line 4120, in to_dict
    return self._to_dict()
    at org.acme.io.Reader.read(Reader.java:33)
    at handler (/srv/app/src/server.js:12:7)
The documentation says nothing and the test suite passes.
"""


def test_issue_facts() -> None:
    facts = read_issue(ISSUE)
    assert [(f.path, f.line, f.function) for f in facts.frames] == [
        ("/usr/lib/python3/site-packages/xarray/core/dataset.py", 4120, "to_dict"),
        ("org/acme/io/Reader.java", 33, "read"),
        ("/srv/app/src/server.js", 12, ""),
    ]
    assert facts.paths == ()  # the mentioned path is the frame's, counted once, as a frame
    assert "xarray.core.dataset" in facts.dotted
    assert "Dataset.to_dict" in facts.dotted
    assert ("xarray.core.dataset", "Dataset") in facts.imports
    assert facts.identifiers["skip_empty"] == 1.0
    assert facts.identifiers["to_dict"] == 1.0
    assert facts.identifiers["documentation"] == 0.1
    assert facts.about_tests
    assert facts.about_docs


def test_paths_in_prose_and_urls() -> None:
    facts = read_issue("See src/app/models.py and https://x.org/a/b/blob/main/lib/util.ts#L3 .")
    assert facts.paths == ("src/app/models.py", "x.org/a/b/blob/main/lib/util.ts")
    assert not facts.about_tests


def test_python_definitions_fast_and_exact_agree_on_names() -> None:
    src = (
        "import os\n\nclass A:\n    def m(self):\n        def inner():\n            pass\n\n"
        "    async def n(self):\n        pass\n\ndef f():\n    pass\n"
    )
    fast = python_definitions_fast(src)
    exact = definitions("a.py", src, exact=True)
    assert [(d.qualname, d.kind, d.line) for d in fast] == [
        (d.qualname, d.kind, d.line) for d in exact
    ]
    assert [d.qualname for d in exact] == ["A", "A.m", "A.m.inner", "A.n", "f"]
    assert [(d.line, d.end_line) for d in exact if d.name == "A"] == [(3, 9)]


def test_only_ast_sees_blocks_that_are_not_definitions() -> None:
    # The line scan nests by the indentation of definitions alone: good enough for an index of
    # names, which is what it is for; the top files get `ast`.
    src = "class A:\n    x = 1\n\nif True:\n    def guarded():\n        pass\n"
    assert [d.qualname for d in python_definitions_fast(src)] == ["A", "A.guarded"]
    assert [d.qualname for d in definitions("a.py", src, exact=True)] == ["A", "guarded"]


def test_ast_finds_definitions_in_every_kind_of_block() -> None:
    src = (
        "try:\n    import x\nexcept ImportError:\n    def fallback(): pass\nelse:\n"
        "    def other(): pass\nfinally:\n    def fin(): pass\nmatch y:\n    case 1:\n"
        "        def in_case(): pass\nwith ctx:\n    def in_with(): pass\n"
        "f = lambda: [i for i in range(3)]\n"
    )
    names = [d.name for d in definitions("a.py", src, exact=True)]
    assert names == ["fallback", "other", "fin", "in_case", "in_with"]


def test_python_definitions_survive_bad_syntax() -> None:
    defs = definitions("old.py", "print 'py2'\ndef f(x):\n    return x\n", exact=True)
    assert [(d.name, d.line) for d in defs] == [("f", 2)]


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("export function render(a) {}\nexport const hook = (x) => x\n", {"render", "hook"}),
        (
            "class Store {\n  dispatch(action) {\n    if (action) {\n    }\n  }\n}\n",
            {"Store", "dispatch"},
        ),
        (
            "func (s *Server) Serve(l net.Listener) error {\n}\ntype Server struct {}\n",
            {"Serve", "Server"},
        ),
        (
            "pub struct Config {}\nimpl Config {\n    pub fn load() -> Self {}\n}\n",
            {"Config", "load"},
        ),
        (
            "public class Parser {\n  public List<Node> parse(String s) throws E {\n  }\n}\n",
            {"Parser", "parse"},
        ),
        (
            "module Billing\n  class Invoice\n    def total\n    end\n  end\nend\n",
            {"Billing", "Invoice", "total"},
        ),
    ],
)
def test_other_language_definitions(source: str, names: set[str]) -> None:
    assert {d.name for d in other_definitions(source)} == names


def test_resolve_path_by_suffix() -> None:
    index = build_index(
        [
            SourceFile("src/pkg/io/reader.py", "", "code"),
            SourceFile("src/pkg/db/reader.py", "", "code"),
            SourceFile("other/core/frame.py", "", "code"),
        ]
    )
    by_path = {f.path: i for i, f in enumerate(index.files)}
    trace = "/venv/lib/site-packages/pkg/io/reader.py"
    assert resolve_path(index, trace) == [(by_path["src/pkg/io/reader.py"], 1.0)]
    assert sorted(c for _, c in resolve_path(index, "reader.py")) == [0.5, 0.5]
    partial = resolve_path(index, "/x/pandas/core/frame.py")
    assert partial == [(by_path["other/core/frame.py"], pytest.approx(0.5 * 2 / 3))]
    assert resolve_path(index, "nowhere.py") == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/unit/test_x.py", True),
        ("pkg/test_utils.py", True),
        ("pkg/utils_test.go", True),
        ("web/src/App.test.tsx", True),
        ("src/test/java/com/x/FooTest.java", True),
        ("conftest.py", True),
        ("src/_pytest/python.py", False),
        ("pkg/testing_tools.py", False),
        ("pkg/attestation.py", False),
    ],
)
def test_is_test_path(path: str, expected: bool) -> None:
    assert is_test_path(path) is expected


def test_read_sources_kinds_and_skips(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/guide.md").write_text("# Guide\n")
    (tmp_path / "setup.cfg").write_text("[metadata]\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "data.csv").write_text("a,b\n")
    (tmp_path / "huge.py").write_text("x = 1\n" * 200_000)
    (tmp_path / "package-lock.json").write_text("{}")
    (tmp_path / "link.py").symlink_to(tmp_path / "app.py")
    (tmp_path / ".gitignore").write_text("*.py\n!app.py\n")
    (tmp_path / "keep.py").write_text("ignored by the pattern\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub/.gitignore").write_text("!kept.py\n")
    (tmp_path / "sub/kept.py").write_text("re-included below\n")
    (tmp_path / "sub/other.py").write_text("still ignored from the root\n")
    kinds = {f.path: f.kind for f in read_sources(tmp_path)}
    assert kinds == {
        "app.py": "code",
        "docs/guide.md": "doc",
        "setup.cfg": "config",
        "sub/kept.py": "code",
    }


def test_best_window_finds_a_match_inside_a_long_file() -> None:
    tok = Tokenizer()
    long_file = "filler line\n" * 500 + "timezone offset daylight\n" + "filler line\n" * 500
    short_file = "timezone\nunrelated words\n"
    corpus = BM25([tok.counts(long_file), tok.counts(short_file)])
    query = query_weights(tok.terms("daylight timezone offset"))
    whole = corpus.scores(query)
    windows = best_chunk_scores(corpus, tok, [long_file, short_file], query, lines=60)
    assert windows[0] > windows[1]
    assert windows[0] / windows[1] > whole[0] / whole[1]  # length no longer drowns the match
