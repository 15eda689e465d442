"""The pages in a real browser (Debian's chromium, driven by Playwright): they render
under their Content-Security-Policy with no violation, their style sheets apply, and
the login works through the form, at a desktop's width and a phone's.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.messages import heartbeat, payload, status
from tests.web.browser import (
    WIDTHS,
    check_page,
    chromium,
    new_page,
    served_on_loopback,
    shots_folder,
    sign_in,
)
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.keys import CLOCK_MS, STORE
from xaso.server.monitoring.keys import INGEST
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

PAGES = {
    "status": "/",
    "overview": "/indicators?period=2026-Q1",
    "report": "/indicators/report?commune=alpha&period=2026-Q1",
    "report-en": "/indicators/report?commune=alpha&period=2026-Q1&lang=en",
}


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """The real app on a loopback port with a little life in it, and an admin's login."""
    async with app_without_broker(tmp_path) as app, served_on_loopback(app) as base_url:
        now_ms = app[CLOCK_MS]()
        ingest = app[INGEST]
        ingest.handle(status_topic("alpha-gw"), payload(status("alpha-gw", "online")), now_ms)
        beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "alpha-cam-1": False}, ts_ms=now_ms)
        await app[STORE].write(
            ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), now_ms).records
        )
        app[ACCOUNTS].create("so.tttt", PASSWORD, Role.ADMIN, now_ms, "Sở TT&TT")
        yield base_url, "so.tttt"


async def test_the_pages_render_under_their_policy_at_both_widths(
    served: tuple[str, str], tmp_path: Path
) -> None:
    base_url, login = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        for width in WIDTHS:
            page = await new_page(browser, f"{width}px", base_url, problems, width=width)
            await page.goto(f"{base_url}/login")
            await _check(page, f"login-{width}", shots, problems)
            await sign_in(page, base_url, login)
            for name, path in PAGES.items():
                response = await page.goto(f"{base_url}{path}")
                assert response is not None and response.status == 200, (name, width)
                assert "frame-ancestors 'none'" in (
                    await response.header_value("content-security-policy") or ""
                ), name
                await _check(page, f"{name}-{width}", shots, problems)

            # Logging out from the page ends the session: the page asks to log in.
            await page.goto(f"{base_url}/")
            await page.click("form[action='/logout'] button")
            await page.wait_for_url(f"{base_url}/login")
            await page.goto(f"{base_url}/")
            assert page.url == f"{base_url}/login"
            await page.context.close()
    assert not problems, "\n".join(problems)


async def _check(page: Any, name: str, shots: Path, problems: list[str]) -> None:
    # The style sheet applied: the body's font is the one xaso.css sets.
    font = await page.evaluate("getComputedStyle(document.body).fontFamily")
    if "system-ui" not in font:
        problems.append(f"{name}: xaso.css not applied (font {font!r})")
    await check_page(page, name, shots, problems)
