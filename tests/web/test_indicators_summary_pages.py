"""The province summary on the real app, over the demo's province and its 2026-Q3 (one
demo for the module): the page, its CSV and PDF and the API say the same, each commune's
sign-off state is told apart (none, signed, signed but changed since), an operator sees
only its commune in every format, the area is chosen with the hierarchy of the period,
and the page says it all in Vietnamese and in English."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from tests.apps import bearer, page_cookie
from tests.indicators.demo_quarter import (
    NOW,
    QUARTER,
    demo_communes,
    demo_quarter_app,
    seed_compliance,
    workers_started,
)
from tests.indicators.pdf_glyphs import read_back, squeezed
from xaso.server.indicators.gather.remediation import remediation_counts
from xaso.server.indicators.keys import REMEDIATION
from xaso.server.monitoring.exclusion_history import Author
from xaso.server.monitoring.exclusions import MaintenanceWindow
from xaso.server.monitoring.keys import EXCLUSIONS
from xaso.server.web.tokens import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

SIGNED = "xuan-lai"  # signed off, still matching
CHANGED = "xuan-hong"  # signed off, then a maintenance window changed its figures
OFFICER_COMMUNE = "xuan-hong"
NAMES = {
    "xuan-hong": "Xã Xuân Hồng",
    "xuan-lai": "Xã Xuân Lai",
    "xuan-sinh": "Xã Xuân Sinh",
    "xuan-phu": "Xã Xuân Phú",
    "tt-tho-xuan": "Thị trấn Thọ Xuân",
    "tt-sao-vang": "Thị trấn Sao Vàng",
    "tt-lam-son": "Thị trấn Lam Sơn",
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestClient]:
    """The demo's quarter served; two communes signed off, one of them changed since."""
    with workers_started():
        async with (
            demo_quarter_app(tmp_path_factory.mktemp("demo")) as app,
            TestClient(TestServer(app)) as client,
        ):
            await seed_compliance(app)
            verifier = bearer(app, Role.VERIFIER, name="Lê Văn Thẩm Định")
            for commune in (SIGNED, CHANGED):
                report = await client.get(
                    f"/api/v1/indicators/report?commune={commune}&period={QUARTER}&format=json",
                    headers=verifier,
                )
                body = {
                    "commune": commune,
                    "period": QUARTER,
                    "sha256": (await report.json())["sha256"],
                }
                signed = await client.post(
                    "/api/v1/indicators/signoff", json=body, headers=verifier
                )
                assert signed.status == 201, await signed.text()
            window = MaintenanceWindow(
                id="mw-thay-loa",
                scope="device",
                target=f"{CHANGED}-rc-01",
                start=dt.datetime(2026, 9, 10, 7, 0),
                duration_s=3 * 86_400.0,
                reason="Thay bộ khuếch đại",
            )
            app[EXCLUSIONS].add_window(
                window, state="approved", by=Author("qt", "admin"), at_ms=NOW
            )
            yield client


@pytest.fixture(autouse=True)
def forget_cookies(client: TestClient) -> None:
    """Each test signs in through its own headers; a language one chose stays with it."""
    client.session.cookie_jar.clear()


def app_of(client: TestClient) -> Any:
    assert client.app is not None
    return client.app


async def page(client: TestClient, path: str, headers: dict[str, str]) -> str:
    response = await client.get(path, headers=headers, allow_redirects=False)
    assert response.status == 200, (path, response.status, await response.text())
    return await response.text()


def row_of(html: str, commune: str) -> str:
    found = re.search(rf'<tr data-commune="{commune}">(.*?)</tr>', html, re.S)
    assert found, commune
    return found.group(1)


def plain(html: str) -> str:
    """The page's text: tags away, and the joiners that keep a symbol with its word."""
    joined = html.replace("&#8288;", "").replace("&nbsp;", " ")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", joined))


