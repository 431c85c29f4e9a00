"""Prompt files next to their graph, rendered strictly: a missing variable is an error."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from string import Template


@cache
def load(package: str, name: str) -> str:
    """The text of `prompts/<name>.md` in `package` (e.g. "agents.code")."""
    return (resources.files(package) / "prompts" / f"{name}.md").read_text(encoding="utf-8")


def render(package: str, name: str, **values: str) -> str:
    """Fill `$names`; raises KeyError for a variable not given, so a typo cannot ship."""
    return Template(load(package, name)).substitute(values)


def prompt_hash(package: str, names: tuple[str, ...]) -> str:
    """A short hash of the prompt files a graph uses, stored with each task."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(load(package, name).encode("utf-8"))
    return digest.hexdigest()[:12]
