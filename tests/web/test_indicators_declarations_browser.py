"""The declarations page in a real browser (Debian's chromium, driven by Playwright): an
officer attaches a PDF to N1, watches the progress bar fill as the script uploads it to
the documents API, and the declaration saves and shows at once with its document; a
file of the wrong type or too large is refused in Vietnamese before anything is sent,
and one whose content belies its name is refused by the server, said in words. Under
the Content-Security-Policy, with no request to another host and no page wider than a
phone; a viewer reads what is declared and missing, with no form.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.server.indicators.gather.documents import MAX_DOCUMENT_BYTES
from xaso.server.indicators.keys import DECLARED, DOCUMENTS
from xaso.server.keys import CLOCK_MS
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PAGE = "/indicators/declarations?commune=alpha&period=2026-Q2"
# The server refuses a misnamed file with a 400, and the browser says so, as it should.
REFUSED_UPLOAD = ("status of 400",)
# Kept across the page's navigation: every value the progress bars took.
RECORD_PROGRESS = """
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.target.tagName === "PROGRESS") {
        const seen = JSON.parse(sessionStorage.getItem("progress") || "[]");
        seen.push(Number(change.target.value));
        sessionStorage.setItem("progress", JSON.stringify(seen));
      }
    }
  }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ["value"] });
});
"""


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """The real app on a loopback port, with an officer and a viewer of alpha."""
    async with app_without_broker(tmp_path / "data") as app, served_on_loopback(app) as base_url:
        now_ms = app[CLOCK_MS]()
        accounts = app[ACCOUNTS]
        accounts.create("cb.alpha", PASSWORD, Role.OPERATOR, now_ms, "Cán bộ xã Alpha", {"alpha"})
        accounts.create("xem.alpha", PASSWORD, Role.VIEWER, now_ms, "Người xem Alpha", {"alpha"})
        yield base_url, app


async def test_an_officer_uploads_with_progress_and_declares_a_viewer_reads(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    decision = tmp_path / "Quyết định phủ sóng 4G.pdf"
    decision.write_bytes(PDF)
    text = tmp_path / "ghi-chu.txt"
    text.write_text("Không phải minh chứng\n", encoding="utf-8")
    misnamed = tmp_path / "anh-chup.pdf"
    misnamed.write_bytes(PNG)
    huge = tmp_path / "ban-scan-lon.pdf"
    with huge.open("wb") as handle:  # sparse: the browser only reads its size
        handle.truncate(MAX_DOCUMENT_BYTES + 1)

    async with chromium() as browser:
        officer = await signed_in(
            browser, base_url, "cb.alpha", problems, ignore_console=REFUSED_UPLOAD
        )
        await officer.context.add_init_script(RECORD_PROGRESS)
        uploads: list[str] = []
        officer.on(
            "request",
            lambda r: uploads.append(r.url) if "/api/v1/indicators/documents" in r.url else None,
        )
        await officer.goto(f"{base_url}{PAGE}")
        assert "Còn thiếu 5/5" in await officer.inner_text("#ind-decl-count")
        await check_page(officer, "declarations-empty-1400", shots, problems)

        # Checked in the browser: nothing is sent.
        await officer.click("#ind-N2 details.ind-decl-form > summary")
        form = officer.locator("#ind-N2 form")
        await form.locator("input[type=file]").set_input_files(str(text))
        said = form.locator(".upload-message p.media-refusal")
        await said.wait_for()
        assert "ghi-chu.txt không phải PDF" in await said.inner_text()
        await form.locator("input[type=file]").set_input_files(str(huge))
        await form.locator(".upload-message p", has_text="lớn hơn 25 MB").wait_for()
        await form.locator("input[name=value]").fill("90")
        await form.locator("button[type=submit]").click()
        assert "lớn hơn 25 MB" in await form.locator(".upload-message").inner_text()
        # Refused by the server: its content is PNG.
        await form.locator("input[type=file]").set_input_files(str(misnamed))
        await form.locator("button[type=submit]").click()
        await form.locator(".upload-message p", has_text="nội dung là PNG").wait_for()
        assert "named like a .pdf" in (
            await form.locator(".upload-message details").text_content() or ""
        )
        assert uploads == [f"{base_url}/api/v1/indicators/documents?commune=alpha"]
        assert not app[DOCUMENTS].table.items and not app[DECLARED].entries()
        await check_page(officer, "declarations-refused-1400", shots, problems)

        # N1 with its decision: uploaded with the progress bar, then declared.
        await officer.click("#ind-N1 details.ind-decl-form > summary")
        form = officer.locator("#ind-N1 form")
        await form.locator("input[name=value]").fill("95,5")
        await form.locator("input[name=numerator]").fill("")
        await form.locator("textarea[name=note]").fill("Theo báo cáo của nhà mạng")
        await form.locator("input[type=file]").set_input_files(str(decision))
        await form.locator("button[type=submit]").click()
        await officer.wait_for_url("**done=N1*")
        progress = await officer.evaluate("JSON.parse(sessionStorage.getItem('progress') || '[]')")
        assert progress and progress[-1] == 100, progress
        assert len(uploads) == 2
        [entry] = app[DECLARED].entries()
        assert entry.indicator == "N1" and entry.value == 95.5
        assert entry.documents[0].name == decision.name
        card = officer.locator("#ind-N1")
        assert "just-done" in (await card.get_attribute("class") or "")
        shown = await card.inner_text()
        assert "95,5 %" in shown and "Chưa đạt" in shown  # the target is 100 %
        assert "01/04/2026 – 30/06/2026" in shown and "Cán bộ xã Alpha" in shown
        assert decision.name in shown and "Theo báo cáo của nhà mạng" in shown
        link = card.locator(f"a[href='/indicators/documents/{entry.documents[0].sha256}']")
        assert await link.count() == 1
        assert "Còn thiếu 4/5" in await officer.inner_text("#ind-decl-count")
        row = officer.locator(f"#doc-{entry.documents[0].sha256}")
        assert "PDF" in await row.inner_text() and "Cán bộ xã Alpha" in await row.inner_text()
        # The missing ones first: N1 is now last.
        order = await officer.eval_on_selector_all("article.ind-decl", "all => all.map(a => a.id)")
        assert order[-1] == "ind-N1" and len(order) == 5
        await check_page(officer, "declarations-declared-1400", shots, problems)
        await officer.goto(f"{base_url}{PAGE}&lang=en")
        await check_page(officer, "declarations-en-1400", shots, problems)
        await officer.set_viewport_size({"width": 390, "height": 900})
        await check_page(officer, "declarations-en-390", shots, problems)
        await officer.goto(f"{base_url}{PAGE}&lang=vi")
        await check_page(officer, "declarations-officer-390", shots, problems)
        await officer.click("#ind-N4 details.ind-decl-form > summary")
        await check_page(officer, "declarations-form-390", shots, problems)

        # A viewer on a phone: what is declared and missing, no form.
        viewer = await signed_in(browser, base_url, "xem.alpha", problems, width=390)
        await viewer.goto(f"{base_url}{PAGE}")
        assert await viewer.locator("form[data-declare]").count() == 0
        assert await viewer.locator("input[type=file]").count() == 0
        assert "Bạn chỉ được xem" in await viewer.inner_text("main")
        assert "95,5 %" in await viewer.inner_text("#ind-N1")
        assert "Còn thiếu 4/5" in await viewer.inner_text("#ind-decl-count")
        await check_page(viewer, "declarations-viewer-390", shots, problems)
    assert not problems, "\n".join(problems)
