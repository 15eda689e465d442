"""The alerts page and /help in a real browser (Debian's chromium, driven by Playwright):
an admin sends a test message to a webhook channel pointed at a receiver on loopback
and sees it sent; a viewer has no such button; the status page's legend opens; no page
overflows a phone's 390 px, breaks the Content-Security-Policy or asks another host.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import PASSWORD, small_deps
from tests.doubles import Clock, Receiver
from tests.messages import SMALL_INVENTORY, heartbeat, payload, status
from tests.web.browser import (
    WIDTHS,
    check_page,
    chromium,
    served_on_loopback,
    shots_folder,
    signed_in,
)
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.app import create_app
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")


@pytest.fixture
async def served(
    tmp_path: Path, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, Receiver]]:
    """The real app with alerting on: Alpha dark (an alert firing), Beta dark then back
    (an alert resolved), three channels; an admin "so.tttt" and a viewer "xem"."""
    hook, url = receiver
    monkeypatch.setenv("XASO_BROWSER_TG_TOKEN", "555:browser-test-token")
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(
        f"""
interval_s: 0.05
channels:
  - {{name: noc-webhook, type: webhook, url: "{url}", headers: {{X-Province: thanh-hoa}}}}
  - name: nhom-ky-thuat
    type: telegram
    bot_token_env: XASO_BROWSER_TG_TOKEN
    chat_id: -1001234567890
  - name: tinh-email
    type: email
    host: 127.0.0.1
    port: 2525
    starttls: false
    sender: "Giám sát hạ tầng số <xaso@thanhhoa.example.vn>"
    recipients: [ktv@thanhhoa.example.vn, vhxh.alpha@thanhhoa.example.vn]
rules:
  - {{name: mat-ket-noi, type: device_down, down_for_s: 0, channels: [noc-webhook]}}
""",
        encoding="utf-8",
    )
    clock = Clock(int(time.time() * 1000) - 3_600_000)
    store = await SqliteStore.open(":memory:")
    settings = Settings(
        inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path / "data"), alerts=str(alerts)
    )
    app = create_app(settings, small_deps(store, clock))
    async with served_on_loopback(app) as base_url:
        ingest = app[INGEST]

        def feed(topic: str, message: Any, at_ms: int) -> None:
            clock.now_ms = at_ms
            ingest.handle(topic, payload(message), at_ms)

        start = clock.now_ms
        for agent in ("alpha-gw", "beta-gw"):
            feed(status_topic(agent), status(agent, "online"), start)
        beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "alpha-cam-1": False}, ts_ms=start)
        feed(heartbeat_topic("alpha-gw"), beat, start + 500)
        feed(status_topic("beta-gw"), status("beta-gw", "offline"), start + 60_000)
        await hook.wait_for(1)
        feed(status_topic("alpha-gw"), status("alpha-gw", "offline"), start + 20 * 60_000)
        await hook.wait_for(2)
        back = start + 40 * 60_000
        feed(status_topic("beta-gw"), status("beta-gw", "online", 2), back)
        up = heartbeat("beta-gw", 2, {"beta-rc-1": True}, session=2)
        feed(heartbeat_topic("beta-gw"), up, back + 1000)
        await hook.wait_for(3)
        clock.now_ms = int(time.time() * 1000)
        now_ms = clock.now_ms
        app[ACCOUNTS].create("so.tttt", PASSWORD, Role.ADMIN, now_ms, "Sở TT&TT")
        app[ACCOUNTS].create("xem", PASSWORD, Role.VIEWER, now_ms, "Người xem tỉnh")
        yield base_url, hook
        await store.close()


async def test_an_admin_tests_a_channel_and_reads_the_help(
    served: tuple[str, Receiver], tmp_path: Path
) -> None:
    base_url, hook = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        for width in WIDTHS:
            page = await signed_in(browser, base_url, "so.tttt", problems, width=width)

            await page.goto(f"{base_url}/alerts")
            await check_page(page, f"alerts-{width}", shots, problems)
            channel = page.locator("section#channel-noc-webhook")
            sent_before = len(hook.bodies)
            await channel.get_by_role("button", name="Gửi tin thử").click()
            await channel.locator(".check.ok").wait_for()
            assert "đã gửi" in await channel.locator(".check.ok").inner_text()
            assert len(hook.bodies) == sent_before + 1
            assert hook.bodies[-1]["key"] == "test:noc-webhook"
            await check_page(page, f"alerts-tested-{width}", shots, problems)

            # The devices of the alert firing, unfolded.
            await page.locator("table.alerts-firing details > summary").first.click()
            devices = await page.locator("ul.alert-devices").first.inner_text()
            assert "Gateway Alpha: Mất kết nối" in devices
            await check_page(page, f"alerts-devices-{width}", shots, problems)

            await page.goto(f"{base_url}/alerts?lang=en")
            await check_page(page, f"alerts-en-{width}", shots, problems)
            await page.goto(f"{base_url}/alerts/history?lang=vi")
            await check_page(page, f"history-{width}", shots, problems)

            # The menu leads to the help.
            if width < 720:
                await page.click("details.menu > summary")
                await page.click("details.menu nav a[href='/help']")
            else:
                await page.click("nav.menu-wide a[href='/help']")
            await page.wait_for_url(f"{base_url}/help")
            assert "Hết thời gian bảo trì" in await page.inner_text("main")
            await check_page(page, f"help-{width}", shots, problems)
            await page.goto(f"{base_url}/help?lang=en")
            await check_page(page, f"help-en-{width}", shots, problems)

            # The legend under the status page's table opens.
            await page.goto(f"{base_url}/?lang=vi")
            legend = page.locator("details.legend")
            assert not await legend.locator("dd").first.is_visible()
            await legend.locator("summary").click()
            assert await legend.locator("dd").first.is_visible()
            assert "Hết thời gian bảo trì" in await legend.inner_text()
            await check_page(page, f"status-legend-{width}", shots, problems)
            await page.context.close()

        # A viewer sees the channels but has no button.
        page = await signed_in(browser, base_url, "xem", problems, width=390)
        await page.goto(f"{base_url}/alerts")
        assert await page.locator("section#channel-noc-webhook").count() == 1
        assert await page.get_by_role("button", name="Gửi tin thử").count() == 0
        await page.context.close()
    assert not problems, "\n".join(problems)
