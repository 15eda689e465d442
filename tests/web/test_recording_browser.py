"""The device page's recording section in a real browser, at a phone's width and a
desktop's: a week of a camera's recording as its recorder told it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.messages import payload, status
from tests.web.browser import (
    WIDTHS,
    check_page,
    chromium,
    new_page,
    served_on_loopback,
    shots_folder,
    sign_in,
)
from xaso.protocol import status_topic
from xaso.server.keys import CLOCK_MS
from xaso.server.monitoring.keys import INGEST, RECORDINGS
from xaso.server.monitoring.recording_ledger import Report
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

H = 3_600_000
MIN = 60_000


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[str]:
    async with app_without_broker(tmp_path) as app, served_on_loopback(app) as base_url:
        now = app[CLOCK_MS]()
        app[INGEST].handle(status_topic("alpha-gw"), payload(status("alpha-gw", "online")), now)
        ledger = app[RECORDINGS]
        today = ledger.day_start(now)
        # Five days reported; on two of them the recorder lost footage.
        reports = [
            Report(
                "alpha-cam-1",
                now - 4 * 24 * H,
                today - 5 * 24 * H,
                today - 4 * 24 * H,
                [
                    (today - 5 * 24 * H + 2 * H, today - 5 * 24 * H + 3 * H + 20 * MIN),
                    (today - 5 * 24 * H + 14 * H, today - 5 * 24 * H + 14 * H + 5 * MIN),
                ],
            ),
            Report("alpha-cam-1", now - 2 * 24 * H, today - 4 * 24 * H, today - 2 * 24 * H, []),
            Report(
                "alpha-cam-1",
                now - 24 * H,
                today - 2 * 24 * H,
                today - 24 * H,
                [
                    (today - 2 * 24 * H + 19 * H, today - 24 * H),
                ],
            ),
            Report("alpha-cam-1", now, today - 24 * H, now, []),
        ]
        ledger.apply(reports)
        app[ACCOUNTS].create("so.tttt", PASSWORD, Role.ADMIN, now, "Sở TT&TT")
        yield base_url


async def test_the_recording_section_at_both_widths(served: str, tmp_path: Path) -> None:
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        for width in WIDTHS:
            page = await new_page(browser, f"{width}px", served, problems, width=width)
            await sign_in(page, served, "so.tttt")
            response = await page.goto(f"{served}/devices/alpha-cam-1#recording")
            assert response is not None and response.status == 200
            section = page.locator("table.recording")
            assert await section.locator("tbody tr").count() == 7
            text = await section.inner_text()
            assert "Không có báo cáo" in text  # the day no report covered
            assert "02:00–03:20 (1 giờ 20 phút)" in text and "19:00–24:00 (5 giờ)" in text
            assert "22,6 giờ / 24 giờ" in text and "19 giờ / 24 giờ" in text
            await check_page(page, f"device-recording-{width}", shots, problems)
            await page.locator("#recording").screenshot(path=str(shots / f"recording-{width}.png"))
    assert problems == []
