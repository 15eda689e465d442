"""The maintenance and gateways pages in a real browser (Debian's chromium, driven by
Playwright): a commune officer plans a weekly window over the past with its preview, a
verifier approves it from another browser on a phone, the device is in maintenance at
once, and the gateways page names the device its gateway's configuration lacks; under
the Content-Security-Policy, with no request to another host and no page wider than a
phone.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.messages import heartbeat, payload, status
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.keys import CLOCK_MS, STORE
from xaso.server.monitoring.keys import EXCLUSIONS, INGEST, STATE
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """The real app on a loopback port: alpha's gateway online, reporting its cluster but
    not its camera (missing from its configuration); an officer of alpha, a verifier."""
    async with app_without_broker(tmp_path) as app, served_on_loopback(app) as base_url:
        now_ms = app[CLOCK_MS]()
        ingest = app[INGEST]
        ingest.handle(status_topic("alpha-gw"), payload(status("alpha-gw", "online")), now_ms)
        for seq in range(1, 4):
            beat = heartbeat("alpha-gw", seq, {"alpha-rc-1": True}, ts_ms=now_ms)
            handled = ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), now_ms)
            await app[STORE].write(handled.records)
        accounts = app[ACCOUNTS]
        accounts.create("cb.alpha", PASSWORD, Role.OPERATOR, now_ms, "Cán bộ xã Alpha", {"alpha"})
        accounts.create("td.tinh", PASSWORD, Role.VERIFIER, now_ms, "Thẩm định tỉnh")
        yield base_url, app


async def test_a_window_planned_previewed_approved_and_in_force(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    # A week ago, an hour before now (the commune's wall time), for three hours, every
    # week on that day: its occurrence runs now, and it lies over the past.
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    start = dt.datetime.fromtimestamp(app[CLOCK_MS]() / 1000, zone) - dt.timedelta(days=7, hours=1)
    day = WEEKDAYS[start.weekday()]

    async with chromium() as browser:
        officer = await signed_in(browser, base_url, "cb.alpha", problems, width=1400)
        await officer.goto(f"{base_url}/maintenance")
        await officer.click("a[href='/maintenance/new']")
        await officer.select_option("select[name=target]", "device:alpha-rc-1")
        await officer.fill("input[name=start]", start.strftime("%Y-%m-%dT%H:%M"))
        await officer.fill("input[name=hours]", "3")
        await officer.check("input[name=repeat][value=weekly]")
        await officer.check(f"input[name=weekday][value={day}]")
        # htmx refreshes the preview as the form changes: ten occurrences, the first
        # running now, and the word that it will wait for a verifier.
        await officer.wait_for_function(
            "document.querySelectorAll('#preview ol.occurrences li').length === 10"
        )
        preview = await officer.inner_text("#preview")
        assert "Hằng tuần vào" in preview and "đang diễn ra" in preview, preview
        assert "chờ cán bộ thẩm định duyệt" in preview
        await officer.fill("textarea[name=reason]", "Thay bộ khuếch đại cụm loa 1")
        # The no-JS path: the "Xem trước" button shows the same form with its preview.
        await officer.click("button[value=preview]")
        await officer.wait_for_load_state()
        assert await officer.locator("#preview ol.occurrences li").count() == 10
        assert await officer.input_value("textarea[name=reason]") == (
            "Thay bộ khuếch đại cụm loa 1"
        )
        await check_page(officer, "maintenance-form-1400", shots, problems)
        await officer.click("button[value=save]")
        await officer.wait_for_url("**/maintenance?done=created_pending*")
        [window_id] = app[EXCLUSIONS].tracked_windows
        item = officer.locator(f"article#{window_id}")
        assert "Chờ duyệt" in await item.inner_text()
        assert await item.locator("form.mw-decide").count() == 0  # not the officer's call
        await check_page(officer, "maintenance-pending-1400", shots, problems)

        # The verifier, on a phone, in a browser of its own.
        verifier = await signed_in(browser, base_url, "td.tinh", problems, width=390)
        await verifier.goto(f"{base_url}/maintenance?show=pending")
        item = verifier.locator(f"article#{window_id}")
        await check_page(verifier, "maintenance-verifier-390", shots, problems)
        await item.locator("form.mw-decide input[name=reason]").fill("Đúng kế hoạch sửa chữa")
        await item.locator("button[value=approved]").click()
        await verifier.wait_for_url("**/maintenance?done=approved*")
        item = verifier.locator(f"article#{window_id}")
        text = await item.inner_text()
        assert "Đang bảo trì" in text and "Đúng kế hoạch sửa chữa" in text, text
        await check_page(verifier, "maintenance-approved-390", shots, problems)

        # In force at once: the cluster is in maintenance on its page.
        assert str(app[STATE].devices["alpha-rc-1"].status) == "maintenance"
        await officer.goto(f"{base_url}/devices/alpha-rc-1")
        now = officer.locator("dd", has=officer.locator(".status.maintenance"))
        assert await now.count() >= 1

        # The gateways page names the camera alpha's gateway does not have.
        for page, width in ((officer, 1400), (verifier, 390)):
            await page.goto(f"{base_url}/gateways")
            warning = await page.inner_text("tr.gw-warning")
            assert "chưa được cấu hình trên gateway Gateway Alpha" in warning
            assert "Camera UBND" in warning
            assert "1 thiết bị" in await page.inner_text("#unconfigured-count")
            await check_page(page, f"gateways-{width}", shots, problems)
        # Choosing another commune brings its targets (htmx).
        await verifier.goto(f"{base_url}/maintenance/new")
        await verifier.select_option("select[name=commune]", "beta")
        await verifier.wait_for_selector(
            "select[name=target] option[value='device:beta-rc-1']", state="attached"
        )
        for path in ("/maintenance/new", "/maintenance/excused", "/maintenance/excused/new"):
            await verifier.goto(f"{base_url}{path}")
            await check_page(verifier, f"{path.strip('/').replace('/', '-')}-390", shots, problems)
    assert not problems, "\n".join(problems)
