"""Linking chat to MorningAI: one-time link codes, their redemption, and sealed bot tokens.

The dashboard (a signed-in person, choosing among the installations GitHub says they reach)
asks for a code; the code carries everything the link needs — purpose (a workspace or a user),
platform, tenant, installation and the GitHub user — and the chat side only ever presents the
code: never an installation id from a URL or a message. A code is 160 random bits shown as
eight groups of four base32 letters, kept in Redis for ten minutes under its SHA-256 only
(a Redis listing shows no usable code) and taken with GETDEL (single use, even under a race).

Slack's per-workspace bot token is sealed with AES-256-GCM (core/secrets_at_rest) bound to
the column it lives in, "chat_workspaces.bot_token".
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from redis import Redis

from core.secrets_at_rest import SecretBox
from db import chat
from db.pool import Database
from db.tenancy import tenant_transaction, unscoped_transaction

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
PURPOSES = ("workspace", "user")
PLATFORMS = chat.PLATFORMS
SEALED_FOR = "chat_workspaces.bot_token"  # AES-GCM associated data: the column it is sealed in
_CODE_BYTES = 20  # 160 bits: 32 base32 letters, no padding
_PREFIX = "morningai:chat:link:"
_SHAPE = re.compile(r"^[A-Z2-7]{32}$")
# what a person may type for a base32 letter: lower case, and the digits people confuse with it
_LENIENT = str.maketrans({"0": "O", "1": "I", "8": "B"})
_NAMES = {"slack": "Slack", "discord": "Discord", "telegram": "Telegram"}


@dataclass(frozen=True)
class LinkGrant:
    """What a code lets its presenter do: decided in the dashboard, nowhere else."""

    purpose: str  # "workspace" | "user"
    platform: str
    tenant_id: int
    installation_id: int
    github_user_id: int
    github_login: str


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime

    def __repr__(self) -> str:  # a live code is a credential: never in a log
        return f"IssuedCode(expires_at={self.expires_at.isoformat()})"


@dataclass(frozen=True)
class Refused:
    """Why a presented code linked nothing, in words for the person in the chat."""

    reason: str


def new_code() -> str:
    """A fresh code: 160 random bits as `ABCD-EFGH-…` (eight groups of four)."""
    letters = base64.b32encode(secrets.token_bytes(_CODE_BYTES)).decode("ascii")
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def normalize(presented: str) -> str | None:
    """The code's 32 letters from what a person pasted (any case, dashes, spaces), or None
    when it cannot be one of ours."""
    letters = re.sub(r"[\s-]", "", presented[:100]).upper().translate(_LENIENT)
    return letters if _SHAPE.match(letters) else None


def _key(letters: str) -> str:
    return _PREFIX + hashlib.sha256(letters.encode("ascii")).hexdigest()


def issue(redis: Redis, grant: LinkGrant, now: datetime | None = None) -> IssuedCode:
    """Keep `grant` under a fresh code for CODE_TTL; the code is returned once, to be shown."""
    if grant.purpose not in PURPOSES or grant.platform not in PLATFORMS:
        raise ValueError("unknown purpose or platform")
    code = new_code()
    letters = normalize(code)
    assert letters is not None
    redis.set(_key(letters), json.dumps(asdict(grant)), ex=int(CODE_TTL.total_seconds()))
    return IssuedCode(code, (now or datetime.now(UTC)) + CODE_TTL)


def take(redis: Redis, presented: str) -> LinkGrant | None:
    """The grant behind a presented code, once: None for a malformed, unknown, expired or
    already used code."""
    letters = normalize(presented)
    if letters is None:
        return None
    kept = redis.getdel(_key(letters))
    if not isinstance(kept, bytes):
        return None
    return LinkGrant(**json.loads(kept))


def instructions(purpose: str, platform: str, code: str) -> str:
    """What the dashboard tells the person to do with the code."""
    name = _NAMES[platform]
    if purpose == "workspace" and platform == "slack":
        # the bot token comes with Slack's OAuth install; a workspace linked by a command
        # alone would have no token to answer with
        return (
            f"Open Add to Slack (/api/slack/install?code={code}) and install MorningAI in the "
            "workspace within 10 minutes; installing links it. The code works once."
        )
    command = {
        "slack": f"/morningai link {code}",
        "discord": f"/morningai link code:{code}",
        "telegram": f"/link {code}",
    }[platform]
    where = (
        f"in a channel of the {name} workspace you are linking"
        if purpose == "workspace" and platform != "telegram"
        else "in the Telegram group you are linking"
        if purpose == "workspace"
        else f"where MorningAI is in a {name} chat linked to this installation"
    )
    return f"Send `{command}` {where} within 10 minutes. The code works once."


def seal_bot_token(box: SecretBox, token: str) -> bytes:
    return box.seal(token.encode("utf-8"), SEALED_FOR)


def open_bot_token(box: SecretBox, sealed: bytes) -> str:
    return box.open(sealed, SEALED_FOR).decode("utf-8")


def _grant_for(
    redis: Redis, presented: str, purpose: str | None, platform: str
) -> LinkGrant | Refused:
    grant = take(redis, presented)
    if grant is None:
        return Refused("That code is unknown, used or expired; ask the dashboard for a new one.")
    if purpose is not None and grant.purpose != purpose:
        wanted = "a workspace" if grant.purpose == "workspace" else "your GitHub account"
        return Refused(f"That code links {wanted}; the dashboard gives a code for each.")
    if grant.platform != platform:
        return Refused(f"That code is for {_NAMES[grant.platform]}; it was not used here.")
    return grant


def redeem_code(
    db: Database,
    redis: Redis,
    presented: str,
    *,
    platform: str,
    external_id: str,
    name: str,
    external_user_id: str,
) -> chat.Workspace | chat.ChatUser | Refused:
    """`link <code>` sent in a chat: the code itself says whether it links the workspace it
    was sent in (a workspace code) or the person who sent it (a user code)."""
    grant = _grant_for(redis, presented, None, platform)
    if isinstance(grant, Refused):
        return grant
    if grant.purpose == "workspace":
        return _link_workspace(db, grant, external_id, name, None)
    return _link_user(db, grant, external_id, external_user_id)


def redeem_workspace_code(
    db: Database,
    redis: Redis,
    presented: str,
    *,
    platform: str,
    external_id: str,
    name: str,
    bot_token_sealed: bytes | None = None,
) -> chat.Workspace | Refused:
    """Link the chat workspace the code was presented in to the code's installation (the
    code is used up whatever the outcome); e.g. Slack's OAuth v2 return, the code as `state`,
    with the workspace's sealed bot token."""
    grant = _grant_for(redis, presented, "workspace", platform)
    if isinstance(grant, Refused):
        return grant
    return _link_workspace(db, grant, external_id, name, bot_token_sealed)


