"""The GitHub simulator, driven through githubkit, checked against GitHub's OpenAPI description.

Every endpoint the simulator serves is exercised as a GitHub App would (JWT, installation
token, REST calls); githubkit must parse every answer into its strict models, and every
recorded exchange must match the operation in GitHub's own description.
"""

from __future__ import annotations

import base64
import io
import subprocess
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from githubkit import (
    AppAuthStrategy,
    AppInstallationAuthStrategy,
    GitHub,
    TokenAuthStrategy,
    UnauthAuthStrategy,
)
from githubkit.exception import RequestFailed

from simulator import GitHubSimulator, OpenAPIContract
from simulator.routing import ENDPOINTS
from tests.support.checks import CHECK_OPERATIONS, exercise_checks
from tests.support.reviews import REVIEW_OPERATIONS, exercise_reviews

pytestmark = pytest.mark.integration

OWNER, REPO = "octo-org", "hello"
FILES = {"README.md": "hi\n", "src/app.py": "print(1)\n", "src/lib/util.py": "X = 1\n"}
SERVED = {
    "apps/get-authenticated",
    "apps/get-installation",
    "apps/create-installation-access-token",
    "apps/get-repo-installation",
    "apps/list-installations",
    "repos/get",
    "repos/get-content",
    "repos/download-tarball-archive",
    "git/create-blob",
    "git/get-blob",
    "git/create-tree",
    "git/get-tree",
    "git/create-commit",
    "git/get-commit",
    "git/get-ref",
    "git/list-matching-refs",
    "git/create-ref",
    "git/update-ref",
    "git/delete-ref",
    "repos/get-branch",
    "pulls/create",
    "pulls/list",
    "pulls/get",
    "pulls/update",
    "pulls/request-reviewers",
    "pulls/list-files",
    "pulls/merge",
    "pulls/check-if-merged",
    "issues/list-for-repo",
    "issues/get",
    "issues/list-comments",
    "issues/create-comment",
    "issues/get-comment",
    "issues/update-comment",
    "issues/delete-comment",
    "reactions/create-for-issue",
    "reactions/create-for-issue-comment",
    "issues/add-labels",
    "issues/list-labels-for-repo",
    "repos/get-collaborator-permission-level",
    *REVIEW_OPERATIONS,
    *CHECK_OPERATIONS,
}


class Seeded:
    """A simulator with the app installed on octo-org/hello, an issue and collaborators."""

    def __init__(self, sim: GitHubSimulator) -> None:
        self.sim = sim
        self.installation = sim.add_installation(OWNER, "Organization")
        self.repo = sim.create_repo(OWNER, REPO, installation_id=self.installation, files=FILES)
        self.issue = sim.add_issue(
            OWNER, REPO, "Bug", "It breaks", user="alice", labels=["morningai"]
        )
        sim.set_permission(OWNER, REPO, "alice", "write")
        sim.set_permission(OWNER, REPO, "bob", "maintain")
        self.app = GitHub(
            AppAuthStrategy(sim.app_id, sim.private_key_pem), base_url=sim.url, auto_retry=False
        )
        self.gh = GitHub(
            AppInstallationAuthStrategy(sim.app_id, sim.private_key_pem, self.installation),
            base_url=sim.url,
            auto_retry=False,
        )

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", f"--git-dir={self.sim.git_dir(OWNER, REPO)}", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout


@pytest.fixture
def seeded(github_sim: GitHubSimulator) -> Iterator[Seeded]:
    found = Seeded(github_sim)
    with found.app, found.gh:  # one HTTP client each, not one per call
        yield found


