"""The intake's label decision (0013): a label starts a task only when it is the repository's
stored trigger label, or the global one when the repository names none (or is not known yet);
otherwise the delivery is recorded ignored, saying which label triggers there."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from db.pool import Database
from github_app import intake
from github_app.events import Envelope, Repo
from github_app.handlers.issues import LabelRequest
from github_app.intents import InstallationChanged

pytestmark = pytest.mark.usefixtures("clean_db")
Conn = psycopg.Connection[tuple[Any, ...]]
INSTALLATION = 7171
REPO = Repo(556, "octo-org/hello", private=False)
OTHER = Repo(557, "octo-org/other", private=False)
NOT_TRIGGERED = "label is not the trigger label"


def env() -> Envelope:
    return Envelope(str(uuid.uuid4()), "issues", "labeled", INSTALLATION, REPO, "mona", "User", {})


def asked(*labels: str, repo: Repo = REPO, number: int = 7) -> LabelRequest:
    return LabelRequest(
        "code",
        INSTALLATION,
        repo,
        number,
        "mona",
        "label:",
        labels=labels,
        global_label="morningai",
        not_triggered=NOT_TRIGGERED,
    )


def apply(db: Database, intent: Any) -> tuple[intake.Outcome, str]:
    e = env()
    return intake.apply(db, e, intent), e.delivery_id


def delivery(owner: Conn, delivery_id: str) -> tuple[Any, ...] | None:
    return owner.execute(
        "SELECT tenant_id IS NOT NULL, outcome, detail FROM webhook_deliveries"
        " WHERE delivery_id = %s",
        (delivery_id,),
    ).fetchone()


def installed(db: Database) -> None:
    intake.apply(
        db,
        env(),
        InstallationChanged(INSTALLATION, "octo-org", 99, "Organization", "active", {}, (REPO,)),
    )


def test_an_unknown_installation_gets_the_global_label(app_db: Database, owner_conn: Conn) -> None:
    outcome, d = apply(app_db, asked("ai-fix"))
    detail = f"{NOT_TRIGGERED} (the trigger label here is morningai)"
    assert (outcome.outcome, outcome.detail, outcome.task) == ("ignored", detail, None)
    # decided before the installation became a tenant: nothing of it is created
    assert delivery(owner_conn, d) == (False, "ignored", detail)
    assert owner_conn.execute("SELECT count(*) FROM tenants").fetchone() == (0,)
    outcome, _ = apply(app_db, asked("morningai"))
    assert (outcome.outcome, outcome.task is not None) == ("accepted", True)


def test_a_stored_label_replaces_the_global_one_for_its_repository_only(
    app_db: Database, owner_conn: Conn
) -> None:
    installed(app_db)
    owner_conn.execute("UPDATE repositories SET trigger_label = 'ai-fix' WHERE github_id = 556")

    outcome, d = apply(app_db, asked("morningai"))
    detail = f"{NOT_TRIGGERED} (the trigger label here is ai-fix)"
    assert (outcome.outcome, outcome.detail, outcome.task) == ("ignored", detail, None)
    assert delivery(owner_conn, d) == (True, "ignored", detail)
    assert owner_conn.execute("SELECT count(*) FROM tasks").fetchone() == (0,)

    outcome, _ = apply(app_db, asked("bug", "ai-fix"))  # an issue opened with both
    assert outcome.outcome == "accepted"
    assert outcome.task is not None
    subject = owner_conn.execute(
        "SELECT subject ->> 'trigger' FROM tasks WHERE id = %s", (outcome.task.task_id,)
    ).fetchone()
    assert subject == ("label:ai-fix",)

    # another repository of the tenant (one the intake meets for the first time): the global
    outcome, _ = apply(app_db, asked("morningai", repo=OTHER))
    assert outcome.outcome == "accepted"
    outcome, _ = apply(app_db, asked("ai-fix", repo=OTHER, number=8))
    assert outcome.outcome == "ignored"


def test_another_tenants_stored_label_is_not_seen(app_db: Database, owner_conn: Conn) -> None:
    installed(app_db)
    other = intake.apply(
        app_db,
        Envelope(str(uuid.uuid4()), "issues", "labeled", 8080, REPO, "eve", "User", {}),
        InstallationChanged(8080, "evil-org", 98, "Organization", "active", {}, (REPO,)),
    )
    assert other.outcome == "accepted"
    owner_conn.execute(
        "UPDATE repositories r SET trigger_label = 'ai-fix' FROM tenants t"
        " WHERE t.id = r.tenant_id AND t.installation_id = 8080"
    )
    outcome, _ = apply(app_db, asked("morningai"))
    assert outcome.outcome == "accepted"
