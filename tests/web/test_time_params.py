"""Time parameters (``from``, ``to``, ``start``...): epoch ms or ISO 8601 within the
years the server handles; anything else is a 400 that names the parameter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer
from xaso.server.time_param import FIRST_DAY, LAST_DAY, TimeParamError, parse_time_param
from xaso.server.web.tokens import Role

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OUT_OF_RANGE = [
    "-62135596800001",  # before year 1: no calendar prints it
    "99999999999999999999",
    "253402300800000",  # year 10000
    "4133980800000",  # 2101-01-01 UTC
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59",
    "1969-12-31T00:00:00",
]


def test_epoch_ms_and_iso_8601_in_the_inventory_zone() -> None:
    assert parse_time_param("from", "1800000000000", TZ) == 1_800_000_000_000
    # Without an offset, a time is local to the inventory's zone: what users mean.
    local = parse_time_param("from", "2027-01-15T00:00:00", TZ)
    assert local == parse_time_param("from", "2027-01-15T00:00:00+07:00", TZ)
    assert parse_time_param("to", "2027-01-15", TZ) == local


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_times_outside_the_years_handled_are_refused_naming_the_parameter(value: str) -> None:
    with pytest.raises(TimeParamError) as caught:
        parse_time_param("to", value, TZ)
    assert str(caught.value).startswith("to: ")
    assert str(FIRST_DAY) in str(caught.value) and str(LAST_DAY) in str(caught.value)


@pytest.mark.parametrize("value", ["yesterday", "", "²", "1e9", "2026-13-01"])
def test_what_is_no_time_is_refused_naming_the_parameter(value: str) -> None:
    with pytest.raises(TimeParamError, match=r"^from: "):
        parse_time_param("from", value, TZ)


def test_the_first_and_last_days_themselves_are_fine() -> None:
    first = parse_time_param("from", FIRST_DAY.isoformat(), TZ)
    last = parse_time_param("to", f"{LAST_DAY.isoformat()}T23:59:59.999", TZ)
    assert first < last


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


ROUTES = [
    "/api/v1/devices/alpha-gw/history",
    "/api/v1/devices/alpha-rc-1/availability",
    "/api/v1/communes/alpha/availability",
    "/api/v1/availability",
    "/api/v1/outages",
    "/api/v1/playout",
    "/api/v1/indicators?commune=alpha&",
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", ["from", "to"])
async def test_every_route_answers_a_400_naming_the_time_parameter(
    client: TestClient, app: web.Application, route: str, name: str
) -> None:
    admin = bearer(app, Role.ADMIN)
    good = {"from": "2027-01-01T00:00:00", "to": "2027-01-02T00:00:00"}
    for value in OUT_OF_RANGE:
        query = {**good, name: value}
        separator = "" if route.endswith("&") else "?"
        response = await client.get(
            f"{route}{separator}from={query['from']}&to={query['to']}", headers=admin
        )
        assert response.status == 400, (route, value, await response.text())
        assert f"{name}:" in await response.text(), (route, value)


async def test_a_schedules_occurrences_and_a_manual_entry_too(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    schedule = {
        "commune": "alpha",
        "title": "Bản tin",
        "start": "2030-01-01T06:00:00",
        "content": {"type": "tts", "text": "Xin chào", "duration_s": 10},
    }
    response = await client.post("/api/v1/schedules", json=schedule, headers=admin)
    assert response.status == 201, await response.text()
    schedule_id = (await response.json())["schedule"]["id"]
    for value in OUT_OF_RANGE:
        response = await client.get(
            f"/api/v1/schedules/{schedule_id}/occurrences?from={value}", headers=admin
        )
        assert response.status == 400 and "from:" in await response.text(), value
        entry = {"commune": "alpha", "title": "Tin", "start": value, "end": "2030-01-01"}
        response = await client.post("/api/v1/playout/manual", json=entry, headers=admin)
        assert response.status == 400 and "start:" in await response.text(), value


@pytest.mark.parametrize("period", ["9999-12-31", "9999-12", "9999-Q4", "9999", "2101", "1969-12"])
def test_a_named_period_outside_the_years_handled_is_refused(period: str) -> None:
    from xaso.server.indicators.period import parse_period

    with pytest.raises(ValueError, match=f"period '{period}': must lie between"):
        parse_period(period, TZ)
