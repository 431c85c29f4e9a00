"""Everything `morningai migrate` does: our SQL migrations, then LangGraph's tables."""

from __future__ import annotations

from db.migrate import migrate


def migrate_all(owner_url: str) -> list[str]:
    """Apply pending SQL migrations and set up the checkpointer's tables; idempotent."""
    from jobs.runtime.checkpoints import setup

    applied = migrate(owner_url)
    setup(owner_url)
    return applied
