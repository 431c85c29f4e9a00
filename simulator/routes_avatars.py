"""Avatars: every account's `avatar_url` (`{html}/avatars/u/{id}?v=4`, simulator/shapes.py
`user()`) answers a small generated SVG, the account's initial on a colour of its own, so a
page showing the signed-in person's avatar shows an image, not a broken one.

GitHub serves avatars from avatars.githubusercontent.com (or, on Enterprise, the host itself).
"""

from __future__ import annotations

import hashlib
from html import escape

from flask import Blueprint, Response

from simulator.api import not_found
from simulator.routing import route, world

bp = Blueprint("avatars", __name__)


def avatar_svg(login: str, account_id: int) -> str:
    """A 64 by 64 SVG: the login's first letter on a colour derived from the account id."""
    hue = int(hashlib.sha256(str(account_id).encode()).hexdigest()[:4], 16) % 360
    letter = escape((login[:1] or "?").upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" fill="hsl({hue},55%,45%)"/>'
        '<text x="32" y="42" font-family="sans-serif" font-size="30" fill="#fff"'
        f' text-anchor="middle">{letter}</text></svg>'
    )


@route(bp, "GET", "/avatars/u/<int:account_id>", "_avatar", auth="public")
def avatar(account_id: int) -> Response:
    found = next((a for a in world().accounts.values() if a.id == account_id), None)
    if found is None:
        raise not_found()
    response = Response(avatar_svg(found.login, found.id), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "max-age=300"
    return response