def exercise_app_auth(s: Seeded) -> None:
    app = s.app.rest.apps.get_authenticated().parsed_data
    assert app is not None
    assert app.id == s.sim.app_id
    inst = s.app.rest.apps.get_installation(s.installation).parsed_data
    assert inst.account is not None
    assert getattr(inst.account, "login", None) == OWNER
    assert s.app.rest.apps.get_repo_installation(OWNER, REPO).parsed_data.id == s.installation
    listed = s.app.rest.apps.list_installations(per_page=100).parsed_data
    assert s.installation in [i.id for i in listed]
    token = s.app.rest.apps.create_installation_access_token(
        s.installation, repositories=[REPO], permissions={"contents": "read"}
    ).parsed_data
    assert token.repositories
    assert [r.full_name for r in token.repositories] == [f"{OWNER}/{REPO}"]
    assert token.permissions.contents == "read"
    expires = datetime.strptime(token.expires_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)


def exercise_manifest(s: Seeded) -> None:
    """The manifest flow: a code (the new-App page's work) converted once into a new App
    whose own JWT the simulator then accepts."""
    code = s.sim.manifest_code(
        {
            "name": "Contract App",
            "url": "https://x.example",
            "hook_attributes": {"url": "https://x.example/api/github/webhooks"},
            "redirect_url": "https://x.example/setup/complete",
            "default_permissions": {"issues": "write", "metadata": "read"},
            "default_events": ["issues"],
        }
    )
    public = GitHub(UnauthAuthStrategy(), base_url=s.sim.url)
    made = public.rest.apps.create_from_manifest(code).parsed_data
    assert (made.slug, made.permissions.issues, made.events) == (
        "contract-app",
        "write",
        ["issues"],
    )
    with pytest.raises(RequestFailed) as used:
        public.rest.apps.create_from_manifest(code)
    assert used.value.response.status_code == 404
    as_new = GitHub(AppAuthStrategy(str(made.id), made.pem), base_url=s.sim.url)
    assert as_new.rest.apps.get_installation(s.installation).parsed_data.id == s.installation


def exercise_user_token(s: Seeded) -> None:
    """A user token reads who the user is, the installations they reach and, per
    installation, their repositories; and the user's membership of an organization."""
    token = s.sim.user_token("alice")
    with GitHub(TokenAuthStrategy(token), base_url=s.sim.url, auto_retry=False) as user:
        assert user.rest.users.get_authenticated().parsed_data.login == "alice"
        found = user.rest.apps.list_installations_for_authenticated_user().parsed_data
        assert [i.id for i in found.installations] == [s.installation]
        repos = user.rest.apps.list_installation_repos_for_authenticated_user(
            s.installation
        ).parsed_data
        assert [r.full_name for r in repos.repositories] == [f"{OWNER}/{REPO}"]
        s.sim.set_org_role(OWNER, "alice", "admin")
        membership = user.rest.orgs.get_membership_for_authenticated_user(OWNER).parsed_data
        assert (membership.role, membership.state) == ("admin", "active")


def exercise_repo_reads(s: Seeded) -> None:
    repo = s.gh.rest.repos.get(OWNER, REPO).parsed_data
    assert (repo.full_name, repo.default_branch, repo.private) == (f"{OWNER}/{REPO}", "main", False)
    file = s.gh.rest.repos.get_content(OWNER, REPO, "src/app.py", ref="main").parsed_data
    assert not isinstance(file, list)
    assert file.type == "file"
    assert base64.b64decode(getattr(file, "content", "")) == b"print(1)\n"
    listing = s.gh.rest.repos.get_content(OWNER, REPO, "src").parsed_data
    assert isinstance(listing, list)
    assert sorted((i.name, i.type) for i in listing) == [("app.py", "file"), ("lib", "dir")]
    root = s.gh.rest.repos.get_content(OWNER, REPO, "").parsed_data
    assert isinstance(root, list)
    assert {i.path for i in root} == {"README.md", "src"}
    perm = s.gh.rest.repos.get_collaborator_permission_level(OWNER, REPO, "bob").parsed_data
    assert (perm.permission, perm.role_name) == ("write", "maintain")
    stranger = s.gh.rest.repos.get_collaborator_permission_level(OWNER, REPO, "eve").parsed_data
    assert stranger.permission == "read"  # anyone can read a public repository


