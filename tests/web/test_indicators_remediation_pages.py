"""The remediation page: a commune's indicators not met with their plans; the forms that
write, return, edit, accept and finish a plan, refusing what the API refuses, in words;
who sees which form; the open plans of every commune, overdue first."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import page_cookie
from tests.doubles import Clock
from tests.indicator_fakes import FakeEvaluation, ms
from tests.web import remediation_data
from tests.web.remediation_data import indicators_audit
from xaso.server.indicators.keys import REMEDIATION
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.tokens import Role

PAGE = "/indicators/remediation"
ALPHA_Q3 = f"{PAGE}?commune=alpha&period=2026-Q3"
FORM = {
    "indicator": "R2",
    "cause": "Mất điện lưới kéo dài ở thôn 1",
    "steps": "Lắp bộ lưu điện\r\n\r\nKiểm tra hằng tuần",
    "deadline": "2026-12-31",
    "responsible": "UBND xã Alpha",
}


# The shared fixtures (remediation_data.py), bound here for pytest to find by name.
clock = remediation_data.clock
fake = remediation_data.fake
app = remediation_data.app


def _form(headers: dict[str, str], fields: dict[str, str]) -> dict[str, str]:
    """A form as the browser posts it: the CSRF token as a field, not a header."""
    return {"csrf_token": headers[CSRF_HEADER], **fields}


def _cookie(headers: dict[str, str]) -> dict[str, str]:
    return {"Cookie": headers["Cookie"]}


async def _post(
    client: TestClient, path: str, who: dict[str, str], fields: dict[str, str]
) -> tuple[int, str, str]:
    response = await client.post(
        path, data=_form(who, fields), headers=_cookie(who), allow_redirects=False
    )
    return response.status, response.headers.get("Location", ""), await response.text()


async def _page(client: TestClient, who: dict[str, str], path: str = ALPHA_Q3) -> str:
    response = await client.get(path, headers=_cookie(who))
    assert response.status == 200, await response.text()
    return await response.text()


def _card(html: str, indicator: str) -> str:
    found = re.search(
        rf'<section class="rem-card[^"]*" id="plan-{indicator}".*?</section>', html, re.S
    )
    assert found is not None, html
    return found.group(0)


async def test_an_officer_writes_a_plan_for_an_indicator_not_met(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    html = await _page(client, officer)
    assert 'aria-current="page">Khắc phục</a>' in html
    assert "Kế hoạch khắc phục — Xã Alpha" in html
    card = _card(html, "R2")
    assert "✗ Chưa đạt" in card and "75 %" in card and "≥ 100 %" in card
    assert "Chưa có kế hoạch" in card and 'name="cause"' in card
    assert f'action="{PAGE}?commune=alpha&amp;period=2026-Q3"' in card
    assert 'id="plan-N1"' not in html  # without data is not "chưa đạt"
    assert 'id="open-plans"' not in html  # an officer's commune page: its plans only

    status, location, _ = await _post(client, ALPHA_Q3, officer, FORM)
    assert status == 303
    assert location == f"{PAGE}?commune=alpha&period=2026-Q3&done=created#plan-R2"
    [plan] = app[REMEDIATION].find("alpha")
    assert plan.fields.steps == ("Lắp bộ lưu điện", "Kiểm tra hằng tuần")
    html = await _page(client, officer, location.split("#")[0])
    assert "Đã gửi kế hoạch khắc phục." in html
    card = _card(html, "R2")
    assert "◷ Đã gửi, chờ thẩm định" in card and "31/12/2026" in card
    assert "<li>Lắp bộ lưu điện</li><li>Kiểm tra hằng tuần</li>" in card
    assert "Lập và gửi kế hoạch" in card  # the history
    assert "Sửa kế hoạch" in card  # still editable
    assert "/accept" not in card  # an officer does not decide


async def test_a_form_with_problems_comes_back_as_typed_with_them_in_words(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    fields = {**FORM, "cause": " ", "deadline": "2026-10-01"}
    status, _, html = await _post(client, ALPHA_Q3, officer, fields)
    assert status == 400
    card = _card(html, "R2")
    assert "Hãy nêu nguyên nhân." in card
    assert "Thời hạn đã qua: chọn hôm nay hoặc một ngày sau." in card
    assert 'value="UBND xã Alpha"' in card and "Lắp bộ lưu điện" in card
    assert app[REMEDIATION].find() == []

    # An indicator that is not "chưa đạt" is refused in words too.
    status, _, html = await _post(client, ALPHA_Q3, officer, {**FORM, "indicator": "N1"})
    assert status == 400
    assert "Chỉ tiêu này hiện không ở mức chưa đạt trong kỳ" in html
    # A second plan for the same indicator: 409, said so.
    await _post(client, ALPHA_Q3, officer, FORM)
    status, _, html = await _post(client, ALPHA_Q3, officer, FORM)
    assert status == 409 and "đã có kế hoạch trong kỳ" in html


async def test_returned_edited_accepted_and_done_through_the_forms(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    verifier = page_cookie(app, Role.VERIFIER)
    await _post(client, ALPHA_Q3, officer, FORM)
    [plan] = app[REMEDIATION].find()
    here = "?commune=alpha&period=2026-Q3"

    card = _card(await _page(client, verifier), "R2")
    assert f'action="{PAGE}/{plan.id}/accept{here.replace("&", "&amp;")}"' in card
    assert 'name="cause"' not in card  # a verifier does not write plans

    # Returned without a comment: the page says what is missing.
    status, _, html = await _post(
        client, f"{PAGE}/{plan.id}/return{here}", verifier, {"comment": ""}
    )
    assert status == 400
    assert "Khi trả lại, hãy ghi ý kiến: xã cần sửa gì." in _card(html, "R2")
    status, location, _ = await _post(
        client, f"{PAGE}/{plan.id}/return{here}", verifier, {"comment": "Nêu rõ kinh phí"}
    )
    assert status == 303 and "done=returned" in location

    card = _card(await _page(client, officer), "R2")
    assert "↩ Bị trả lại, cần sửa" in card and "Nêu rõ kinh phí" in card
    assert '<details class="rem-edit" open>' in card  # what to fix, open
    clock.advance(3600)
    edited = {k: v for k, v in FORM.items() if k != "indicator"} | {"cause": "Thiếu kinh phí"}
    status, location, _ = await _post(client, f"{PAGE}/{plan.id}/edit{here}", officer, edited)
    assert status == 303 and "done=edited" in location
    card = _card(await _page(client, officer), "R2")
    assert "◷ Đã gửi, chờ thẩm định" in card and "Sửa và gửi lại kế hoạch" in card
    assert "Đã sửa: Nguyên nhân" in card

    status, _, _ = await _post(client, f"{PAGE}/{plan.id}/accept{here}", verifier, {"comment": ""})
    assert status == 303
    card = _card(await _page(client, officer), "R2")
    assert "✓ Đã chấp nhận, đang thực hiện" in card and "rem-edit" not in card
    status, _, html = await _post(client, f"{PAGE}/{plan.id}/done{here}", officer, {"note": ""})
    assert status == 400 and "Hãy ghi kết quả đã thực hiện." in html
    status, _, _ = await _post(client, f"{PAGE}/{plan.id}/done{here}", officer, {"note": "Đã lắp"})
    assert status == 303
    card = _card(await _page(client, officer), "R2")
    assert "✔ Đã hoàn thành" in card and "Đã lắp" in card and "rem-finish" not in card

    # The page's changes are audited as the API's are.
    assert [action for action, _ in indicators_audit(app)] == [
        "indicators.remediation.create",
        "indicators.remediation.return",
        "indicators.remediation.resubmit",
        "indicators.remediation.accept",
        "indicators.remediation.done",
    ]


async def test_a_viewer_reads_without_forms_and_is_refused(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    viewer = page_cookie(app, Role.VIEWER, "alpha")
    await _post(client, ALPHA_Q3, officer, FORM)
    [plan] = app[REMEDIATION].find()
    html = await _page(client, viewer)
    assert "◷ Đã gửi, chờ thẩm định" in html
    assert '<form method="post"' not in html.split("</header>", 1)[1]  # only the logout's
    here = "?commune=alpha&period=2026-Q3"
    for path, fields in (
        (ALPHA_Q3, FORM),
        (f"{PAGE}/{plan.id}/accept{here}", {"comment": ""}),
        (f"{PAGE}/{plan.id}/edit{here}", FORM),
        (f"{PAGE}/{plan.id}/done{here}", {"note": "x"}),
    ):
        status, _, _ = await _post(client, path, viewer, fields)
        assert status == 403, path
    # Without the CSRF field, refused before anything is read.
    response = await client.post(
        f"{PAGE}/{plan.id}/accept{here}", data={"comment": ""}, headers=_cookie(viewer)
    )
    assert response.status == 403

    beta_viewer = page_cookie(app, Role.VIEWER, "beta")
    response = await client.get(ALPHA_Q3, headers=_cookie(beta_viewer))
    assert response.status == 404
    status, _, _ = await _post(client, f"{PAGE}/{plan.id}/accept{here}", beta_viewer, {})
    assert status == 404


async def test_the_open_plans_of_every_commune_overdue_first(
    client: TestClient, app: web.Application, fake: FakeEvaluation, clock: Clock
) -> None:
    fake.r2_value["beta"] = 50.0
    admin = page_cookie(app, Role.ADMIN)
    await _post(client, ALPHA_Q3, admin, FORM)
    beta = f"{PAGE}?commune=beta&period=2026-Q3"
    await _post(client, beta, admin, {**FORM, "deadline": "2026-10-20"})
    clock.now_ms = ms("2026-10-25T08:00")

    verifier = page_cookie(app, Role.VERIFIER)
    html = await _page(client, verifier, f"{PAGE}?period=2026-Q3")
    assert "Kế hoạch đang thực hiện và quá hạn" in html
    assert "2 kế hoạch chưa hoàn thành, 1 quá hạn" in html
    row = r'<tr class="[^"]*" data-status="(\w+)"( data-overdue="1")?>\s*<td><a href="([^"]+)">'
    rows = re.findall(row + r"([^<]+)</a>", html)
    assert [(r[3], bool(r[1])) for r in rows] == [("Xã Beta", True), ("Xã Alpha", False)]
    assert rows[0][2] == "/indicators/remediation?commune=beta&amp;period=2026-Q3#plan-R2"
    assert "⚠ Quá hạn 5 ngày" in html
    assert '<select name="commune">' in html  # to open one commune's plans

    # A verifier's commune page has the list below; an officer sees its communes only.
    assert 'id="open-plans"' in await _page(client, verifier)
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    html = await _page(client, officer, PAGE)
    assert "1 kế hoạch chưa hoàn thành, 0 quá hạn" in html and "Xã Beta" not in html

    # In English.
    html = await _page(client, verifier, f"{PAGE}?lang=en")
    assert "2 plans not done, 1 overdue" in html and "⚠ Overdue by 5 days" in html


async def test_a_commune_without_a_shortfall_says_so(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "beta")
    html = await _page(client, officer, f"{PAGE}?commune=beta&period=2026-Q3")
    assert "Trong kỳ này xã không có chỉ tiêu chưa đạt." in html
    assert 'class="rem-card' not in html
