"""The overview and the problems page in a real browser (Debian's chromium, driven by
Playwright), as an administrator: from the overview to a commune's problems, a filter,
an acknowledgement with a comment, and a change in the fleet showing up by itself at the
next poll, without a reload; both pages at a phone's width without sideways scrolling;
no Content-Security-Policy violation, no request to another host.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.apps import PASSWORD, WILLS_AT_ONCE
from tests.messages import SMALL_INVENTORY, heartbeat, payload, small_index, status
from tests.web.browser import chromium, served_on_loopback, shots_folder, signed_in
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.app import Deps, create_app
from xaso.server.keys import CLOCK_MS, STORE
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

REFRESH_S = 1.0  # the pages poll every second here, so a change shows up quickly
ADMIN = "so.tttt"


async def feed(app: web.Application, topic: str, message: Any, at_ms: int) -> None:
    handled = app[INGEST].handle(topic, payload(message), at_ms)
    await app[STORE].write(handled.records)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, web.Application]]:
    """The real app on a loopback port: alpha's camera offline, beta's gateway gone."""
    store = await SqliteStore.open(":memory:")
    settings = Settings(
        inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path), page_refresh_s=REFRESH_S
    )
    deps = Deps(store=store, index=small_index(), connect_mqtt=False, state_rules=WILLS_AT_ONCE)
    app = create_app(settings, deps)
    try:
        async with served_on_loopback(app) as base_url:
            now_ms = app[CLOCK_MS]()
            await feed(app, status_topic("alpha-gw"), status("alpha-gw", "online"), now_ms)
            for seq, at in ((1, now_ms), (2, now_ms + 1000)):
                beat = heartbeat(
                    "alpha-gw", seq, {"alpha-rc-1": True, "alpha-cam-1": False}, ts_ms=at
                )
                await feed(app, heartbeat_topic("alpha-gw"), beat, at)
            await feed(app, status_topic("beta-gw"), status("beta-gw", "online"), now_ms)
            beat = heartbeat("beta-gw", 1, {"beta-rc-1": True}, ts_ms=now_ms)
            await feed(app, heartbeat_topic("beta-gw"), beat, now_ms)
            await feed(app, status_topic("beta-gw"), status("beta-gw", "offline"), now_ms + 1000)
            app[ACCOUNTS].create(ADMIN, PASSWORD, Role.ADMIN, now_ms, "Sở TT&TT")
            yield base_url, app
    finally:
        await store.close()


async def test_an_admin_finds_filters_and_acknowledges_a_problem_that_keeps_itself_fresh(
    served: tuple[str, web.Application], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        page = await signed_in(browser, base_url, ADMIN, problems, width=1400)
        await page.goto(f"{base_url}/")
        await _shoot(page, shots, "overview-1400", problems)

        # From the overview, alpha's problems; then only what is offline.
        await page.click('a[href="/problems?commune=alpha"]')
        await page.wait_for_url(f"{base_url}/problems?commune=alpha")
        results = page.locator("#problem-results")
        await results.get_by_text("Camera UBND").wait_for()
        await page.evaluate("window.__notReloaded = true")
        await page.select_option("select[name=status]", "offline")
        await page.wait_for_url(f"{base_url}/problems?commune=alpha&status=offline")
        assert await results.get_by_text("Camera UBND").count() == 1

        # A comment being written survives the polls around it, then is sent.
        await page.click("details.ack-form summary")
        await page.fill("details.ack-form input[name=comment]", "đã báo kỹ thuật viên")
        await page.wait_for_timeout(2.5 * REFRESH_S * 1000)
        assert (
            await page.input_value("details.ack-form input[name=comment]") == "đã báo kỹ thuật viên"
        )
        await page.click("details.ack-form button")
        await results.get_by_text("Đã xác nhận bởi Sở TT&TT lúc").wait_for()
        assert await results.get_by_text("đã báo kỹ thuật viên").count() == 1
        await _shoot(page, shots, "problems-acknowledged-1400", problems)

        # The fleet changes in the app: alpha's cluster goes offline. The open page
        # shows it at its next poll, without a reload.
        now_ms = app[CLOCK_MS]() + 2000
        for seq, at in ((3, now_ms), (4, now_ms + 1000)):
            beat = heartbeat("alpha-gw", seq, {"alpha-rc-1": False}, ts_ms=at)
            await feed(app, heartbeat_topic("alpha-gw"), beat, at)
        await results.get_by_text("Cụm loa 1").wait_for(timeout=5 * REFRESH_S * 1000)
        assert await page.evaluate("window.__notReloaded") is True
        await page.goto(f"{base_url}/problems")
        await _shoot(page, shots, "problems-1400", problems)
        await page.goto(f"{base_url}/problems?lang=en")
        await _shoot(page, shots, "problems-en-1400", problems)
        await page.goto(f"{base_url}/?lang=en")
        await _shoot(page, shots, "overview-en-1400", problems)
        await page.context.close()

        # A phone: both pages, both languages, no sideways scrolling.
        page = await signed_in(browser, base_url, ADMIN, problems, width=390)
        for name, path in (
            ("overview", "/"),
            ("problems", "/problems"),
            ("problems-en", "/problems?lang=en"),
            ("overview-en", "/?lang=en"),
        ):
            await page.goto(f"{base_url}{path}")
            if name.startswith("problems"):
                # The acknowledgement's form opened: it must fit as well.
                await page.click("details.ack-form summary")
            wide = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert wide, f"{name} scrolls sideways at 390 px"
            await _shoot(page, shots, f"{name}-390", problems)
        await page.context.close()
    assert not problems, "\n".join(problems)


async def _shoot(page: Any, shots: Path, name: str, problems: list[str]) -> None:
    violations = await page.evaluate("window.__violations")
    problems.extend(f"{name}: CSP refused {v}" for v in violations)
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
