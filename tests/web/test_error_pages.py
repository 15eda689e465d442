"""Errors on the pages are pages (server/web/error_pages.py): an HTML page in the user's
language with a way back, the status and the headers that matter kept, the browser-side
defences on it; the API keeps its JSON, and redirects, static files, /healthz and
/metrics are left alone."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.indicator_fakes import small_fake
from xaso.server.indicators.keys import EVALUATE
from xaso.server.store.base import StoreUnavailable
from xaso.server.web.error_pages import is_page
from xaso.server.web.security_headers import SECURITY_HEADERS
from xaso.server.web.store_errors import RETRY_AFTER_S
from xaso.server.web.tokens import Role


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("a bug with a secret in it")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        application[EVALUATE] = small_fake()
        # Routes with a bug, to see how the page and the API answer it.
        application.router.add_get("/test-bug", _boom)
        application.router.add_get("/api/v1/test-bug", _boom)
        yield application


async def _page(response: ClientResponse, status: int) -> str:
    html = await response.text()
    assert response.status == status, html
    assert response.content_type == "text/html"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert '<a href="/">' in html  # the way back to the overview
    return html


async def test_an_unknown_page_is_a_page_in_vietnamese_then_english(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    html = await _page(await client.get("/devices/xyz", headers=cookie), 404)
    assert '<html lang="vi">' in html
    assert "Không tìm thấy trang" in html and "Về trang tổng quan" in html
    assert "<title>xaso — Không tìm thấy trang</title>" in html
    assert "Not Found" not in html  # aiohttp's own text is not the page
    html = await _page(await client.get("/devices/xyz?lang=en", headers=cookie), 404)
    assert '<html lang="en">' in html
    assert "Page not found" in html and "Back to the overview" in html


async def test_the_api_keeps_its_json(client: TestClient, app: web.Application) -> None:
    admin = bearer(app, Role.ADMIN)
    response = await client.get("/api/v1/devices/nope", headers=admin)
    assert response.status == 404
    assert await response.json() == {"error": "device not found"}
    response = await client.get("/api/v1/nothing-here", headers=admin)
    assert response.status == 404 and response.content_type != "text/html"
    response = await client.get("/api/v1/test-bug", headers=admin)
    assert response.status == 500 and response.content_type == "text/plain"


async def test_redirects_static_files_and_probes_are_left_alone(
    client: TestClient, app: web.Application
) -> None:
    response = await client.get("/devices/xyz", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")
    response = await client.get("/static/nothing.css")
    assert response.status == 404 and response.content_type != "text/html"
    response = await client.get("/healthz")  # no broker in these tests
    assert response.status == 503 and response.content_type == "application/json"
    for path in ("/api", "/api/v1/x", "/static/x.css", "/healthz", "/metrics"):
        assert not is_page(path), path
    for path in ("/", "/indicators", "/devices/xyz", "/apiary", "/login"):
        assert is_page(path), path


async def test_a_bad_request_on_a_page_says_why_in_words_and_as_written(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    response = await client.get("/indicators/trend?periods=99&area=nowhere", headers=cookie)
    html = await _page(response, 400)
    assert "Yêu cầu không hợp lệ" in html
    assert "Chi tiết kỹ thuật" in html
    assert "periods" in html and "nowhere" in html  # the handler's own problems, each
    html = await _page(await client.get("/indicators?period=2026-Q9", headers=cookie), 400)
    assert "2026-Q9" in html


async def test_a_method_a_page_does_not_take_keeps_its_allow(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    response = await client.delete("/indicators", headers=cookie)
    html = await _page(response, 405)
    assert "Thao tác không được hỗ trợ" in html
    assert "GET" in response.headers["Allow"]


async def test_a_page_refused_to_its_role_is_a_403_page(
    client: TestClient, app: web.Application
) -> None:
    # A gateway's token opens no page.
    html = await _page(await client.get("/", headers=bearer(app, Role.AGENT)), 403)
    assert "Không có quyền" in html


async def test_a_bug_on_a_page_is_a_500_page_that_tells_nothing_of_it(
    client: TestClient, app: web.Application, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    with caplog.at_level(logging.ERROR, logger="xaso.server"):
        html = await _page(await client.get("/test-bug", headers=cookie), 500)
    assert "Lỗi máy chủ" in html
    assert "secret" not in html
    assert any("GET /test-bug failed" in r.getMessage() for r in caplog.records)


async def test_a_store_that_is_down_is_a_503_page_with_retry_after(
    client: TestClient, app: web.Application
) -> None:
    app[EVALUATE].error = StoreUnavailable("influxd is down")
    cookie = page_cookie(app, Role.ADMIN)
    for path in ("/indicators?period=2026-Q1", "/indicators/report?commune=alpha&period=2026-Q1"):
        response = await client.get(path, headers=cookie)
        html = await _page(response, 503)
        assert response.headers["Retry-After"] == str(RETRY_AFTER_S), path
        assert "Tạm thời không phục vụ được" in html
        assert f"Hãy thử lại sau khoảng {RETRY_AFTER_S} giây." in html
    # The same read through the API: JSON, as before.
    response = await client.get(
        "/api/v1/indicators/overview?period=2026-Q1", headers=bearer(app, Role.ADMIN)
    )
    assert response.status == 503 and "influxd is down" in (await response.json())["error"]
