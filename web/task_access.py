"""Finding a task for a viewer: in the tenants they reach, in a repository they reach.

A task id is global, so the task's tenant is looked up first through the narrow
SECURITY DEFINER door (`app_task_tenant`); then the task is read inside that tenant's scoped
transaction (row-level security) and shown only if the viewer reaches its repository. A task
outside their reach and a task that does not exist look the same (None → 404).
"""

from __future__ import annotations

from dataclasses import dataclass

from db import tasks
from db.reads.task_list import TaskView, get_task
from db.tenancy import tenant_transaction, unscoped_transaction
from web.services import current_services
from web.viewer import ReachedInstallation, Viewer


@dataclass(frozen=True)
class SeenTask:
    installation: ReachedInstallation
    task: TaskView
    can_act: bool  # the viewer may stop or retry it (write permission on its repository)


def tenant_of_task(task_id: int) -> int | None:
    with unscoped_transaction(current_services().db) as conn:
        return tasks.tenant_of(conn, task_id)


def find_task(viewer: Viewer, task_id: int) -> SeenTask | None:
    tenant_id = tenant_of_task(task_id)
    installation = viewer.installation_of(tenant_id) if tenant_id is not None else None
    if tenant_id is None or installation is None:
        return None
    with tenant_transaction(current_services().db, tenant_id) as scope:
        task = get_task(scope, task_id)
    if task is None or not viewer.may_see(tenant_id, task.repository):
        return None
    return SeenTask(installation, task, viewer.may_act(tenant_id, task.repository))
