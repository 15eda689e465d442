"""The indicators overview and trend pages through the real app: every role reads them
within its communes, the period picker names the period as the API does, the counts are
the API's own, the links lead to the commune's report and the trends, the words are the
page's language."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.doubles import Clock
from tests.web.indicator_overview_data import (
    NOW,
    CatalogueEvaluation,
    commune_code,
    district_of,
    write_inventory,
)
from xaso.server.indicators.keys import EVALUATE
from xaso.server.web.tokens import Role

COMMUNES = 12
OVERVIEW_API = "/api/v1/indicators/overview"


@pytest.fixture
def evaluation() -> CatalogueEvaluation:
    return CatalogueEvaluation()


@pytest.fixture
async def app(tmp_path: Path, evaluation: CatalogueEvaluation) -> AsyncIterator[web.Application]:
    inventory = write_inventory(tmp_path, COMMUNES)
    async with app_without_broker(tmp_path, inventory=inventory, clock_ms=Clock(NOW)) as app:
        app[EVALUATE] = evaluation
        yield app


async def _page(client: TestClient, path: str, headers: dict[str, str], status: int = 200) -> str:
    response = await client.get(path, headers=headers, allow_redirects=False)
    html = await response.text()
    assert response.status == status, (path, html[:2000])
    return html


def _rows(html: str) -> dict[str, dict[str, str]]:
    """Each commune's row: its verdict per indicator, as the cells' data say."""
    rows = {}
    for code, body in re.findall(
        r'<tr class="ind-row" data-commune="([^"]+)"(.*?)</tr>', html, re.S
    ):
        rows[code] = dict(re.findall(r'<td data-indicator="(\w+)" data-verdict="(\w+)"', body))
    return rows


def _footer(html: str) -> dict[str, dict[str, int]]:
    """The counts under the grid: per verdict, per indicator."""
    footer = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    found = {}
    for verdict, body in re.findall(r'<tr data-verdict="(\w+)">(.*?)</tr>', footer, re.S):
        found[verdict] = {i: int(n) for i, n in re.findall(r'data-indicator="(\w+)">(\d+)<', body)}
    return found


def _visible_text(html: str) -> str:
    """What a person reads: the page without its tags (and their attributes)."""
    body = html.split("<body", 1)[1]
    return unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.VERIFIER, Role.OPERATOR, Role.VIEWER])
async def test_every_role_reads_the_overview_and_the_trend(
    client: TestClient, app: web.Application, role: Role
) -> None:
    # An operator names its communes: here every one of them.
    every = [commune_code(n) for n in range(1, COMMUNES + 1)] if role is Role.OPERATOR else []
    cookie = page_cookie(app, role, *every)
    html = await _page(client, "/indicators?period=2026-Q3", cookie)
    assert len(_rows(html)) == COMMUNES
    assert '<a href="/indicators?period=2026-Q3" aria-current="page">Tổng quan</a>' in html
    trend = await _page(client, "/indicators/trend?period=2026-Q3", cookie)
    assert trend.count('<svg class="ind-chart"') == 15
    # No session: the login page.
    response = await client.get("/indicators", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")


async def test_a_commune_officer_sees_only_their_commune(
    client: TestClient, app: web.Application, evaluation: CatalogueEvaluation
) -> None:
    own = commune_code(3)
    cookie = page_cookie(app, Role.OPERATOR, own)
    html = await _page(client, "/indicators?period=2026-Q3", cookie)
    assert list(_rows(html)) == [own]
    assert all(asked == [own] for asked, _, _ in evaluation.calls)
    assert "Xã Thử Nghiệm 05" not in html
    # The areas offered are those holding the commune: the province and its district.
    options = re.findall(
        r'<option value="(\w*)"[^>]*>', html.split('name="area"')[1].split("</select>")[0]
    )
    assert options == ["", "prov", district_of(3)]
    # The trend of another commune does not exist for them; their own does.
    await _page(client, f"/indicators/trend?period=2026-Q3&commune={commune_code(5)}", cookie, 404)
    own_trend = await _page(client, f"/indicators/trend?period=2026-Q3&commune={own}", cookie)
    assert "Xã Thử Nghiệm 03" in own_trend
    # An area of the province shows only what is theirs in it.
    other = "d1" if district_of(3) == "d2" else "d2"
    html = await _page(client, f"/indicators?period=2026-Q3&area={other}", cookie)
    assert _rows(html) == {} and "Không có xã nào trong phạm vi của bạn" in html


async def test_the_period_picker_names_the_period_as_the_api_does(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.VERIFIER)
    response = await client.get(
        "/indicators?kind=quarter&year=2026&quarter=2&area=d1",
        headers=cookie,
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/indicators?area=d1&period=2026-Q2"
    # The picker keeps the page's area.
    html = await _page(client, "/indicators?area=d1&period=2026-Q2", cookie)
    picker = html.split('class="ind-picker"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="area" value="d1">' in picker
    # Without a period: the last full quarter, named in words, never as the API's code.
    html = await _page(client, "/indicators", cookie)
    assert "<strong>Quý 3/2026</strong>" in html
    assert "2026-Q3" not in _visible_text(html)
    # A month is a period too.
    html = await _page(client, "/indicators?period=2026-10", cookie)
    assert "<strong>Tháng 10/2026</strong>" in html


async def test_the_counts_are_the_apis_own(client: TestClient, app: web.Application) -> None:
    cookie = page_cookie(app, Role.VERIFIER)
    api = await (
        await client.get(
            f"{OVERVIEW_API}?period=2026-Q3&trend=0", headers=bearer(app, Role.VERIFIER)
        )
    ).json()
    html = await _page(client, "/indicators?period=2026-Q3", cookie)
    footer = _footer(html)
    for indicator in (i["id"] for i in api["indicators"]):
        counts = api["summary"][0].get(indicator, {})
        for verdict in ("met", "not_met", "insufficient_data"):
            assert footer[verdict][indicator] == counts.get(verdict, 0), (indicator, verdict)
    rows = _rows(html)
    for row in api["communes"]:
        expected = {key: cell["verdicts"][0] for key, cell in row["indicators"].items()}
        assert rows[row["commune"]] == expected
    # The line above the grid adds the communes up.
    states = [set(v.values()) for v in rows.values()]
    not_met = sum("not_met" in s for s in states)
    lacking = sum("not_met" not in s and "insufficient_data" in s for s in states)
    all_met = COMMUNES - not_met - lacking
    assert all_met > 0 and not_met > 0  # the data has both
    assert (
        f"{COMMUNES} xã/phường: {all_met} đạt mọi chỉ tiêu, {not_met} có chỉ tiêu chưa đạt, "
        f"{lacking} còn thiếu dữ liệu"
    ) in html
    # The trend of one indicator: the API's summary, period by period.
    api = await (
        await client.get(
            f"{OVERVIEW_API}?period=2026-Q3&trend=3", headers=bearer(app, Role.VERIFIER)
        )
    ).json()
    trend = await _page(client, "/indicators/trend?period=2026-Q3&indicator=R6", cookie)
    figures = trend.split('class="ind-figures"', 1)[1].split("</details>", 1)[0]
    for verdict in ("met", "not_met", "insufficient_data"):
        row = figures.split(f'data-verdict="{verdict}"', 1)[1].split("</tr>", 1)[0]
        shown = [int(n) for n in re.findall(r"<td>(\d+)</td>", row)]
        assert shown == [p.get("R6", {}).get(verdict, 0) for p in api["summary"]], verdict


async def test_an_area_narrows_the_grid(client: TestClient, app: web.Application) -> None:
    cookie = page_cookie(app, Role.VERIFIER)
    html = await _page(client, "/indicators?period=2026-Q3&area=d1", cookie)
    expected = [commune_code(n) for n in range(1, COMMUNES + 1) if district_of(n) == "d1"]
    assert list(_rows(html)) == expected
    assert "<h1>Tổng quan chỉ tiêu — Huyện Một</h1>" in html
    assert '<option value="d1" selected>Huyện Một</option>' in html
    await _page(client, "/indicators?period=2026-Q3&area=nowhere", cookie, 400)


async def test_the_links_lead_to_the_report_and_the_trends(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.VERIFIER)
    html = await _page(client, "/indicators?period=2026-Q3", cookie)
    rows = _rows(html)
    # Each commune to its report page for the period.
    for code in rows:
        assert f'<a href="/indicators/commune?commune={code}&amp;period=2026-Q3">' in html
    # Each cell that needs a look to the indicator in the report; a met one to nothing.
    code, verdicts = next((c, v) for c, v in rows.items() if "not_met" in v.values())
    indicator = next(i for i, v in verdicts.items() if v == "not_met")
    assert f'href="/indicators/commune?commune={code}&amp;period=2026-Q3#{indicator}"' in html
    met = next(i for i, v in verdicts.items() if v == "met")
    assert f"period=2026-Q3#{met}" not in html.split(f'data-commune="{code}"')[1].split("</tr>")[0]
    # Each indicator and each commune to its trend, and the whole to the trend of all.
    assert 'href="/indicators/trend?indicator=R2&amp;period=2026-Q3"' in html
    assert f'href="/indicators/trend?commune={code}&amp;period=2026-Q3"' in html
    assert 'href="/indicators/trend?period=2026-Q3"' in html
    # The short name on the header, the full name in the table of indicators beneath.
    assert '<span class="ind-short">Loa các thôn</span>' in html
    assert "Tỷ lệ thôn có cụm loa truyền thanh hoạt động" in html
    # The status page links to the indicators, naming their period.
    home = await _page(client, "/", cookie)
    assert '<a href="/indicators">Chỉ tiêu hạ tầng số, Quý 3/2026 →</a>' in home


async def test_the_trend_views(client: TestClient, app: web.Application) -> None:
    cookie = page_cookie(app, Role.VERIFIER)
    code = commune_code(4)
    html = await _page(client, f"/indicators/trend?period=2026-Q3&commune={code}", cookie)
    assert html.count('<svg class="ind-chart"') == 1
    for quarter in ("Quý 4/2025", "Quý 1/2026", "Quý 2/2026", "Quý 3/2026"):
        assert quarter in html
    # The chart's bars lead to the commune's report for their period.
    assert f'<a href="/indicators/commune?commune={code}&amp;period=2026-Q1">' in html
    html = await _page(client, "/indicators/trend?period=2026-Q3&indicator=R2&periods=8", cookie)
    assert "Quý 4/2024" in html and "Quý 3/2024" not in html
    assert html.count('<tr>\n      <th scope="row">') == COMMUNES
    await _page(client, "/indicators/trend?period=2026-Q3&indicator=X9", cookie, 404)
    await _page(client, f"/indicators/trend?indicator=R2&commune={code}", cookie, 400)
    response = await client.get(
        "/indicators/trend?period=2026-Q3&periods=99&area=x", headers=cookie
    )
    text = await response.text()
    assert response.status == 400 and "periods" in text and "area" in text


async def test_the_pages_speak_english(client: TestClient, app: web.Application) -> None:
    cookie = page_cookie(app, Role.VERIFIER)
    for path in (
        "/indicators?period=2026-Q3&lang=en",
        "/indicators/trend?period=2026-Q3&lang=en",
        f"/indicators/trend?period=2026-Q3&commune={commune_code(1)}&lang=en",
    ):
        text = _visible_text(await _page(client, path, cookie))
        assert "Q3 2026" in text and "Met" in text, path
        for vietnamese in ("Quý", "Đạt", "Chưa đạt", "Không đủ dữ liệu", "Tổng quan", "Xu hướng"):
            assert vietnamese not in text, (path, vietnamese)
    html = await _page(client, "/indicators?period=2026-Q3&lang=en", cookie)
    assert "Indicators overview" in html and "Village speakers" in html
    assert "Villages with a working loudspeaker cluster" in html
