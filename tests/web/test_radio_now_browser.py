""" "Emergency now" and "silence now" in a real browser (Debian's chromium, driven by
Playwright): an officer presses PHÁT KHẨN CẤP, the confirmation names the village, the
live panel shows its clusters and, on its own, the one that starts playing; a silence
of the whole commune confirmed and lifted; the gateways' schedules; on a desktop and a
phone, under the Content-Security-Policy, with no request to another host.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.messages import heartbeat, payload, status
from tests.paths import REPO
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.protocol import AgentHealth, DeviceReading, RadioStatus, heartbeat_topic, status_topic
from xaso.server.broadcasts.keys import DISTRIBUTOR, SCHEDULES, SILENCES
from xaso.server.keys import CLOCK_MS
from xaso.server.monitoring.keys import INGEST
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

GATEWAY = "xuan-hong-radio-gw"
_seq = itertools.count(1)


def _beat(app: Any, playing: str | None = None) -> None:
    """The gateway online, reporting the set due; cluster 01 playing ``playing``."""
    now_ms = app[CLOCK_MS]()
    ingest = app[INGEST]
    ingest.handle(status_topic(GATEWAY), payload(status(GATEWAY, "online")), now_ms)
    due = app[DISTRIBUTOR].due[GATEWAY].version
    radio = RadioStatus(play_state="playing", source=playing) if playing else None
    beat = msgspec.structs.replace(
        heartbeat(GATEWAY, next(_seq), ts_ms=now_ms),
        health=AgentHealth(uptime_s=100.0, schedule_version=due),
        devices=[DeviceReading(id="xuan-hong-rc-01", reachable=True, rtt_ms=5.0, radio=radio)],
    )
    ingest.handle(heartbeat_topic(GATEWAY), payload(beat), now_ms)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    async with (
        app_without_broker(tmp_path, REPO / "devices.yaml") as app,
        served_on_loopback(app) as base_url,
    ):
        _beat(app)
        now_ms = app[CLOCK_MS]()
        accounts = app[ACCOUNTS]
        accounts.create("cb.xh", PASSWORD, Role.OPERATOR, now_ms, "Cán bộ Xuân Hồng", {"xuan-hong"})
        accounts.create("xem.xh", PASSWORD, Role.VIEWER, now_ms, "Người xem", {"xuan-hong"})
        yield base_url, app


async def test_emergency_and_silence_now_from_the_browser(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        officer = await signed_in(browser, base_url, "cb.xh", problems, width=1400)
        await officer.goto(f"{base_url}/radio/now?commune=xuan-hong")
        await check_page(officer, "radio-now-1400", shots, problems)
        await officer.click("details.now-emergency > summary")
        form = officer.locator("details.now-emergency form")
        await form.locator("input[name=zone][value=villages]").check()
        await form.locator("input[name=village][value='xuan-hong.thon-1']").check()
        await form.locator("textarea[name=text]").fill("Lũ đang lên, bà con thôn 1 sơ tán")
        await form.locator("input[name=title]").fill("Cảnh báo lũ")
        await check_page(officer, "radio-now-emergency-form-1400", shots, problems)
        await form.locator("button[value=review]").click()
        await officer.wait_for_load_state()
        heading = await officer.inner_text("section.now-confirm h1")
        assert heading == "Phát khẩn cấp tới: Thôn 1 (2 cụm loa)", heading
        assert app[SCHEDULES].items == {}
        await check_page(officer, "radio-now-confirm-1400", shots, problems)
        await officer.click("button[value=send]")
        await officer.wait_for_url("**/radio/now?commune=xuan-hong&done=emergency*")
        article = officer.locator("article.now-emergency")
        assert await article.locator("tbody tr").count() == 2
        # The panel refreshes itself: the gateway reports the set, cluster 01 plays.
        _beat(app, playing="emergency")
        playing = article.locator("td", has_text="Đang phát khẩn cấp")
        await playing.wait_for(timeout=15_000)
        await check_page(officer, "radio-now-panel-1400", shots, problems)

        # Silence the whole commune, then lift it.
        await officer.click("details.now-silence > summary")
        form = officer.locator("details.now-silence form")
        await form.locator("input[name=preset][value='15']").check()
        await form.locator("input[name=reason]").fill("Lễ tang")
        await form.locator("button[value=review]").click()
        await officer.wait_for_load_state()
        heading = await officer.inner_text("section.now-confirm h1")
        assert heading == "Dừng phát, im lặng tại: Toàn xã Xã Xuân Hồng (14 cụm loa)"
        await officer.click("button[value=send]")
        await officer.wait_for_url("**done=silence*")
        (order,) = app[SILENCES].items.values()
        silence = officer.locator(f"article#{order.id}")
        assert await silence.locator("tbody tr").count() == 14
        await silence.locator("button.now-stop-silence").click()
        await officer.wait_for_url("**done=lifted*")
        assert app[SILENCES].items[order.id].lifted_ms is not None

        # On a phone: the page, both forms open, the confirmation, the gateways.
        phone = await signed_in(browser, base_url, "cb.xh", problems, width=390)
        await phone.goto(f"{base_url}/radio/now?commune=xuan-hong")
        await phone.click("details.now-emergency > summary")
        await phone.click("details.now-silence > summary")
        await check_page(phone, "radio-now-390", shots, problems)
        form = phone.locator("details.now-silence form")
        await form.locator("input[name=zone][value=clusters]").check()
        await form.locator("details.now-clusters > summary").click()
        await form.locator("input[name=cluster][value='xuan-hong-rc-03']").check()
        await form.locator("button[value=review]").click()
        await phone.wait_for_load_state()
        await check_page(phone, "radio-now-confirm-390", shots, problems)
        for page, width in ((officer, 1400), (phone, 390)):
            await page.goto(f"{base_url}/radio/gateways?commune=xuan-hong")
            assert "Đúng lịch mới nhất" in await page.inner_text("main")
            await check_page(page, f"radio-gateways-{width}", shots, problems)
        await officer.goto(f"{base_url}/radio/now?commune=xuan-hong&lang=en")
        await check_page(officer, "radio-now-en-1400", shots, problems)
        await phone.goto(f"{base_url}/radio/gateways?commune=xuan-hong&lang=en")
        await check_page(phone, "radio-gateways-en-390", shots, problems)

        # A viewer sees the panel, no button.
        viewer = await signed_in(browser, base_url, "xem.xh", problems, width=390)
        await viewer.goto(f"{base_url}/radio/now?commune=xuan-hong")
        assert await viewer.locator("details.now-action").count() == 0
        assert await viewer.locator("form.now-stop").count() == 0
        assert await viewer.locator("article.now-emergency").count() == 1
        await check_page(viewer, "radio-now-viewer-390", shots, problems)
    assert not problems, "\n".join(problems)
