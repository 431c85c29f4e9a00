"""The App registered through the manifest flow: stored sealed in PostgreSQL, and merged under
the environment's settings (a setting that is set always wins) for the web process and worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from core.secrets_at_rest import SecretBox
from core.settings import Settings
from db import app_registration
from db.app_registration import AppRow
from db.pool import Database
from github_app.client import ManifestConversion

# bound into each ciphertext (AES-GCM associated data): a value only opens as what it was
PRIVATE_KEY, WEBHOOK_SECRET, CLIENT_SECRET = (
    "app_registration.private_key",
    "app_registration.webhook_secret",
    "app_registration.client_secret",
)


@dataclass(frozen=True)
class RegisteredApp:
    app_id: int
    slug: str
    html_url: str
    client_id: str
    private_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    client_secret: str = field(repr=False)
    registered_by_login: str | None = None


def app_from_environment(settings: Settings) -> bool:
    """The environment names an App (its id and key), so setup must not register another."""
    return bool(settings.github_app_id) and settings.github_private_key is not None


def exists(db: Database) -> bool:
    """An App is registered (whether or not this process's key opens its secrets)."""
    with db.connection() as conn:
        return app_registration.get(conn) is not None


def load(db: Database, settings: Settings) -> RegisteredApp | None:
    with db.connection() as conn:
        row = app_registration.get(conn)
    if row is None:
        return None
    box = SecretBox.from_setting(_key(settings))
    return RegisteredApp(
        app_id=row.app_id,
        slug=row.slug,
        html_url=row.html_url,
        client_id=row.client_id,
        private_key=box.open(row.private_key_sealed, PRIVATE_KEY).decode("utf-8"),
        webhook_secret=box.open(row.webhook_secret_sealed, WEBHOOK_SECRET).decode("utf-8"),
        client_secret=box.open(row.client_secret_sealed, CLIENT_SECRET).decode("utf-8"),
        registered_by_login=row.registered_by_login,
    )


def save(db: Database, settings: Settings, app: ManifestConversion) -> bool:
    """Store the new App sealed; False when an App was already registered (nothing changes)."""
    box = SecretBox.from_setting(_key(settings))
    row = AppRow(
        app_id=app.app_id,
        slug=app.slug,
        html_url=app.html_url,
        client_id=app.client_id,
        private_key_sealed=box.seal(app.pem.encode("utf-8"), PRIVATE_KEY),
        webhook_secret_sealed=box.seal(app.webhook_secret.encode("utf-8"), WEBHOOK_SECRET),
        client_secret_sealed=box.seal(app.client_secret.encode("utf-8"), CLIENT_SECRET),
        registered_by_login=app.owner_login,
        registered_by_id=app.owner_id,
    )
    with db.connection() as conn:
        return app_registration.insert(conn, row)


def effective_settings(settings: Settings, app: RegisteredApp | None) -> Settings:
    """`settings` with the stored App filling only what the environment leaves unset."""
    if app is None:
        return settings
    update: dict[str, object] = {}
    if not settings.github_app_id:
        update["github_app_id"] = str(app.app_id)
    if settings.github_private_key is None:
        update["github_private_key"] = SecretStr(app.private_key)
    if settings.github_webhook_secret is None:
        update["github_webhook_secret"] = SecretStr(app.webhook_secret)
    if not settings.github_client_id:
        update["github_client_id"] = app.client_id
    if settings.github_client_secret is None:
        update["github_client_secret"] = SecretStr(app.client_secret)
    return settings.model_copy(update=update)


def _key(settings: Settings) -> str | None:
    key = settings.morningai_secret_key
    return key.get_secret_value() if key is not None else None
