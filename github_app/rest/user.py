"""GitHub as a signed-in user's token (`ghu_…`) sees it: who they are, which installations of
the App they reach. Built per call: the token belongs to one browser session."""

from __future__ import annotations

from dataclasses import dataclass

from githubkit import GitHub, TokenAuthStrategy
from githubkit.exception import RequestFailed

from core.settings import Settings


@dataclass(frozen=True)
class GitHubUser:
    id: int
    login: str
    avatar_url: str


def _user_github(settings: Settings, token: str) -> GitHub[TokenAuthStrategy]:
    return GitHub(
        TokenAuthStrategy(token),
        base_url=settings.github_api_url,
        http_cache=False,
        auto_retry=False,
        timeout=30.0,
    )


def authenticated_user(settings: Settings, token: str) -> GitHubUser:
    """`GET /user` https://docs.github.com/en/rest/users/users#get-the-authenticated-user"""
    with _user_github(settings, token) as gh:
        found = gh.rest.users.get_authenticated().parsed_data
    return GitHubUser(found.id, found.login, found.avatar_url)


@dataclass(frozen=True)
class UserInstallation:
    id: int
    account_login: str
    account_type: str = "Organization"  # GitHub's account type: "Organization" or "User"


def user_installations(settings: Settings, token: str) -> list[UserInstallation]:
    """`GET /user/installations`: the App's installations this user can reach (every page).
    https://docs.github.com/en/rest/apps/installations#list-app-installations-accessible-to-the-user-access-token"""
    found: list[UserInstallation] = []
    with _user_github(settings, token) as gh:
        page = 1
        while True:
            data = gh.rest.apps.list_installations_for_authenticated_user(
                per_page=100, page=page
            ).parsed_data
            for inst in data.installations:
                login = getattr(inst.account, "login", None) or getattr(inst.account, "slug", "")
                kind = getattr(inst.account, "type", None) or "Enterprise"
                found.append(UserInstallation(inst.id, str(login), str(kind)))
            if len(data.installations) < 100:
                return found
            page += 1


@dataclass(frozen=True)
class UserRepository:
    id: int
    full_name: str
    private: bool
    can_write: bool  # push, maintain or admin: may stop and retry MorningAI's work there


def user_installation_repositories(
    settings: Settings, token: str, installation_id: int
) -> list[UserRepository]:
    """`GET /user/installations/{id}/repositories`: the installation's repositories this user
    can reach, with their permissions there (every page).
    https://docs.github.com/en/rest/apps/installations#list-repositories-accessible-to-the-user-access-token"""
    found: list[UserRepository] = []
    with _user_github(settings, token) as gh:
        page = 1
        while True:
            data = gh.rest.apps.list_installation_repos_for_authenticated_user(
                installation_id, per_page=100, page=page
            ).parsed_data
            for repo in data.repositories:
                perms = repo.permissions
                writes = bool(perms) and bool(perms.push or perms.maintain or perms.admin)
                found.append(UserRepository(repo.id, repo.full_name, repo.private, writes))
            if len(data.repositories) < 100:
                return found
            page += 1


def org_membership_role(settings: Settings, token: str, org: str) -> str | None:
    """The user's role in `org` (`admin`, `member`, `billing_manager`) while their membership
    is active; None when GitHub says they are not a member (404), only invited (`pending`), or
    will not say (403: the App is blocked, or cannot read the organization's members).
    `GET /user/memberships/orgs/{org}`
    https://docs.github.com/en/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user"""
    with _user_github(settings, token) as gh:
        try:
            found = gh.rest.orgs.get_membership_for_authenticated_user(org).parsed_data
        except RequestFailed as exc:
            if exc.response.status_code in (403, 404):
                return None
            raise
    return str(found.role) if found.state == "active" else None
