"""Tài khoản của tôi in a real browser (Chromium through Playwright), end to end: the
officer of Xã Alpha, on a phone, sets their Zalo and SMS numbers on their own page;
Alpha's gateway goes dark; the alert reaches them on Zalo (ZNS, a loopback stand-in of
Zalo's API) and by SMS (Apprise's SMSEagle service, a loopback stand-in of the
gateway). The page at 390 px and at desktop width, in both languages, and the admin's
page of the officer: no sideways scrolling, no CSP refusal, nothing asked of another
host.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.alerts.standins import SmsEagle, ZaloStandIn, zalo_and_sms_alerts
from tests.apps import PASSWORD, small_deps
from tests.doubles import Clock
from tests.messages import SMALL_INVENTORY, heartbeat, payload, status
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.alerts.wiring import alerts_cleanup_ctx
from xaso.server.app import create_app
from xaso.server.keys import STORE
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
NOW = 1_800_000_000_000
APP_ID = "4291763606161179100"
SMS_TOKEN = "eagle-token-browser"


def _alerts_file(tmp_path: Path, zalo_base: str) -> Path:
    path = tmp_path / "alerts.yaml"
    rule = "{name: mat-ket-noi, type: device_down, down_for_s: 60}"
    path.write_text(zalo_and_sms_alerts(zalo_base, APP_ID, rule, interval_s=0.05), encoding="utf-8")
    return path


async def _until(condition: Callable[[], bool], timeout_s: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_an_officer_sets_zalo_and_sms_and_gets_their_communes_alert(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    zalo = ZaloStandIn(app_id=APP_ID, secret_key="zalo-secret", refresh_token="ref-first")
    zalo_server = await aiohttp_server(zalo.app())
    gateway = SmsEagle(token=SMS_TOKEN)
    sms_server = await aiohttp_server(gateway.app())
    environ = {
        "ZALO_SECRET": "zalo-secret",
        "ZALO_REFRESH": "ref-first",
        "SMS_URL": f"smseagle://{SMS_TOKEN}@127.0.0.1:{sms_server.port}/{{to}}",
    }
    config = _alerts_file(tmp_path, f"http://127.0.0.1:{zalo_server.port}")
    clock = Clock(NOW)
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path / "data"))
    # A gateway's will counts at once (no grace period to wait out in a test).
    app = create_app(settings, small_deps(store, clock))
    app.cleanup_ctx.append(alerts_cleanup_ctx(str(config), clock_ms=clock, environ=environ))
    try:
        async with served_on_loopback(app) as base_url, chromium() as browser:
            accounts = app[ACCOUNTS]
            accounts.create("so.tttt", PASSWORD, Role.ADMIN, NOW, "Sở TT&TT")
            accounts.create(
                "canbo.alpha", PASSWORD, Role.OPERATOR, NOW, "Lê Thị Hoa", frozenset({"alpha"})
            )
            accounts.create(
                "canbo.beta", PASSWORD, Role.OPERATOR, NOW, "Trần Văn Nam", frozenset({"beta"})
            )

            officer = await signed_in(
                browser,
                base_url,
                "canbo.alpha",
                problems,
                width=390,
                ignore_console=("status of 400",),  # the refused number, on purpose
            )
            await officer.click("header.shell a.user")
            await officer.wait_for_url(f"{base_url}/account")
            assert "Tài khoản của tôi" in await officer.locator("h1").inner_text()
            await check_page(officer, "account-empty-390", shots, problems)
            await officer.fill("input[name=zalo_phone]", "0912 345 678")
            await officer.fill("input[name=sms_phone]", "12345")  # a slip of the finger
            await officer.click("form.contact-form button")
            assert "Số điện thoại không đúng" in await officer.locator("p.banner").inner_text()
            await check_page(officer, "account-refused-390", shots, problems)
            await officer.fill("input[name=sms_phone]", "0912345678")
            await officer.uncheck("input[name=severities][value=info]")
            await officer.click("form.contact-form button")
            await officer.wait_for_url(f"{base_url}/account?done=saved")
            assert "Đã lưu" in await officer.locator("p.notice").inner_text()
            assert await officer.input_value("input[name=zalo_phone]") == "0912345678"
            assert not await officer.is_checked("input[name=severities][value=info]")
            await check_page(officer, "account-saved-390", shots, problems)

            # Beta's officer sets a number too: Alpha's alert must not reach it.
            beta = await signed_in(browser, base_url, "canbo.beta", problems, width=1400)
            await beta.goto(f"{base_url}/account")
            await beta.fill("input[name=zalo_phone]", "0987654321")
            await beta.click("form.contact-form button")
            await beta.wait_for_url(f"{base_url}/account?done=saved")

            # Xã Alpha goes dark for a minute.
            ingest = app[INGEST]
            for at_ms, topic, message in (
                (NOW, status_topic("alpha-gw"), status("alpha-gw", "online")),
                (
                    NOW + 1000,
                    heartbeat_topic("alpha-gw"),
                    heartbeat("alpha-gw", 1, {"alpha-rc-1": True}, ts_ms=NOW + 1000),
                ),
                (NOW + 2000, status_topic("alpha-gw"), status("alpha-gw", "offline")),
            ):
                clock.now_ms = at_ms
                await app[STORE].write(ingest.handle(topic, payload(message), at_ms).records)
            clock.now_ms = NOW + 2000 + 60_000
            await _until(lambda: len(zalo.zns) == 1 and len(gateway.sent) == 1)
            assert zalo.zns[0]["phone"] == "84912345678"
            assert zalo.zns[0]["template_data"]["xa"] == "Xã Alpha"
            assert gateway.sent[0]["to"] == "84912345678"
            assert gateway.sent[0]["message"].startswith("[NGHIÊM TRỌNG] Xã Alpha")
            await asyncio.sleep(0.3)
            assert [z["phone"] for z in zalo.zns] == ["84912345678"]  # not Beta's officer

            # The page at both widths and in both languages; the admin's page of them.
            for width in (390, 1400):
                await officer.set_viewport_size({"width": width, "height": 900})
                for lang in ("vi", "en"):
                    await officer.goto(f"{base_url}/account?lang={lang}")
                    await check_page(officer, f"account-{lang}-{width}", shots, problems)
            admin = await signed_in(browser, base_url, "so.tttt", problems, width=1400)
            await admin.goto(f"{base_url}/admin/users/canbo.alpha")
            assert await admin.input_value("input[name=sms_phone]") == "0912345678"
            await check_page(admin, "admin-user-contact-1400", shots, problems)
            # The alerts page: the new channels by type, without their secrets, and the
            # deliveries to the officer by login in the history.
            await admin.goto(f"{base_url}/alerts")
            page = await admin.content()
            assert "Zalo (OA và ZNS)" in page and "Apprise (SMS và hơn 90 dịch vụ)" in page
            assert SMS_TOKEN not in page and "zalo-secret" not in page
            for channel in ("zalo-oa", "sms"):  # no rule's: each officer's
                text = await admin.locator(f"#channel-{channel}").inner_text()
                assert "Gửi riêng cán bộ" in text
                assert "mat-ket-noi" not in text
            await check_page(admin, "alerts-channels-1400", shots, problems)
            # A test message through a channel that only reaches people goes to the
            # asker's own address on it: none yet, so it says where to set one.
            sms_check = admin.locator("#channel-sms .channel-check")
            await sms_check.locator("button").click()
            await admin.wait_for_selector("#channel-sms p.check.failed")
            assert "Tài khoản của tôi" in await sms_check.inner_text()
            await admin.goto(f"{base_url}/account")
            await admin.fill("input[name=sms_phone]", "0977 000 111")
            await admin.click("form.contact-form button")
            await admin.wait_for_url(f"{base_url}/account?done=saved")
            await admin.goto(f"{base_url}/alerts")
            await admin.locator("#channel-sms .channel-check button").click()
            await admin.wait_for_selector("#channel-sms p.check.ok")
            assert gateway.sent[-1]["to"] == "84977000111"
            assert "Tin nhắn thử" in gateway.sent[-1]["message"]
            await check_page(admin, "alerts-channel-tested-1400", shots, problems)
            await admin.goto(f"{base_url}/alerts/history")
            assert "zalo-oa → canbo.alpha" in await admin.content()
            await check_page(admin, "alerts-history-1400", shots, problems)
    finally:
        await store.close()
    assert not problems, "\n".join(problems)