def exercise_tarball(s: Seeded) -> None:
    response = s.gh.rest.repos.download_tarball_archive(OWNER, REPO, "main")
    head = s.git("rev-parse", "main").strip()
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as tar:
        names = tar.getnames()
    prefix = f"{OWNER}-{REPO}-{head[:7]}"
    assert f"{prefix}/src/lib/util.py" in names
    assert f"{prefix}/README.md" in names
    redirect = next(ex for ex in s.sim.requests if "/tarball/" in ex.path)
    assert redirect.status == 302
    assert "token=" in redirect.response_headers["location"]


def exercise_git_data(s: Seeded) -> str:
    """Commit on a new branch with the git data API; returns the new commit sha."""
    git = s.gh.rest.git
    base = s.gh.rest.repos.get_branch(OWNER, REPO, "main").parsed_data.commit
    text = git.create_blob(OWNER, REPO, content="new\n", encoding="utf-8").parsed_data
    raw = git.create_blob(
        OWNER, REPO, content=base64.b64encode(b"\x00\x01bin").decode(), encoding="base64"
    ).parsed_data
    fetched = git.get_blob(OWNER, REPO, raw.sha).parsed_data
    assert base64.b64decode(fetched.content) == b"\x00\x01bin"
    assert fetched.size == 5
    tree = git.create_tree(
        OWNER,
        REPO,
        base_tree=base.commit.tree.sha,
        tree=[
            {"path": "src/new.py", "mode": "100644", "type": "blob", "sha": text.sha},
            {"path": "data/blob.bin", "mode": "100644", "type": "blob", "sha": raw.sha},
            {"path": "src/app.py", "mode": "100644", "type": "blob", "content": "print(2)\n"},
            {"path": "README.md", "mode": "100644", "type": "blob", "sha": None},
        ],
    ).parsed_data
    listed = git.get_tree(OWNER, REPO, tree.sha, recursive="1").parsed_data
    assert {e.path for e in listed.tree if e.type == "blob"} == {
        "src/new.py",
        "data/blob.bin",
        "src/app.py",
        "src/lib/util.py",
    }
    commit = git.create_commit(
        OWNER,
        REPO,
        message="Add new.py\n\nBody.",
        tree=tree.sha,
        parents=[base.sha],
        author={"name": "MorningAI", "email": "bot@example.com", "date": "2024-05-01T12:00:00Z"},
    ).parsed_data
    again = git.get_commit(OWNER, REPO, commit.sha).parsed_data
    assert again.author.name == "MorningAI"
    assert [p.sha for p in again.parents] == [base.sha]
    ref = git.create_ref(OWNER, REPO, ref="refs/heads/feature/x", sha=base.sha).parsed_data
    assert ref.object_.sha == base.sha
    moved = git.update_ref(OWNER, REPO, "heads/feature/x", sha=commit.sha).parsed_data
    assert moved.object_.sha == commit.sha
    assert git.get_ref(OWNER, REPO, "heads/feature/x").parsed_data.object_.sha == commit.sha
    matching = git.list_matching_refs(OWNER, REPO, "heads/feature").parsed_data
    assert [r.ref for r in matching] == ["refs/heads/feature/x"]
    git.create_ref(OWNER, REPO, ref="refs/heads/scratch", sha=base.sha)
    assert git.delete_ref(OWNER, REPO, "heads/scratch").status_code == 204
    return commit.sha


