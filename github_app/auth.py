"""GitHub App authentication: app JWT → installation token, cached in Redis for all processes.

githubkit mints the JWT and exchanges it; its cache strategy decides where tokens live. We
keep them in Redis (one token per installation and repository set, reused by every worker until
a minute before expiry) and turn githubkit's HTTP response cache off: PostgreSQL, not an HTTP
cache, is where state lives. Every githubkit client the product makes is made here (callers go
through `github_app.client`), so all share the token cache, the timeout and the in-place retry
policy of `github_app.retry`. A cached token GitHub refuses before its expiry (revoked, or
expired early) is dropped from the cache — only if it is still the cached one, so workers
that meet the same revoked token do not throw away each other's fresh one — and the call is
asked once more with a fresh token.
"""

from __future__ import annotations

from typing import TypeVar

from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub, UnauthAuthStrategy
from githubkit.auth.app import AppAuth
from githubkit.cache import RedisCacheStrategy
from githubkit.retry import RetryDecisionFunc
from redis import Redis

from core.settings import Settings
from github_app.retry import in_place, refreshing

CACHE_PREFIX = "morningai:github"
S = TypeVar("S", AppAuthStrategy, AppInstallationAuthStrategy)
# delete the cached token only if it is still the one GitHub refused
_FORGET_IF_CACHED = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class GitHubNotConfiguredError(RuntimeError):
    """The GitHub App's id or private key is not set."""


def _credentials(settings: Settings) -> tuple[str, str]:
    if not settings.github_app_id or settings.github_private_key is None:
        raise GitHubNotConfiguredError(
            "GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or GITHUB_PRIVATE_KEY_PATH) must be set"
        )
    return settings.github_app_id, settings.github_private_key.get_secret_value()


def _github(
    strategy: S, settings: Settings, redis: Redis, retry: RetryDecisionFunc = in_place
) -> GitHub[S]:
    return GitHub(
        strategy,
        base_url=settings.github_api_url,
        cache_strategy=RedisCacheStrategy(redis, prefix=CACHE_PREFIX),
        http_cache=False,
        auto_retry=retry,
        timeout=30.0,
    )


def _token_key(gh: GitHub[AppInstallationAuthStrategy]) -> str:
    """The Redis key githubkit caches this client's installation token under (its own key,
    behind the prefix `RedisCacheStrategy` adds)."""
    flow = gh.auth.get_auth_flow(gh)
    if not isinstance(flow, AppAuth):
        raise TypeError(f"an installation client authenticates with {type(flow).__name__}")
    return f"{CACHE_PREFIX}:{flow._get_installation_cache_key()}"


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

    def forget(token: str) -> None:
        redis.eval(_FORGET_IF_CACHED, 1, _token_key(gh), token)

    gh = _github(strategy, settings, redis, refreshing(forget))
    return gh


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
