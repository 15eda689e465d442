"""The gateways' schedules (/radio/gateways): up to date or behind, and since when; the
audio of the set due, confirmed cluster by cluster by the ``received`` events."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.doubles import Clock
from tests.paths import REPO
from tests.web.test_radio_now_pages import GATEWAY, _received, _report
from xaso.server.broadcasts.keys import DISTRIBUTOR
from xaso.server.web.tokens import Role

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = int(dt.datetime(2030, 3, 4, 9, 15, tzinfo=HANOI).timestamp() * 1000)
MINUTE_MS = 60_000
NEWS = {
    "commune": "xuan-hong",
    "title": "Bản tin sáng",
    "content": {"type": "tts", "text": "Kính thưa bà con nhân dân", "duration_s": 600},
    "start": "2030-03-05T06:00:00",
    "rrule": "FREQ=DAILY",
    "targets": {"zones": ["xuan-hong.thon-1"]},
}


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, REPO / "devices.yaml", clock_ms=clock) as application:
        yield application


async def _page(client: TestClient, headers: dict[str, str]) -> str:
    response = await client.get("/radio/gateways?commune=xuan-hong", headers=headers)
    assert response.status == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", await response.text()))


async def test_a_gateway_up_to_date_then_behind_since_the_change_it_missed(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    said = await _page(client, officer)
    assert "Gateway truyền thanh UBND xã Xuân Hồng" in said
    assert "Chưa báo bản lịch" in said and "Mọi chi tiết gateway" in said

    _report(app, clock, app[DISTRIBUTOR].due[GATEWAY].version, None)
    said = await _page(client, officer)
    assert "Đúng lịch mới nhất" in said and "Chậm từ" not in said
    assert "Bản lịch không có bản tin nào" in said

    # A bulletin added at 09:25: the gateway still holds the set before it.
    clock.now_ms += 10 * MINUTE_MS
    created = await client.post(
        "/api/v1/schedules", json=NEWS, headers=bearer(app, Role.OPERATOR, "xuan-hong")
    )
    schedule_id = (await created.json())["schedule"]["id"]
    clock.now_ms += 20 * MINUTE_MS
    said = await _page(client, officer)
    assert "Chậm lịch" in said
    assert "Chậm từ 04/03/2030 09:25 (20 phút)" in said, said
    assert "Bản tin sáng" in said and "0/2 cụm loa" in said

    # It gets the set and confirms the bulletin on one of its two clusters.
    _report(app, clock, app[DISTRIBUTOR].due[GATEWAY].version, None)
    await _received(app, clock, schedule_id, "xuan-hong-rc-01")
    said = await _page(client, officer)
    assert "Đúng lịch mới nhất" in said and "1/2 cụm loa" in said
    assert "Cụm loa Thôn 1 - số 2" in said  # the one still missing it
    assert "từ 04/03/2030 09:25" in said  # the set due since the change


async def test_another_commune_is_not_found(client: TestClient, app: web.Application) -> None:
    other = page_cookie(app, Role.OPERATOR, "xuan-lai")
    response = await client.get("/radio/gateways?commune=xuan-hong", headers=other)
    assert response.status == 404
