"""JSON builders for accounts, the app, installations, tokens and repositories.

Every property GitHub's OpenAPI description marks required is present, with GitHub's URL
conventions (https://docs.github.com/en/rest), because githubkit's models are strict.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.pulls import network_root
from simulator.state import Account, App, Installation, Repo, Token, World

JSON = dict[str, Any]
DOCS = "https://docs.github.com/rest"


@dataclass(frozen=True)
class Site:
    """What every builder needs: the state, the API base URL and the web base URL."""

    world: World
    api: str
    html: str


def iso(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int | str) -> str:
    """GitHub's legacy global node id: base64 of "<len>:<Kind><id>"."""
    return base64.b64encode(f"{len(kind):02d}:{kind}{number}".encode()).decode()


def error(status: int, message: str, errors: list[JSON] | None = None) -> JSON:
    body: JSON = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return body


def user(site: Site, account: Account) -> JSON:
    api = f"{site.api}/users/{account.login}"
    html = (
        f"{site.html}/apps/{account.login.removesuffix('[bot]')}"
        if account.type == "Bot"
        else f"{site.html}/{account.login}"
    )
    return {
        "login": account.login,
        "id": account.id,
        "node_id": node_id(account.type, account.id),
        "avatar_url": f"{site.html}/avatars/u/{account.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": html,
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": account.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def app(site: Site, info: App | None = None) -> JSON:
    """An App as GET /app shows it: the simulator's own, or `info` (one made from a manifest)."""
    info = info or site.world.app
    return {
        "id": info.id,
        "slug": info.slug,
        "node_id": node_id("Integration", info.id),
        "client_id": info.client_id,
        "owner": user(site, info.owner),
        "name": info.name,
        "description": "GitHub App served by the MorningAI GitHub simulator",
        "external_url": f"{site.html}/{info.slug}",
        "html_url": f"{site.html}/apps/{info.slug}",
        "created_at": iso(info.created_at),
        "updated_at": iso(info.created_at),
        "permissions": dict(info.permissions)
        or {"contents": "write", "issues": "write", "metadata": "read", "pull_requests": "write"},
        "events": list(info.events) or ["issues", "issue_comment", "pull_request"],
        "installations_count": len(site.world.installations),
    }


def installation(site: Site, inst: Installation) -> JSON:
    info, account = site.world.app, inst.account
    settings = (
        f"{site.html}/organizations/{account.login}/settings/installations/{inst.id}"
        if account.type == "Organization"
        else f"{site.html}/settings/installations/{inst.id}"
    )
    suspended = inst.suspended_at is not None
    return {
        "id": inst.id,
        "account": user(site, account),
        "client_id": info.client_id,
        "repository_selection": inst.repository_selection,
        "access_tokens_url": f"{site.api}/app/installations/{inst.id}/access_tokens",
        "repositories_url": f"{site.api}/installation/repositories",
        "html_url": settings,
        "app_id": info.id,
        "app_slug": info.slug,
        "target_id": account.id,
        "target_type": account.type,
        "permissions": dict(inst.permissions),
        "events": list(inst.events),
        "created_at": iso(inst.created_at),
        "updated_at": iso(inst.created_at),
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": user(site, info.owner) if suspended else None,
        "suspended_at": iso(inst.suspended_at),
    }


def installation_token(site: Site, token: Token, selection: str, repos: list[Repo] | None) -> JSON:
    body: JSON = {
        "token": token.value,
        "expires_at": iso(token.expires_at),
        "permissions": dict(token.permissions),
        "repository_selection": selection,
    }
    if repos is not None:
        body["repositories"] = [repository(site, r) for r in repos]
    return body


_TEMPLATED_URLS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "statuses_url": "/statuses/{sha}",
    "trees_url": "/git/trees{/sha}",
}
_PLAIN_URLS = ("contributors", "deployments", "downloads", "events", "forks", "hooks",
               "languages", "merges", "stargazers", "subscribers", "subscription", "tags",
               "teams")  # fmt: skip
