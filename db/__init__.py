"""PostgreSQL access: the pool, tenant-scoped transactions, migrations and per-table queries."""

from db.pool import Database
from db.tenancy import TenantScope

__all__ = ["Database", "TenantScope"]
