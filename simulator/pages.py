"""The few github.com pages a person clicks through, as small plain HTML forms: creating an App
from a manifest, authorizing an App to sign in, installing an App and its installation's page.

Only a browser sees the first two (its Accept header names text/html): other HTTP clients get
the answer as if the person had clicked at once, which the HTTP-level tests rely on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from flask import Response, request

from simulator.state import Account, App, Installation, Repo

CONFIRM = "confirmed"  # the field a page's button adds, so the same URL then acts
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
    "button{font-size:1rem;padding:.5rem 1rem;margin-top:1rem}label{display:block;margin:.3rem 0}"
)


def wants_page() -> bool:
    """A browser asking for a page (not yet confirmed), rather than a test's HTTP client."""
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and CONFIRM not in request.values


def page(title: str, *body: str, status: int = 200) -> Response:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f" · GitHub simulator</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>{''.join(body)}</main></body></html>"
    )
    return Response(html, status, mimetype="text/html")


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )


def confirm_form(action: str, method: str, fields: Mapping[str, str], button: str) -> str:
    """A form that sends `fields` back to `action` with the confirmation field set."""
    return (
        f'<form method="{method}" action="{escape(action)}">'
        f'{_hidden({**fields, CONFIRM: "1"})}<button type="submit">{escape(button)}</button>'
        "</form>"
    )


def new_app_page(name: str, owner: Account) -> Response:
    """GitHub's "Create GitHub App for <owner>" page (the manifest arrived in the form)."""
    form = confirm_form(request.full_path.rstrip("?"), "post", request.form, "Create GitHub App")
    return page(
        f"Create GitHub App for {owner.login}",
        f"<p>The App <strong>{escape(name)}</strong> will be owned by "
        f"<strong>{escape(owner.login)}</strong>.</p>",
        form,
    )


def authorize_page(app_name: str, login: str) -> Response:
    """GitHub's "Authorize <App>" page, with `login` signed in to GitHub."""
    form = confirm_form(request.path, "get", request.args, "Authorize")
    return page(
        f"Authorize {app_name}",
        f"<p>Signed in to GitHub as <strong>{escape(login)}</strong>. {escape(app_name)} "
        "will be able to verify your identity and act on your behalf where it is installed."
        "</p>",
        form,
    )


def choose_account_page(app: App, accounts: Iterable[Account]) -> Response:
    links = "".join(
        f'<li><a href="/apps/{escape(app.slug)}/installations/new/permissions?target_id='
        f'{a.id}">{escape(a.login)}</a></li>'
        for a in accounts
    )
    return page(
        f"Install {app.name}",
        "<p>Where do you want to install it?</p>",
        f'<ul aria-label="Accounts">{links}</ul>',
    )


def install_page(app: App, account: Account, repos: list[Repo], problem: str = "") -> Response:
    """Pick all or some of the account's repositories, then "Install"."""
    boxes = "".join(
        f'<label><input type="checkbox" name="repository_ids" value="{r.id}">'
        f" {escape(r.full_name)}</label>"
        for r in repos
    )
    note = f'<p role="alert">{escape(problem)}</p>' if problem else ""
    return page(
        f"Install {app.name} on {account.login}",
        note,
        f'<form method="post" action="/apps/{escape(app.slug)}/installations">'
        f'<input type="hidden" name="target_id" value="{account.id}">'
        "<fieldset><legend>Repository access</legend>"
        '<label><input type="radio" name="repository_selection" value="all"> All repositories'
        "</label>"
        '<label><input type="radio" name="repository_selection" value="selected" checked>'
        " Only select repositories</label>"
        f"{boxes or '<p>No repository of this account is free to install on.</p>'}"
        '</fieldset><button type="submit">Install</button></form>',
        status=422 if problem else 200,
    )


def installed_page(app: App, inst: Installation, repos: list[Repo]) -> Response:
    """The installation's settings page (where GitHub lands without a setup URL)."""
    names = "".join(f"<li>{escape(r.full_name)}</li>" for r in repos)
    home = (
        f'<p><a href="{escape(app.homepage)}">Go to {escape(app.name)}</a></p>'
        if app.homepage
        else ""
    )
    return page(
        f"{app.name} is installed on {inst.account.login}",
        f'<ul aria-label="Repositories">{names}</ul>',
        home,
    )
