"""First start in a real browser: a fresh MorningAI shows the setup page; the person registers
the App (GitHub's "Create GitHub App" page), comes back through /setup/complete to GitHub's
install page, installs it on a repository (GitHub delivers `installation` `created`, which makes
the tenant), and signs in with GitHub. Screenshots: .morningai/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.simulated import OWNER, REPO

pytestmark = pytest.mark.integration
LOGIN = "alice"  # the person the `github` fixture signs in to GitHub


def test_register_install_and_sign_in(e2e: Any, page: Any) -> None:
    page.goto(e2e.url + "/")
    expect(page.get_by_role("heading", name="Set up MorningAI")).to_be_visible()
    expect(page.get_by_label("App name")).to_have_value("MorningAI")
    expect(page.get_by_role("button", name="Register GitHub App")).to_be_enabled()
    e2e.screenshot(page, "setup-page")

    e2e.register(page)
    app = e2e.app
    assert app.name == "MorningAI"  # the slug is GitHub's: morningai-2 (morningai is taken)
    assert app.hook_url == f"{e2e.url}/api/github/webhooks"
    complete = [u for u in e2e.steps if u.startswith(f"{e2e.url}/setup/complete?code=")]
    assert len(complete) == 1, e2e.steps  # GitHub sent the browser back with the code
    assert page.url == f"{e2e.sim.url}/apps/{app.slug}/installations/new"
    stored = e2e.db.execute("SELECT app_id, slug FROM app_registration").fetchall()
    assert stored == [(app.id, app.slug)]

    e2e.install(page)
    tenant = e2e.db.execute(
        "SELECT t.account_login, r.full_name FROM tenants t JOIN repositories r"
        " ON r.tenant_id = t.id WHERE t.installation_id = %s",
        (e2e.installation_id,),
    ).fetchall()
    assert tenant == [(OWNER, f"{OWNER}/{REPO}")]
    # back on MorningAI: registered, so no setup form; it says where to install
    expect(page.get_by_role("button", name="Register GitHub App")).to_have_count(0)
    status = page.request.get(e2e.url + "/api/setup/status").json()
    assert status["install_url"] == f"{e2e.sim.url}/apps/{app.slug}/installations/new"

    me = e2e.sign_in(page)
    assert me["user"]["login"] == LOGIN
    reached = [(i["id"], i["account"], i["tenant"]) for i in me["installations"]]
    assert reached == [(e2e.installation_id, OWNER, True)]
    cookies = {c["name"]: c for c in page.context.cookies(e2e.url)}
    assert cookies["morningai_session"]["httpOnly"] is True
    expect(page.get_by_role("banner")).to_contain_text(LOGIN)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    e2e.screenshot(page, "signed-in")


def test_signed_in_page_fixture_is_signed_in_and_can_sign_out(
    e2e: Any, signed_in_page: Any
) -> None:
    """The fixture later tests start from; signing out ends the session for the browser."""
    assert signed_in_page.request.get(e2e.url + "/api/me").status == 200
    signed_in_page.get_by_role("button", name="Sign out").click()
    expect(
        signed_in_page.get_by_role("link", name=re.compile("Sign in with GitHub"))
    ).to_be_visible()
    assert signed_in_page.request.get(e2e.url + "/api/me").status == 401