def exercise_pulls(s: Seeded, head_sha: str) -> int:
    pulls = s.gh.rest.pulls
    pr = pulls.create(
        OWNER, REPO, head="feature/x", base="main", title="Add new.py", body="Fixes #1", draft=True
    ).parsed_data
    assert (pr.head.sha, pr.changed_files, pr.draft) == (head_sha, 4, True)
    listed = pulls.list(OWNER, REPO, state="open", head=f"{OWNER}:feature/x").parsed_data
    assert [p.number for p in listed] == [pr.number]
    assert pulls.list(OWNER, REPO, base="develop").parsed_data == []
    updated = pulls.update(OWNER, REPO, pr.number, title="Add new.py (v2)").parsed_data
    assert updated.title == "Add new.py (v2)"
    simple = pulls.request_reviewers(OWNER, REPO, pr.number, reviewers=["alice"]).parsed_data
    assert [u.login for u in simple.requested_reviewers or []] == ["alice"]
    files = pulls.list_files(OWNER, REPO, pr.number).parsed_data
    assert {(f.filename, f.status) for f in files} == {
        ("src/new.py", "added"),
        ("data/blob.bin", "added"),
        ("src/app.py", "modified"),
        ("README.md", "removed"),
    }
    patch = next(f.patch for f in files if f.filename == "src/app.py")
    assert patch
    assert "-print(1)" in patch
    assert "+print(2)" in patch
    assert pulls.get(OWNER, REPO, pr.number).parsed_data.requested_reviewers
    wanted = pulls.list_requested_reviewers(OWNER, REPO, pr.number).parsed_data
    assert [u.login for u in wanted.users] == ["alice"]
    return pr.number


def exercise_issues(s: Seeded) -> None:
    issues, reactions = s.gh.rest.issues, s.gh.rest.reactions
    issue = issues.get(OWNER, REPO, s.issue).parsed_data
    assert issue.title == "Bug"
    assert issue.user is not None
    assert issue.user.login == "alice"
    created = issues.create_comment(OWNER, REPO, s.issue, body="Working on it").parsed_data
    assert created.user is not None
    assert created.user.login == "morningai[bot]"
    issues.update_comment(OWNER, REPO, created.id, body="Done")
    assert issues.get_comment(OWNER, REPO, created.id).parsed_data.body == "Done"
    assert [c.body for c in issues.list_comments(OWNER, REPO, s.issue).parsed_data] == ["Done"]
    first = reactions.create_for_issue(OWNER, REPO, s.issue, content="eyes")
    second = reactions.create_for_issue(OWNER, REPO, s.issue, content="eyes")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.parsed_data.id == second.parsed_data.id
    on_comment = reactions.create_for_issue_comment(OWNER, REPO, created.id, content="rocket")
    assert on_comment.status_code == 201
    labels = issues.add_labels(OWNER, REPO, s.issue, labels=["bug", "morningai"]).parsed_data
    assert [label.name for label in labels] == ["morningai", "bug"]
    assert {x.name for x in issues.list_labels_for_repo(OWNER, REPO).parsed_data} == {
        "morningai",
        "bug",
    }
    doomed = issues.create_comment(OWNER, REPO, s.issue, body="oops").parsed_data
    assert issues.delete_comment(OWNER, REPO, doomed.id).status_code == 204


def exercise_extras(s: Seeded) -> None:
    """Endpoints beyond the brief: repo listing, issue edits, label removal, raw downloads."""
    listed = s.gh.rest.apps.list_repos_accessible_to_installation().parsed_data
    assert [r.name for r in listed.repositories] == [REPO]
    issues, reactions = s.gh.rest.issues, s.gh.rest.reactions
    closed = issues.update(OWNER, REPO, s.issue, state="closed", labels=["wontfix"]).parsed_data
    assert (closed.state, closed.state_reason) == ("closed", "completed")
    assert [x.name for x in issues.list_labels_on_issue(OWNER, REPO, s.issue).parsed_data] == [
        "wontfix"
    ]
    assert issues.remove_label(OWNER, REPO, s.issue, "wontfix").parsed_data == []
    comment = issues.create_comment(OWNER, REPO, s.issue, body="Closing").parsed_data
    reactions.create_for_issue(OWNER, REPO, s.issue, content="+1")
    reactions.create_for_issue_comment(OWNER, REPO, comment.id, content="heart")
    on_issue = reactions.list_for_issue(OWNER, REPO, s.issue).parsed_data
    assert "+1" in [r.content for r in on_issue]
    on_comment = reactions.list_for_issue_comment(OWNER, REPO, comment.id).parsed_data
    assert [r.content for r in on_comment] == ["heart"]
    file = s.gh.rest.repos.get_content(OWNER, REPO, "src/lib/util.py").parsed_data
    assert not isinstance(file, list)
    assert file.download_url is not None
    assert httpx.get(file.download_url).text == "X = 1\n"
    raw = s.gh.rest.repos.get_content(
        OWNER, REPO, "src/lib/util.py", headers={"Accept": "application/vnd.github.raw"}
    )
    assert raw.content == b"X = 1\n"


