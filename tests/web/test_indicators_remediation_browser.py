"""Remediation plans in a real browser (Debian's chromium, driven by Playwright): a
commune officer writes the plan of an indicator not met; the verifier returns it with a
comment; the officer edits and resubmits it; the verifier accepts it; the open plans
list the overdue one first; a viewer reads on a phone without a form. Under the
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

from tests.apps import PASSWORD, app_without_broker
from tests.doubles import Clock
from tests.indicator_fakes import FakeEvaluation, ms
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.server.indicators.gather.remediation import Author, PlanFields, Shortfall
from xaso.server.indicators.keys import EVALUATE, REMEDIATION
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

NOW = ms("2026-10-05T09:00")
ALPHA = "/indicators/remediation?commune=alpha&period=2026-Q3"


def _late_plan_of_beta(app: Any) -> None:
    """Beta's plan for the second quarter, accepted, its deadline passed last week."""
    store = app[REMEDIATION]
    plan = store.submit(
        Shortfall(
            commune="beta",
            from_ms=ms("2026-04-01"),
            to_ms=ms("2026-07-01"),
            period="2026-Q2",
            indicator="R2",
            name="Tỷ lệ thôn có cụm loa truyền thanh hoạt động",
            name_en="Villages with a working loudspeaker cluster",
        ),
        PlanFields(
            cause="Cụm loa thôn 2 hỏng bộ khuếch đại",
            steps=("Thay bộ khuếch đại", "Phát thử 3 ngày liền"),
            deadline=dt.date(2026, 9, 30),
            responsible="Công chức văn hoá – xã hội xã Beta",
        ),
        Author("Cán bộ xã Beta", "u:beta", "operator"),
        ms("2026-07-10T08:00"),
    )
    store.review(plan.id, "accepted", "", Author("Thẩm định", "u:td", "verifier"), ms("2026-07-12"))


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """The real app on a loopback port on 5 October 2026, alpha's R2 not met in the
    third quarter, beta's overdue plan of the second; an officer of alpha, a verifier of
    the province, a viewer of alpha."""
    async with app_without_broker(tmp_path, clock_ms=Clock(NOW)) as app:
        fake = FakeEvaluation({"alpha": "Xã Alpha", "beta": "Xã Beta"})
        fake.r2_value.update({"alpha": 75.0, "beta": 50.0})
        app[EVALUATE] = fake
        async with served_on_loopback(app) as base_url:
            accounts = app[ACCOUNTS]
            accounts.create("cb.alpha", PASSWORD, Role.OPERATOR, NOW, "Cán bộ xã Alpha", {"alpha"})
            accounts.create("thamdinh", PASSWORD, Role.VERIFIER, NOW, "Thẩm định tỉnh")
            accounts.create("xem.alpha", PASSWORD, Role.VIEWER, NOW, "Người xem", {"alpha"})
            _late_plan_of_beta(app)
            yield base_url, app


