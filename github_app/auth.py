"""GitHub App authentication: app JWT → installation token, cached in Redis for all processes.

githubkit mints the JWT and exchanges it; its cache strategy decides where tokens live. We
keep them in Redis (one token per installation and repository set, reused by every worker until
a minute before expiry) and turn githubkit's HTTP response cache off: PostgreSQL, not an HTTP
cache, is where state lives. Every githubkit client the product makes is made here (callers go
through `github_app.client`), so all share the token cache, the timeout and the in-place retry
policy of `github_app.retry`. A cached token GitHub refuses before its expiry (revoked, or
expired early) is dropped from the cache — only if it is still the cached one, so workers
that meet the same revoked token do not throw away each other's fresh one — and the call is
asked once more with a fresh token. One worker mints a missing token while the others wait
for it (a short lease in Redis), so jobs starting together, or meeting a revocation together,
ask GitHub for one token, not one each; a mint that fails gives its lease back at once.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub, UnauthAuthStrategy
from githubkit.auth.app import AppAuth
from githubkit.cache import RedisCacheStrategy
from githubkit.cache.redis import RedisCache
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


MINT_LEASE = timedelta(seconds=3)  # how long one worker may take to mint a token for all
_POLL = 0.05  # seconds between looks while another worker mints


class TokenCache(RedisCache):
    """githubkit's Redis cache, with a lease around minting installation tokens. `leases` are
    the ones this client holds (shared by its strategy's storages)."""

    def __init__(self, client: Redis, prefix: str | None, leases: set[str]) -> None:
        super().__init__(client, prefix)
        self.leases = leases

    def _lease(self, key: str) -> str:
        return self._get_key(f"minting:{key}")

    def get(self, key: str) -> str | None:
        found = super().get(key)
        if found is not None or ":installation:" not in key:
            return found
        lease = self._lease(key)
        deadline = time.monotonic() + MINT_LEASE.total_seconds() + 1
        while not self.client.set(lease, "1", nx=True, px=MINT_LEASE):
            found = super().get(key)
            if found is not None or time.monotonic() >= deadline:
                return found  # another worker's token, or mint after all
            time.sleep(_POLL)
        self.leases.add(lease)
        found = super().get(key)  # minted between our first look and the lease?
        if found is not None:
            self.release(key)
        return found  # None: githubkit mints now, and `set` gives the lease back

    def set(self, key: str, value: str, ex: timedelta) -> None:
        super().set(key, value, ex)
        self.release(key)

    def release(self, key: str) -> None:
        """Give back this client's lease on minting `key`, if it holds one."""
        lease = self._lease(key)
        if lease in self.leases:
            self.leases.discard(lease)
            self.client.delete(lease)


class TokenCacheStrategy(RedisCacheStrategy):
    def __init__(self, client: Redis, prefix: str | None = None) -> None:
        super().__init__(client, prefix)
        self.leases: set[str] = set()

    def get_cache_storage(self) -> TokenCache:
        return TokenCache(self.client, self.prefix, self.leases)


class _InstallationAuth(AppAuth):
    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        try:
            yield from super().sync_auth_flow(request)
        finally:  # a mint that failed gives its lease back now, not when it lapses
            cache = self.github.config.cache_strategy.get_cache_storage()
            if isinstance(cache, TokenCache):
                cache.release(self._get_installation_cache_key())


class InstallationStrategy(AppInstallationAuthStrategy):
    """githubkit's installation strategy, giving back a failed mint's lease."""

    def get_auth_flow(self, github: Any) -> httpx.Auth:
        return _InstallationAuth(
            github,
            self.app_id,
            self.private_key,
            self.client_id,
            self.client_secret,
            self.installation_id,
            self.repositories,
            self.repository_ids,
            self.permissions,
        )


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
        cache_strategy=TokenCacheStrategy(redis, prefix=CACHE_PREFIX),
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
        InstallationStrategy(app_id, key, installation_id, repositories=repositories)
        if repositories
        else InstallationStrategy(app_id, key, installation_id)
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
