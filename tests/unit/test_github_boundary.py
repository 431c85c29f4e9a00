"""Every REST call is a method of the GitHub client: outside `github_app.client`,
`github_app.rest` and `github_app.auth`, no product code reaches githubkit's REST namespace
(`….rest`) or a client's githubkit session (`._gh`). The import contract in pyproject.toml keeps
githubkit itself out; this catches a reach through an object the client hands out."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("core", "db", "agents", "github_app", "jobs", "web", "morningai")
CLIENT = ("github_app/client.py", "github_app/auth.py", "github_app/rest/")
REACHES = frozenset({"rest", "_gh", "gh"})


def reaches_into_githubkit(source: str) -> list[int]:
    """Lines of `source` that read an attribute named rest, gh or _gh."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in REACHES
    )


def test_the_check_sees_a_reach_through_the_client() -> None:
    bad = "def f(client):\n    return client._gh.rest.git.update_ref('o', 'r', 'heads/x')\n"
    assert reaches_into_githubkit(bad) == [2, 2]
    assert reaches_into_githubkit("rest = 1\nclient.rest_of_it()\n") == []


def test_only_the_client_reaches_githubkit_rest() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if not str(path.relative_to(ROOT)).startswith(CLIENT)
        for line in reaches_into_githubkit(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
