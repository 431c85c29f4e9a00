"""Checks: the check runs of a commit, a run's annotations, and an Actions job's log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from githubkit_schemas.latest.models import CheckAnnotation, CheckRun

from github_app.rest.session import RepoSession


@dataclass(frozen=True)
class CheckRunInfo:
    """One check run of a commit: its name, how it ended, and what it said (untrusted)."""

    id: int
    name: str
    status: str
    conclusion: str | None
    details_url: str | None
    title: str
    summary: str
    text: str


def _runs(response: Any) -> list[CheckRun]:
    return list(response.parsed_data.check_runs)


class ChecksApi(RepoSession):
    def check_runs(self, ref: str) -> Iterator[CheckRunInfo]:
        """Every check run of `ref`'s commit (the latest of each name), paged."""
        for run in self._paginate(
            CheckRun, self._gh.rest.checks.list_for_ref, ref=ref, map_func=_runs
        ):
            output = run.output
            yield CheckRunInfo(
                id=run.id,
                name=run.name,
                status=str(run.status),
                conclusion=run.conclusion,
                details_url=run.details_url or None,
                title=output.title or "",
                summary=output.summary or "",
                text=output.text or "",
            )

    def annotations(self, check_run_id: int) -> Iterator[CheckAnnotation]:
        """A check run's annotations (file, line, level, message), paged."""
        yield from self._paginate(
            CheckAnnotation, self._gh.rest.checks.list_annotations, check_run_id=check_run_id
        )

    def job_log(self, job_id: int) -> str:
        """An Actions job's plain-text log (GitHub redirects to a download URL; the client
        follows)."""
        response = self._gh.rest.actions.download_job_logs_for_workflow_run(
            self.owner, self.repo, job_id
        )
        return response.content.decode("utf-8", "replace")
