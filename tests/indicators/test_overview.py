"""The overview: communes × indicators for a period and the ones before, under an area
as the hierarchy was in each period, within the caller's communes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.indicator_fakes import TZ, FakeEvaluation, ms
from tests.paths import DATA
from xaso.inventory import load_inventory
from xaso.server.indicators.keys import EVALUATE
from xaso.server.indicators.period import parse_period
from xaso.server.indicators.reports.overview import PeriodRef, communes_under
from xaso.server.indicators.reports.period import previous_periods
from xaso.server.web.tokens import Role

INVENTORY = DATA / "hierarchy-inventory.yaml"
OVERVIEW = "/api/v1/indicators/overview"


def ref(label: str) -> PeriodRef:
    return PeriodRef(label, *parse_period(label, TZ))


def test_earlier_periods_of_the_same_kind() -> None:
    assert [p.label for p in previous_periods(ref("2026-Q1"), 3, TZ)] == [
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    ]
    assert [p.label for p in previous_periods(ref("2026-01"), 2, TZ)] == ["2025-11", "2025-12"]
    assert [p.label for p in previous_periods(ref("2026"), 1, TZ)] == ["2025"]
    assert [p.label for p in previous_periods(ref("2026-03-01"), 1, TZ)] == ["2026-02-28"]
    explicit = PeriodRef("", 1_000, 3_000)
    assert previous_periods(explicit, 2, TZ) == [
        PeriodRef("", -3_000, -1_000),
        PeriodRef("", -1_000, 1_000),
    ]


def test_communes_under_an_area_as_it_was() -> None:
    index = load_inventory(INVENTORY).index()
    q2, q3, y2025 = ref("2025-Q2"), ref("2025-Q3"), ref("2025")
    assert communes_under(index, "d1", q2.from_ms, q2.to_ms, TZ) == ["a1", "a3"]
    assert communes_under(index, "d1", q3.from_ms, q3.to_ms, TZ) == []  # no districts since
    assert communes_under(index, "prov", q2.from_ms, q2.to_ms, TZ) == ["a1", "a2", "a3"]
    assert communes_under(index, "prov", q3.from_ms, q3.to_ms, TZ) == ["a1", "a2", "a3", "a4"]
    # A year across the reform: under the district for half of it.
    assert communes_under(index, "d2", y2025.from_ms, y2025.to_ms, TZ) == ["a2"]
    assert communes_under(index, None, q2.from_ms, q2.to_ms, TZ) == ["a1", "a2", "a3"]


@pytest.fixture
def fake() -> FakeEvaluation:
    return FakeEvaluation({"a1": "Xã Một", "a2": "Xã Hai", "a3": "Xã Ba", "a4": "Xã Mới"})


@pytest.fixture
async def app(tmp_path: Path, fake: FakeEvaluation) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, inventory=INVENTORY) as application:
        application[EVALUATE] = fake
        yield application


async def test_a_province_over_three_quarters_across_the_reform(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    fake.r2_at[("a1", ms("2025-04-01T00:00"))] = 50.0
    response = await client.get(
        f"{OVERVIEW}?area=prov&period=2025-Q3&trend=2", headers=bearer(app, Role.VIEWER)
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert [p["period"] for p in body["periods"]] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert body["periods"][2]["from"] == "2025-06-30T17:00:00.000+00:00"
    assert body["area"] == {"code": "prov", "name": "Tỉnh Thử", "level": "province"}
    assert [i["id"] for i in body["indicators"]] == ["R2", "N1"]
    rows = {row["commune"]: row for row in body["communes"]}
    assert list(rows) == ["a1", "a2", "a3", "a4"]
    a1 = rows["a1"]["indicators"]["R2"]
    assert a1["verdicts"] == ["met", "not_met", "met"]
    assert a1["values"] == [100, 50, 100] and a1["unit"] == "%"
    # a4 was founded on 1 July 2025: nothing before.
    assert rows["a4"]["indicators"]["R2"]["verdicts"] == [None, None, "met"]
    assert rows["a4"]["sha256"][:2] == [None, None] and len(rows["a4"]["sha256"][2]) == 64
    assert body["summary"][1]["R2"] == {"met": 2, "not_met": 1}
    assert body["summary"][2]["N1"] == {"insufficient_data": 4}
    # One evaluation call per period, for the communes listed in it.
    assert [calls[0] for calls in fake.calls] == [
        ["a1", "a2", "a3"],
        ["a1", "a2", "a3"],
        ["a1", "a2", "a3", "a4"],
    ]


async def test_a_district_before_the_reform_and_after(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    body = await (
        await client.get(f"{OVERVIEW}?area=d1&period=2025-Q2&trend=0", headers=admin)
    ).json()
    assert [row["commune"] for row in body["communes"]] == ["a1", "a3"]
    body = await (
        await client.get(f"{OVERVIEW}?area=d1&period=2025-Q3&trend=0", headers=admin)
    ).json()
    assert body["communes"] == []


async def test_the_overview_keeps_to_the_callers_communes(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    viewer = bearer(app, Role.VIEWER, "a2")
    body = await (await client.get(f"{OVERVIEW}?period=2025-Q3&trend=1", headers=viewer)).json()
    assert [row["commune"] for row in body["communes"]] == ["a2"]
    assert all(calls[0] == ["a2"] for calls in fake.calls)


async def test_bad_requests_name_every_problem(client: TestClient, app: web.Application) -> None:
    response = await client.get(
        f"{OVERVIEW}?area=nowhere&period=2025-Q7&trend=99", headers=bearer(app, Role.ADMIN)
    )
    assert response.status == 400
    problems = (await response.json())["problems"]
    assert len(problems) == 3, problems
    assert (await client.get(OVERVIEW, headers=bearer(app, Role.ADMIN))).status == 400


async def test_the_overview_page(client: TestClient, app: web.Application) -> None:
    """The page shows the API's overview of the period (tests/web/test_indicators_
    overview_pages.py tells the rest)."""
    cookie = page_cookie(app, Role.VIEWER)
    response = await client.get("/indicators?area=prov&period=2025-Q3", headers=cookie)
    assert response.status == 200
    html = await response.text()
    for expected in ("Tổng quan chỉ tiêu — Tỉnh Thử", "Xã Mới", "Đạt", "Người xem"):
        assert expected in html, expected
    # The period named as people name it; the links keep the machine name.
    assert "<strong>Quý 3/2025</strong>" in html
    assert '<a href="/indicators/commune?commune=a1&amp;period=2025-Q3">Xã Một</a>' in html
    english = await (
        await client.get("/indicators?area=prov&period=2025-Q3&lang=en", headers=cookie)
    ).text()
    assert "<strong>Q3 2025</strong>" in english and "(Viewer)" in english
    # Without a period: the last full quarter, on the page itself.
    response = await client.get(
        "/indicators?area=prov&lang=vi", headers=cookie, allow_redirects=False
    )
    assert response.status == 200 and "<strong>Quý " in await response.text()


async def test_the_overview_of_one_commune_and_the_english_names(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    viewer = bearer(app, Role.VIEWER, "a1", "a2")
    body = await (
        await client.get(f"{OVERVIEW}?period=2025-Q3&trend=1&commune=a2", headers=viewer)
    ).json()
    assert [row["commune"] for row in body["communes"]] == ["a2"]
    assert all(calls[0] == ["a2"] for calls in fake.calls)
    assert body["indicators"][0] == {
        "id": "R2",
        "name": "Tỷ lệ thôn có cụm loa truyền thanh hoạt động",
        "name_en": "",
    }
    # A commune outside the token's scope is not there, as for a report.
    response = await client.get(f"{OVERVIEW}?period=2025-Q3&commune=a3", headers=viewer)
    assert response.status == 404


async def test_a_trend_reaching_back_before_1970_is_a_400(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    for query in ("period=1970-Q1&trend=2", "period=1970&trend=1"):
        response = await client.get(f"{OVERVIEW}?{query}", headers=admin)
        assert response.status == 400, await response.text()
        assert "before 1970-01-01" in (await response.json())["problems"][0]
    assert (await client.get(f"{OVERVIEW}?period=1970-Q2&trend=1", headers=admin)).status == 200