def _link_workspace(
    db: Database, grant: LinkGrant, external_id: str, name: str, sealed: bytes | None
) -> chat.Workspace | Refused:
    new = chat.NewWorkspace(
        grant.platform, external_id, name, grant.github_login, grant.github_user_id, sealed
    )
    try:
        with tenant_transaction(db, grant.tenant_id) as scope:
            linked = chat.link_workspace(scope, new)
    except chat.WorkspaceTaken:
        return Refused(
            "This workspace is already linked to another MorningAI installation; unlink it "
            "there first."
        )
    log.info(
        "%s workspace %s linked to installation %s by %s",
        grant.platform,
        linked.id,
        grant.installation_id,
        grant.github_login,
    )
    return linked


def redeem_user_code(
    db: Database,
    redis: Redis,
    presented: str,
    *,
    platform: str,
    external_workspace_id: str,
    external_user_id: str,
) -> chat.ChatUser | Refused:
    """Link the chat user who presented the code to the code's GitHub user, in a workspace
    linked to the code's installation (and no other)."""
    grant = _grant_for(redis, presented, "user", platform)
    if isinstance(grant, Refused):
        return grant
    return _link_user(db, grant, external_workspace_id, external_user_id)


def _link_user(
    db: Database, grant: LinkGrant, external_workspace_id: str, external_user_id: str
) -> chat.ChatUser | Refused:
    with unscoped_transaction(db) as conn:
        where = chat.find_workspace(conn, grant.platform, external_workspace_id)
    if where is None or where.tenant_id != grant.tenant_id:
        return Refused(
            "This chat is not linked to the installation that code is for; an admin links it "
            "from the dashboard first."
        )
    with tenant_transaction(db, grant.tenant_id) as scope:
        linked = chat.link_user(
            scope,
            where.workspace_id,
            external_user_id,
            github_user_id=grant.github_user_id,
            github_login=grant.github_login,
        )
    log.info(
        "%s user linked to @%s in workspace %s",
        grant.platform,
        grant.github_login,
        linked.workspace_id,
    )
    return linked
