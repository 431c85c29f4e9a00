"""(event, action) → handler → intent. Pure: the same envelope always gives the same intent."""

from __future__ import annotations

from github_app.events import Envelope
from github_app.handlers.authorization import on_github_app_authorization
from github_app.handlers.checks import on_check_run, on_check_suite
from github_app.handlers.comments import on_issue_comment
from github_app.handlers.installation import on_installation, on_installation_repositories
from github_app.handlers.issues import on_issue
from github_app.handlers.pulls import on_pull_request
from github_app.handlers.reviews import on_review, on_review_comment
from github_app.intents import Ignore, Intent

HANDLED_EVENTS = (
    "github_app_authorization",
    "installation",
    "installation_repositories",
    "issues",
    "issue_comment",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "check_suite",
    "check_run",
)


def route(env: Envelope, *, trigger_label: str) -> Intent:
    if env.event == "github_app_authorization":
        return on_github_app_authorization(env)
    if env.event == "installation":
        return on_installation(env)
    if env.event == "installation_repositories":
        return on_installation_repositories(env)
    if env.event == "pull_request":
        # a merge by a bot (merge queue, auto-merge) changes files all the same; this app
        # never merges, so no loop
        return on_pull_request(env)
    if env.event == "check_suite":
        # GitHub Actions reports as a bot, on commits MorningAI pushed: the sender says nothing
        # (ci.max_fix_rounds bounds the loop)
        return on_check_suite(env)
    if env.event == "check_run":
        return on_check_run(env)
    if env.sender_is_bot:
        # bots, this app included, never trigger work: no loops
        return Ignore("sender is a bot")
    if env.event == "issues":
        return on_issue(env, trigger_label)
    if env.event == "issue_comment":
        return on_issue_comment(env)
    if env.event == "pull_request_review":
        return on_review(env)
    if env.event == "pull_request_review_comment":
        return on_review_comment(env)
    return Ignore(f"event {env.event!r} is not handled")
