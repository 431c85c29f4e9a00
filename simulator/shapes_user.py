"""What the user-token endpoints answer: the signed-in user, their installations and repos."""

from __future__ import annotations

from simulator.shapes import (
    JSON,
    Site,
    installation,
    iso,
    node_id,
    permission_flags,
    repository,
    user,
)
from simulator.state import Account, Installation, Repo


def private_user(site: Site, account: Account) -> JSON:
    """GET /user as the user's own token sees it (GitHub's `private-user`)."""
    return {
        **user(site, account),
        "name": account.login.title(),
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": iso(site.world.app.created_at),
        "updated_at": iso(site.world.app.created_at),
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
    }


def user_installations(site: Site, found: list[Installation], *, total: int) -> JSON:
    """One page of them; `total_count` counts every page."""
    return {"total_count": total, "installations": [installation(site, i) for i in found]}


def user_installation_repos(
    site: Site, inst: Installation, repos: list[Repo], login: str, *, total: int
) -> JSON:
    """One page of them, each with `permissions`: what this user may do there (GitHub adds it
    for a user token); `total_count` counts every page."""
    return {
        "total_count": total,
        "repository_selection": inst.repository_selection,
        "repositories": [
            {**repository(site, r), "permissions": permission_flags(site.world.role(r, login))}
            for r in repos
        ],
    }


def organization_simple(site: Site, org: Account) -> JSON:
    api = f"{site.api}/orgs/{org.login}"
    return {
        "login": org.login,
        "id": org.id,
        "node_id": node_id("Organization", org.id),
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"{site.html}/avatars/u/{org.id}?v=4",
        "description": None,
    }


def org_membership(site: Site, org: Account, member: Account, role: str) -> JSON:
    """GET /user/memberships/orgs/{org}: an active membership (GitHub's `org-membership`)."""
    return {
        "url": f"{site.api}/orgs/{org.login}/memberships/{member.login}",
        "state": "active",
        "role": role,
        "organization_url": f"{site.api}/orgs/{org.login}",
        "organization": organization_simple(site, org),
        "user": user(site, member),
        "permissions": {"can_create_repository": role == "admin"},
    }
