"""GitHub App authentication: app JWT → installation token, cached in Redis for all processes.

githubkit mints the JWT and exchanges it; its cache strategy decides where tokens live. We
keep them in Redis (one token per installation and repository set, reused by every worker until
a minute before expiry) and turn githubkit's HTTP response cache off: PostgreSQL, not an HTTP
cache, is where state lives. Every githubkit client the product makes is made here (callers go
through `github_app.client`), so all share the token cache, the timeout and the in-place retry
policy of `github_app.retry`.
"""

from __future__ import annotations

from typing import TypeVar

from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub, UnauthAuthStrategy
from githubkit.cache import RedisCacheStrategy
from redis import Redis

from core.settings import Settings
from github_app.retry import in_place

CACHE_PREFIX = "morningai:github"
S = TypeVar("S", AppAuthStrategy, AppInstallationAuthStrategy)


class GitHubNotConfiguredError(RuntimeError):
    """The GitHub App's id or private key is not set."""


def _credentials(settings: Settings) -> tuple[str, str]:
    if not settings.github_app_id or settings.github_private_key is None:
        raise GitHubNotConfiguredError(
            "GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or GITHUB_PRIVATE_KEY_PATH) must be set"
        )
    return settings.github_app_id, settings.github_private_key.get_secret_value()


def _github(strategy: S, settings: Settings, redis: Redis) -> GitHub[S]:
    return GitHub(
        strategy,
        base_url=settings.github_api_url,
        cache_strategy=RedisCacheStrategy(redis, prefix=CACHE_PREFIX),
        http_cache=False,
        auto_retry=in_place,
        timeout=30.0,
    )


def app_github(settings: Settings, redis: Redis) -> GitHub[AppAuthStrategy]:
    """githubkit authenticated as the App itself (JWT): for /app endpoints only."""
    app_id, key = _credentials(settings)
    return _github(AppAuthStrategy(app_id, key), settings, redis)


def installation_github(
    settings: Settings, redis: Redis, installation_id: int, repository: str | None = None
) -> GitHub[AppInstallationAuthStrategy]:
    """githubkit acting as the installation; narrowed to one repository when one is named,
    so a job's token cannot touch the tenant's other repositories."""
    app_id, key = _credentials(settings)
    repositories = [repository.split("/", 1)[1]] if repository else None
    strategy = (
        AppInstallationAuthStrategy(app_id, key, installation_id, repositories=repositories)
        if repositories
        else AppInstallationAuthStrategy(app_id, key, installation_id)
    )
    return _github(strategy, settings, redis)


def public_github(settings: Settings) -> GitHub[UnauthAuthStrategy]:
    """githubkit with no credentials, for the manifest conversion. No retry: the code in the
    URL is single-use, so a repeated POST after a lost answer could only fail."""
    return GitHub(
        UnauthAuthStrategy(),
        base_url=settings.github_api_url,
        http_cache=False,
        auto_retry=False,
        timeout=30.0,
    )
