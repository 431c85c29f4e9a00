"""The repository's rules for MorningAI: `.github/morningai.yml` on the default branch, over
the organisation's in its `.github` repository (core.org_config)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from core import repo_config
from core.org_config import ORG_REPO, merge, org_repository
from core.repo_config import (
    ParsedConfig,
    RepoConfig,
    RepoConfigError,
    parse_config_file,
)
from db import repositories, tenants
from db.tenancy import enter_tenant, unscoped_transaction
from github_app.client import RepoClient, RequestError, RequestFailed
from github_app.publish import default_branch
from jobs.runtime.context import JobContext
from jobs.runtime.errors import PermanentError

log = logging.getLogger(__name__)

CONFIG_PATH = repo_config.CONFIG_PATH

OrgFile = Callable[[], str | None]  # the organisation's file, or None when there is none
# GitHub's answers when the App cannot see the organisation's `.github`: the repository is
# missing (404), or not among the installation's, so no token reaches it (422)
_ABSENT = (404, 422)
ABSENT_TTL_SECONDS = 300


def load_config(client: RepoClient, org_file: OrgFile | None = None) -> RepoConfig:
    """The configuration the repository runs with; `org_file` reads the organisation's
    defaults (None: the repository's file alone). With the organisation's (an `OrgReader`), the
    trigger label the configuration names is stored for the webhook intake, which decides on
    labels without asking GitHub (db/migrations/0013_per_repository_trigger_label.sql)."""
    owner, _, name = client.full_name.partition("/")
    repo = _parsed(client.file_text(CONFIG_PATH, default_branch(client)), f"`{CONFIG_PATH}`")
    if name.lower() == ORG_REPO:  # its file is the organisation's: nothing above it
        config = _merged(repo, ParsedConfig(RepoConfig(), {}), owner)
        named = "trigger_label" in repo.lines
    else:
        org = None
        if org_file is not None:
            text = org_file()
            where = f"`{org_repository(owner)}`'s `{CONFIG_PATH}`"
            org = None if text is None else _parsed(text, where)
        config = _merged(org, repo, owner)
        named = "trigger_label" in repo.lines or (org is not None and "trigger_label" in org.lines)
    if isinstance(org_file, OrgReader):
        org_file.store_trigger_label(client.full_name, config.trigger_label if named else None)
    return config


@dataclass(frozen=True)
class OrgReader:
    """Reads the `.github/morningai.yml` of `repository`'s owner, as the installation (a token
    narrowed to its `.github`); None when the App is not installed there or the file does not
    exist."""

    ctx: JobContext
    installation_id: int
    repository: str

    def __call__(self) -> str | None:
        owner = self.repository.partition("/")[0]
        absent = f"morningai:org-config-absent:{self.installation_id}:{owner.lower()}"
        if self.ctx.redis.exists(absent):
            return None
        try:
            with self.ctx.repo(self.installation_id, org_repository(owner)) as org:
                return org.file_text(CONFIG_PATH, default_branch(org))
        except (RequestFailed, RequestError) as exc:
            if _status(exc) not in _ABSENT:
                raise
            log.info("no organisation configuration readable in %s", org_repository(owner))
            # not asked again for a while: GitHub would refuse the token each time
            self.ctx.redis.set(absent, 1, ex=ABSENT_TTL_SECONDS)
            return None

    def store_trigger_label(self, full_name: str, label: str | None) -> None:
        """The label the repository's configuration names (None: none), for the intake."""
        with unscoped_transaction(self.ctx.db) as conn:
            tenant = tenants.for_installation(conn, self.installation_id)
            if tenant is None:
                return
            changed = repositories.set_trigger_label(
                enter_tenant(conn, tenant.tenant_id), full_name, label
            )
        if changed:
            log.info("trigger label of %s is now %s", full_name, label or "the global one")


def org_file(ctx: JobContext, installation_id: int, repository: str) -> OrgReader:
    """A reader of the `.github/morningai.yml` of `repository`'s owner (`OrgReader`)."""
    return OrgReader(ctx, installation_id, repository)


def _status(exc: Exception) -> int | None:
    inner = exc.exc if isinstance(exc, RequestError) else exc
    return inner.response.status_code if isinstance(inner, RequestFailed) else None


def _parsed(text: str | None, where: str) -> ParsedConfig:
    try:
        return parse_config_file(text)
    except RepoConfigError as exc:
        raise PermanentError(f"{where} is invalid: {exc}") from exc


def _merged(org: ParsedConfig | None, repo: ParsedConfig, owner: str) -> RepoConfig:
    try:
        return merge(org, repo, owner)
    except RepoConfigError as exc:
        raise PermanentError(f"`{CONFIG_PATH}` is invalid: {exc}") from exc