async def test_a_verifier_sees_every_commune_its_verdicts_and_sign_off(
    client: TestClient,
) -> None:
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    html = await page(client, "/indicators/summary", verifier)  # the last full quarter
    assert '<a href="/indicators/summary?period=2026-Q3" aria-current="page">Tổng hợp</a>' in html
    assert "Quý 3/2026" in html
    assert re.findall(r'<tr data-commune="([^"]+)">', html) == demo_communes() == list(NAMES)
    api = await client.get(
        f"/api/v1/indicators/summary?period={QUARTER}", headers=bearer(app_of(client), Role.ADMIN)
    )
    data = await api.json()
    for commune in data["communes"]:
        row = plain(row_of(html, commune["commune"]))
        assert NAMES[commune["commune"]] in row and "Tỉnh Thanh Hóa" in row
        # Every indicator's verdict in a symbol and words, and the counts of the API.
        for verdict in commune["verdicts"].values():
            word = {"met": "✓ Đạt", "not_met": "✗ Chưa đạt"}.get(verdict)
            assert word is None or word in row
        counts = commune["counts"]
        assert row.count("? Không đủ dữ liệu") == counts["insufficient_data"]
        assert row.count("✗ Chưa đạt") == counts["not_met"]
        numbers = re.findall(r'class="sum-count"[^>]*>(\d+)<', row_of(html, commune["commune"]))
        assert numbers[:3] == [str(counts[v]) for v in ("met", "not_met", "insufficient_data")]
    assert "Đã phê duyệt, dữ liệu đã thay đổi" in plain(row_of(html, CHANGED))
    signed = plain(row_of(html, SIGNED))
    assert "Đã phê duyệt" in signed and "Lê Văn Thẩm Định · 05/10/2026 09:00" in signed
    assert "Chưa phê duyệt" in plain(row_of(html, "xuan-sinh"))
    assert "2/7 xã đã phê duyệt (1 còn khớp dữ liệu)" in html
    assert [c["signoff"]["state"] for c in data["communes"][:2]] == ["mismatch", "matches"]
    assert data["signoffs"] == {"matches": 1, "mismatch": 1, "none": 5}
    # The totals per indicator are the API's.
    totals = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S)
    assert totals and "Tổng cộng" in totals.group(1)
    c2 = data["totals"]["C2"]
    assert f"✓ {c2['met']}" in plain(totals.group(1)) and f"✗ {c2['not_met']}" in plain(
        totals.group(1)
    )
    # Each commune links to its report page for the period, the files to this summary's.
    assert f'href="/indicators/commune?commune={SIGNED}&amp;period=2026-Q3"' in html
    assert 'href="/indicators/summary?period=2026-Q3&amp;format=pdf"' in html
    assert 'href="/indicators/summary?period=2026-Q3&amp;format=csv"' in html


async def test_the_page_speaks_english(client: TestClient) -> None:
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    html = await page(client, f"/indicators/summary?period={QUARTER}&lang=en", verifier)
    text = plain(html)
    for words in (
        "Digital infrastructure indicators: summary — Every commune in scope",
        "Q3 2026",
        "2 of 7 communes signed off (1 still match the data)",
        "Signed off; the data changed since",
        "Not signed off",
        "✓ Met",
        "? Insufficient data",
        "Print / PDF",
        "Download CSV",
        "Commune has a working IT radio station",
    ):
        assert words in text, words
    for vietnamese in ("Chưa phê duyệt", "Đạt", "Tổng cộng", "Các chỉ tiêu"):
        assert vietnamese not in text, vietnamese