def exercise_history(s: Seeded) -> None:
    """Merging a pull, then listing issues and pulls alike (tests/.../test_simulator_history)."""
    s.sim.push(OWNER, REPO, "docs", {"docs/faq.md": "# FAQ\n"}, start="main")
    pulls = s.gh.rest.pulls
    pr = pulls.create(OWNER, REPO, head="docs", base="main", title="FAQ").parsed_data
    assert pulls.merge(OWNER, REPO, pr.number, merge_method="squash").parsed_data.merged
    assert pulls.check_if_merged(OWNER, REPO, pr.number).status_code == 204
    listed = s.gh.rest.issues.list_for_repo(OWNER, REPO, state="closed").raw_response.json()
    assert pr.number in [i["number"] for i in listed if "pull_request" in i]


def exercise_prior_work(s: Seeded) -> None:
    """A person's branch and pull request for the issue: the timeline's cross-reference, the
    branches, the commits by author and time (jobs/steps/prior_work.py reads these)."""
    s.sim.push(OWNER, REPO, f"fix-{s.issue}", {"fix.py": "X = 2\n"}, start="main", user="bob")
    pr = s.gh.rest.pulls.create(
        OWNER, REPO, head=f"fix-{s.issue}", base="main", title="Fix", body=f"Fixes #{s.issue}"
    ).parsed_data
    issues = s.gh.rest.issues
    first = issues.list_events_for_timeline(OWNER, REPO, s.issue, per_page=1).raw_response
    assert len(first.json()) == 1
    assert 'rel="next"' in first.headers["link"]  # an earlier pull mentions it too
    events = issues.list_events_for_timeline(OWNER, REPO, s.issue).raw_response.json()
    assert {e["event"] for e in events} == {"cross-referenced"}
    assert pr.number in [e["source"]["issue"]["number"] for e in events]
    names = [b.name for b in s.gh.rest.repos.list_branches(OWNER, REPO).parsed_data]
    assert f"fix-{s.issue}" in names
    repos = s.gh.rest.repos
    since = datetime.now(UTC) - timedelta(days=1)
    by_bob = repos.list_commits(OWNER, REPO, sha=f"fix-{s.issue}", author="bob", since=since)
    assert len(by_bob.parsed_data) == 1
    assert repos.list_commits(OWNER, REPO, sha=f"fix-{s.issue}", author="alice").parsed_data == []


def revoke_own_token(s: Seeded) -> None:
    with GitHub(
        AppInstallationAuthStrategy(
            s.sim.app_id, s.sim.private_key_pem, s.installation, repositories=[REPO]
        ),
        base_url=s.sim.url,
        auto_retry=False,
    ) as gh:
        assert gh.rest.apps.revoke_installation_access_token().status_code == 204
        with pytest.raises(RequestFailed) as info:
            gh.rest.repos.get(OWNER, REPO)
        assert info.value.response.status_code == 401


def test_app_authentication_and_tokens(seeded: Seeded) -> None:
    exercise_app_auth(seeded)


def test_repository_reads_and_tarball(seeded: Seeded) -> None:
    exercise_repo_reads(seeded)
    exercise_tarball(seeded)


