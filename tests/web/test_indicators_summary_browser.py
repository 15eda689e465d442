"""The province summary in a real browser (Debian's chromium, driven by Playwright), on
the demo's province with its 2026-Q3: a verifier opens it from the indicators section,
picks another quarter with the period picker, comes back, chooses the province as the
area, and downloads the PDF through the print link; on a phone, in both languages, each
commune is a block and nothing scrolls sideways. Under the Content-Security-Policy,
with no request to another host.

``XASO_SCREENSHOTS=folder`` keeps the screenshots and the PDF there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.apps import PASSWORD
from tests.indicators.demo_quarter import (
    NOW,
    demo_communes,
    demo_quarter_app,
    seed_compliance,
    workers_started,
)
from tests.indicators.pdf_glyphs import read_back, squeezed
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The demo's quarter on a loopback port; a verifier of the whole province."""
    with workers_started():
        async with (
            demo_quarter_app(tmp_path_factory.mktemp("demo")) as app,
            served_on_loopback(app) as base_url,
        ):
            await seed_compliance(app)
            app[ACCOUNTS].create("thamdinh", PASSWORD, Role.VERIFIER, NOW, "Thẩm định viên")
            yield base_url


async def test_a_verifier_picks_a_quarter_and_prints_the_summary(
    base_url: str, tmp_path: Path
) -> None:
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        page = await signed_in(
            browser, base_url, "thamdinh", problems, width=1400, accept_downloads=True
        )
        # From the indicators section, its tab "Tổng hợp": the last full quarter.
        await page.goto(f"{base_url}/indicators")
        await page.goto(f"{base_url}/indicators/summary")
        assert await page.inner_text("p.ind-period-steps strong") == "Quý 3/2026"
        assert await page.locator("table.ind-summary tbody tr").count() == len(demo_communes())
        await check_page(page, "summary-1400", shots, problems)

        # The picker: the second quarter of 2026 (its month field hidden by the script).
        picker = page.locator("form.ind-picker")
        assert not await picker.locator("select[name=month]").is_visible()
        await picker.locator("select[name=quarter]").select_option("2")
        await picker.locator("button[type=submit]").click()
        await page.wait_for_url("**/indicators/summary?period=2026-Q2")
        assert await page.inner_text("p.ind-period-steps strong") == "Quý 2/2026"
        assert await page.locator("table.ind-summary tbody tr").count() == len(demo_communes())

        # The next quarter, then the province as the area.
        await page.click("p.ind-period-steps a[rel=next]")
        await page.wait_for_url("**/indicators/summary?period=2026-Q3")
        await page.select_option("form.sum-area select[name=area]", "thanh-hoa")
        await page.click("form.sum-area button[type=submit]")
        await page.wait_for_url("**/indicators/summary?period=2026-Q3&area=thanh-hoa")
        assert "Tỉnh Thanh Hóa" in await page.inner_text("h1")

        # The print link: the summary as a PDF file, for the province and the quarter.
        async with page.expect_download() as download_info:
            await page.click("p.sum-exports a.button:not(.secondary)")
        download = await download_info.value
        assert download.suggested_filename == "tong-hop-chi-tieu_thanh-hoa_2026-Q3.pdf"
        path = shots / download.suggested_filename
        await download.save_as(str(path))
        body = squeezed(read_back(path.read_bytes()).body)
        for words in ("Tỉnh Thanh Hóa", "Quý 3/2026", "Xã Xuân Hồng", "Thị trấn Lam Sơn"):
            assert squeezed(words) in body, words
        await check_page(page, "summary-area-1400", shots, problems)

        # A phone, in Vietnamese and in English: a block per commune, nothing sideways.
        for lang in ("vi", "en"):
            phone = await signed_in(browser, base_url, "thamdinh", problems, width=390)
            await phone.goto(f"{base_url}/indicators/summary?lang={lang}")
            first = phone.locator("table.ind-summary tbody tr").first
            assert await first.evaluate("row => getComputedStyle(row).display") == "flex"
            assert not await phone.locator("table.ind-summary thead").is_visible()
            chip = first.locator("td.sum-verdict").first
            label = await chip.evaluate("td => getComputedStyle(td, '::before').content")
            assert label == '"R1 "'
            await check_page(phone, f"summary-390-{lang}", shots, problems)
            await phone.context.close()
    assert problems == []
