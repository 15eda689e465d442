"""The broadcast calendar in a real browser (Debian's chromium, driven by Playwright): a
commune officer reads the week, opens a broadcast's proof of play, switches to the
month and to the day of a zone, and does the same on a phone, where the week is a list
per day; under the Content-Security-Policy, with no request to another host and no
page wider than the screen.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.doubles import Clock
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from tests.web.radio_calendar_data import INVENTORY, NEWS, NOW, STORM, a_week, local_ms, weekday
from xaso.server.keys import CLOCK_MS
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

WEEK = f"/radio/calendar?commune=dong&view=week&date={weekday(2).isoformat()}"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[str]:
    """The real app on a loopback port with a week of broadcasts; an officer of Đông."""
    async with (
        app_without_broker(tmp_path, INVENTORY, clock_ms=Clock(NOW)) as app,
        served_on_loopback(app) as base_url,
    ):
        await a_week(app)
        app[ACCOUNTS].create(
            "cb.dong", PASSWORD, Role.OPERATOR, app[CLOCK_MS](), "Cán bộ xã Đông", {"dong"}
        )
        yield base_url


async def test_week_month_and_day_and_a_proof_of_play(served: str, tmp_path: Path) -> None:
    base_url = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    wednesday_news = f"/radio/occurrences/{NEWS.id}/{local_ms(weekday(2), 6)}"
    storm = f"/radio/occurrences/{STORM.id}/{local_ms(weekday(3), 6, 5)}"

    async with chromium() as browser:
        desk = await signed_in(browser, base_url, "cb.dong", problems, width=1400)
        await desk.goto(base_url + WEEK)
        # The grid: the news of Monday and of Sunday on one line, at 06:00.
        monday = await desk.locator(
            f"a[href='/radio/occurrences/{NEWS.id}/{local_ms(weekday(0), 6)}']"
        ).bounding_box()
        sunday = await desk.locator(
            f"a[href='/radio/occurrences/{NEWS.id}/{local_ms(weekday(6), 6)}']"
        ).bounding_box()
        assert monday and sunday and abs(monday["y"] - sunday["y"]) < 2
        assert sunday["x"] > monday["x"] + 6 * monday["width"]
        # 17:00 is below 06:00, and the silence band between them on Tuesday.
        evening = await desk.locator("a.cal-item.prio-priority").first.bounding_box()
        band = await desk.locator(".cal-band.cal-silence").bounding_box()
        assert evening and band and monday["y"] < band["y"] < evening["y"]
        clash = desk.locator(f"a[href='{storm}']")
        assert "bản này phát trước" in await clash.inner_text()
        await check_page(desk, "calendar-week-1400", shots, problems)

        await desk.click(f"a[href='{wednesday_news}']")
        await desk.wait_for_url(f"**{wednesday_news}")
        assert "Bằng chứng phát: Bản tin sáng" in await desk.inner_text("h1")
        rows = await desk.locator("table.occ-clusters tbody tr").count()
        assert rows == 4
        assert "Phát không trọn vẹn" in await desk.inner_text("tr#cluster-dong-rc-2")
        await check_page(desk, "occurrence-1400", shots, problems)

        await desk.click("p.crumbs a")  # back to the week
        await desk.click("nav.cal-views a:text('Tháng')")
        await desk.wait_for_url("**view=month**")
        assert await desk.locator("section.cal-cell").count() == 35
        await check_page(desk, "calendar-month-1400", shots, problems)

        await desk.goto(f"{base_url}/radio/calendar?commune=dong&view=day&date={weekday(3)}")
        assert await desk.locator(".cal-zone-row").count() == 3
        await desk.locator(f"svg a[href='{storm}'] rect").first.click()
        await desk.wait_for_url(f"**{storm}")
        assert "Cảnh báo bão" in await desk.inner_text("h1")
        await desk.go_back()
        await desk.select_option("form.cal-zone select[name=zone]", "dong.t2")
        await desk.click("form.cal-zone button")
        await desk.wait_for_url("**zone=dong.t2**")
        names = await desk.locator(".cal-zone-name").all_inner_texts()
        assert names == ["Thôn Hai", "Cụm loa bến", "Cụm loa trường"]
        await check_page(desk, "calendar-day-1400", shots, problems)
        await desk.goto(base_url + WEEK + "&lang=en")
        assert "Monday" in await desk.inner_text(".cal-week")
        await check_page(desk, "calendar-week-en-1400", shots, problems)

        phone = await signed_in(browser, base_url, "cb.dong", problems, width=390)
        await phone.goto(base_url + WEEK)
        # A list per day: each box nearly the screen's width, Monday's above Tuesday's.
        first = await phone.locator(
            f"a[href='/radio/occurrences/{NEWS.id}/{local_ms(weekday(0), 6)}']"
        ).bounding_box()
        second = await phone.locator(
            f"a[href='/radio/occurrences/{NEWS.id}/{local_ms(weekday(1), 6)}']"
        ).bounding_box()
        assert first and second and first["width"] > 300 and second["y"] > first["y"]
        assert not await phone.locator(".cal-hour").first.is_visible()
        await check_page(phone, "calendar-week-390", shots, problems)
        await phone.click(f"a[href='{wednesday_news}']")
        await phone.wait_for_url(f"**{wednesday_news}")
        await check_page(phone, "occurrence-390", shots, problems)
        for view in ("month", "day"):
            await phone.goto(
                f"{base_url}/radio/calendar?commune=dong&view={view}&date={weekday(3)}"
            )
            await check_page(phone, f"calendar-{view}-390", shots, problems)
    assert not problems, "\n".join(problems)
