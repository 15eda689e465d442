"""The language switch keeps the page as it is: its links are the page's own query
(the commune, the period, the filters, where to go after signing in) with the other
language, on a page, on the sign-in page and on an error page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, page_cookie
from xaso.server.web.tokens import Role


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


async def test_a_pages_switch_keeps_its_query(client: TestClient, app: web.Application) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    response = await client.get(
        "/radio/log?commune=beta&status=failed&status=missed&lang=en", headers=cookie
    )
    html = await response.text()
    assert response.status == 200, html
    for lang in ("vi", "en"):
        link = f'href="?commune=beta&amp;status=failed&amp;status=missed&amp;lang={lang}"'
        assert link in html, lang
    html = await (await client.get("/radio/calendar", headers=cookie)).text()
    assert 'href="?lang=en" lang="en"' in html  # nothing else to keep


async def test_the_sign_in_page_keeps_where_to_go_next(client: TestClient) -> None:
    html = await (await client.get("/login?next=%2Fradio%2Fnow%3Fcommune%3Dbeta")).text()
    assert 'href="?next=%2Fradio%2Fnow%3Fcommune%3Dbeta&amp;lang=en"' in html


async def test_an_error_pages_switch_keeps_its_query(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    html = await (await client.get("/devices/xyz?period=24h", headers=cookie)).text()
    assert 'href="?period=24h&amp;lang=en"' in html
