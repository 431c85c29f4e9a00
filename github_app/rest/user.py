"""GitHub as a signed-in user's token (`ghu_…`) sees it: who they are, which installations of
the App they reach. Built per call: the token belongs to one browser session."""

from __future__ import annotations

from dataclasses import dataclass

from githubkit import GitHub, TokenAuthStrategy

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
