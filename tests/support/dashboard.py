"""A world for the dashboard API tests: two installations, one person (alice) who reaches some
of one of them."""

from __future__ import annotations

from db.pool import Database
from simulator import GitHubSimulator
from tests.support.task_rows import tenant

BROKEN = "trigger_label: morningai\nmax_atempts: 2\n"


def reach_world(sim: GitHubSimulator, app_db: Database) -> dict[str, int]:
    """alice: write on acme/widgets (whose `.github/morningai.yml` has a typo on line 2), read
    on acme/docs, nothing on acme/secret (the same installation); nothing in `other`'s
    installation (other/app, bob's). Returns the installation ids and tenant ids."""
    acme = sim.add_installation("acme")
    files = {"README.md": "widgets\n", ".github/morningai.yml": BROKEN}
    sim.create_repo("acme", "widgets", installation_id=acme, private=True, files=files)
    for name in ("docs", "secret"):
        sim.create_repo("acme", name, installation_id=acme, private=True)
    sim.set_permission("acme", "widgets", "alice", "write")
    sim.set_permission("acme", "docs", "alice", "read")
    other = sim.add_installation("other")
    sim.create_repo("other", "app", installation_id=other, private=True)
    sim.set_permission("other", "app", "bob", "admin")
    return {
        "acme": acme,
        "other": other,
        "tenant_a": tenant(app_db, acme),
        "tenant_b": tenant(app_db, other),
    }
