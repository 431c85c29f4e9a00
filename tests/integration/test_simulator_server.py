"""The simulator as a server: concurrent clients, lifecycle, independent instances."""

from __future__ import annotations

import gc
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from githubkit import AppAuthStrategy, GitHub

from simulator import GitHubSimulator

pytestmark = pytest.mark.integration

OWNER, REPO = "octo-org", "hello"


def test_concurrent_writers_all_land(github_sim: GitHubSimulator) -> None:
    inst = github_sim.add_installation(OWNER)
    github_sim.create_repo(OWNER, REPO, installation_id=inst)
    number = github_sim.add_issue(OWNER, REPO, "Busy")
    with GitHub(AppAuthStrategy(github_sim.app_id, github_sim.private_key_pem),
                base_url=github_sim.url) as app:  # fmt: skip
        token = app.rest.apps.create_installation_access_token(inst).parsed_data.token
    url = f"{github_sim.url}/repos/{OWNER}/{REPO}/issues/{number}/comments"

    def post(i: int) -> int:
        with httpx.Client(headers={"Authorization": f"token {token}"}) as http:
            return http.post(url, json={"body": f"comment {i}"}).json()["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(post, range(40)))
    assert len(set(ids)) == 40
    bodies = {c["body"] for c in github_sim.comments(OWNER, REPO, number)}
    assert bodies == {f"comment {i}" for i in range(40)}


def test_stop_releases_the_port_and_instances_are_independent(tmp_path: Path) -> None:
    with GitHubSimulator(tmp_path / "a") as first, GitHubSimulator(tmp_path / "b") as second:
        assert first.url != second.url
        assert first.app_id != second.app_id
        assert first.private_key_pem != second.private_key_pem
        port = int(first.url.rsplit(":", 1)[1])
        assert httpx.get(first.url + "/app").status_code == 401
    with socket.socket() as probe:  # nothing listens any more: the port can be bound again
        probe.bind(("127.0.0.1", port))
    never_started = GitHubSimulator(tmp_path / "c")
    never_started.stop()  # must not hang


def test_a_forgotten_simulator_releases_its_port(tmp_path: Path) -> None:
    sim = GitHubSimulator(tmp_path).start()
    port = int(sim.url.rsplit(":", 1)[1])
    del sim
    gc.collect()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
