"""The schedule editor in a real browser (Debian's chromium, driven by Playwright): a
commune officer schedules a text read out on weekdays at 06:00 in two villages, sees
the collision with the commune's morning news in the preview before saving, listens to
the text, saves, and lands on the schedule's page; on a desktop and on a phone, in both
languages, under the Content-Security-Policy, with no request to another host.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.paths import REPO
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.server.broadcasts.keys import SCHEDULES
from xaso.server.broadcasts.schedule import Content, Schedule
from xaso.server.keys import CLOCK_MS
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any, dt.date]]:
    """The real app on a loopback port with Xuân Hồng's morning news every day at 05:50
    for half an hour on every cluster, and an officer of Xuân Hồng."""
    async with (
        app_without_broker(tmp_path, REPO / "devices.yaml") as app,
        served_on_loopback(app) as base_url,
    ):
        now_ms = app[CLOCK_MS]()
        tomorrow = dt.datetime.fromtimestamp(now_ms / 1000, ZONE).date() + dt.timedelta(days=1)
        news = Schedule(
            id="thoi-su-sang",
            commune="xuan-hong",
            title="Thời sự buổi sáng",
            content=Content(type="tts", text="Thời sự", duration_s=1800),
            start=dt.datetime.combine(tomorrow, dt.time(5, 50)),
            rrule="FREQ=DAILY",
        )
        app[SCHEDULES].put(news, by="cb.xuanhong")
        app[ACCOUNTS].create(
            "cb.xuanhong", PASSWORD, Role.OPERATOR, now_ms, "Cán bộ xã Xuân Hồng", {"xuan-hong"}
        )
        yield base_url, app, tomorrow


async def test_a_weekday_bulletin_previewed_with_its_collision_and_saved(
    served: tuple[str, Any, dt.date], tmp_path: Path
) -> None:
    base_url, app, tomorrow = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        page = await signed_in(browser, base_url, "cb.xuanhong", problems, width=1400)
        await page.goto(f"{base_url}/radio/schedules?commune=xuan-hong")
        await check_page(page, "schedules-list-1400", shots, problems)
        await page.click("a[href='/radio/schedules/new?commune=xuan-hong']")
        await page.fill("input[name=title]", "Thông báo tiêm phòng")
        await page.check("input[name=kind][value=tts]")
        await page.fill("textarea[name=text]", "Kính thưa bà con, sáng mai có tiêm phòng.")
        await page.fill("input[name=start]", f"{tomorrow.isoformat()}T06:00")
        await page.check("input[name=repeat][value=workdays]")
        await page.check("input[name=zone][value='xuan-hong.thon-1']")
        await page.check("input[name=zone][value='xuan-hong.thon-2']")
        # htmx refreshes the preview as the form changes: ten occurrences, and the
        # collision with the morning news, before anything is saved.
        # (Locators wait without eval, which the CSP refuses.)
        await page.locator("#sc-preview ul.sc-collisions", has_text="Thời sự").wait_for()
        assert await page.locator("#sc-preview ol.occurrences li").count() == 10
        preview = await page.inner_text("#sc-preview")
        assert "06:00 các ngày trong tuần (T2–T6)" in preview, preview
        assert "Trùng với Thời sự buổi sáng" in preview and "3 cụm loa" in preview
        assert len(app[SCHEDULES].items) == 1
        if shutil.which("espeak-ng"):
            await page.click("button[data-listen]")
            await page.locator("#sc-listen-status", has_text="giây").wait_for()
            assert await page.is_visible("#sc-audio")
        await check_page(page, "schedule-form-1400", shots, problems)
        await page.click("button[value=save]")
        await page.wait_for_url("**/radio/schedules/*?done=created")
        text = await page.inner_text("main")
        assert "Thông báo tiêm phòng" in text and "Thôn 1, Thôn 2" in text
        assert "Trùng với Thời sự buổi sáng" in text  # its collisions, on its page too
        await check_page(page, "schedule-page-1400", shots, problems)
        schedule_url = page.url.split("?")[0]
        await page.goto(f"{schedule_url}?lang=en")
        assert "Weekdays (Mon–Fri)".lower() in (await page.inner_text("main")).lower()
        await check_page(page, "schedule-page-en-1400", shots, problems)

        phone = await signed_in(browser, base_url, "cb.xuanhong", problems, width=390)
        for name, path in (
            ("schedules-list", "/radio/schedules?commune=xuan-hong"),
            ("schedule-form", "/radio/schedules/new?commune=xuan-hong"),
            ("schedule-page", schedule_url.removeprefix(base_url)),
            ("schedule-edit", schedule_url.removeprefix(base_url) + "/edit"),
            ("schedule-form-en", "/radio/schedules/new?commune=xuan-hong&lang=en"),
        ):
            await phone.goto(f"{base_url}{path}")
            await check_page(phone, f"{name}-390", shots, problems)
    assert not problems, "\n".join(problems)
