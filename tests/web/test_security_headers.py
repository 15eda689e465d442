"""Every response, pages, API, errors and static files, carries the browser-side
defences: a Content-Security-Policy without 'unsafe-inline', no framing, no sniffing,
no referrer to other sites; and the templates need nothing inline to look right."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.paths import REPO
from xaso.server.web.security_headers import SECURITY_HEADERS
from xaso.server.web.tokens import Role

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # Only the recorder's own recording besides this server (static/radio-record.js).
    "media-src": "'self' blob:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("a bug")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        # A route with a bug, to see the 500 answered like everything else.
        application.router.add_get("/api/v1/test-bug", _boom)
        yield application


def _assert_defended(response: ClientResponse, what: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    directives = dict(part.strip().partition(" ")[::2] for part in policy.split(";"))
    for name, value in CSP_DIRECTIVES.items():
        assert directives.get(name) == value, (what, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "same-origin", what


async def test_every_kind_of_response_carries_the_headers(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    cookie = page_cookie(app, Role.ADMIN)
    asks: list[tuple[str, str, dict[str, str], int]] = [
        ("GET", "/login", {}, 200),
        ("POST", "/login", {}, 401),
        ("GET", "/", {}, 303),
        ("GET", "/", cookie, 200),
        ("GET", "/indicators?period=2026-Q1", cookie, 200),
        ("GET", "/indicators/report?commune=alpha&period=2026-Q1", cookie, 200),
        ("GET", "/static/xaso.css", {}, 200),
        ("GET", "/static/nothing.css", {}, 404),
        ("GET", "/api/v1/devices", admin, 200),
        ("GET", "/api/v1/devices", {}, 401),
        ("GET", "/api/v1/devices/nope", admin, 404),
        ("GET", "/api/v1/devices/alpha-gw/history?from=soon", admin, 400),
        ("DELETE", "/api/v1/devices", admin, 405),
        ("GET", "/no/such/page", cookie, 404),
        ("GET", "/healthz", {}, 503),  # no broker in these tests
        ("GET", "/metrics", {}, 200),
        ("GET", "/api/v1/test-bug", admin, 500),
    ]
    for method, path, headers, status in asks:
        response = await client.request(method, path, headers=headers, allow_redirects=False)
        assert response.status == status, (method, path, await response.text())
        _assert_defended(response, f"{method} {path}")
    assert set(SECURITY_HEADERS) >= {"Content-Security-Policy", "X-Frame-Options"}


async def test_a_500_tells_nothing_of_the_bug(client: TestClient, app: web.Application) -> None:
    response = await client.get("/api/v1/test-bug", headers=bearer(app, Role.ADMIN))
    assert response.status == 500
    assert "a bug" not in await response.text()


INLINE = [
    (re.compile(r"<style", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"<script(?![^>]*\ssrc=)", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on...= handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


TEMPLATES = sorted((REPO / "server/web/templates").glob("*.html"))


def test_the_templates_are_found() -> None:
    assert len(TEMPLATES) >= 5  # a moved folder must not empty the test below


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_holds_anything_inline(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for pattern, what in INLINE:
        assert not pattern.search(text), f"{template.name}: {what}"


async def test_the_pages_link_their_style_sheets_from_static(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    for path in ("/login", "/", "/indicators?period=2026-Q1"):
        html = await (await client.get(path, headers=cookie)).text()
        sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert sheets and all(s.startswith("/static/") for s in sheets), path
        for sheet in sheets:
            response = await client.get(sheet)
            assert response.status == 200 and response.content_type == "text/css", sheet