# What the simulator does not model: stars, wiki pages, licenses or languages.
_REPO_DEFAULTS: JSON = {
    "fork": False, "mirror_url": None, "homepage": None, "language": None, "forks_count": 0,
    "forks": 0, "stargazers_count": 0, "watchers_count": 0, "watchers": 0, "size": 0,
    "is_template": False, "topics": [], "has_issues": True, "has_projects": True,
    "has_wiki": True, "has_pages": False, "has_downloads": True, "has_discussions": False,
    "archived": False, "disabled": False, "license": None, "allow_forking": True,
    "web_commit_signoff_required": False,
}  # fmt: skip
_FULL_REPO_DEFAULTS: JSON = {
    "network_count": 0, "subscribers_count": 0, "allow_squash_merge": True,
    "allow_merge_commit": True, "allow_rebase_merge": True, "allow_auto_merge": False,
    "delete_branch_on_merge": False, "allow_update_branch": False,
    "use_squash_pr_title_as_default": False, "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
    "squash_merge_commit_message": "COMMIT_MESSAGES", "merge_commit_title": "MERGE_MESSAGE",
    "merge_commit_message": "PR_TITLE", "temp_clone_token": None,
}  # fmt: skip


def _repo_urls(site: Site, repo: Repo) -> JSON:
    api = f"{site.api}/repos/{repo.full_name}"
    urls: JSON = {key: api + suffix for key, suffix in _TEMPLATED_URLS.items()}
    urls.update({f"{name}_url": f"{api}/{name}" for name in _PLAIN_URLS})
    return urls


def repository(site: Site, repo: Repo) -> JSON:
    """The `repository` schema (as embedded in pulls, tokens, installation lists)."""
    html = f"{site.html}/{repo.full_name}"
    host = site.html.split("://", 1)[-1]
    open_issues = sum(1 for issue in repo.issues.values() if issue.state == "open")
    forks = sum(1 for other in site.world.repos.values() if other.parent is repo)
    return {
        **_REPO_DEFAULTS,
        **_repo_urls(site, repo),
        "fork": repo.parent is not None,
        "forks_count": forks,
        "forks": forks,
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": user(site, repo.owner),
        "private": repo.private,
        "visibility": "private" if repo.private else "public",
        "description": repo.description,
        "default_branch": repo.default_branch,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
        "url": f"{site.api}/repos/{repo.full_name}",
        "html_url": html,
        "git_url": f"git://{host}/{repo.full_name}.git",
        "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "pushed_at": iso(repo.created_at),
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.created_at),
    }


def full_repository(site: Site, repo: Repo) -> JSON:
    """The `full-repository` schema of GET /repos/{owner}/{repo}."""
    body = {**repository(site, repo), **_FULL_REPO_DEFAULTS}
    if repo.owner.type == "Organization":
        body["organization"] = user(site, repo.owner)
    if repo.parent is not None:  # a fork names its parent and the root of its network
        body["parent"] = repository(site, repo.parent)
        body["source"] = repository(site, network_root(repo))
    return body


# GitHub folds the five roles into four legacy permission names.
_LEGACY = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
    "none": "none",
}


def permission_flags(role: str) -> dict[str, bool]:
    """A role as GitHub's `permissions` object (on a collaborator, or on a repository as the
    user's token sees it)."""
    rank = ("none", "read", "triage", "write", "maintain", "admin").index(role)
    return {
        "pull": rank >= 1,
        "triage": rank >= 2,
        "push": rank >= 3,
        "maintain": rank >= 4,
        "admin": rank >= 5,
    }


def collaborator_permission(site: Site, account: Account, role: str) -> JSON:
    flags = permission_flags(role)
    return {
        "permission": _LEGACY[role],
        "role_name": role,
        "user": {**user(site, account), "permissions": flags, "role_name": role},
    }
