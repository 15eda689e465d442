"""The loudspeakers' settings page in a real browser (Debian's chromium, driven by
Playwright): a commune officer sets a cluster's volume and a standing relay and sees
them; a viewer sees the values and no form, and is refused when it posts anyway; an
officer of another commune gets 404; under the Content-Security-Policy, with no request
to another host and no page wider than a phone.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.paths import REPO
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.protocol import DeviceReading, RadioStatus
from xaso.server.broadcasts.keys import DISTRIBUTOR, SCHEDULES
from xaso.server.keys import CLOCK_MS
from xaso.server.monitoring.keys import STATE
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

SETTINGS = "/radio/settings?commune=xuan-hong"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """The real app on a loopback port; a cluster that reported its volume; an officer
    and a viewer of Xuân Hồng, an officer of Xuân Lai."""
    async with (
        app_without_broker(tmp_path, REPO / "devices.yaml") as app,
        served_on_loopback(app) as base_url,
    ):
        now_ms = app[CLOCK_MS]()
        state = app[STATE].devices["xuan-hong-rc-01"]
        state.last_reading = DeviceReading(
            id="xuan-hong-rc-01", reachable=True, radio=RadioStatus(volume=55)
        )
        state.last_seen_ms = now_ms
        accounts = app[ACCOUNTS]
        accounts.create("cb.xh", PASSWORD, Role.OPERATOR, now_ms, "Cán bộ Xuân Hồng", {"xuan-hong"})
        accounts.create("xem.xh", PASSWORD, Role.VIEWER, now_ms, "Xem Xuân Hồng", {"xuan-hong"})
        accounts.create("cb.xl", PASSWORD, Role.OPERATOR, now_ms, "Cán bộ Xuân Lai", {"xuan-lai"})
        yield base_url, app


async def test_an_officer_sets_a_volume_and_a_relay_a_viewer_only_reads(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        officer = await signed_in(browser, base_url, "cb.xh", problems, width=1400)
        await officer.goto(f"{base_url}{SETTINGS}")
        row = officer.locator("tr#rs-xuan-hong-rc-01")
        assert "55" in await row.locator("td").nth(2).inner_text()
        await check_page(officer, "radio-settings-empty-1400", shots, problems)
        await row.locator("input[type=number]").fill("70")
        await officer.click("form[action='/radio/settings/volumes'] button.primary")
        await officer.wait_for_url("**/radio/settings?commune=xuan-hong&done=volumes*")
        notice = await officer.inner_text("p.notice")
        assert "Đã lưu âm lượng" in notice and "cùng bộ lịch phát" in notice, notice
        assert await row.locator("input[type=number]").input_value() == "70"
        assert app[DISTRIBUTOR].due["xuan-hong-radio-gw"].volumes == {"xuan-hong-rc-01": 70}

        form = officer.locator("form.rs-relay-form")
        await form.locator("input[name=url]").fill("https://radio.example/thanh-hoa")
        await form.locator("input[name=start_time]").fill("05:30")
        await form.locator("input[name=end_time]").fill("21:00")
        await form.locator("input[name=weekday][value=SA]").check()
        await form.locator("input[name=weekday][value=SU]").check()
        await form.locator("input[name=zone][value='xuan-hong.thon-1']").check()
        await form.locator("button.primary").click()
        await officer.wait_for_url("**/radio/settings?commune=xuan-hong&done=relay*")
        summary = await officer.inner_text("dl.rs-relay-now")
        assert "05:30 – 21:00" in summary and "Thứ Bảy, Chủ nhật" in summary, summary
        assert "Tiếp sóng Đài tỉnh" in summary and "Đang bật" in summary
        [relay] = [s for s in app[SCHEDULES].items.values() if s.priority == "background"]
        assert relay.rrule == "FREQ=WEEKLY;BYDAY=SA,SU"
        await check_page(officer, "radio-settings-saved-1400", shots, problems)
        await officer.goto(f"{base_url}{SETTINGS}&lang=en")
        assert "Standing relay" in await officer.inner_text("main")
        await check_page(officer, "radio-settings-en-1400", shots, problems)

        phone = await signed_in(browser, base_url, "cb.xh", problems, width=390)
        await phone.goto(f"{base_url}{SETTINGS}")
        await check_page(phone, "radio-settings-officer-390", shots, problems)
        await phone.goto(f"{base_url}{SETTINGS}&lang=en")
        await check_page(phone, "radio-settings-en-390", shots, problems)

        viewer = await signed_in(browser, base_url, "xem.xh", problems, width=390)
        await viewer.goto(f"{base_url}{SETTINGS}")
        assert await viewer.locator("form[action^='/radio/settings/']").count() == 0
        text = await viewer.inner_text("main")
        assert "70" in text and "05:30 – 21:00" in text
        await check_page(viewer, "radio-settings-viewer-390", shots, problems)
        token = await viewer.locator("input[name=csrf_token]").first.input_value()
        refused = await viewer.request.post(
            f"{base_url}/radio/settings/volumes",
            form={"csrf_token": token, "commune": "xuan-hong", "volume:xuan-hong-rc-01": "5"},
            max_redirects=0,
        )
        assert refused.status == 403

        other = await signed_in(browser, base_url, "cb.xl", problems, width=1400)
        answer = await other.goto(f"{base_url}{SETTINGS}")
        assert answer is not None and answer.status == 404
        await other.goto(f"{base_url}/radio/settings")
        assert "Xuân Lai" in await other.inner_text("h1")
    # The 404 page is what the other commune's officer was meant to get.
    problems = [p for p in problems if "404" not in p]
    assert not problems, "\n".join(problems)
