"""Fix tasks of one pull request's failing checks (`fix_checks` rows of `tasks`): the rounds
already spent on it, and whether a head commit was already taken up."""

from __future__ import annotations

from db.tenancy import TenantScope

KIND = "fix_checks"


def rounds(scope: TenantScope, repository_id: int | None, number: int) -> int:
    """Fix tasks of pull request `number` that went past the checks and tried: pushed
    (succeeded) or failed trying. Cancelled ones (a duplicate, a base failure, the limit)
    spent nothing."""
    row = scope.conn.execute(
        "SELECT count(*) FROM tasks WHERE repository_id IS NOT DISTINCT FROM %s"
        " AND subject ->> 'number' = %s AND kind = %s AND status IN ('succeeded', 'failed')",
        (repository_id, str(number), KIND),
    ).fetchone()
    return int(row[0]) if row else 0


def earlier_for_head(
    scope: TenantScope, repository_id: int | None, number: int, trigger: str, task_id: int
) -> bool:
    """Whether a fix task older than `task_id` was asked for the same head (`trigger`): the
    suite and each of its runs are separate deliveries, and only the first one works."""
    row = scope.conn.execute(
        "SELECT 1 FROM tasks WHERE repository_id IS NOT DISTINCT FROM %s"
        " AND subject ->> 'number' = %s AND kind = %s AND subject ->> 'trigger' = %s"
        " AND id < %s LIMIT 1",
        (repository_id, str(number), KIND, trigger, task_id),
    ).fetchone()
    return row is not None


# the kinds whose tasks push to a pull request of ours, each keeping a status comment
PUSHING = ("code", "revise", KIND)


def last_pusher(
    scope: TenantScope, repository_id: int | None, number: int
) -> tuple[int, int] | None:
    """The latest task that pushed to pull request `number` and succeeded: (its id, the issue
    or pull request its status comment is on)."""
    row = scope.conn.execute(
        "SELECT id, (subject ->> 'number')::bigint FROM tasks"
        " WHERE repository_id IS NOT DISTINCT FROM %s AND pr_number = %s AND kind = ANY(%s)"
        " AND status = 'succeeded' ORDER BY id DESC LIMIT 1",
        (repository_id, number, list(PUSHING)),
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None
