"""The repository's rules for MorningAI: `.github/morningai.yml` on the default branch."""

from __future__ import annotations

from core.repo_config import RepoConfig, RepoConfigError, parse_repo_config
from github_app.client import RepoClient
from github_app.publish import default_branch
from jobs.runtime.errors import PermanentError

CONFIG_PATH = ".github/morningai.yml"


def load_config(client: RepoClient) -> RepoConfig:
    default = default_branch(client)
    try:
        return parse_repo_config(client.file_text(CONFIG_PATH, default))
    except RepoConfigError as exc:
        raise PermanentError(f"`{CONFIG_PATH}` is invalid: {exc}") from exc
