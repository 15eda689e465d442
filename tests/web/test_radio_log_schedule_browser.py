"""One schedule's playout log in a real browser (Debian's chromium, driven by
Playwright): from a schedule's page and from a proof of play to the log of that schedule
alone, the "Lịch phát" chip above the lines kept by the filters, then removed; at 1400 px
and on a phone, under the Content-Security-Policy, with no page wider than its screen.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.doubles import Clock
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from tests.web.radio_log_data import JANUARY, NOW, a_month_of_bulletins, local_ms
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

# The morning news' lines: January's but the storm warning's, which never arrived.
MORNING_TOTAL = sum(JANUARY.values()) - 1


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[str]:
    """The real app at noon on 20 January 2030, alpha's month of bulletins stored; a
    viewer of alpha."""
    async with (
        app_without_broker(tmp_path, clock_ms=Clock(NOW)) as app,
        served_on_loopback(app) as base_url,
    ):
        await a_month_of_bulletins(app)
        app[ACCOUNTS].create("xem.alpha", PASSWORD, Role.VIEWER, NOW, "Người xem", {"alpha"})
        yield base_url


async def test_from_a_schedule_to_its_log_and_back_to_every_schedule(
    served: str, tmp_path: Path
) -> None:
    base_url = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        for width in (1400, 390):
            page = await signed_in(browser, base_url, "xem.alpha", problems, width=width)
            await page.goto(f"{base_url}/radio/schedules/lt-sang")
            await page.click("#sched-log")
            await page.wait_for_url("**schedule=lt-sang*")
            chip = page.locator("#log-schedule")
            assert "Lịch phát: Bản tin sáng" in await chip.inner_text()
            assert await page.locator("tr.line").count() == MORNING_TOTAL
            await check_page(page, f"log-schedule-{width}", shots, problems)
            # An outcome ticked: the schedule stays.
            await page.check("input[name=status][value=missed]")
            await page.click("form.log-filters button[type=submit]")
            await page.wait_for_url("**status=missed*")
            assert "schedule=lt-sang" in page.url
            assert await page.locator("tr.line").count() == 2
            # Removed: every schedule, the outcome kept.
            await chip.locator("a").click()
            await page.wait_for_url("**status=missed*")
            assert "schedule=" not in page.url
            assert await page.locator("#log-schedule").count() == 0
            assert await page.locator("tr.line").count() == 2
            # The proof of play of one morning links to the same log.
            await page.goto(f"{base_url}/radio/occurrences/lt-sang/{local_ms(11, 6)}?commune=alpha")
            await page.click("#occ-log")
            await page.wait_for_url("**schedule=lt-sang*")
            assert await page.locator("tr.line").count() == MORNING_TOTAL
            await page.context.close()
    assert problems == []