async def test_an_operator_sees_only_its_commune_in_every_format(client: TestClient) -> None:
    app = app_of(client)
    officer = page_cookie(app, Role.OPERATOR, OFFICER_COMMUNE)
    html = await page(client, f"/indicators/summary?period={QUARTER}&area=thanh-hoa", officer)
    assert re.findall(r'<tr data-commune="([^"]+)">', html) == [OFFICER_COMMUNE]
    assert "Xã Xuân Lai" not in html
    assert "1/1 xã đã phê duyệt (0 còn khớp dữ liệu)" in html
    sheet = await client.get(f"/indicators/summary?period={QUARTER}&format=csv", headers=officer)
    rows = list(csv.reader(io.StringIO((await sheet.read()).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:] if r[0]] == [OFFICER_COMMUNE]
    printed = await client.get(f"/indicators/summary?period={QUARTER}&format=pdf", headers=officer)
    body = squeezed(read_back(await printed.read()).body)
    assert squeezed("Xã Xuân Hồng") in body and squeezed("Xã Xuân Lai") not in body
    token = bearer(app, Role.OPERATOR, OFFICER_COMMUNE)
    answer = await client.get(f"/api/v1/indicators/summary?period={QUARTER}", headers=token)
    assert [c["commune"] for c in (await answer.json())["communes"]] == [OFFICER_COMMUNE]


async def test_the_csv_has_a_row_per_commune_and_the_totals(client: TestClient) -> None:
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    response = await client.get(
        f"/indicators/summary?period={QUARTER}&format=csv", headers=verifier
    )
    assert response.content_type == "text/csv"
    assert "tong-hop-chi-tieu_tat-ca_2026-Q3.csv" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel shows the diacritics
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:5] == ["Mã xã", "Tên xã", "Đơn vị cấp trên", "Từ ngày", "Đến ngày"]
    assert "Số chỉ tiêu chưa đạt" in header and "Phê duyệt" in header
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:] if r[0]}
    assert list(by_code) == demo_communes()
    assert by_code[SIGNED]["Phê duyệt"] == "Đã phê duyệt"
    assert by_code[SIGNED]["Người phê duyệt"] == "Lê Văn Thẩm Định"
    assert by_code[CHANGED]["Phê duyệt"] == "Đã phê duyệt, dữ liệu đã thay đổi"
    assert by_code["xuan-sinh"]["R1"] in ("Đạt", "Chưa đạt", "Không đủ dữ liệu")
    assert by_code["xuan-sinh"]["Từ ngày"] == "01/07/2026"
    totals = [r for r in rows[1:] if not r[0]]
    assert [r[1] for r in totals] == [
        "Tổng: Đạt",
        "Tổng: Chưa đạt",
        "Tổng: Không đủ dữ liệu",
        "Tổng: Không áp dụng",
    ]
    r1 = header.index("R1")
    assert sum(int(r[r1]) for r in totals) == len(by_code)
    english = await client.get(
        f"/indicators/summary?period={QUARTER}&format=csv&lang=en", headers=verifier
    )
    rows = list(csv.reader(io.StringIO((await english.read()).decode("utf-8-sig"))))
    assert rows[0][:3] == ["commune", "commune_name", "parent"]
    states = {r[0]: r[rows[0].index("signoff")] for r in rows[1:] if r[0]}
    assert (states[SIGNED], states[CHANGED], states["xuan-sinh"]) == ("matches", "mismatch", "none")
    assert rows[1][rows[0].index("from")] == "2026-07-01"


async def test_the_pages_pdf_is_the_apis(client: TestClient) -> None:
    app = app_of(client)
    verifier = page_cookie(app, Role.VERIFIER)
    from_page = await client.get(
        f"/indicators/summary?period={QUARTER}&format=pdf", headers=verifier
    )
    assert from_page.content_type == "application/pdf"
    assert "tong-hop-chi-tieu_tat-ca_2026-Q3.pdf" in from_page.headers["Content-Disposition"]
    from_api = await client.get(
        f"/api/v1/indicators/summary?period={QUARTER}&format=pdf",
        headers=bearer(app, Role.VIEWER),
    )
    pdf = await from_page.read()
    assert pdf == await from_api.read()  # the same view, the same clock: the same bytes
    body = squeezed(read_back(pdf).body)
    for words in ("Tổng hợp chỉ tiêu hạ tầng số", *NAMES.values(), "Đã phê duyệt, dữ liệu"):
        assert squeezed(words) in body, words