async def test_written_returned_resubmitted_accepted_and_listed(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        officer = await signed_in(browser, base_url, "cb.alpha", problems)
        # The section's tab opens the open plans; the chooser opens the commune's.
        await officer.goto(f"{base_url}/indicators/remediation?period=2026-Q3")
        current = officer.locator("nav.ind-tabs a[aria-current=page]")
        assert await current.inner_text() == "Khắc phục"
        await officer.select_option("form.rem-choose select[name=commune]", "alpha")
        await officer.click("form.rem-choose button")
        await officer.wait_for_url(f"{base_url}{ALPHA}")
        card = officer.locator("#plan-R2")
        assert "Chưa có kế hoạch" in await card.inner_text()
        await check_page(officer, "remediation-empty-1400", shots, problems)

        await card.locator("textarea[name=cause]").fill("Mất điện lưới kéo dài ở thôn 1")
        await card.locator("textarea[name=steps]").fill(
            "Lắp bộ lưu điện cho cụm loa\nKiểm tra hằng tuần"
        )
        await card.locator("input[name=deadline]").fill("2026-12-31")
        await card.locator("input[name=responsible]").fill("UBND xã Alpha")
        await card.locator("form.rem-new button.primary").click()
        await officer.wait_for_url("**done=created*")
        assert await card.get_attribute("data-status") == "submitted"
        assert "Đã gửi kế hoạch khắc phục." in await officer.inner_text("p.notice")
        assert await card.locator("ol.rem-steps li").count() == 2

        # The verifier returns it with a comment.
        verifier = await signed_in(browser, base_url, "thamdinh", problems)
        await verifier.goto(f"{base_url}{ALPHA}")
        review = verifier.locator("#plan-R2")
        await check_page(verifier, "remediation-review-1400", shots, problems)
        await review.locator("form.rem-return textarea[name=comment]").fill(
            "Nêu rõ kinh phí và nguồn vốn"
        )
        await review.locator("form.rem-return button").click()
        await verifier.wait_for_url("**done=returned*")
        assert await review.get_attribute("data-status") == "returned"
        assert await review.locator("form.rem-return").count() == 0

        # The officer sees why, edits and resubmits.
        await officer.goto(f"{base_url}{ALPHA}")
        assert "Nêu rõ kinh phí và nguồn vốn" in await card.locator("dl.rem-facts").inner_text()
        edit = card.locator("details.rem-edit")
        assert await edit.get_attribute("open") is not None  # open by itself
        await edit.locator("textarea[name=cause]").fill(
            "Mất điện lưới kéo dài; cần 20 triệu đồng từ ngân sách xã"
        )
        await check_page(officer, "remediation-returned-1400", shots, problems)
        await edit.locator("button.primary").click()
        await officer.wait_for_url("**done=edited*")
        assert await card.get_attribute("data-status") == "submitted"
        await card.locator("details.rem-history > summary").click()
        history = await card.locator("details.rem-history").inner_text()
        assert "Sửa và gửi lại kế hoạch" in history and "Đã sửa: Nguyên nhân" in history

        # The verifier accepts; the open plans list the overdue one first.
        await verifier.goto(f"{base_url}{ALPHA}")
        await review.locator("form.rem-accept button").click()
        await verifier.wait_for_url("**done=accepted*")
        assert await review.get_attribute("data-status") == "accepted"
        [plan] = app[REMEDIATION].find("alpha")
        assert [(c.action, c.by.name) for c in plan.history] == [
            ("submitted", "Cán bộ xã Alpha"),
            ("returned", "Thẩm định tỉnh"),
            ("resubmitted", "Cán bộ xã Alpha"),
            ("accepted", "Thẩm định tỉnh"),
        ]
        await check_page(verifier, "remediation-accepted-1400", shots, problems)
        await verifier.goto(f"{base_url}/indicators/remediation?period=2026-Q3")
        rows = verifier.locator("table.rem-open tbody tr")
        assert await rows.count() == 2
        first = await rows.nth(0).inner_text()
        assert "Xã Beta" in first and "Quá hạn" in first, first
        assert await rows.nth(0).get_attribute("data-overdue") == "1"
        assert "Xã Alpha" in await rows.nth(1).inner_text()
        await check_page(verifier, "remediation-open-1400", shots, problems)
        await verifier.goto(f"{base_url}/indicators/remediation?period=2026-Q3&lang=en")
        assert "Overdue" in await rows.nth(0).inner_text()
        await check_page(verifier, "remediation-open-en-1400", shots, problems)
        await rows.nth(0).locator("a").click()
        await verifier.wait_for_url("**commune=beta&period=2026-Q2*")
        assert "Overdue" in await verifier.locator("#plan-R2 p.rem-state").inner_text()

        # On a phone: the verifier's list and the officer's page fit; a viewer reads.
        for login, path, name in (
            ("thamdinh", "/indicators/remediation?period=2026-Q3", "remediation-open-390"),
            ("cb.alpha", ALPHA, "remediation-officer-390"),
            (
                "thamdinh",
                "/indicators/remediation?commune=beta&period=2026-Q2",
                "remediation-beta-390",
            ),
        ):
            phone = await signed_in(browser, base_url, login, problems, width=390)
            await phone.goto(f"{base_url}{path}")
            await check_page(phone, name, shots, problems)
        viewer = await signed_in(browser, base_url, "xem.alpha", problems, width=390)
        await viewer.goto(f"{base_url}{ALPHA}")
        assert await viewer.locator("main form[method=post]").count() == 0
        assert await viewer.locator("#plan-R2").get_attribute("data-status") == "accepted"
        await check_page(viewer, "remediation-viewer-390", shots, problems)
    assert problems == []
