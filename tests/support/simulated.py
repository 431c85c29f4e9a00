"""The GitHub simulator's one installed repository (OWNER/REPO, set up by the integration
fixtures `installed` and `repo`), GitHub's webhook examples pointed at it, and the views of it
the flows check."""

from __future__ import annotations

import subprocess
from typing import Any

from simulator import GitHubSimulator
from tests.fakes.npm_fixtures import webhook_example

SECRET = "code-task-webhook-secret"
OWNER, REPO = "octo-org", "hello"
APP = "def greet(name):\n    return 'hey ' + name\n"

# an invalid `.github/morningai.yml`: a task that gets past the permission check stops right
# after acknowledging, with this reason (the `broken_config` fixture pushes it)
BROKEN_CONFIG = "max_atempts: 2\n"
STOPS_WITH = "`.github/morningai.yml` is invalid: .github/morningai.yml, line 1: unknown key"


def git(sim: GitHubSimulator, *args: str) -> str:
    """Run git on the simulator's bare repository of OWNER/REPO."""
    return subprocess.run(
        ["git", "--git-dir", str(sim.git_dir(OWNER, REPO)), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def labeled(installed: dict[str, Any], sender_login: str = "alice") -> dict[str, Any]:
    """GitHub's example `issues.labeled`, pointed at the simulator's repository and issue."""
    payload = webhook_example("issues", "labeled")
    repo = installed["repo"]
    payload["repository"].update(id=repo.id, name=REPO, full_name=f"{OWNER}/{REPO}")
    payload["issue"].update(number=installed["number"], state="open", locked=False)
    payload["label"]["name"] = "morningai"
    payload["sender"].update(login=sender_login, type="User")
    payload["installation"] = {"id": installed["installation"]}
    return payload


def comment(
    repo: dict[str, Any], number: int, body: str, *, on_pull: bool, user: str = "alice"
) -> dict[str, Any]:
    """GitHub's example `issue_comment.created`, pointed at the simulator's repository."""
    payload = webhook_example("issue_comment", "created")
    payload["repository"].update(id=repo["repo"].id, name=REPO, full_name=f"{OWNER}/{REPO}")
    payload["issue"].update(number=number, state="open", locked=False)
    if on_pull:
        payload["issue"]["pull_request"] = {
            "url": f"https://api.github.com/repos/{OWNER}/{REPO}/pulls/{number}"
        }
    else:
        payload["issue"].pop("pull_request", None)
    payload["comment"]["body"] = body
    payload["sender"].update(login=user, type="User")
    payload["installation"] = {"id": repo["installation"]}
    return payload


def status_comments(sim: GitHubSimulator, number: int) -> list[dict[str, Any]]:
    return [
        c
        for c in sim.comments(OWNER, REPO, number)
        if str(c["body"]).startswith("<!-- morningai:status")
    ]
