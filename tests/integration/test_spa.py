"""The web app as Flask serves it, over real HTTP: deep links get index.html, hashed assets are
cached for a year, unknown /api paths are JSON 404s, the page carries its security headers, and
nothing of it gets in the way of the webhook receiver or the health routes.

The tests serve a small fake build from a temporary directory, so they do not need npm; one test
(run by `make test`, which builds the web app first) checks the real build."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from redis import Redis

from core.settings import Settings
from morningai.embedded import DatabaseUrls
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.support.paths import ROOT
from tests.support.webhooks import SECRET, labeled_issue, make_settings
from web import create_app
from web.spa import BUILD_DIR

INDEX = (
    '<!doctype html><html lang="en"><head><title>MorningAI</title>'
    '<script type="module" crossorigin src="/assets/index-Ab12Cd34.js"></script>'
    '</head><body><div id="root"></div></body></html>'
)
SCRIPT = "console.log('morningai');\n"
REAL_BUILD = ROOT / "web" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"


def fake_build(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "index-Ab12Cd34.js").write_text(SCRIPT)
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return root


@contextmanager
def served(settings: Settings, build: Path) -> Iterator[httpx.Client]:
    app = create_app(settings)
    app.config[BUILD_DIR] = str(build)
    with serve_wsgi(app) as url, httpx.Client(base_url=url, timeout=10.0) as client:
        yield client
    app.extensions["morningai"].close()


@pytest.fixture
def settings(database: DatabaseUrls, redis_url: str) -> Settings:
    return make_settings(database, redis_url, metrics_token="metrics-token-for-tests")


@pytest.fixture
def web(settings: Settings, tmp_path: Path) -> Iterator[httpx.Client]:
    with served(settings, fake_build(tmp_path / "dist")) as client:
        yield client


def assert_page_headers(response: httpx.Response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (p.strip() for p in csp.split(";")) if part
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in csp  # no inline script (nor style) anywhere
    assert "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    # the signed-in person's avatar: github.com's avatar host, or GitHub's own (Enterprise)
    assert "https://avatars.githubusercontent.com" in directives["img-src"].split()
    assert directives["form-action"].split()[-1] in directives["img-src"].split()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/", "/tasks/123", "/faq", "/setup", "/index.html"])
def test_a_page_or_deep_link_serves_index_html_uncached(web: httpx.Client, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-cache"
    assert_page_headers(response)


def test_a_hashed_asset_is_cached_for_a_year(web: httpx.Client) -> None:
    response = web.get("/assets/index-Ab12Cd34.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_missing_asset_is_a_404_not_the_page(web: httpx.Client) -> None:
    response = web.get("/assets/index-gone.js")
    assert response.status_code == 404
    assert response.text != INDEX


def test_a_file_of_the_build_is_served_as_itself(web: httpx.Client) -> None:
    response = web.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert "immutable" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/nothing"),
        ("GET", "/api/tasks/123/nothing"),
        ("GET", "/api"),
        ("POST", "/api/nothing"),
        ("DELETE", "/api/github/nothing"),
    ],
)
def test_an_unknown_api_path_is_a_json_404(web: httpx.Client, method: str, path: str) -> None:
    response = web.request(method, path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": "not found"}


def test_a_known_api_path_with_the_wrong_method_is_not_the_page(web: httpx.Client) -> None:
    response = web.get("/api/github/webhooks")
    assert response.status_code == 405
    assert response.text != INDEX


def test_health_and_metrics_are_not_shadowed(web: httpx.Client) -> None:
    assert web.get("/healthz").json() == {"status": "ok"}
    metrics = web.get("/metrics", headers={"Authorization": "Bearer metrics-token-for-tests"})
    assert metrics.status_code == 200
    assert "morningai_" in metrics.text


def test_the_webhook_endpoint_is_unaffected(
    settings: Settings, tmp_path: Path, redis: Redis, clean_db: None
) -> None:
    app = create_app(settings)
    app.config[BUILD_DIR] = str(fake_build(tmp_path / "dist"))
    with serve_wsgi(app) as url:
        sender = WebhookSender(url, SECRET.encode())
        accepted = sender.post("issues", labeled_issue(), delivery=str(uuid.uuid4()))
        unsigned = sender.post("issues", labeled_issue(), signature="sha256=00")
        sender.close()
    app.extensions["morningai"].close()
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["outcome"] == "accepted"
    assert unsigned.status_code == 401


def test_without_a_build_get_slash_is_the_settings_page(
    database: DatabaseUrls, redis_url: str, tmp_path: Path
) -> None:
    """A Python-only checkout: GET / still says which settings are missing; other paths 404."""
    settings = make_settings(database, redis_url, github_webhook_secret=None)
    with served(settings, tmp_path / "no-build") as web:
        home = web.get("/")
        deep = web.get("/tasks/123")
        asset = web.get("/assets/index-Ab12Cd34.js")
        api = web.get("/api/nothing")
    assert home.status_code == 200
    assert "GITHUB_APP_ID" in home.text
    assert deep.status_code == 404
    assert asset.status_code == 404
    assert api.json() == {"error": "not found"}


@pytest.mark.skipif(
    not os.environ.get("MORNINGAI_EXPECT_WEBAPP"),
    reason="make test builds the web app and sets MORNINGAI_EXPECT_WEBAPP",
)
def test_the_real_build_exists_and_is_served(settings: Settings) -> None:
    index = REAL_BUILD / "index.html"
    assert index.is_file(), "make test's build step did not write web/dist/index.html"
    html = index.read_text()
    referenced = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert any(re.fullmatch(r"/assets/index-[\w-]{8,}\.js", ref) for ref in referenced), html
    assert any(re.fullmatch(r"/assets/index-[\w-]{8,}\.css", ref) for ref in referenced), html
    # no inline script: the Content-Security-Policy allows none
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    with served(settings, REAL_BUILD) as web:
        page = web.get("/tasks/123")
        assert page.text == html
        for ref in referenced:
            asset = web.get(ref)
            assert asset.status_code == 200, ref
            assert asset.headers["Cache-Control"] == IMMUTABLE
