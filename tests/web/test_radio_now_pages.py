""" "Emergency now" and "silence now" in the browser's pages (/radio/now): through a
confirmation that names the zone, acting through the API's functions, audited; the live
panel says per cluster whether the command reached its gateway and whether it plays;
viewers only look; another commune's officers see nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, page_cookie
from tests.broadcast_events import store_event
from tests.doubles import Clock
from tests.messages import heartbeat, payload, status
from tests.paths import REPO
from xaso.protocol import (
    AgentHealth,
    DeviceReading,
    RadioStatus,
    ScheduledContent,
    heartbeat_topic,
    status_topic,
)
from xaso.server.broadcasts.keys import DISTRIBUTOR, SCHEDULES, SILENCES
from xaso.server.monitoring.keys import INGEST
from xaso.server.web.audit import AuditQuery
from xaso.server.web.keys import AUDIT
from xaso.server.web.tokens import Role

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = int(dt.datetime(2030, 3, 4, 9, 15, tzinfo=HANOI).timestamp() * 1000)
MINUTE_MS = 60_000
GATEWAY = "xuan-hong-radio-gw"
FLOOD = [
    ("commune", "xuan-hong"),
    ("zone", "villages"),
    ("village", "xuan-hong.thon-1"),
    ("village", "xuan-hong.thon-3"),
    ("content", "tts"),
    ("text", "Lũ đang lên, bà con thôn 1 và thôn 3 sơ tán ngay"),
    ("minutes", "2"),
    ("title", "Cảnh báo lũ"),
]
_seq = itertools.count(1)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, REPO / "devices.yaml", clock_ms=clock) as application:
        yield application


def _text(html: str) -> str:
    """The page's words, without tags or runs of spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def _send_emergency(client: TestClient, officer: dict[str, str]) -> str:
    response = await client.post(
        "/radio/now/emergency",
        data=[*FLOOD, ("step", "send")],
        headers=officer,
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return response.headers["Location"]


def _report(app: web.Application, clock: Clock, version: str | None, playing: str | None) -> None:
    """The gateway online, holding set ``version``; cluster 01 playing ``playing``."""
    ingest = app[INGEST]
    ingest.handle(status_topic(GATEWAY), payload(status(GATEWAY, "online")), clock.now_ms)
    beat = heartbeat(GATEWAY, next(_seq), {"xuan-hong-rc-01": True}, ts_ms=clock.now_ms)
    radio = RadioStatus(play_state="playing", source=playing) if playing else None
    beat = msgspec.structs.replace(
        beat,
        health=AgentHealth(uptime_s=100.0, schedule_version=version),
        devices=[DeviceReading(id="xuan-hong-rc-01", reachable=True, rtt_ms=5.0, radio=radio)],
    )
    ingest.handle(heartbeat_topic(GATEWAY), payload(beat), clock.now_ms)


async def _received(app: web.Application, clock: Clock, schedule: str, cluster: str) -> None:
    content = ScheduledContent(type="tts", duration_s=120, text="Lũ")
    await store_event(
        app,
        GATEWAY,
        "received",
        clock.now_ms,
        schedule=schedule,
        cluster=cluster,
        priority="emergency",
        content=content,
    )


async def test_an_emergency_confirmed_naming_its_villages_is_sent_and_followed(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    page = await client.get("/radio/now?commune=xuan-hong", headers=officer)
    assert page.status == 200
    html = await page.text()
    assert "PHÁT KHẨN CẤP" in html and "DỪNG PHÁT / IM LẶNG" in html
    assert 'href="/radio/gateways?commune=xuan-hong"' in html

    # The confirmation names the zone in words; nothing is sent yet.
    review = await client.post("/radio/now/emergency", data=FLOOD, headers=officer)
    assert review.status == 200
    said = _text(await review.text())
    assert "Phát khẩn cấp tới: Thôn 1, Thôn 3 (4 cụm loa)" in said, said
    assert "XÁC NHẬN PHÁT KHẨN CẤP" in said
    assert app[SCHEDULES].items == {}

    where = await _send_emergency(client, officer)
    # No broker in this test: the page says the gateways get it when the link returns.
    assert where == "/radio/now?commune=xuan-hong&done=emergency&unsent=1"
    (emergency,) = app[SCHEDULES].items.values()
    assert emergency.priority == "emergency" and emergency.title == "Cảnh báo lũ"
    assert emergency.targets.zones == ["xuan-hong.thon-1", "xuan-hong.thon-3"]
    assert emergency.content.text == "Lũ đang lên, bà con thôn 1 và thôn 3 sơ tán ngay"
    assert emergency.content.duration_s == 120

    entries = app[AUDIT].find(AuditQuery(limit=50))
    actions = {e.action: e for e in entries}
    sent = actions["broadcasts.emergency"]
    assert sent.detail["zone"] == "Thôn 1, Thôn 3" and sent.detail["title"] == "Cảnh báo lũ"
    assert sent.detail["commune"] == "xuan-hong" and sent.detail["id"] == emergency.id
    assert "broadcasts.emergency.review" in actions

    # The live panel: four clusters, none reached yet.
    live = _text(await (await client.get(f"{where}&fragment=1", headers=officer)).text())
    assert "Cảnh báo lũ" in live and "Đang trong giờ phát" in live
    assert live.count("Chưa nhận") == 4, live
    assert "0/4 cụm loa đã nhận đủ lệnh và nội dung · 0 đang phát" in live

    # The gateway reports the set carrying it, cluster 01 confirms and plays it.
    version = app[DISTRIBUTOR].due[GATEWAY].version
    _report(app, clock, version, "emergency")
    await _received(app, clock, emergency.id, "xuan-hong-rc-01")
    clock.now_ms += 5_000
    live = _text(
        await (await client.get("/radio/now?commune=xuan-hong&fragment=1", headers=officer)).text()
    )
    assert live.count("Đã nhận, sẵn sàng phát") == 1, live
    assert live.count("Đã nhận lịch, đang chuẩn bị nội dung") == 3
    assert "Đang phát khẩn cấp" in live and "Đã nhận · 04/03/2030 09:15:00" in live
    assert "1/4 cụm loa đã nhận đủ lệnh và nội dung · 1 đang phát" in live

    # Stop: a silence on its clusters for the rest of its slot, the schedule withdrawn.
    clock.now_ms += 30_000
    stop = await client.post(
        f"/radio/now/emergency/{emergency.id}/stop", headers=officer, allow_redirects=False
    )
    assert stop.status == 303
    assert stop.headers["Location"].startswith("/radio/now?commune=xuan-hong&done=stopped")
    assert emergency.id not in app[SCHEDULES].items
    (order,) = app[SILENCES].items.values()
    assert order.clusters == [
        "xuan-hong-rc-01",
        "xuan-hong-rc-02",
        "xuan-hong-rc-04",
        "xuan-hong-rc-05",
    ]
    # 85 s were left of its slot: the two minutes a stop gives at least.
    assert order.to_ms == clock.now_ms + 2 * MINUTE_MS
    live = _text(
        await (await client.get("/radio/now?commune=xuan-hong&fragment=1", headers=officer)).text()
    )
    assert "Đã dừng theo lệnh" in live and "Lệnh im lặng" in live
    assert "Dừng phát khẩn cấp: Cảnh báo lũ" in live
    stopped = [e for e in app[AUDIT].find(AuditQuery(limit=50)) if e.action.endswith(".stop")]
    assert stopped and stopped[0].detail["title"] == "Cảnh báo lũ"


async def test_a_silence_confirmed_then_lifted(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    ask = [
        ("commune", "xuan-hong"),
        ("zone", "clusters"),
        ("cluster", "xuan-hong-rc-03"),
        ("preset", "custom"),
        ("custom", "45"),
        ("reason", "Lễ tang ở thôn 2"),
    ]
    review = await client.post("/radio/now/silence", data=ask, headers=officer)
    said = _text(await review.text())
    assert "Dừng phát, im lặng tại: Cụm loa" in said and "(Thôn 2) (1 cụm loa)" in said, said
    assert "45 phút" in said and app[SILENCES].items == {}
    response = await client.post(
        "/radio/now/silence",
        data=[*ask, ("step", "send")],
        headers=officer,
        allow_redirects=False,
    )
    assert response.status == 303
    (order,) = app[SILENCES].items.values()
    assert order.clusters == ["xuan-hong-rc-03"] and order.to_ms == NOW + 45 * MINUTE_MS
    assert order.reason == "Lễ tang ở thôn 2"

    live = _text(
        await (await client.get("/radio/now?commune=xuan-hong&fragment=1", headers=officer)).text()
    )
    assert "Đang có hiệu lực" in live and "Chưa nhận" in live
    _report(app, clock, app[DISTRIBUTOR].due[GATEWAY].version, None)
    live = _text(
        await (await client.get("/radio/now?commune=xuan-hong&fragment=1", headers=officer)).text()
    )
    assert "Đã nhận lệnh" in live and "1/1 cụm loa đã nhận lệnh" in live

    clock.now_ms += 5 * MINUTE_MS
    lift = await client.post(
        f"/radio/now/silence/{order.id}/lift", headers=officer, allow_redirects=False
    )
    assert lift.status == 303
    assert app[SILENCES].items[order.id].lifted_ms == clock.now_ms
    live = _text(
        await (await client.get("/radio/now?commune=xuan-hong&fragment=1", headers=officer)).text()
    )
    # The set after the lift is the very set before the order: a heartbeat since the
    # lift tells that the gateway holds it.
    assert "Đã bỏ" in live and "Chưa nhận lệnh bỏ" in live
    clock.now_ms += 2_000
    _report(app, clock, app[DISTRIBUTOR].due[GATEWAY].version, None)
    live = _text(
        await (await client.get("/radio/now?commune=xuan-hong&fragment=1", headers=officer)).text()
    )
    assert "Đã nhận lệnh bỏ" in live and "Chưa nhận lệnh bỏ" not in live
    actions = [e.action for e in app[AUDIT].find(AuditQuery(limit=50))]
    assert "broadcasts.silence" in actions and "broadcasts.silence.delete" in actions


async def test_problems_come_back_in_words_and_nothing_is_sent(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    bad = [("commune", "xuan-hong"), ("zone", "villages"), ("content", "tts"), ("minutes", "0")]
    response = await client.post("/radio/now/emergency", data=bad, headers=officer)
    assert response.status == 400
    said = _text(await response.text())
    for words in ("Hãy chọn ít nhất một thôn", "Hãy nhập văn bản", "Thời lượng đọc", "Hãy đặt tên"):
        assert words in said, words
    assert app[SCHEDULES].items == {}


async def test_viewers_see_no_button_and_are_refused(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    await _send_emergency(client, officer)
    (emergency,) = app[SCHEDULES].items.values()
    viewer = page_cookie(app, Role.VIEWER, "xuan-hong")
    html = await (await client.get("/radio/now?commune=xuan-hong", headers=viewer)).text()
    assert "/radio/now/emergency" not in html and "Cảnh báo lũ" in html
    assert "chỉ được xem" in html
    for path, data in (
        ("/radio/now/emergency", [*FLOOD, ("step", "send")]),
        ("/radio/now/silence", [("commune", "xuan-hong"), ("step", "send")]),
        (f"/radio/now/emergency/{emergency.id}/stop", []),
    ):
        response = await client.post(path, data=data, headers=viewer, allow_redirects=False)
        assert response.status == 403, path
    assert len(app[SCHEDULES].items) == 1 and app[SILENCES].items == {}


async def test_another_communes_page_and_commands_are_not_found(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    await _send_emergency(client, officer)
    (emergency,) = app[SCHEDULES].items.values()
    other = page_cookie(app, Role.OPERATOR, "xuan-lai")
    assert (await client.get("/radio/now?commune=xuan-hong", headers=other)).status == 404
    page = await client.get("/radio/now", headers=other)  # its own commune: nothing there
    assert emergency.id not in await page.text()
    for path, data in (
        ("/radio/now/emergency", [*FLOOD, ("step", "send")]),
        (f"/radio/now/emergency/{emergency.id}/stop", []),
    ):
        response = await client.post(path, data=data, headers=other, allow_redirects=False)
        assert response.status == 404, path
    assert emergency.id in app[SCHEDULES].items
