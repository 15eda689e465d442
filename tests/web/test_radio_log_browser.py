"""The playout log in a real browser (Debian's chromium, driven by Playwright): a commune
officer filters January by outcome, records a live announcement on one cluster, downloads
the CSV through the link and opens the printable page (as printed, and as a PDF); a
viewer reads it on a phone, without the form. Under the Content-Security-Policy, with no
request to another host and no page wider than its screen.

``XASO_SCREENSHOTS=folder`` keeps the screenshots (and the PDF) there, to look at them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.doubles import Clock
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from tests.web.radio_log_data import JANUARY, NOW, a_month_of_bulletins
from xaso.server.broadcasts.keys import PLAYOUT_MANUAL
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

JANUARY_TOTAL = sum(JANUARY.values())


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """The real app on a loopback port at noon on 20 January 2030, alpha's month of
    bulletins stored; an officer of alpha and a viewer of alpha."""
    async with (
        app_without_broker(tmp_path, clock_ms=Clock(NOW)) as app,
        served_on_loopback(app) as base_url,
    ):
        await a_month_of_bulletins(app)
        accounts = app[ACCOUNTS]
        accounts.create("cb.alpha", PASSWORD, Role.OPERATOR, NOW, "Cán bộ xã Alpha", {"alpha"})
        accounts.create("xem.alpha", PASSWORD, Role.VIEWER, NOW, "Người xem", {"alpha"})
        yield base_url, app


async def test_filter_enter_download_and_print(served: tuple[str, Any], tmp_path: Path) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        officer = await signed_in(
            browser, base_url, "cb.alpha", problems, width=1400, accept_downloads=True
        )
        await officer.goto(f"{base_url}/radio/log")
        assert await officer.inner_text("h1") == "Nhật ký phát thanh — Xã Alpha"
        assert await officer.locator("tr.line").count() == JANUARY_TOTAL
        await check_page(officer, "log-1400", shots, problems)

        # Only what went wrong: two outcomes ticked.
        await officer.check("input[name=status][value=failed]")
        await officer.check("input[name=status][value=missed]")
        await officer.click("form.log-filters button[type=submit]")
        await officer.wait_for_url("**status=failed&status=missed*")
        statuses = await officer.locator("tr.line").evaluate_all(
            "rows => rows.map(r => r.dataset.status)"
        )
        assert statuses == ["failed", "missed", "missed"]
        assert await officer.locator("details.log-occ[open]").count() == 3
        await check_page(officer, "log-filtered-1400", shots, problems)

        # A live announcement this morning, on the cluster ticked: the form is folded
        # above the lines.
        assert not await officer.locator("input[name=title]").is_visible()
        await officer.click("details.log-entry > summary")
        await officer.fill("input[name=title]", "Thông báo lịch tiêm chủng")
        await officer.fill("input[name=start]", "2030-01-20T09:00")
        await officer.fill("input[name=end]", "2030-01-20T09:10")
        assert not await officer.locator(".log-some").is_visible()
        await officer.check("input[name=where][value=some]")
        await officer.check("input[name=clusters][value=alpha-rc-1]")  # shown now
        await officer.fill("textarea[name=note]", "Trưởng thôn đọc")
        await officer.click("form.log-entry-form button.primary")
        await officer.wait_for_url("**done=added*")
        [entry] = app[PLAYOUT_MANUAL].items.values()
        added = officer.locator(f"details#o-manual-{entry.id}-{entry.start_ms}")
        await added.locator("summary").click()
        text = await added.inner_text()
        assert "Phát trực tiếp (nhập tay)" in text and "Trưởng thôn đọc" in text, text
        manual = officer.locator("ul.log-counts a[data-status=manual] strong")
        assert await manual.inner_text() == "1"
        await check_page(officer, "log-added-1400", shots, problems)

        # The CSV through its link: the same lines as the page.
        async with officer.expect_download() as download_info:
            await officer.click("#log-csv")
        download = await download_info.value
        path = shots / "nhat-ky.csv"
        await download.save_as(str(path))
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
        outcome = rows[0].index("Kết quả")
        assert len(rows) - 1 == JANUARY_TOTAL + 1
        assert [r[outcome] for r in rows].count("Phát trực tiếp (nhập tay)") == 1

        # The printable page, as the printer gets it.
        await officer.click("#log-print")
        await officer.wait_for_url("**/radio/log/print?*")
        assert await officer.inner_text("h1") == "NHẬT KÝ PHÁT THANH"
        assert await officer.locator("#print-now").is_visible()  # the script ran
        await check_page(officer, "log-print-1400", shots, problems)
        await officer.emulate_media(media="print")
        assert not await officer.locator(".print-tools").is_visible()
        header = await officer.locator("table.print-lines thead").evaluate(
            "e => getComputedStyle(e).display"
        )
        assert header == "table-header-group"  # repeated on every sheet
        await officer.screenshot(path=str(shots / "log-print-media.png"), full_page=True)
        pdf = await officer.pdf(format="A4", path=str(shots / "nhat-ky.pdf"))
        assert pdf.startswith(b"%PDF")
        await officer.emulate_media(media="screen")

        # In English, the same numbers.
        await officer.goto(f"{base_url}/radio/log?lang=en")
        assert "Playout log" in await officer.inner_text("h1")
        await check_page(officer, "log-en-1400", shots, problems)

        # A viewer on a phone: the log and its blocks, no form.
        viewer = await signed_in(
            browser, base_url, "xem.alpha", problems, width=390, accept_downloads=True
        )
        await viewer.goto(f"{base_url}/radio/log?commune=alpha&status=partial")
        assert await viewer.locator("form.log-entry-form").count() == 0
        assert await viewer.locator("form.log-delete").count() == 0
        label = await viewer.locator("tr.line td[data-label]").first.evaluate(
            "e => getComputedStyle(e, '::before').content"
        )
        assert "Kết quả" in label  # a labelled block, not a table row
        await check_page(viewer, "log-viewer-390", shots, problems)
        await viewer.goto(f"{base_url}/radio/log")
        await check_page(viewer, "log-390", shots, problems)
        await viewer.goto(f"{base_url}/radio/log/print")
        await check_page(viewer, "log-print-390", shots, problems)
        officer_phone = await signed_in(
            browser, base_url, "cb.alpha", problems, width=390, accept_downloads=True
        )
        await officer_phone.goto(f"{base_url}/radio/log")
        await officer_phone.click("details.log-entry > summary")
        await officer_phone.check("input[name=where][value=some]")
        await check_page(officer_phone, "log-officer-390", shots, problems)
    assert not problems, "\n".join(problems)
