"""GitHub App credentials: the app's RSA key, JWT checks, installation tokens.

See https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from simulator.state import Repo, Token, World

TOKEN_LIFETIME = timedelta(hours=1)
JWT_MAX_LIFETIME = timedelta(minutes=10)
CLOCK_DRIFT = timedelta(seconds=60)
LEVELS = {"read": 1, "write": 2, "admin": 3}


class AuthError(Exception):
    """A credential was rejected; `status` is what GitHub answers (401, 403 or 404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Caller:
    """Who is calling: the app itself (JWT) or an installation (token)."""

    kind: str  # "app" | "installation"
    token: Token | None = None


def new_private_key_pem() -> str:
    """A fresh 2048-bit RSA key (about 60 ms), PKCS#1 PEM like the .pem GitHub hands out."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("the app key must be an RSA key")
    return key.public_key()


def app_key(
    world: World, token: str, own_key: rsa.RSAPublicKey
) -> tuple[set[str], rsa.RSAPublicKey]:
    """The issuers and public key to check an app JWT with: the App its (not yet verified)
    `iss` names among those made from a manifest, else the simulator's own App."""
    try:
        issuer = str(jwt.decode(token, options={"verify_signature": False}).get("iss", ""))
    except jwt.PyJWTError as exc:
        raise AuthError(401, "A JSON web token could not be decoded") from exc
    for made in world.manifest_apps.values():
        if issuer in (str(made.id), made.client_id) and made.private_key_pem:
            return {str(made.id), made.client_id}, public_key(made.private_key_pem)
    return {str(world.app.id), world.app.client_id}, own_key


def verify_jwt(token: str, key: rsa.RSAPublicKey, issuers: set[str], now: datetime) -> None:
    """Accept an app JWT as GitHub does: RS256, iss = app or client id, iat/exp sane, <= 10 min."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(401, "A JSON web token could not be decoded") from exc
    if str(claims["iss"]) not in issuers:
        raise AuthError(401, "Integration not found")
    iat, exp = int(claims["iat"]), int(claims["exp"])
    stamp = now.timestamp()
    if exp <= stamp:
        raise AuthError(
            401,
            "'Expiration time' claim ('exp') must be a numeric value "
            "representing the future time at which the assertion expires",
        )
    if iat > stamp + CLOCK_DRIFT.total_seconds():
        raise AuthError(
            401,
            "'Issued at' claim ('iat') must be an Integer representing the "
            "time that the assertion was issued",
        )
    if exp - iat > (JWT_MAX_LIFETIME + CLOCK_DRIFT).total_seconds():
        raise AuthError(401, "'Expiration time' claim ('exp') is too far in the future")


def mint_token(
    world: World, installation_id: int, permissions: dict[str, str], repo_ids: frozenset[int] | None
) -> Token:
    value = "ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]
    token = Token(value, installation_id, world.now() + TOKEN_LIFETIME, permissions, repo_ids)
    world.tokens[value] = token
    return token


def check_token(world: World, value: str) -> Token:
    token = world.tokens.get(value)
    if token is None or token.expires_at <= world.now():
        raise AuthError(401, "Bad credentials")
    return token


def check_repo_access(world: World, token: Token, repo: Repo | None) -> Repo:
    """404 (not 403) when the token cannot see the repo, so private repos stay secret."""
    if repo is None or repo.installation_id != token.installation_id:
        raise AuthError(404, "Not Found")
    if token.repo_ids is not None and repo.id not in token.repo_ids:
        raise AuthError(404, "Not Found")
    installation = world.installations[token.installation_id]
    if installation.suspended_at is not None:
        raise AuthError(403, "This installation has been suspended")
    return repo


def check_permission(token: Token, name: str, level: str) -> None:
    granted = token.permissions.get(name)
    if granted is None or LEVELS.get(granted, 0) < LEVELS[level]:
        raise AuthError(403, "Resource not accessible by integration")


def narrow_permissions(granted: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    """The permissions a token asks for, if the installation has them (else 422)."""
    for name, level in wanted.items():
        if LEVELS.get(granted.get(name, ""), 0) < LEVELS.get(level, 99):
            raise AuthError(
                422,
                f"The permissions requested are not granted to this installation: {name}={level}",
            )
    return dict(wanted)
