"""The indicators overview in a real browser (Debian's chromium, driven by Playwright): a
verifier's grid of 40 communes × 15 indicators fits a desktop's screen, its header row
stays while the grid scrolls in its box, the period picker opens another quarter keeping
the area, a click opens the trends; on a phone each commune is a list, and no page is
wider than its screen. Under the Content-Security-Policy, asking no other host.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.apps import PASSWORD, app_without_broker
from tests.doubles import Clock
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from tests.web.indicator_overview_data import NOW, CatalogueEvaluation, write_inventory
from xaso.server.indicators.keys import EVALUATE
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.asyncio(loop_scope="module")

COMMUNES = 40
VERIFIER = "thamdinh"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[str, Any]]:
    """The real app on a loopback port in November 2026 with 40 communes evaluated on
    every catalogue indicator, a verifier's account, and one browser for the module."""
    # The module's event loop outlives each test: its executor's threads are made here,
    # all of them, so that no test sees a thread appear (tests/conftest.py).
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=2, thread_name_prefix="overview"))
    await asyncio.gather(*(loop.run_in_executor(None, time.sleep, 0.05) for _ in range(2)))
    folder = tmp_path_factory.mktemp("overview")
    inventory = write_inventory(folder, COMMUNES)
    async with app_without_broker(folder, inventory=inventory, clock_ms=Clock(NOW)) as app:
        app[EVALUATE] = CatalogueEvaluation()
        async with served_on_loopback(app) as base_url, chromium() as browser:
            # The accounts open with the app.
            app[ACCOUNTS].create(VERIFIER, PASSWORD, Role.VERIFIER, NOW, "Cán bộ thẩm định")
            yield base_url, browser


async def test_the_grid_fits_a_desktop_and_keeps_its_headers(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, browser = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    page = await signed_in(browser, base_url, VERIFIER, problems, width=1400)
    await page.goto(f"{base_url}/indicators")
    assert await page.locator("tr.ind-row").count() == COMMUNES
    assert await page.locator("table.ind-grid thead th").count() == 16
    box = page.locator(".ind-grid-box")
    # Every indicator on the screen: the grid does not scroll sideways, nor the page.
    widths = await box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert widths[0] <= widths[1], widths
    await check_page(page, "overview-1400", shots, problems)

    # Scrolled down its box, the grid keeps its header row at the box's top.
    assert await box.evaluate("b => b.scrollHeight > b.clientHeight")
    await box.evaluate("b => { b.scrollTop = 600; }")
    top = await box.evaluate("b => b.getBoundingClientRect().top")
    header = page.locator("table.ind-grid thead th").nth(3)
    header_top = await header.evaluate("h => h.getBoundingClientRect().top")
    assert abs(header_top - top) <= 2, (header_top, top)
    first_row = await page.locator("tr.ind-row").first.evaluate(
        "r => r.getBoundingClientRect().bottom"
    )
    assert first_row < top  # scrolled out of the box, under the header
    assert await header.is_visible()
    await page.screenshot(path=str(shots / "overview-1400-scrolled.png"))

    # The full name on demand: the header leads to the indicator's trend.
    await header.locator("a").click()
    await page.wait_for_url("**/indicators/trend?indicator=R3*")
    assert "Số cụm loa của đài truyền thanh xã" in await page.inner_text("h1")
    assert await page.locator("svg.ind-chart").count() == 1
    await check_page(page, "trend-indicator-1400", shots, problems)
    await page.context.close()
    assert not problems, "\n".join(problems)


async def test_picking_a_quarter_keeps_the_area(served: tuple[str, Any], tmp_path: Path) -> None:
    base_url, browser = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    page = await signed_in(browser, base_url, VERIFIER, problems, width=1400)
    await page.goto(f"{base_url}/indicators")
    await page.select_option("form.ind-area select[name=area]", "d1")
    await page.click("form.ind-area button")
    await page.wait_for_url("**/indicators?period=2026-Q3&area=d1")
    assert await page.locator("tr.ind-row").count() == COMMUNES // 2

    await page.select_option("form.ind-picker select[name=quarter]", "1")
    await page.click("form.ind-picker button[type=submit]")
    await page.wait_for_url("**/indicators?area=d1&period=2026-Q1")
    assert await page.inner_text("p.ind-period-steps strong") == "Quý 1/2026"
    assert await page.locator("tr.ind-row").count() == COMMUNES // 2

    # A month: the picker shows the month's field once "Tháng" is chosen.
    assert not await page.locator("form.ind-picker select[name=month]").is_visible()
    await page.select_option("form.ind-picker select[name=kind]", "month")
    await page.select_option("form.ind-picker select[name=month]", "8")
    await page.click("form.ind-picker button[type=submit]")
    await page.wait_for_url("**/indicators?area=d1&period=2026-08")
    assert await page.inner_text("p.ind-period-steps strong") == "Tháng 8/2026"

    # The trend of the whole, from the line above the grid.
    await page.click("p.ind-summary a")
    await page.wait_for_url("**/indicators/trend?area=d1&period=2026-08")
    assert await page.locator("svg.ind-chart").count() == 15
    legend = await page.inner_text("ul.ind-chart-legend")
    assert "✓ Đạt" in legend and "✗ Chưa đạt" in legend
    await check_page(page, "trend-1400", shots, problems)
    await page.context.close()
    assert not problems, "\n".join(problems)


async def test_a_phone_reads_a_list_per_commune(served: tuple[str, Any], tmp_path: Path) -> None:
    base_url, browser = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    page = await signed_in(browser, base_url, VERIFIER, problems, width=390)
    await page.goto(f"{base_url}/indicators?lang=en")
    assert not await page.locator("table.ind-grid thead").is_visible()
    first = page.locator("tr.ind-row").first
    text = await first.inner_text()
    # Each indicator on its own line with its verdict in words.
    assert "R2 · Village speakers" in text and "Met" in text, text
    width = await first.evaluate("r => r.getBoundingClientRect().right")
    assert width <= 390
    await check_page(page, "overview-390-en", shots, problems)

    await first.locator("th a", has_text="trend").click()
    await page.wait_for_url("**/indicators/trend?commune=c01*")
    assert await page.locator("svg.ind-chart").count() == 1
    await check_page(page, "trend-commune-390-en", shots, problems)
    await page.goto(f"{base_url}/indicators/trend?lang=vi")
    await check_page(page, "trend-390", shots, problems)
    await page.context.close()
    assert not problems, "\n".join(problems)
