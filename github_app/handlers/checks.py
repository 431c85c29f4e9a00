"""`check_suite` and `check_run` completed on the head of one of MorningAI's pull requests: a
failure asks for a `fix_checks` task; a suite that succeeded asks for a `checks_passed` task
(the status comment says so) — pure.

GitHub sends a finished suite as one `check_run` delivery per run plus one `check_suite`
delivery. A run that completes while its suite still runs asks for nothing (the job reads
every run of the head, so it waits for the suite); the suite's last run and the suite itself
each ask for the same task, `checks:<head sha>`: while one is live the other is recorded and
ignored (the one-live-task index), and the job ends quietly when a fix task of that head was
asked for before (jobs.code.fix_checks), so one head gets one fix.
The sender is not asked about: GitHub Actions reports as a bot, and the commits it checks are
MorningAI's own; `ci.max_fix_rounds` bounds the loop instead.

https://docs.github.com/en/webhooks/webhook-events-and-payloads#check_suite
https://docs.github.com/en/webhooks/webhook-events-and-payloads#check_run
"""

from __future__ import annotations

from typing import Any

from core.task_kinds import is_ours
from github_app.events import Envelope, Repo, is_thread_number
from github_app.intents import Ignore, Intent, Reject, RequestTask

TRIGGER = "checks:"
PASSED = "checks_passed:"
# conclusions that ask for a fix; cancelled, neutral, skipped, stale, action_required do not
FAILED = ("failure", "timed_out")


def our_pull(pulls: object, head_sha: str, repository: Repo) -> int | None:
    """The number of the pull request of ours whose head is `head_sha`, among the suite's
    `pull_requests` (GitHub lists only those of the repository itself, never a fork's)."""
    if not isinstance(pulls, list):
        return None
    for pull in pulls:
        head = pull.get("head") if isinstance(pull, dict) else None
        if not isinstance(head, dict) or not is_thread_number(pull.get("number")):
            continue
        repo = head.get("repo")
        same_repo = isinstance(repo, dict) and repo.get("id") == repository.github_id
        ref = head.get("ref")
        if same_repo and isinstance(ref, str) and is_ours(ref) and head.get("sha") == head_sha:
            return int(pull["number"])
    return None


def on_check_suite(env: Envelope) -> Intent:
    return _on_completed(env, "check_suite")


def on_check_run(env: Envelope) -> Intent:
    return _on_completed(env, "check_run")


def _on_completed(env: Envelope, event: str) -> Intent:
    if env.action != "completed":
        return Ignore(f"{event}.{env.action} is not handled")
    body = env.payload.get(event)
    if not isinstance(body, dict) or not isinstance(body.get("head_sha"), str):
        return Reject(f"{event}.head_sha is missing")
    if env.repository is None or env.installation_id is None:
        return Reject("repository and installation are required")
    conclusion = body.get("conclusion")
    if event == "check_suite" and conclusion == "success":
        return _task(env, body, "checks_passed", PASSED)
    if conclusion not in FAILED:
        return Ignore(f"{event} concluded {conclusion or 'nothing'}: nothing to fix")
    suite = body.get("check_suite") if event == "check_run" else None
    if isinstance(suite, dict) and suite.get("status") != "completed":
        return Ignore("its suite is still running: the suite's last run or itself asks")
    return _task(env, body, "fix_checks", TRIGGER)


def _task(env: Envelope, body: dict[str, Any], kind: str, trigger: str) -> Intent:
    # both checked by the caller
    assert env.repository is not None
    assert env.installation_id is not None
    head_sha: str = body["head_sha"]
    number = our_pull(body.get("pull_requests"), head_sha, env.repository)
    if number is None:
        return Ignore("not the head of a pull request MorningAI opened")
    return RequestTask(
        kind=kind,
        installation_id=env.installation_id,
        repository=env.repository,
        number=number,
        requested_by=env.sender_login or "github",
        trigger=f"{trigger}{head_sha}",
    )


def head_of(trigger: str) -> str | None:
    """The head commit a fix or checks-passed task was asked for, from its trigger."""
    for prefix in (TRIGGER, PASSED):
        if trigger.startswith(prefix):
            return trigger.removeprefix(prefix)
    return None
