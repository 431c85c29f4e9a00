"""JSON builders for issues, pull requests, comments, reactions and labels."""

from __future__ import annotations

from simulator.shapes import JSON, Site, iso, node_id, repository, user
from simulator.state import Account, Comment, Issue, Label, Reaction, Repo

# Not modelled: milestones, lock reasons, app attribution.
_ISSUE_DEFAULTS: JSON = {
    "milestone": None,
    "active_lock_reason": None,
    "performed_via_github_app": None,
}
# The members a pull request shares with its issue.
_FROM_ISSUE = ("id", "number", "state", "locked", "title", "user", "body", "labels",
               "milestone", "active_lock_reason", "created_at", "updated_at", "closed_at",
               "assignee", "assignees", "author_association")  # fmt: skip
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


def association(site: Site, repo: Repo, account: Account) -> str:
    """author_association: OWNER, COLLABORATOR or NONE (the simulator has no org members)."""
    if account.login.lower() == repo.owner.login.lower():
        return "OWNER"
    if repo.roles.get(account.login.lower(), "none") != "none":
        return "COLLABORATOR"
    return "NONE"


def label(site: Site, repo: Repo, item: Label) -> JSON:
    return {
        "id": item.id,
        "node_id": node_id("Label", item.id),
        "url": f"{site.api}/repos/{repo.full_name}/labels/{item.name}",
        "name": item.name,
        "description": item.description,
        "color": item.color,
        "default": item.default,
        # newer API versions (githubkit's 2026-03-10 models) require these two
        "archived_at": None,
        "archived_by": None,
    }


def reaction(site: Site, item: Reaction) -> JSON:
    return {
        "id": item.id,
        "node_id": node_id("Reaction", item.id),
        "user": user(site, item.user),
        "content": item.content,
        "created_at": iso(item.created_at),
    }


def rollup(url: str, reactions: list[Reaction]) -> JSON:
    counts: JSON = {name: sum(1 for r in reactions if r.content == name) for name in REACTIONS}
    return {"url": f"{url}/reactions", "total_count": len(reactions), **counts}


def comment(site: Site, repo: Repo, item: Comment) -> JSON:
    api = f"{site.api}/repos/{repo.full_name}"
    url = f"{api}/issues/comments/{item.id}"
    return {
        "id": item.id,
        "node_id": node_id("IssueComment", item.id),
        "url": url,
        "html_url": f"{site.html}/{repo.full_name}/issues/{item.issue_number}"
        f"#issuecomment-{item.id}",
        "body": item.body,
        "user": user(site, item.user),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "issue_url": f"{api}/issues/{item.issue_number}",
        "author_association": association(site, repo, item.user),
        "performed_via_github_app": None,
        "reactions": rollup(url, item.reactions),
    }


def _labels(site: Site, repo: Repo, names: list[str]) -> list[JSON]:
    return [label(site, repo, repo.labels[n.lower()]) for n in names if n.lower() in repo.labels]


def _issue_urls(site: Site, repo: Repo, item: Issue) -> JSON:
    api = f"{site.api}/repos/{repo.full_name}/issues/{item.number}"
    kind = "pull" if item.pull else "issues"
    return {
        "url": api,
        "repository_url": f"{site.api}/repos/{repo.full_name}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "timeline_url": f"{api}/timeline",
        "html_url": f"{site.html}/{repo.full_name}/{kind}/{item.number}",
    }


def _pull_request_link(site: Site, repo: Repo, item: Issue) -> JSON:
    """The `pull_request` member that marks an issue as a pull request."""
    html = f"{site.html}/{repo.full_name}/pull/{item.number}"
    merged_at = item.pull.merged_at if item.pull else None
    return {
        "url": f"{site.api}/repos/{repo.full_name}/pulls/{item.number}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "merged_at": iso(merged_at),
    }


