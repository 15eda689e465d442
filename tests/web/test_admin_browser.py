"""The admins' pages in a real browser (Debian's chromium, driven by Playwright): an
admin makes an operator's account for one commune, the operator signs in elsewhere and
sees only that commune; the admin disables the account and the operator's next page is
the login; the admin makes an API token and sees it once; the audit log lists all of
it. Under the Content-Security-Policy with no violation, nothing asked of another host,
and no sideways scrolling of the page on a phone (390 px).

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.messages import heartbeat, payload, status
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.keys import CLOCK_MS, STORE
from xaso.server.monitoring.keys import INGEST
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

ADMIN_PAGES = ("/admin/users", "/admin/users/so.tttt", "/admin/tokens", "/admin/audit")
OFFICER_PASSWORD = "mật khẩu của cán bộ xã"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[str]:
    """The real app on a loopback port, two communes' gateways heard from, an admin."""
    async with app_without_broker(tmp_path) as app, served_on_loopback(app) as base_url:
        now_ms = app[CLOCK_MS]()
        ingest = app[INGEST]
        for agent, devices in (("alpha-gw", {"alpha-rc-1": True}), ("beta-gw", {})):
            ingest.handle(status_topic(agent), payload(status(agent, "online")), now_ms)
            beat = heartbeat(agent, 1, devices, ts_ms=now_ms)
            handled = ingest.handle(heartbeat_topic(agent), payload(beat), now_ms)
            await app[STORE].write(handled.records)
        app[ACCOUNTS].create("so.tttt", PASSWORD, Role.ADMIN, now_ms, "Sở TT&TT")
        yield base_url


async def test_an_admin_makes_an_officer_disables_it_and_makes_a_token(
    served: str, tmp_path: Path
) -> None:
    base_url = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        admin = await signed_in(browser, base_url, "so.tttt", problems, width=1400)
        await admin.click("nav.menu-wide a[href='/admin/users']")
        await admin.wait_for_url(f"{base_url}/admin/users")
        await admin.fill("input[name=login]", "canbo.alpha")
        await admin.fill("input[name=name]", "Cán bộ Alpha")
        await admin.select_option("select[name=role]", "operator")
        await admin.select_option("select[name=communes]", ["alpha"])
        await admin.fill("input[name=password]", OFFICER_PASSWORD)
        await admin.click("form[action='/admin/users'] button")
        await admin.wait_for_url(f"{base_url}/admin/users/canbo.alpha?done=created")
        assert "Đã tạo tài khoản." in await admin.locator("p.notice").inner_text()

        # The officer, on a phone, sees its commune and no other.
        officer = await signed_in(
            browser, base_url, "canbo.alpha", problems, password=OFFICER_PASSWORD, width=390
        )
        assert await officer.locator("a[href='/communes/alpha']").count() >= 1
        assert await officer.locator("a[href='/communes/beta']").count() == 0
        assert "Xã Beta" not in await officer.content()
        assert await officer.locator("a[href='/admin/users']").count() == 0
        await check_page(officer, "officer-status-390", shots, problems)

        await admin.click("form[action='/admin/users/canbo.alpha/disable'] button")
        await admin.wait_for_url(f"{base_url}/admin/users/canbo.alpha?done=disabled")
        await check_page(admin, "admin-user-disabled-1400", shots, problems)
        await officer.goto(f"{base_url}/")
        assert urlsplit(officer.url).path == "/login", officer.url

        await admin.goto(f"{base_url}/admin/tokens")
        await admin.fill("input[name=name]", "Gateway Alpha")
        await admin.select_option("select[name=role]", "agent")
        await admin.select_option("select[name=communes]", ["alpha"])
        await admin.click("form[action='/admin/tokens'] button")
        token = await admin.locator("#new-token").input_value()
        assert token.startswith("xaso_"), token
        assert await admin.locator("button.copy").is_visible()  # the script ran
        await check_page(admin, "admin-token-created-1400", shots, problems)
        await admin.goto(f"{base_url}/admin/tokens")
        assert "Gateway Alpha" in await admin.content()
        assert token not in await admin.content()  # once, and never again

        await admin.goto(f"{base_url}/admin/audit")
        log = await admin.locator("table.audit").inner_text()
        for said in ("Tạo tài khoản", "Đăng nhập", "Khóa tài khoản", "Tạo mã truy cập API"):
            assert said in log, said
        assert "canbo.alpha" in log and token not in await admin.content()
        assert OFFICER_PASSWORD not in await admin.content()

        # Every admin page, both widths, both languages: no sideways scrolling.
        for width in (1400, 390):
            await admin.set_viewport_size({"width": width, "height": 900})
            for lang in ("vi", "en"):
                for path in ADMIN_PAGES:
                    response = await admin.goto(f"{base_url}{path}?lang={lang}")
                    assert response is not None and response.status == 200, path
                    name = path.strip("/").replace("/", "-")
                    await check_page(admin, f"{name}-{lang}-{width}", shots, problems)
        await admin.goto(f"{base_url}/admin/users?lang=vi")
    assert not problems, "\n".join(problems)
