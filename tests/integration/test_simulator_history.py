"""The simulator's repository history: listing closed issues and merged pulls, merging, forks.

What the FAQ builder reads (GET /issues with since/sort/direction and pages, GET /pulls with
state=closed) and what it must not do (write to a contributor's fork).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx
import pytest
from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import DiffEntry, Issue

from simulator import GitHubSimulator

pytestmark = pytest.mark.integration

OWNER, REPO, FORKER = "octo-org", "hello", "alice"
APP = "def greet(name):\n    return 'hey ' + name\n"
MINUTE = 60


class World:
    """octo-org/hello with the app installed, and an installation client."""

    def __init__(self, sim: GitHubSimulator) -> None:
        self.sim = sim
        self.installation = sim.add_installation(OWNER)
        sim.create_repo(
            OWNER,
            REPO,
            installation_id=self.installation,
            files={"README.md": "# hello\n", "app.py": APP},
        )
        sim.set_permission(OWNER, REPO, "alice", "write")
        self.gh = GitHub(
            AppInstallationAuthStrategy(sim.app_id, sim.private_key_pem, self.installation),
            base_url=sim.url,
            auto_retry=False,
        )

    def git(self, *args: str, owner: str = OWNER) -> str:
        return subprocess.run(
            ["git", f"--git-dir={self.sim.git_dir(owner, REPO)}", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def token(self) -> str:
        return self.gh.rest.repos.get(OWNER, REPO).raw_request.headers["Authorization"]

    def pull_from(self, branch: str, files: dict[str, str | bytes | None], title: str) -> int:
        """A same-repository pull of one commit on `branch`, seeded as a human would."""
        self.sim.push(OWNER, REPO, branch, files, message=title, user="alice", start="main")
        return self.sim.open_pull(
            OWNER, REPO, head_ref=branch, base_ref="main", title=title, body="", user="alice"
        )


@pytest.fixture
def world(sim: GitHubSimulator) -> Iterator[World]:
    found = World(sim)
    with found.gh:
        yield found


def when(stamp: str | datetime | None) -> datetime:
    assert stamp is not None
    return stamp if isinstance(stamp, datetime) else datetime.fromisoformat(stamp)


def refusal(call: Any, *args: Any, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(RequestFailed) as info:
        call(*args, **kwargs)
    response = info.value.response
    return response.status_code, response.json()["message"]


def numbers(w: World, **query: Any) -> list[int]:
    """Numbers of GET /repos/{owner}/{repo}/issues with `query`, in the order served."""
    found: Sequence[Issue] = w.gh.rest.issues.list_for_repo(OWNER, REPO, **query).parsed_data
    return [i.number for i in found]


def seed_history(w: World) -> dict[str, int]:
    """Two minutes apart: an open issue, a fixed one, a merged pull, a dropped pull, ..."""
    sim, numbers = w.sim, {}
    numbers["open"] = sim.add_issue(OWNER, REPO, "How do I greet?", user="bob")
    sim.advance_clock(MINUTE)
    numbers["fixed"] = sim.add_issue(OWNER, REPO, "Rude greeting", user="bob", labels=["bug"])
    sim.advance_clock(MINUTE)
    numbers["merged"] = w.pull_from("polite", {"app.py": APP.replace("hey", "Hello")}, "Polite")
    sim.advance_clock(MINUTE)
    numbers["dropped"] = w.pull_from("shout", {"app.py": APP.upper()}, "Shout")
    sim.advance_clock(MINUTE)
    numbers["wontfix"] = sim.add_issue(OWNER, REPO, "Greet in Latin", user="carol")
    sim.advance_clock(MINUTE)
    sim.add_comment(OWNER, REPO, numbers["fixed"], "Fixed by #3", user="alice")
    sim.add_comment(OWNER, REPO, numbers["fixed"], "Thanks", user="bob")
    sim.close_issue(OWNER, REPO, numbers["fixed"], by="alice")
    sim.advance_clock(MINUTE)
    sim.merge_pull(OWNER, REPO, numbers["merged"], by="alice")
    sim.advance_clock(MINUTE)
    sim.close_issue(OWNER, REPO, numbers["dropped"])
    sim.close_issue(OWNER, REPO, numbers["wontfix"], "not_planned")
    return numbers


def test_closed_issues_and_merged_pulls_are_listed_with_filters_and_pages(world: World) -> None:
    n = seed_history(world)
    issues = world.gh.rest.issues
    closed: Sequence[Issue] = issues.list_for_repo(OWNER, REPO, state="closed").parsed_data
    # default sort: created, newest first; pulls are in the list, marked by `pull_request`
    assert [i.number for i in closed] == [n["wontfix"], n["dropped"], n["merged"], n["fixed"]]
    by_number = {i.number: i for i in closed}
    assert by_number[n["fixed"]].state_reason == "completed"
    assert by_number[n["wontfix"]].state_reason == "not_planned"
    fixed_by = by_number[n["fixed"]].closed_by
    assert fixed_by
    assert fixed_by.login == "alice"
    merged, dropped = by_number[n["merged"]].pull_request, by_number[n["dropped"]].pull_request
    assert merged
    assert dropped
    assert merged.merged_at is not None
    assert dropped.merged_at is None
    assert merged.url == f"{world.sim.url}/repos/{OWNER}/{REPO}/pulls/{n['merged']}"
    assert str(merged.diff_url).endswith(f"/pull/{n['merged']}.diff")
    assert not by_number[n["fixed"]].pull_request  # unset: a plain issue
    updated = numbers(world, state="all", sort="updated", direction="asc")
    assert updated == [n["open"], n["fixed"], n["merged"], n["dropped"], n["wontfix"]]
    # `since`: updated at or after the merge; the fixed issue was closed a minute before
    since = when(by_number[n["merged"]].updated_at)
    assert numbers(world, state="all", since=since) == [n["wontfix"], n["dropped"], n["merged"]]
    chatty: Sequence[Issue] = issues.list_for_repo(
        OWNER, REPO, state="all", sort="comments"
    ).parsed_data
    assert (chatty[0].number, chatty[0].comments) == (n["fixed"], 2)
    assert numbers(world, state="all", labels="BUG") == [n["fixed"]]
    assert numbers(world, state="all", creator="carol") == [n["wontfix"]]
    assert numbers(world) == [n["open"]]


def test_issue_pages_follow_link_headers(world: World) -> None:
    n = seed_history(world)
    gh = world.gh
    pages: Iterator[Issue] = gh.rest.paginate(
        gh.rest.issues.list_for_repo,
        owner=OWNER,
        repo=REPO,
        state="closed",
        direction="asc",
        per_page=2,
    )
    assert [i.number for i in pages] == [n["fixed"], n["merged"], n["dropped"], n["wontfix"]]
    served = [ex for ex in world.sim.requests if ex.path == f"/repos/{OWNER}/{REPO}/issues"]
    assert [ex.query.get("page", ["1"]) for ex in served] == [["1"], ["2"]]
    link = served[0].response_headers["link"]
    assert 'rel="next"' in link
    assert "state=closed" in link
    assert "page=2" in link
    assert "link" in served[1].response_headers  # prev/first on the last page
    assert 'rel="next"' not in served[1].response_headers["link"]


def test_closed_pulls_carry_merge_facts(world: World) -> None:
    n = seed_history(world)
    pulls = world.gh.rest.pulls
    response = pulls.list(OWNER, REPO, state="closed")
    listed = response.parsed_data
    assert [p.number for p in listed] == [n["dropped"], n["merged"]]
    merged = next(p for p in listed if p.number == n["merged"])
    assert merged.merged_at is not None
    # githubkit's newest models drop merge_commit_sha; the 2022-11-28 API still sends it
    shas = {p["number"]: p["merge_commit_sha"] for p in response.raw_response.json()}
    assert shas == {n["merged"]: world.git("rev-parse", "main").strip(), n["dropped"]: None}
    assert next(p for p in listed if p.number == n["dropped"]).merged_at is None
    assert pulls.list(OWNER, REPO).parsed_data == []
    full = pulls.get(OWNER, REPO, n["merged"]).parsed_data
    assert (full.merged, full.state, full.mergeable) == (True, "closed", None)
    assert full.merged_by is not None
    assert full.merged_by.login == "alice"
    assert pulls.check_if_merged(OWNER, REPO, n["merged"]).status_code == 204
    with pytest.raises(RequestFailed) as info:
        pulls.check_if_merged(OWNER, REPO, n["dropped"])
    assert info.value.response.status_code == 404


def test_merge_via_the_api_makes_a_merge_commit_on_the_base(world: World) -> None:
    pulls, sim = world.gh.rest.pulls, world.sim
    sim.push(OWNER, REPO, "polite", {"app.py": APP.replace("hey", "Hello")}, start="main")
    pr = pulls.create(OWNER, REPO, head="polite", base="main", title="Be polite").parsed_data
    base_before = sim.push(OWNER, REPO, "main", {"NOTES.md": "meanwhile\n"})  # diverge
    assert pulls.get(OWNER, REPO, pr.number).parsed_data.mergeable is True
    assert refusal(pulls.merge, OWNER, REPO, pr.number, sha=base_before) == (
        409,
        "Head branch was modified. Review and try the merge again.",
    )
    result = pulls.merge(OWNER, REPO, pr.number, merge_method="merge").parsed_data
    assert result.merged
    assert world.git("rev-parse", "main").strip() == result.sha
    parents = world.git("rev-list", "--parents", "-n", "1", "main").split()
    assert parents[1:] == [base_before, pr.head.sha]
    assert "Hello" in world.git("show", "main:app.py")
    assert world.git("show", "main:NOTES.md") == "meanwhile\n"
    message = world.git("log", "-1", "--format=%s|%b|%an|%cn", "main")
    assert message.startswith(f"Merge pull request #{pr.number} from {OWNER}/polite|Be polite")
    assert "|morningai[bot]|GitHub" in message
    after = pulls.get(OWNER, REPO, pr.number).raw_response.json()
    assert (after["merged"], after["state"], after["merge_commit_sha"]) == (
        True,
        "closed",
        result.sha,
    )
    assert world.gh.rest.issues.get(OWNER, REPO, pr.number).parsed_data.state == "closed"
    assert refusal(pulls.merge, OWNER, REPO, pr.number) == (405, "Pull Request is not mergeable")
    assert pulls.check_if_merged(OWNER, REPO, pr.number).status_code == 204


def test_squash_and_refusals(world: World) -> None:
    pulls, sim = world.gh.rest.pulls, world.sim
    sim.push(OWNER, REPO, "two", {"a.txt": "a\n"}, message="Add a", start="main")
    sim.push(OWNER, REPO, "two", {"b.txt": "b\n"}, message="Add b")
    squashed = world.pull_from("two", {"c.txt": "c\n"}, "Add c")
    base = world.git("rev-parse", "main").strip()
    result = pulls.merge(OWNER, REPO, squashed, merge_method="squash").parsed_data
    assert world.git("rev-list", "--parents", "-n", "1", "main").split() == [result.sha, base]
    assert world.git("log", "-1", "--format=%B", "main") == (
        f"Add c (#{squashed})\n\n* Add a\n\n* Add b\n\n* Add c\n\n"
    )
    assert world.git("ls-tree", "--name-only", "main").split() == [
        "README.md",
        "a.txt",
        "app.py",
        "b.txt",
        "c.txt",
    ]
    clash = world.pull_from("clash", {"app.py": "print('clash')\n"}, "Clash")
    sim.push(OWNER, REPO, "main", {"app.py": "print('main')\n"})
    assert pulls.get(OWNER, REPO, clash).parsed_data.mergeable_state == "dirty"
    assert refusal(pulls.merge, OWNER, REPO, clash) == (405, "Pull Request is not mergeable")
    draft = pulls.create(OWNER, REPO, head="clash", base="two", title="Draft", draft=True)
    assert refusal(pulls.merge, OWNER, REPO, draft.parsed_data.number)[0] == 405
    with pytest.raises(RequestFailed) as info:
        pulls.check_if_merged(OWNER, REPO, clash)
    assert info.value.response.status_code == 404


def test_seeded_merge_lands_on_the_base_branch(world: World) -> None:
    sim = world.sim
    number = world.pull_from("polite", {"app.py": APP.replace("hey", "Hello")}, "Polite")
    sim.push(OWNER, REPO, "main", {"NOTES.md": "meanwhile\n"})
    created = when(sim.issue(OWNER, REPO, number)["updated_at"])
    sim.advance_clock(MINUTE)
    sha = sim.merge_pull(OWNER, REPO, number, by="alice")
    assert world.git("rev-parse", "main").strip() == sha
    assert "return 'Hello ' + name" in world.git("show", "main:app.py")
    assert f"Merge pull request #{number}" in world.git("show", "--no-patch", sha)
    assert world.git("log", "-1", "--format=%an", sha).strip() == "alice"
    stored = sim.issue(OWNER, REPO, number)
    assert stored["state"] == "closed"
    assert stored["pull_request"]["merged_at"] is not None
    assert when(stored["updated_at"]) > created
    [pull] = sim.pulls(OWNER, REPO)
    assert (pull["merged"], pull["merge_commit_sha"]) == (True, sha)
    sim.push(OWNER, REPO, "polite", {"later.txt": "after the merge\n"})
    assert sim.pulls(OWNER, REPO)[0]["head"]["sha"] == pull["head"]["sha"]  # history is fixed
    with pytest.raises(ValueError, match="not mergeable"):
        sim.merge_pull(OWNER, REPO, number)
    issue = sim.add_issue(OWNER, REPO, "Dupe")
    sim.close_issue(OWNER, REPO, issue, "duplicate", by="alice")
    assert world.gh.rest.issues.get(OWNER, REPO, issue).parsed_data.state_reason == "duplicate"


def fork_pull(world: World) -> int:
    """alice forks octo-org/hello, commits on her `fix` branch and opens a pull from it."""
    sim = world.sim
    fork = sim.fork(OWNER, REPO, FORKER)
    assert (fork.full_name, fork.installation_id) == (f"{FORKER}/{REPO}", None)
    polite = {"app.py": APP.replace("hey", "Hello")}
    sim.push(FORKER, REPO, "fix", polite, message="Be polite", start="main")
    return sim.open_pull(
        OWNER,
        REPO,
        head_owner=FORKER,
        head_ref="fix",
        base_ref="main",
        title="Be polite",
        body="From my fork",
        user=FORKER,
        maintainer_can_modify=False,
    )


def test_fork_pull_head_is_readable_from_the_parent(world: World) -> None:
    number = fork_pull(world)
    gh = world.gh
    pr = gh.rest.pulls.get(OWNER, REPO, number).parsed_data
    assert pr.head.repo is not None
    assert (pr.head.repo.full_name, pr.head.repo.fork) == (f"{FORKER}/{REPO}", True)
    assert pr.head.user is not None
    assert (pr.head.label, pr.head.ref, pr.head.user.login) == (f"{FORKER}:fix", "fix", FORKER)
    assert pr.user is not None
    assert (pr.base.repo.full_name, pr.base.repo.fork) == (f"{OWNER}/{REPO}", False)
    assert pr.head.repo.full_name != pr.base.repo.full_name  # how the app spots a fork pull
    assert (pr.maintainer_can_modify, pr.user.login) == (False, FORKER)
    fork_head = world.git("rev-parse", "refs/heads/fix", owner=FORKER).strip()
    assert pr.head.sha == fork_head
    assert world.git("rev-parse", f"refs/pull/{number}/head").strip() == fork_head
    assert "refs/heads/fix" not in world.git("for-each-ref")  # the branch stays in the fork
    tarball = gh.rest.repos.download_tarball_archive(OWNER, REPO, pr.head.sha)
    with tarfile.open(fileobj=io.BytesIO(tarball.content), mode="r:gz") as tar:
        member = tar.extractfile(f"{OWNER}-{REPO}-{pr.head.sha[:7]}/app.py")
        assert member is not None
        assert b"Hello" in member.read()
    content = gh.rest.repos.get_content(
        OWNER, REPO, "app.py", ref=pr.head.sha, headers={"Accept": "application/vnd.github.raw"}
    )
    assert b"'Hello '" in content.content
    files: Sequence[DiffEntry] = gh.rest.pulls.list_files(OWNER, REPO, number).parsed_data
    assert [(f.filename, f.status) for f in files] == [("app.py", "modified")]
    listed = gh.rest.pulls.list(OWNER, REPO, head=f"{FORKER}:fix").parsed_data
    assert [p.number for p in listed] == [number]


def test_fork_pull_follows_pushes_and_merges(world: World) -> None:
    number = fork_pull(world)
    sim, pulls = world.sim, world.gh.rest.pulls
    before = when(sim.issue(OWNER, REPO, number)["updated_at"])
    sim.advance_clock(MINUTE)
    pushed = sim.push(FORKER, REPO, "fix", {"docs/faq.md": "# FAQ\n"}, message="FAQ")
    assert when(sim.issue(OWNER, REPO, number)["updated_at"]) > before
    assert world.git("rev-parse", f"refs/pull/{number}/head").strip() == pushed
    files: Sequence[DiffEntry] = pulls.list_files(OWNER, REPO, number).parsed_data
    assert sorted(f.filename for f in files) == ["app.py", "docs/faq.md"]
    sha = pulls.merge(OWNER, REPO, number, merge_method="merge").parsed_data.sha
    assert world.git("show", "main:docs/faq.md") == "# FAQ\n"
    assert world.git("rev-list", "--parents", "-n", "1", "main").split()[2] == pushed
    assert f"from {FORKER}/fix" in world.git("log", "-1", "--format=%s", sha)
    # a second pull from the fork, opened by the app through the API (head "owner:branch")
    sim.push(FORKER, REPO, "more", {"more.txt": "more\n"}, start="main")
    opened = pulls.create(OWNER, REPO, head=f"{FORKER}:more", base="main", title="More")
    assert opened.parsed_data.head.label == f"{FORKER}:more"
    assert refusal(pulls.create, OWNER, REPO, head="nobody:more", base="main", title="x")[0] == 422


def test_installation_token_cannot_write_to_the_fork(world: World) -> None:
    fork_pull(world)
    headers = {"Authorization": world.token()}
    fork_api = f"{world.sim.url}/repos/{FORKER}/{REPO}"
    fork_head = world.git("rev-parse", "refs/heads/fix", owner=FORKER).strip()
    writes = [
        ("POST", "/git/refs", {"ref": "refs/heads/morningai/fix", "sha": fork_head}),
        ("PATCH", "/git/refs/heads/fix", {"sha": fork_head, "force": True}),
        ("POST", "/git/blobs", {"content": "x", "encoding": "utf-8"}),
        ("POST", "/pulls", {"head": "fix", "base": "main", "title": "x"}),
    ]
    with httpx.Client(headers=headers) as http:
        for method, path, body in writes:
            answer = http.request(method, fork_api + path, json=body)
            assert answer.status_code in (403, 404), (method, path)
        assert http.get(fork_api).status_code == 404  # not installed there: invisible
    assert world.git("for-each-ref", "--format=%(refname)", owner=FORKER).split() == [
        "refs/heads/fix",
        "refs/heads/main",
    ]


def test_fork_repository_names_parent_and_source(sim: GitHubSimulator) -> None:
    org = sim.add_installation(OWNER)
    sim.create_repo(OWNER, REPO, installation_id=org)
    mine = sim.add_installation(FORKER, "User")
    sim.fork(OWNER, REPO, FORKER, installation_id=mine)
    sim.fork(FORKER, REPO, "bob")
    with GitHub(
        AppInstallationAuthStrategy(sim.app_id, sim.private_key_pem, mine),
        base_url=sim.url,
        auto_retry=False,
    ) as gh:
        fork = gh.rest.repos.get(FORKER, REPO).parsed_data
        assert fork.fork
        assert fork.parent is not None
        assert fork.source is not None
        assert (fork.parent.full_name, fork.source.full_name) == (f"{OWNER}/{REPO}",) * 2
        assert fork.forks_count == 1  # bob's
        # installed on the fork's owner too: then the token may write there
        main = gh.rest.git.get_ref(FORKER, REPO, "heads/main").parsed_data.object_.sha
        created = gh.rest.git.create_ref(FORKER, REPO, ref="refs/heads/ok", sha=main)
        assert created.status_code == 201
    bob = sim.world.repo("bob", REPO)
    assert bob is not None
    assert bob.parent is not None
    assert bob.parent.full_name == f"{FORKER}/{REPO}"


def test_rebase_is_a_fast_forward_when_the_head_sits_on_the_base(world: World) -> None:
    pulls, sim = world.gh.rest.pulls, world.sim
    straight = world.pull_from("straight", {"a.txt": "a\n"}, "Straight")
    behind = world.pull_from("behind", {"b.txt": "b\n"}, "Behind")
    assert pulls.get(OWNER, REPO, straight).parsed_data.rebaseable is True
    head = pulls.get(OWNER, REPO, straight).parsed_data.head.sha
    assert pulls.merge(OWNER, REPO, straight, merge_method="rebase").parsed_data.sha == head
    assert world.git("rev-parse", "main").strip() == head
    after = pulls.get(OWNER, REPO, behind).parsed_data  # main moved past its base
    assert (after.mergeable, after.rebaseable) == (True, False)
    assert refusal(pulls.merge, OWNER, REPO, behind, merge_method="rebase") == (
        405,
        "This branch can't be rebased",
    )
    assert (
        sim.merge_pull(OWNER, REPO, behind, method="squash")
        == world.git("rev-parse", "main").strip()
    )
