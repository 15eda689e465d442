"""A commune's report page in a real browser (Debian's chromium, driven by Playwright),
on the real evaluation of tests/indicators/test_stores.py's September: a verifier opens
commune hoa, follows an outage to its device's page, signs off with a comment and finds
it in the history; a viewer reads the page on a phone, without the form. Under the
Content-Security-Policy, with no request to another host and no page wider than its
screen.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import PASSWORD
from tests.indicators.test_stores import ADMIN, HISTORY, NOW, RC3_MAINTENANCE
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from tests.web.test_indicators_api import make_app
from xaso.server.indicators.gather.declared import DeclaredDocument, DeclaredValue
from xaso.server.indicators.keys import DECLARED, SIGNOFFS
from xaso.server.monitoring.keys import EXCLUSIONS
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

PAGE = "/indicators/commune?commune=hoa&period=2026-09"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """The real app on a loopback port early in October 2026, hoa's September stored; a
    verifier of the province and a viewer of hoa."""
    store = await SqliteStore.open(":memory:")
    await store.write(HISTORY)
    app = make_app(tmp_path, store, None)
    try:
        async with served_on_loopback(app) as base_url:
            app[EXCLUSIONS].add_window(RC3_MAINTENANCE, state="approved", by=ADMIN, at_ms=0)
            accounts = app[ACCOUNTS]
            accounts.create("thamdinh", PASSWORD, Role.VERIFIER, NOW, "Sở TT&TT")
            accounts.create("xem.hoa", PASSWORD, Role.VIEWER, NOW, "Người xem", {"hoa"})
            yield base_url, app
    finally:
        await store.close()


async def test_a_verifier_follows_an_outage_and_signs_off(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        verifier = await signed_in(browser, base_url, "thamdinh", problems, width=1400)
        await verifier.goto(f"{base_url}/indicators")
        await verifier.goto(f"{base_url}{PAGE}")
        assert "Xã Hòa" in await verifier.inner_text("h1")
        tab = verifier.locator("nav.ind-tabs a[aria-current=page]")
        assert await tab.inner_text() == "Báo cáo xã"
        r6 = verifier.locator("section#R6")
        assert "2.082 giờ hoạt động trên 2.160 giờ đã biết trạng thái" in await r6.inner_text()
        # Not met: R2's evidence is open, R6's (met) folded.
        assert await verifier.locator("section#R2 details.ind-evidence[open]").count() == 1
        assert await r6.locator("details.ind-evidence[open]").count() == 0
        await check_page(verifier, "report-1400", shots, problems)

        # An outage of R6, to its device's page.
        await r6.locator("details.ind-evidence > summary").click()
        outage = r6.locator("li.ind-item a[href^='/devices/hoa-rc-2?period=']").last
        assert await outage.is_visible()
        await outage.click()
        await verifier.wait_for_url("**/devices/hoa-rc-2?period=30d")
        assert "Cụm loa Thôn 1 số 2" in await verifier.inner_text("h1")
        assert "3 ngày" in await verifier.locator("table.outages").inner_text()
        await verifier.go_back()
        await verifier.wait_for_url(f"**{PAGE}")

        # Signed off with a comment: in the history, matching the data now.
        await verifier.fill("form.ind-signoff-form textarea[name=note]", "Đã đối chiếu nhật ký")
        await verifier.click("form.ind-signoff-form button[type=submit]")
        await verifier.wait_for_url("**done=signed*")
        assert "Đã ghi nhận phê duyệt" in await verifier.inner_text("p.notice")
        latest = verifier.locator("ol.ind-history li").first
        said = await latest.inner_text()
        assert "Đã đối chiếu nhật ký" in said and "Khớp với dữ liệu hiện nay" in said, said
        assert "Sở TT&TT" in said
        [signed] = app[SIGNOFFS].find("hoa")
        assert signed.note == "Đã đối chiếu nhật ký"
        await check_page(verifier, "report-signed-1400", shots, problems)
        await verifier.goto(f"{base_url}{PAGE}&lang=en")
        assert "Indicator report" in await verifier.inner_text("h1")
        await check_page(verifier, "report-en-1400", shots, problems)

        # On a phone: the verifier's page, and after N1 is declared, what changed since
        # the sign-off; a viewer's without the form.
        phone = await signed_in(browser, base_url, "thamdinh", problems, width=390)
        await phone.goto(f"{base_url}{PAGE}")
        await phone.locator("section#R6 details.ind-evidence > summary").click()
        await check_page(phone, "report-390", shots, problems)
        app[DECLARED].add(
            DeclaredValue(
                id="",
                seq=0,
                commune="hoa",
                indicator="N1",
                value=75.0,
                valid_from=dt.date(2026, 1, 1),
                documents=[DeclaredDocument("bien-ban-4g.pdf", "ab" * 32, 1234, "application/pdf")],
                entered_by="Cán bộ xã Hòa",
                entered_ms=NOW,
            )
        )
        await phone.goto(f"{base_url}{PAGE}")
        changed = await phone.locator("ol.ind-history li").first.inner_text()
        assert "Không còn khớp" in changed and "bien-ban-4g.pdf" in changed, changed
        await check_page(phone, "report-changed-390", shots, problems)
        viewer = await signed_in(browser, base_url, "xem.hoa", problems, width=390)
        await viewer.goto(f"{base_url}{PAGE}&lang=en")
        assert await viewer.locator("form.ind-signoff-form").count() == 0
        assert "Đã đối chiếu nhật ký" in await viewer.locator("ol.ind-history").inner_text()
        await check_page(viewer, "report-viewer-390", shots, problems)
    assert not problems, "\n".join(problems)
