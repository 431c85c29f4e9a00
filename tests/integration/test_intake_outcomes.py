"""What the one-call intake (app_webhook_intake, 0011) does for every kind of intent: the
answer, the rows it leaves (seen as the owner), a redelivery that changes nothing whatever it
asks for, the one-live-task conflict, an unknown tenant, a suspended installation — and that
the call runs as the app role under row-level security, not as a door past it."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from db import user_sessions
from db.pool import Database
from github_app import intake
from github_app.events import Envelope, Repo
from github_app.intents import (
    AuthorizationRevoked,
    Ignore,
    InstallationChanged,
    Intent,
    PullRequestStateChanged,
    Reject,
    RepositoriesChanged,
    RequestTask,
)
from morningai.embedded import DatabaseUrls

pytestmark = pytest.mark.usefixtures("clean_db")
Conn = psycopg.Connection[tuple[Any, ...]]
INSTALLATION = 7070
REPO = Repo(555, "octo-org/hello", private=True)
MERGED_AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def env(installation: int | None = INSTALLATION, delivery: str | None = None) -> Envelope:
    return Envelope(
        delivery_id=delivery or str(uuid.uuid4()),
        event="issues",
        action="labeled",
        installation_id=installation,
        repository=REPO,
        sender_login="mona",
        sender_type="User",
        payload={},
    )


def task(number: int = 7, kind: str = "code", installation: int = INSTALLATION) -> RequestTask:
    return RequestTask(kind, installation, REPO, number, "mona", "label:morningai")


def installed(status: str = "active") -> InstallationChanged:
    return InstallationChanged(
        INSTALLATION, "octo-org", 99, "Organization", status, {"issues": "write"}, (REPO,)
    )


def state_change(stale: bool = False) -> PullRequestStateChanged:
    check = task(12, "faq_stale") if stale else None
    return PullRequestStateChanged(INSTALLATION, REPO, 12, "merged", MERGED_AT, check)


def delivery(owner: Conn, delivery_id: str) -> tuple[Any, ...] | None:
    return owner.execute(
        "SELECT tenant_id, outcome, detail, task_id, installation_id, repository, sender"
        " FROM webhook_deliveries WHERE delivery_id = %s",
        (delivery_id,),
    ).fetchone()


def tenant(owner: Conn) -> tuple[Any, ...] | None:
    return owner.execute(
        "SELECT id, account_login, status FROM tenants WHERE installation_id = %s",
        (INSTALLATION,),
    ).fetchone()


def snapshot(owner: Conn) -> dict[str, list[tuple[Any, ...]]]:
    tables = ("tenants", "repositories", "webhook_deliveries", "tasks")
    rows = {t: owner.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
    rows["user_sessions"] = owner.execute(
        "SELECT * FROM user_sessions WHERE github_user_id IN (31, 32) ORDER BY 1"
    ).fetchall()
    return rows


def installation_of(intent: Intent) -> int:
    return int(getattr(intent, "installation_id", INSTALLATION))


def apply(db: Database, intent: Intent, envelope: Envelope | None = None) -> intake.Outcome:
    return intake.apply(db, envelope or env(installation_of(intent)), intent)


@pytest.fixture(autouse=True)
def no_sessions_of_ours(owner_conn: Conn) -> None:
    """user_sessions is not tenant data, so clean_db leaves it: these users start with none."""
    owner_conn.execute("DELETE FROM user_sessions WHERE github_user_id IN (31, 32)")


# --- each kind of intent ------------------------------------------------------------------


def test_reject_is_recorded_without_a_tenant(app_db: Database, owner_conn: Conn) -> None:
    e = env()
    outcome = apply(app_db, Reject("issue lacks number"), e)
    assert (outcome.status, outcome.outcome, outcome.detail) == (
        400,
        "rejected",
        "issue lacks number",
    )
    assert delivery(owner_conn, e.delivery_id) == (
        None,
        "rejected",
        "issue lacks number",
        None,
        None,
        None,
        None,
    )


def test_ignore_is_recorded_for_the_tenant_when_one_is_known(
    app_db: Database, owner_conn: Conn
) -> None:
    unknown, known = env(installation=None), env()
    assert apply(app_db, Ignore("no label"), unknown).outcome == "ignored"
    apply(app_db, installed())
    outcome = apply(app_db, Ignore("sender is a bot"), known)

    assert (outcome.status, outcome.outcome, outcome.detail) == (202, "ignored", "sender is a bot")
    assert delivery(owner_conn, unknown.delivery_id) == (None, "ignored", "no label") + (None,) * 4
    tenant_row = tenant(owner_conn)
    assert tenant_row is not None
    assert delivery(owner_conn, known.delivery_id) == (
        tenant_row[0],
        "ignored",
        "sender is a bot",
        None,
        INSTALLATION,
        REPO.full_name,
        "mona",
    )


def test_installation_creates_the_tenant_and_its_repositories(
    app_db: Database, owner_conn: Conn
) -> None:
    e = env()
    outcome = apply(app_db, installed(), e)

    assert (outcome.status, outcome.outcome, outcome.detail) == (
        202,
        "accepted",
        "installation active",
    )
    assert owner_conn.execute(
        "SELECT account_login, account_id, account_type, status, permissions FROM tenants"
    ).fetchall() == [("octo-org", 99, "Organization", "active", {"issues": "write"})]
    assert owner_conn.execute(
        "SELECT github_id, full_name, private, active FROM repositories"
    ).fetchall() == [(555, "octo-org/hello", True, True)]
    row = delivery(owner_conn, e.delivery_id)
    assert row is not None
    assert row[1:3] == ("accepted", "installation active")


def test_authorization_revoked_ends_the_users_sessions(
    app_db: Database, owner_conn: Conn, database: DatabaseUrls
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    with psycopg.connect(database.app) as conn:
        for user in (31, 31, 32):
            user_sessions.insert(
                conn,
                user_sessions.SessionRow(
                    secrets.token_bytes(32), user, f"u{user}", b"a", b"r", later, later
                ),
            )
    e = env(installation=None)
    outcome = apply(app_db, AuthorizationRevoked(31, "u31"), e)

    assert outcome.detail == "authorization revoked: 2 session(s) ended"
    assert owner_conn.execute(
        "SELECT github_user_id FROM user_sessions WHERE github_user_id IN (31, 32)"
    ).fetchall() == [(32,)]
    assert delivery(owner_conn, e.delivery_id) == (None, "accepted", outcome.detail) + (None,) * 4


def test_repositories_changed_for_an_unknown_installation_creates_it(
    app_db: Database, owner_conn: Conn
) -> None:
    gone = Repo(556, "octo-org/old", private=False)
    apply(app_db, RepositoriesChanged(INSTALLATION, "octo-org", (gone,), ()))
    outcome = apply(app_db, RepositoriesChanged(INSTALLATION, "octo-org", (REPO,), (gone,)))

    assert (outcome.outcome, outcome.detail) == ("accepted", "1 added, 1 removed")
    assert tenant(owner_conn) is not None
    assert owner_conn.execute(
        "SELECT full_name, active FROM repositories ORDER BY github_id"
    ).fetchall() == [("octo-org/hello", True), ("octo-org/old", False)]


def test_a_task_for_an_unknown_installation_creates_an_active_tenant_and_the_task(
    app_db: Database, owner_conn: Conn
) -> None:
    e = env()
    outcome = apply(app_db, task(), e)

    tenant_row = tenant(owner_conn)
    assert tenant_row is not None
    assert tenant_row[1:] == ("octo-org", "active")
    assert (outcome.status, outcome.outcome, outcome.detail) == (
        202,
        "accepted",
        "code task for #7",
    )
    assert outcome.task is not None
    rows = owner_conn.execute(
        "SELECT id, tenant_id, kind, queue, trace_id, delivery_id, subject, status FROM tasks"
    ).fetchall()
    assert rows == [
        (
            outcome.task.task_id,
            tenant_row[0],
            "code",
            outcome.task.queue,
            outcome.task.trace_id,
            e.delivery_id,
            task().subject().encode(),
            "queued",
        )
    ]
    assert (outcome.task.tenant_id, outcome.task.kind) == (tenant_row[0], "code")
    row = delivery(owner_conn, e.delivery_id)
    assert row is not None
    assert row[:4] == (tenant_row[0], "accepted", "code task for #7", outcome.task.task_id)


def test_a_suspended_installation_gets_no_task(app_db: Database, owner_conn: Conn) -> None:
    apply(app_db, installed("suspended"))
    e = env()
    outcome = apply(app_db, task(), e)

    assert (outcome.status, outcome.outcome, outcome.detail) == (
        202,
        "ignored",
        "installation is suspended",
    )
    assert outcome.task is None
    assert owner_conn.execute("SELECT count(*) FROM tasks").fetchone() == (0,)
    row = delivery(owner_conn, e.delivery_id)
    assert row is not None
    assert row[1:4] == ("ignored", "installation is suspended", None)


def test_a_second_live_task_on_the_issue_is_refused_and_the_delivery_says_so(
    app_db: Database, owner_conn: Conn
) -> None:
    first = apply(app_db, task())
    e = env()
    second = apply(app_db, task(), e)

    assert first.task is not None
    assert (second.status, second.outcome, second.detail, second.task) == (
        202,
        "ignored",
        "a code task for #7 is already queued or running",
        None,
    )
    assert owner_conn.execute("SELECT count(*) FROM tasks").fetchone() == (1,)
    row = delivery(owner_conn, e.delivery_id)
    assert row is not None
    assert row[1:4] == ("ignored", second.detail, None)
    other = apply(app_db, task(8))  # another issue is not held
    assert other.task is not None


def _task_with_pull_request(owner: Conn, task_id: int) -> None:
    owner.execute("UPDATE tasks SET pr_number = 12, pr_state = 'open' WHERE id = %s", (task_id,))


def test_pull_request_state_updates_the_tenants_tasks_and_asks_for_the_stale_check(
    app_db: Database, owner_conn: Conn
) -> None:
    made = apply(app_db, task(12))
    assert made.task is not None
    _task_with_pull_request(owner_conn, made.task.task_id)
    owner_conn.execute("UPDATE tasks SET status = 'succeeded'")
    outcome = apply(app_db, state_change(stale=True))

    assert (outcome.outcome, outcome.detail) == (
        "accepted",
        "pull request #12 merged: 1 task(s) updated; faq_stale task for #12",
    )
    assert outcome.task is not None
    assert owner_conn.execute(
        "SELECT kind, pr_state, pr_closed_at FROM tasks ORDER BY id"
    ).fetchall() == [("code", "merged", MERGED_AT), ("faq_stale", None, None)]

    again = apply(app_db, state_change(stale=True))  # the stale check is still queued
    assert (again.outcome, again.detail, again.task) == (
        "accepted",
        "pull request #12 merged: 1 task(s) updated;"
        " a faq_stale task for #12 is already queued or running",
        None,
    )


def test_pull_request_state_without_work_or_for_a_suspended_installation(
    app_db: Database, owner_conn: Conn
) -> None:
    unknown = env()
    assert apply(app_db, state_change(), unknown).detail == "installation is unknown"
    assert (
        delivery(owner_conn, unknown.delivery_id)
        == (
            None,
            "ignored",
            "installation is unknown",
        )
        + (None,) * 4
    )
    apply(app_db, installed("suspended"))
    none_updated = apply(app_db, state_change(stale=True))

    assert (none_updated.outcome, none_updated.detail, none_updated.task) == (
        "ignored",
        "pull request #12 merged: 0 task(s) updated",
        None,
    )
    assert owner_conn.execute("SELECT count(*) FROM tasks").fetchone() == (0,)


def test_a_merge_for_an_unknown_installation_still_asks_for_the_stale_check(
    app_db: Database, owner_conn: Conn
) -> None:
    outcome = apply(app_db, state_change(stale=True))
    assert (outcome.outcome, outcome.detail) == ("accepted", "faq_stale task for #12")
    assert outcome.task is not None
    tenant_row = tenant(owner_conn)
    assert tenant_row is not None
    assert tenant_row[2] == "active"


# --- a redelivery changes nothing ---------------------------------------------------------

REDELIVERIES: list[tuple[str, Intent]] = [
    ("reject", Reject("bad")),
    ("ignore", Ignore("no label")),
    ("installation suspended", installed("suspended")),
    ("authorization revoked", AuthorizationRevoked(31, "u31")),
    ("repositories removed", RepositoriesChanged(INSTALLATION, "octo-org", (), (REPO,))),
    ("task", task(9)),
    ("task for another installation", task(9, installation=INSTALLATION + 1)),
    ("pull request merged", state_change(stale=True)),
]


@pytest.mark.parametrize(("name", "intent"), REDELIVERIES, ids=[n for n, _ in REDELIVERIES])
def test_a_redelivery_is_a_duplicate_and_changes_nothing(
    app_db: Database, owner_conn: Conn, database: DatabaseUrls, name: str, intent: Intent
) -> None:
    """The first delivery created tenant, repository, task and a session to end; the same
    delivery id again, whatever it now asks, changes no row."""
    first = env()
    assert apply(app_db, task(12), first).task is not None
    owner_conn.execute("UPDATE tasks SET pr_number = 12, status = 'succeeded'")
    later = datetime.now(UTC) + timedelta(hours=1)
    with psycopg.connect(database.app) as conn:
        user_sessions.insert(
            conn,
            user_sessions.SessionRow(secrets.token_bytes(32), 31, "u31", b"a", b"r", later, later),
        )
    before = snapshot(owner_conn)

    outcome = apply(app_db, intent, env(installation_of(intent), delivery=first.delivery_id))

    assert (outcome.status, outcome.outcome, outcome.detail, outcome.task) == (
        200,
        "duplicate",
        "delivery was already received",
        None,
    )
    assert snapshot(owner_conn) == before


# --- the call runs as the app role, under row-level security -------------------------------


def test_the_intake_functions_are_the_callers_not_doors_past_row_level_security(
    owner_conn: Conn,
) -> None:
    rows = owner_conn.execute(
        "SELECT proname, prosecdef, pg_get_userbyid(proowner), proacl::text[] FROM pg_proc"
        " WHERE proname LIKE 'app\\_intake\\_%' OR proname LIKE 'app\\_webhook\\_intake%'"
    ).fetchall()
    assert len(rows) == 8
    for name, definer, owner, acl in rows:
        assert not definer, name
        assert owner == "morningai_owner", name
        grantees = sorted(entry.split("=")[0] for entry in acl)
        assert grantees == ["morningai_app", "morningai_owner"], name  # not PUBLIC ("=X/…")


def test_the_app_role_cannot_write_another_tenants_rows_through_them(
    app_db: Database, owner_conn: Conn
) -> None:
    mine = apply(app_db, task(1)).task
    other = apply(app_db, task(1, installation=INSTALLATION + 1)).task
    assert mine is not None
    assert other is not None
    with app_db.connection() as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(mine.tenant_id),))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "SELECT app_intake_record(%s::jsonb, %s, 'accepted', 'forged')",
                ('{"delivery_id": "forged", "event": "issues"}', other.tenant_id),
            )
    assert delivery(owner_conn, "forged") is None