def test_git_data_lands_in_the_bare_repository(seeded: Seeded) -> None:
    sha = exercise_git_data(seeded)
    assert seeded.git("rev-parse", "refs/heads/feature/x").strip() == sha
    assert seeded.git("show", "feature/x:src/new.py") == "new\n"
    assert seeded.git("show", "feature/x:src/app.py") == "print(2)\n"
    assert seeded.git("show", "feature/x:src/lib/util.py") == "X = 1\n"
    assert "README.md" not in seeded.git("ls-tree", "-r", "--name-only", "feature/x")
    log = seeded.git("log", "-1", "--format=%an <%ae>|%aI|%B", "feature/x")
    assert log.startswith(
        "MorningAI <bot@example.com>|2024-05-01T12:00:00+00:00|Add new.py\n\nBody."
    )
    assert seeded.git("rev-parse", "feature/x^").strip() == seeded.git("rev-parse", "main").strip()
    assert seeded.git("fsck", "--strict") == ""


def test_pull_request_lifecycle(seeded: Seeded) -> None:
    number = exercise_pulls(seeded, exercise_git_data(seeded))
    [stored] = seeded.sim.pulls(OWNER, REPO)
    assert (stored["number"], stored["title"], stored["state"]) == (
        number,
        "Add new.py (v2)",
        "open",
    )
    closed = seeded.gh.rest.pulls.update(OWNER, REPO, number, state="closed").parsed_data
    assert closed.state == "closed"
    assert closed.closed_at is not None


def test_issue_conversation_is_stored(seeded: Seeded) -> None:
    exercise_issues(seeded)
    [comment] = seeded.sim.comments(OWNER, REPO, seeded.issue)
    assert (comment["body"], comment["body_history"]) == ("Done", ["Working on it"])
    assert [r["content"] for r in seeded.sim.reactions(OWNER, REPO, seeded.issue)] == ["eyes"]
    assert [r["content"] for r in seeded.sim.reactions(OWNER, REPO, comment_id=comment["id"])] == [
        "rocket"
    ]
    assert [x["name"] for x in seeded.sim.issue(OWNER, REPO, seeded.issue)["labels"]] == [
        "morningai",
        "bug",
    ]


def test_every_endpoint_matches_githubs_openapi_description(
    seeded: Seeded,
    openapi_contract: OpenAPIContract,
) -> None:
    exercise_app_auth(seeded)
    exercise_manifest(seeded)
    exercise_user_token(seeded)
    exercise_repo_reads(seeded)
    exercise_tarball(seeded)
    number = exercise_pulls(seeded, exercise_git_data(seeded))
    exercise_reviews(seeded.gh, OWNER, REPO, number, "src/app.py")
    exercise_checks(seeded.sim, seeded.installation, OWNER, REPO)
    exercise_issues(seeded)
    exercise_extras(seeded)
    exercise_history(seeded)
    exercise_prior_work(seeded)
    revoke_own_token(seeded)
    exchanges = seeded.sim.requests
    exercised = {ex.operation_id for ex in exchanges}
    assert exercised >= SERVED
    assert exercised >= {e.operation_id for e in ENDPOINTS.values() if e.operation_id}
    for ex in exchanges:
        if ex.operation_id is None:  # codeload behind the tarball redirect; raw downloads; logs
            assert ex.path.startswith(("/_codeload/", "/_raw/", "/_joblogs/"))
            assert ex.status == 200
            continue
        op = openapi_contract.match(ex.method, ex.path)
        assert op is not None, ex.path
        assert op.operation_id == ex.operation_id, ex.path
    assert seeded.sim.contract_violations(openapi_contract) == []


def test_default_description_is_found_without_tests_package(tmp_path: Path) -> None:
    # the app's own integration tests call contract_violations() with no argument
    with GitHubSimulator(tmp_path) as sim:
        inst = sim.add_installation("solo", "User")
        sim.create_repo("solo", "one", installation_id=inst)
        gh = GitHub(
            AppInstallationAuthStrategy(sim.app_id, sim.private_key_pem, inst), base_url=sim.url
        )
        assert gh.rest.repos.get("solo", "one").parsed_data.owner.type == "User"
        assert sim.contract_violations() == []
