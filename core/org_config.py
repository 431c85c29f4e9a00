"""The organisation's `.github/morningai.yml` as every repository's defaults, and what a
repository's own file may change of them — pure.

Probot's convention: the file in the account's `.github` repository is the base; a repository's
file builds on it (`_extends: .github`, the default here). Which keys a repository may set:

- `budget` — the installation's monthly budget — only in the organisation's file;
- `token_budget`, `max_attempts`, `test_timeout_seconds` — lower than the organisation's value,
  never higher (when the organisation sets them);
- `forbidden_paths` — added to the organisation's, never removing one;
- everything else — freely.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.repo_config import CONFIG_PATH, ParsedConfig, RepoConfig, RepoConfigError

ORG_REPO = ".github"
ORG_ONLY = ("budget",)
CEILINGS = ("token_budget", "max_attempts", "test_timeout_seconds")
ADDITIVE = ("forbidden_paths",)


def org_repository(owner: str) -> str:
    return f"{owner}/{ORG_REPO}"


def merge(org: ParsedConfig | None, repo: ParsedConfig, owner: str) -> RepoConfig:
    """The configuration a repository of `owner` runs with: the organisation's file (None: there
    is none, or the App cannot read it) under the repository's, or RepoConfigError naming the
    line of the repository's file that asks for more than the organisation allows."""
    _check_extends(repo, owner)
    base = org.config if org is not None else RepoConfig()
    org_lines = org.lines if org is not None else {}
    changes: dict[str, Any] = {}
    for key, line in repo.lines.items():
        if key == "_extends":
            continue
        value = getattr(repo.config, key)
        if key in ORG_ONLY:
            raise RepoConfigError(
                f"'{key}' is set for the whole installation, in {org_repository(owner)}'s"
                f" {CONFIG_PATH}; remove it here",
                line,
            )
        if key in CEILINGS and key in org_lines and value > getattr(base, key):
            raise RepoConfigError(
                f"'{key}' may be at most {getattr(base, key):,} here (the organisation's limit"
                f" in {org_repository(owner)}), not {value:,}",
                line,
            )
        if key in ADDITIVE:
            value = (*getattr(base, key), *(v for v in value if v not in getattr(base, key)))
        changes[key] = value
    return replace(base, **changes)


def _check_extends(repo: ParsedConfig, owner: str) -> None:
    # Probot also lets a file extend another repository's; the installation's defaults (its
    # budget above all) must come from the organisation's own `.github`, so only that is taken
    if repo.extends is None:
        return
    if repo.extends.strip().lower() not in (ORG_REPO, org_repository(owner).lower()):
        raise RepoConfigError(
            f"'_extends' may only name {ORG_REPO} (the organisation's defaults), not"
            f" {repo.extends!r}",
            repo.lines.get("_extends"),
        )