async def test_the_area_is_chosen_with_the_hierarchy_of_the_period(client: TestClient) -> None:
    app = app_of(client)
    verifier = page_cookie(app, Role.VERIFIER)
    # Before July 2025 the communes sat under the district of Thọ Xuân.
    html = await page(client, "/indicators/summary?period=2025-Q2&area=tho-xuan", verifier)
    assert re.findall(r'<tr data-commune="([^"]+)">', html) == demo_communes()
    assert "Huyện Thọ Xuân" in plain(row_of(html, "xuan-hong"))
    assert '<option value="tho-xuan" selected>Huyện Thọ Xuân</option>' in html
    # Districts ended on 1 July 2025: none in 2026-Q3.
    html = await page(client, f"/indicators/summary?period={QUARTER}&area=tho-xuan", verifier)
    assert "Không có xã nào trong kỳ này." in html and "<table" not in html
    # The period picker keeps the area chosen.
    assert '<input type="hidden" name="area" value="tho-xuan">' in html
    # Unless chosen, the chooser offers the areas of the period only.
    html = await page(client, f"/indicators/summary?period={QUARTER}", verifier)
    assert '<option value="tho-xuan"' not in html and '<option value="thanh-hoa">' in html
    moved = await client.get(
        "/indicators/summary?area=thanh-hoa&kind=quarter&year=2026&quarter=2",
        headers=verifier,
        allow_redirects=False,
    )
    assert moved.status == 303
    assert moved.headers["Location"] == "/indicators/summary?area=thanh-hoa&period=2026-Q2"


async def test_a_bad_request_says_what_is_wrong(client: TestClient) -> None:
    app = app_of(client)
    verifier = page_cookie(app, Role.VERIFIER)
    response = await client.get(
        f"/indicators/summary?period={QUARTER}&area=nowhere&format=docx", headers=verifier
    )
    assert response.status == 400
    text = await response.text()
    assert "nowhere" in text and "format" in text
    answer = await client.get(
        "/api/v1/indicators/summary?area=nowhere&format=xml&excused=maybe",
        headers=bearer(app, Role.VIEWER),
    )
    assert answer.status == 400
    problems = (await answer.json())["problems"]
    assert problems[0] == "area: no area 'nowhere' in the inventory"
    assert "period" in problems[1]
    assert [p.split(":")[0] for p in problems[2:]] == ["format", "excused"]


async def test_the_open_and_overdue_plans_are_the_remediation_stores(client: TestClient) -> None:
    """The demo writes a plan for what was not met in each of the last two quarters:
    the older one accepted and past its deadline."""
    app = app_of(client)
    expected = remediation_counts(app[REMEDIATION], demo_communes(), NOW)
    assert sum(plans[0] for plans in expected.values()) > 0
    assert sum(plans[1] for plans in expected.values()) > 0
    verifier = page_cookie(app, Role.VERIFIER)
    html = await page(client, f"/indicators/summary?period={QUARTER}", verifier)
    assert "Kế hoạch đang mở" in html and "Kế hoạch quá hạn" in html
    for commune, (still_open, overdue) in expected.items():
        numbers = re.findall(r'class="sum-count"[^>]*>(\d+)<', row_of(html, commune))
        assert numbers[-2:] == [str(still_open), str(overdue)], commune
    answer = await client.get(
        f"/api/v1/indicators/summary?period={QUARTER}", headers=bearer(app, Role.ADMIN)
    )
    data = await answer.json()
    assert data["remediation"] is True
    assert {c["commune"]: tuple(c["remediation"].values()) for c in data["communes"]} == expected
    sheet = await client.get(f"/indicators/summary?period={QUARTER}&format=csv", headers=verifier)
    rows = list(csv.reader(io.StringIO((await sheet.read()).decode("utf-8-sig"))))
    assert rows[0][-2:] == ["Kế hoạch khắc phục đang mở", "Kế hoạch khắc phục quá hạn"]
    assert {r[0]: (int(r[-2]), int(r[-1])) for r in rows[1:] if r[0]} == expected
