"""Issue 14's story in a real browser (Debian's chromium, driven by Playwright), on the
demo's province with its third quarter of 2026 (tests/indicators/demo_quarter.py): a
provincial verifier who has never seen xaso follows the status page to the indicators,
picks the last full quarter, sees which communes met which targets, opens Xuân Hồng's
"chưa đạt", follows the evidence to the camera's page, and signs off with a comment.
Xuân Hồng's officer then declares N1 again with a new PDF (uploaded with the progress
bar); the verifier sees the sign-off no longer match and what changed. A viewer of Xuân
Hồng reads the report without a form, and the server refuses its sign-off; Xuân Lai's
officer finds neither Xuân Hồng's report nor its declarations. The verifier prints the
province summary as a PDF, and reads the overview, a report and the summary on a phone.
All in Vietnamese, under the Content-Security-Policy, with no request to another host
and no page wider than its screen.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import PASSWORD
from tests.indicators.demo_quarter import (
    NOW,
    QUARTER,
    demo_communes,
    demo_quarter_app,
    seed_compliance,
    workers_started,
)
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from tests.web.test_indicators_declarations_browser import PDF, RECORD_PROGRESS
from xaso.server.demo.declarations import DOCUMENT_NAME as DOCUMENT_BEFORE
from xaso.server.indicators.keys import DECLARED, SIGNOFFS
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

VERIFIER = "thamdinh"
OFFICER = "cb.xuanhong"
VIEWER = "xem.xuanhong"
STRANGER = "cb.xuanlai"  # Xuân Lai's officer
COMMUNE = "xuan-hong"
REPORT = f"/indicators/commune?commune={COMMUNE}&period={QUARTER}"
DECLARATIONS = f"/indicators/declarations?commune={COMMUNE}&period={QUARTER}"
NOTE = "Đã đối chiếu nhật ký thiết bị quý 3"
DOCUMENT = "Biên bản xác nhận phủ sóng 4G.pdf"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """The demo's quarter on a loopback port, the clock early in October 2026 (a fixed
    clock: the story reads the same whatever day it runs, its last full quarter 2026-Q3),
    with the demo's declarations and remediation plans; a verifier of the province, an
    officer and a viewer of Xuân Hồng, an officer of Xuân Lai."""
    with workers_started():
        async with (
            demo_quarter_app(tmp_path / "data") as app,
            served_on_loopback(app) as base_url,
        ):
            await seed_compliance(app)
            accounts = app[ACCOUNTS]
            accounts.create(VERIFIER, PASSWORD, Role.VERIFIER, NOW, "Thẩm định viên Sở")
            accounts.create(OFFICER, PASSWORD, Role.OPERATOR, NOW, "Cán bộ Xuân Hồng", {COMMUNE})
            accounts.create(VIEWER, PASSWORD, Role.VIEWER, NOW, "Người xem Xuân Hồng", {COMMUNE})
            accounts.create(STRANGER, PASSWORD, Role.OPERATOR, NOW, "Cán bộ Xuân Lai", {"xuan-lai"})
            yield base_url, app


async def test_a_verifier_signs_off_a_commune_and_sees_what_changed(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    evidence = tmp_path / DOCUMENT
    evidence.write_bytes(PDF)

    async with chromium() as browser:
        # The status page names the quarter the indicators open on.
        verifier = await signed_in(browser, base_url, VERIFIER, problems)
        home_link = verifier.locator("p.home-indicators a")
        assert "Quý 3/2026" in await home_link.inner_text()
        await home_link.click()
        await verifier.wait_for_url(f"{base_url}/indicators")

        # The quarter chosen with the picker, as a verifier would: kind, year, quarter.
        picker = verifier.locator("form.ind-picker")
        await picker.locator("select[name=kind]").select_option("quarter")
        await picker.locator("input[name=year]").fill("2026")
        await picker.locator("select[name=quarter]").select_option("3")
        await picker.locator("button[type=submit]").click()
        await verifier.wait_for_url(f"**/indicators?period={QUARTER}")
        assert await verifier.inner_text("p.ind-period-steps strong") == "Quý 3/2026"
        assert await verifier.locator("tr.ind-row").count() == len(demo_communes())
        counted = await verifier.locator("table.ind-grid tfoot").inner_text()
        assert "Đạt" in counted and "Chưa đạt" in counted, counted
        await check_page(verifier, "story-overview-1400", shots, problems)

        # Xuân Hồng's "chưa đạt", to the evidence behind it.
        cell = verifier.locator(f"tr.ind-row[data-commune={COMMUNE}] td[data-verdict=not_met]")
        indicator = await cell.first.get_attribute("data-indicator")
        assert "Chưa đạt" in await cell.first.inner_text()
        await cell.first.locator("a").click()
        await verifier.wait_for_url(f"**{REPORT}#{indicator}")
        assert "Xã Xuân Hồng" in await verifier.inner_text("h1")
        card = verifier.locator(f"section#{indicator}")
        assert "Chưa đạt" in await card.locator("h2").inner_text()
        assert await card.locator("details.ind-evidence[open]").count() == 1
        await check_page(verifier, "story-report-1400", shots, problems)

        # The device that was not counted, to its page: its outages over a period.
        failing = card.locator("li.ind-item.counted-no a[href^='/devices/']").first
        device_name = await failing.inner_text()
        device_href = await failing.get_attribute("href")
        assert device_href is not None and "?period=" in device_href
        await failing.click()
        await verifier.wait_for_url(f"**{device_href}")
        assert device_name in await verifier.inner_text("h1")
        period = verifier.locator("nav.choices a[aria-current=true]")
        assert await period.inner_text() == "90 ngày"
        # Among its outages, those of the month C2 reads (its last 30 days).
        assert "/09/2026" in await verifier.locator("table.outages").inner_text()
        await check_page(verifier, "story-device-1400", shots, problems)
        await verifier.go_back()
        await verifier.wait_for_url(f"**{REPORT}#{indicator}")

        # Signed off with a comment: at the head of the history, matching the data.
        await verifier.fill("form.ind-signoff-form textarea[name=note]", NOTE)
        await verifier.click("form.ind-signoff-form button[type=submit]")
        await verifier.wait_for_url("**done=signed*")
        latest = verifier.locator("ol.ind-history li").first
        said = await latest.inner_text()
        assert NOTE in said and "Khớp với dữ liệu hiện nay" in said, said
        assert "Thẩm định viên Sở" in said
        [signed] = app[SIGNOFFS].find(COMMUNE)
        assert signed.note == NOTE
        await check_page(verifier, "story-signed-1400", shots, problems)

        # Xuân Hồng's officer declares N1 again, with a new PDF sent with the progress bar.
        officer = await signed_in(browser, base_url, OFFICER, problems)
        await officer.context.add_init_script(RECORD_PROGRESS)
        await officer.goto(f"{base_url}{DECLARATIONS}")
        await officer.click("#ind-N1 details.ind-decl-form > summary")
        form = officer.locator("#ind-N1 form")
        await form.locator("input[name=value]").fill("100")
        await form.locator("input[name=numerator]").fill("10")
        await form.locator("input[name=denominator]").fill("10")
        await form.locator("textarea[name=note]").fill("Nhà mạng xác nhận thêm trạm mới")
        await form.locator("input[type=file]").set_input_files(str(evidence))
        await form.locator("button[type=submit]").click()
        await officer.wait_for_url("**done=N1*")
        progress = await officer.evaluate("JSON.parse(sessionStorage.getItem('progress') || '[]')")
        assert progress and progress[-1] == 100, progress
        assert DOCUMENT in await officer.inner_text("#ind-N1")
        # The decision declared before stays with the new one (the form keeps it ticked).
        n1 = [e for e in app[DECLARED].entries() if (e.commune, e.indicator) == (COMMUNE, "N1")]
        assert [d.name for d in n1[-1].documents] == [DOCUMENT_BEFORE, DOCUMENT]
        await check_page(officer, "story-declared-1400", shots, problems)

        # The verifier's report again: the sign-off no longer matches, and says why.
        await verifier.goto(f"{base_url}{REPORT}")
        latest = verifier.locator("ol.ind-history li").first
        said = await latest.inner_text()
        assert "Không còn khớp" in said and NOTE in said, said
        changed = await latest.locator("table.ind-changes").inner_text()
        assert "N1" in changed and DOCUMENT in changed, changed
        await check_page(verifier, "story-changed-1400", shots, problems)

        # A viewer of Xuân Hồng reads it all but cannot sign: no form, and a refusal.
        viewer = await signed_in(browser, base_url, VIEWER, problems)
        await viewer.goto(f"{base_url}{REPORT}")
        assert await viewer.locator("form.ind-signoff-form").count() == 0
        assert NOTE in await viewer.locator("ol.ind-history").inner_text()
        token = await viewer.get_attribute("form[action='/logout'] input[name=csrf_token]", "value")
        assert token
        refused = await viewer.request.post(
            f"{base_url}/indicators/commune/signoff?commune={COMMUNE}&period={QUARTER}",
            form={"csrf_token": token, "sha256": signed.sha256, "note": "Tôi ký thay"},
        )
        assert refused.status == 403
        assert len(app[SIGNOFFS].find(COMMUNE)) == 1
        await check_page(viewer, "story-viewer-1400", shots, problems)

        # Xuân Lai's officer: Xuân Hồng's report and declarations do not exist.
        stranger = await signed_in(browser, base_url, STRANGER, problems)
        for path in (REPORT, DECLARATIONS):
            response = await stranger.request.get(f"{base_url}{path}")
            assert response.status == 404, path

        # The province summary for the quarter, and its PDF to print.
        await verifier.click("nav.ind-tabs a:has-text('Tổng hợp')")
        await verifier.wait_for_url(f"**/indicators/summary?*period={QUARTER}*")
        assert "Quý 3/2026" in await verifier.inner_text("p.ind-period-steps strong")
        rows = verifier.locator("table.ind-summary tbody tr")
        assert await rows.count() == len(demo_communes())
        signed_row = await rows.filter(has_text="Xã Xuân Hồng").inner_text()
        assert "Đã phê duyệt, dữ liệu đã thay đổi" in signed_row, signed_row
        await check_page(verifier, "story-summary-1400", shots, problems)
        pdf_href = await verifier.get_attribute("p.sum-exports a.button:not(.secondary)", "href")
        printed = await verifier.request.get(f"{base_url}{pdf_href}")
        assert printed.status == 200
        assert printed.headers["content-type"].startswith("application/pdf")
        assert (await printed.body()).startswith(b"%PDF")

        # On a phone: the overview as a list per commune, a report, the summary.
        phone = await signed_in(browser, base_url, VERIFIER, problems, width=390)
        await phone.goto(f"{base_url}/indicators?period={QUARTER}")
        assert not await phone.locator("table.ind-grid thead").is_visible()
        row = phone.locator(f"tr.ind-row[data-commune={COMMUNE}]")
        assert "Chưa đạt" in await row.inner_text()
        assert await row.evaluate("r => r.getBoundingClientRect().right") <= 390
        await check_page(phone, "story-overview-390", shots, problems)
        await row.locator("th a").first.click()
        await phone.wait_for_url(f"**{REPORT}")
        await check_page(phone, "story-report-390", shots, problems)
        await phone.goto(f"{base_url}/indicators/summary?period={QUARTER}")
        await check_page(phone, "story-summary-390", shots, problems)
    assert not problems, "\n".join(problems)
