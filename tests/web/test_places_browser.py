"""The communes, commune and device pages in a real browser (Debian's chromium, driven by
Playwright): an administrator opens the communes, a commune with its day bars (a cell a
day, its figures in the cell's title), then a device, whose charts uPlot draws on a
canvas; all under the Content-Security-Policy with no violation, nothing asked of another
host, and no sideways scrolling of the page on a phone (390 px).

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.apps import PASSWORD, app_without_broker, bearer
from tests.web.browser import (
    WIDTHS,
    check_page,
    chromium,
    new_page,
    served_on_loopback,
    shots_folder,
    sign_in,
)
from tests.web.places_history import history
from xaso.server.keys import CLOCK_MS, STORE
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

DAY_TITLE = re.compile(r"^\d{2}/\d{2}/\d{4}")
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """The real app on a loopback port with weeks of history, and an admin's login."""
    async with app_without_broker(tmp_path) as app, served_on_loopback(app) as base_url:
        now_ms = app[CLOCK_MS]()
        await app[STORE].write(history(now_ms))
        app[ACCOUNTS].create("so.tttt", PASSWORD, Role.ADMIN, now_ms, "Sở TT&TT")
        # The camera's whole day five days ago under maintenance (a purple cell), two
        # hours of the cluster's twelve days ago (a striped one).
        today = dt.datetime.fromtimestamp(now_ms / 1000, VN).date()
        windows = [
            ("alpha-cam-1", today - dt.timedelta(days=5), 0, 86_400),
            ("alpha-rc-1", today - dt.timedelta(days=12), 9, 7_200),
        ]
        async with aiohttp.ClientSession() as session:
            for device, day, hour, seconds in windows:
                window = {
                    "scope": "device",
                    "target": device,
                    "start": f"{day.isoformat()}T{hour:02d}:00:00",
                    "duration_s": seconds,
                    "reason": "bảo dưỡng định kỳ",
                }
                async with session.post(
                    f"{base_url}/api/v1/maintenance", json=window, headers=bearer(app, Role.ADMIN)
                ) as response:
                    assert response.status == 201, await response.text()
        yield base_url, "so.tttt"


async def test_an_admin_goes_from_the_communes_to_a_device_chart(
    served: tuple[str, str], tmp_path: Path
) -> None:
    base_url, login = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        for width in WIDTHS:
            page = await new_page(browser, f"{width}px", base_url, problems, width=width)
            await sign_in(page, base_url, login, then="/communes")
            await check_page(page, f"communes-{width}", shots, problems)

            for lang in ("vi", "en"):
                await page.goto(f"{base_url}/communes?lang={lang}")
                await page.click("a[href='/communes/alpha']")
                await page.wait_for_url(f"{base_url}/communes/alpha")
                # Three devices installed (the gateway, a cluster, a camera), 30 days each.
                assert await page.locator(".day-bar").count() == 3
                assert await page.locator(".day-bar span").count() == 3 * 30
                cell = page.locator("a[href='/devices/alpha-rc-1']").locator(
                    "xpath=ancestor::li//div[contains(@class,'day-bar')]/span"
                )
                # Three days ago it was down for two hours: 22 h of 24, not green.
                three_days_ago = cell.nth(30 - 4)
                await three_days_ago.hover()
                title = await three_days_ago.get_attribute("title") or ""
                assert DAY_TITLE.match(title), title
                assert ("91,67 %" if lang == "vi" else "91.67%") in title, title
                assert "day-poor" in (await three_days_ago.get_attribute("class") or "")
                assert await page.locator(".day-bar span.day-excl").count() == 1
                assert await page.locator(".day-bar span.day-part").count() == 1
                await check_page(page, f"commune-{lang}-{width}", shots, problems)

                await page.click("nav.choices a[href='?days=90']")
                await page.wait_for_url(f"{base_url}/communes/alpha?days=90")
                assert await page.locator(".day-bar span").count() == 3 * 90
                await check_page(page, f"commune-90-{lang}-{width}", shots, problems)

                await page.click("a[href='/devices/alpha-rc-1']")
                await page.wait_for_url(f"{base_url}/devices/alpha-rc-1")
                # uPlot draws each chart on a canvas once the readings have come.
                await page.wait_for_selector("#charts canvas", timeout=10_000)
                assert await page.locator("#charts figure.chart").count() >= 2
                assert await page.locator("svg.timeline rect").count() >= 3
                assert await page.locator("table.outages tbody tr").count() == 1  # 7 days
                await check_page(page, f"device-{lang}-{width}", shots, problems)

            await page.goto(f"{base_url}/devices/alpha-gw?period=30d")
            await page.wait_for_selector("#charts canvas", timeout=10_000)
            await check_page(page, f"gateway-{width}", shots, problems)
            await page.context.close()
    assert not problems, "\n".join(problems)
