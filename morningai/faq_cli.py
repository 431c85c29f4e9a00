"""`morningai faq --repo OWNER/NAME`: mine a repository's history into a FAQ pull request
from the command line, as `/morningai faq` on an issue does, without an issue to report on.

The operator runs it with the app's own settings (GitHub App key, DATABASE_URL, REDIS_URL):
the repository must be in an installation the app knows. The task is recorded like any other
and runs in this process; the pull request's address is printed.
"""

from __future__ import annotations

from core.ids import new_trace_id
from core.settings import Settings
from core.subject import NO_THREAD, TaskSubject
from core.task_kinds import kind_of
from db import repositories, tasks, tenants
from db.tasks import NewTask
from db.tenancy import tenant_transaction
from github_app.client import app_client
from jobs.runtime import context

OPERATOR = "morningai-cli"
HISTORY = kind_of("faq_history")


class FaqCliError(RuntimeError):
    """Why nothing was mined, in words for the operator."""


def mine(full_name: str, settings: Settings | None = None) -> tasks.Task:
    settings = settings or Settings()
    if full_name.count("/") != 1:
        raise FaqCliError("--repo is OWNER/NAME")
    owner, name = full_name.split("/")
    ctx = context.build(settings)
    context.install(ctx)
    try:
        with app_client(settings, ctx.redis) as app:
            installation = app.installation_id(owner, name)
        if installation is None:
            raise FaqCliError(f"the app is not installed on {full_name}")
        with ctx.db.connection() as conn, conn.transaction():
            tenant = tenants.for_installation(conn, installation)
        if tenant is None or not tenant.accepts_work:
            raise FaqCliError(f"installation {installation} of {full_name} is not active here")
        with tenant_transaction(ctx.db, tenant.tenant_id) as scope:
            repo_id = repositories.id_for(scope, full_name)
            if repo_id is None:
                raise FaqCliError(f"{full_name} is not among the installation's repositories")
            task = tasks.create(
                scope,
                NewTask(
                    kind=HISTORY.name,
                    queue=HISTORY.queue,
                    trace_id=new_trace_id(),
                    repository_id=repo_id,
                    subject=TaskSubject(full_name, NO_THREAD, OPERATOR, trigger="cli").encode(),
                ),
            )
        from jobs.faq import history_task as faq_history_task

        faq_history_task.run(task.id)
        with tenant_transaction(ctx.db, tenant.tenant_id) as scope:
            done = tasks.get(scope, task.id)
        assert done is not None
        return done
    finally:
        ctx.close()
