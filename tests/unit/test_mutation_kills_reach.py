"""What a signed-in person reaches, decided without GitHub or a database: the dashboard's
tenancy rests on these few predicates (web/viewer.py), so each is pinned here where mutation
testing (bench/mutation.py, MUTATION_TESTING.md) found them only reached through the API."""

from __future__ import annotations

import pytest
from flask import Flask

from web.viewer import (
    CSRF_HEADER,
    ReachedInstallation,
    ReachedRepository,
    Viewer,
    csrf_ok,
    csrf_token,
)

APP = ReachedRepository("Acme/App", private=True, can_write=True)
DOCS = ReachedRepository("acme/docs", private=False, can_write=False)
ACME = ReachedInstallation(1, "acme", tenant_id=10, repositories=(APP, DOCS))
# the same names in another installation the person also reaches, read-only there
OTHER = ReachedInstallation(
    2, "other", tenant_id=20, repositories=(ReachedRepository("acme/app", False, False),)
)
UNSERVED = ReachedInstallation(3, "new", tenant_id=None, repositories=(APP,))
VIEWER = Viewer("session-1", "alice", 7, "https://avatars/7", (ACME, OTHER, UNSERVED))


def test_a_repository_is_found_by_its_name_ignoring_case_and_only_that_one() -> None:
    assert ACME.repository("acme/app") is APP
    assert ACME.repository("ACME/DOCS") is DOCS
    assert ACME.repository("acme/ap") is None
    assert ACME.repository("acme/app2") is None
    assert ACME.repository(None) is None
    assert ACME.names == ("Acme/App", "acme/docs")


def test_an_installation_is_administered_only_when_github_says_so() -> None:
    assert not ACME.admin  # chat linking and installation-wide notifications need it
    assert ReachedInstallation(4, "mine", 40, (), admin=True).admin


def test_only_installations_morningai_serves_are_tenants() -> None:
    assert VIEWER.tenants == (ACME, OTHER)
    assert VIEWER.installation_of(10) is ACME
    assert VIEWER.installation_of(20) is OTHER
    assert VIEWER.installation_of(30) is None


@pytest.mark.parametrize(
    ("tenant_id", "repository", "sees", "acts"),
    [
        (10, "acme/app", True, True),
        (10, "acme/docs", True, False),  # read access: seen, not stopped or retried
        (20, "acme/app", True, False),  # the same name elsewhere carries its own permission
        (20, "acme/docs", False, False),  # reached in tenant 10, not in 20
        (10, "acme/secret", False, False),
        (10, None, False, False),
        (30, "acme/app", False, False),  # not a tenant the person reaches
    ],
)
def test_seeing_and_acting_need_the_tenant_and_the_repository_and_write_to_act(
    tenant_id: int, repository: str | None, sees: bool, acts: bool
) -> None:
    assert VIEWER.may_see(tenant_id, repository) is sees
    assert VIEWER.may_act(tenant_id, repository) is acts


def test_no_tenant_is_reached_by_a_viewer_with_no_installations() -> None:
    nobody = Viewer("session-2", "bob", 8, "", ())
    assert nobody.tenants == ()
    assert not nobody.may_see(10, "acme/app")
    assert not nobody.may_act(10, "acme/app")


def test_the_csrf_token_is_the_sessions_own() -> None:
    assert csrf_token("session-1") == VIEWER.csrf_token
    assert csrf_token("session-1") != csrf_token("session-2")
    assert len(csrf_token("session-1")) == 64


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({CSRF_HEADER: csrf_token("session-1")}, True),
        ({CSRF_HEADER: csrf_token("session-1"), "Origin": "http://localhost"}, True),
        ({CSRF_HEADER: csrf_token("session-1"), "Origin": "http://localhost/"}, True),
        ({CSRF_HEADER: csrf_token("session-1"), "Origin": "https://evil.example"}, False),
        ({CSRF_HEADER: csrf_token("session-2")}, False),
        ({CSRF_HEADER: ""}, False),
        ({}, False),
    ],
)
def test_a_write_needs_the_sessions_header_and_this_sites_origin(
    headers: dict[str, str], ok: bool
) -> None:
    with Flask(__name__).test_request_context("/api/tasks/1/stop", headers=headers):
        assert csrf_ok("session-1") is ok