def issue(site: Site, repo: Repo, item: Issue) -> JSON:
    urls = _issue_urls(site, repo, item)
    body: JSON = {
        **urls,
        "id": item.id,
        "node_id": node_id("Issue", item.id),
        "number": item.number,
        "state": item.state,
        "state_reason": item.state_reason,
        "title": item.title,
        "body": item.body,
        "user": user(site, item.user),
        "labels": _labels(site, repo, item.labels),
        "assignee": user(site, item.assignees[0]) if item.assignees else None,
        "assignees": [user(site, a) for a in item.assignees],
        "locked": item.locked,
        "comments": sum(1 for c in repo.comments.values() if c.issue_number == item.number),
        "closed_at": iso(item.closed_at),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "author_association": association(site, repo, item.user),
        "reactions": rollup(urls["url"], item.reactions),
        "closed_by": user(site, item.closed_by) if item.closed_by else None,
        **_ISSUE_DEFAULTS,
    }
    if item.pull:
        body.update(draft=item.pull.draft, pull_request=_pull_request_link(site, repo, item))
    return body


def _branch_end(site: Site, repo: Repo, ref: str, sha: str) -> JSON:
    return {
        "label": f"{repo.owner.login}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(site, repo.owner),
        "repo": repository(site, repo),
    }


def _pull_links(site: Site, repo: Repo, number: int, head_sha: str) -> JSON:
    api = f"{site.api}/repos/{repo.full_name}"
    links = {
        "self": f"{api}/pulls/{number}",
        "html": f"{site.html}/{repo.full_name}/pull/{number}",
        "issue": f"{api}/issues/{number}",
        "comments": f"{api}/issues/{number}/comments",
        "review_comments": f"{api}/pulls/{number}/comments",
        "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{api}/pulls/{number}/commits",
        "statuses": f"{api}/statuses/{head_sha}",
    }
    return {
        "_links": {name: {"href": href} for name, href in links.items()},
        **{
            f"{name}_url": links[name]
            for name in ("comments", "commits", "review_comments", "review_comment", "statuses")
        },
        "url": links["self"],
        "html_url": links["html"],
        "issue_url": links["issue"],
        "diff_url": f"{links['html']}.diff",
        "patch_url": f"{links['html']}.patch",
    }


def pull_simple(site: Site, repo: Repo, item: Issue) -> JSON:
    """The `pull-request-simple` schema (list items, request-reviewers answer)."""
    pull = item.pull
    if pull is None:
        raise ValueError(f"#{item.number} is an issue, not a pull request")
    issue_body = issue(site, repo, item)
    return {
        **{key: issue_body[key] for key in _FROM_ISSUE},
        "node_id": node_id("PullRequest", item.id),
        **_pull_links(site, repo, item.number, pull.head_sha),
        "merged_at": iso(pull.merged_at),
        "merge_commit_sha": pull.merge_commit_sha,
        "requested_reviewers": [user(site, a) for a in pull.requested_reviewers],
        "requested_teams": [],
        "draft": pull.draft,
        "auto_merge": None,
        "head": _branch_end(site, pull.head_repo or repo, pull.head_ref, pull.head_sha),
        "base": _branch_end(site, repo, pull.base_ref, pull.base_sha),
    }


def pull_full(
    site: Site,
    repo: Repo,
    item: Issue,
    stats: dict[str, int],
    *,
    mergeable: bool | None = True,
    rebaseable: bool | None = True,
) -> JSON:
    """The `pull-request` schema; `stats` has commits, additions, deletions, changed_files.

    `mergeable`/`rebaseable` None means not computed (GitHub's answer for a merged pull).
    """
    body = pull_simple(site, repo, item)
    draft = item.pull is not None and item.pull.draft
    merger = item.pull.merged_by if item.pull else None
    body.update(
        {
            "merged": body["merged_at"] is not None,
            "mergeable": mergeable,
            "rebaseable": rebaseable,
            "mergeable_state": _mergeable_state(draft, mergeable),
            "merged_by": user(site, merger) if merger else None,
            "comments": issue(site, repo, item)["comments"],
            "review_comments": 0,
            "maintainer_can_modify": item.pull is not None and item.pull.maintainer_can_modify,
            **stats,
        }
    )
    return body


def _mergeable_state(draft: bool, mergeable: bool | None) -> str:
    if mergeable is None:
        return "unknown"
    if not mergeable:
        return "dirty"
    return "draft" if draft else "clean"
