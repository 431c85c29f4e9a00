"""The only way the product calls GitHub's REST API: one client per repository (and one for the
App itself), each REST call a typed method returning our own frozen dataclasses.

The calls live in `github_app.rest`, one module per concern; this module assembles them and
builds every client through `github_app.auth`, so each token is narrowed to its repository and
every call shares the in-place retry policy (`github_app.retry`). Lists are paged in one place
(`RepoSession._paginate`). githubkit's exception types are re-exported here: nothing else in
the product imports githubkit (an import contract in pyproject.toml says so).
"""

from __future__ import annotations

from redis import Redis

from core.settings import Settings
from github_app.auth import app_github, installation_github, public_github
from github_app.rest.app import AppClient, ManifestApi, ManifestConversion
from github_app.rest.checks import CheckRunInfo, ChecksApi
from github_app.rest.errors import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
    SigningError,
)
from github_app.rest.git_data import GitDataApi, TreeEntry
from github_app.rest.issues import ClosedIssue, Comment, IssueInfo, IssuesApi, Reaction
from github_app.rest.pulls import PullFile, PullInfo, PullLink, PullsApi, ReviewNote
from github_app.rest.repos import WRITE_PERMISSIONS, ReposApi
from github_app.rest.work import WorkApi

__all__ = [
    "WRITE_PERMISSIONS",
    "AppClient",
    "CheckRunInfo",
    "ClosedIssue",
    "Comment",
    "GitHubException",
    "IssueInfo",
    "ManifestConversion",
    "PullFile",
    "PullInfo",
    "PullLink",
    "RateLimitExceeded",
    "Reaction",
    "RepoClient",
    "RequestError",
    "RequestFailed",
    "RequestTimeout",
    "ReviewNote",
    "SigningError",
    "TreeEntry",
    "app_client",
    "convert_manifest",
    "repo_client",
]


class RepoClient(IssuesApi, PullsApi, GitDataApi, ReposApi, WorkApi, ChecksApi):
    """GitHub as one installation sees one repository."""


def repo_client(
    settings: Settings, redis: Redis, installation_id: int, full_name: str
) -> RepoClient:
    """A client whose token reaches `full_name` only."""
    return RepoClient(installation_github(settings, redis, installation_id, full_name), full_name)


def app_client(settings: Settings, redis: Redis) -> AppClient:
    """A client authenticated as the App itself (JWT): for /app endpoints only."""
    return AppClient(app_github(settings, redis))


def convert_manifest(settings: Settings, code: str) -> ManifestConversion:
    """Exchange a manifest flow's one-hour code for the new App's credentials (no auth)."""
    return ManifestApi(public_github(settings)).convert(code)
