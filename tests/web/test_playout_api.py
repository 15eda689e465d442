"""The playout log through the real app: events in through ingest, stored, reconciled
against the schedules, with manual entries; JSON, CSV (vi/en), roles and communes."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import bearer
from tests.audio import wav
from tests.broadcast_events import store_event
from tests.doubles import Clock
from tests.messages import MORNING_NEWS, SMALL_INVENTORY, small_index
from xaso.protocol import (
    SCHEMA_VERSION,
    BroadcastEvent,
    ScheduledContent,
    Status,
    broadcast_topic,
    encode,
    status_topic,
)
from xaso.server.app import Deps, create_app
from xaso.server.broadcasts.keys import PLAYOUT_MANUAL, SCHEDULES
from xaso.server.broadcasts.schedule import Content, Schedule, Targets
from xaso.server.broadcasts.wiring import playout_sources
from xaso.server.keys import CLOCK_MS, STORE
from xaso.server.monitoring.keys import STATE
from xaso.server.settings import Settings
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.api.playout import playout_for
from xaso.server.web.tokens import Role
from xaso.testbed.influxdb import InfluxServer
from xaso.testbed.mosquitto import MosquittoServer
from xaso.testbed.ports import free_port

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MIN = 60_000
DAY = 24 * 60 * MIN
T0 = int(dt.datetime(2030, 1, 2, 6, 0, tzinfo=VN).timestamp() * 1000)  # 06:00, 2 Jan
NOW = T0 + DAY  # the next morning, 06:00, before that day's bulletin has played
PERIOD = "from=2030-01-01T00:00:00&to=2030-01-04T00:00:00"

NEWS = MORNING_NEWS
BETA_NEWS = Schedule(
    id="lt-beta",
    commune="beta",
    title="Bản tin xã Beta",
    content=Content(type="tts", text="Alô", duration_s=300),
    start=dt.datetime(2030, 1, 2, 7, 0),
)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    deps = Deps(store=store, index=small_index(), clock_ms=Clock(NOW), connect_mqtt=False)
    yield create_app(settings, deps)
    await store.close()


async def report(app: web.Application, agent: str, kind: str, at_ms: int, **fields: Any) -> None:
    """A gateway's event about the morning news (by default on alpha-rc-1)."""
    fields.setdefault("schedule", NEWS.id)
    fields.setdefault("cluster", "alpha-rc-1")
    await store_event(app, agent, kind, at_ms, **fields)


async def a_day_of_bulletins(app: web.Application) -> None:
    """1 Jan: never confirmed; 2 Jan: played; 3 Jan: due later than NOW."""
    app[SCHEDULES].put(NEWS)
    app[SCHEDULES].put(BETA_NEWS)
    await report(app, "alpha-gw", "received", T0 - 6 * 60 * MIN)
    await report(
        app,
        "alpha-gw",
        "started",
        T0 + 1_000,
        occurrence_ms=T0,
        planned_end_ms=T0 + 10 * MIN,
        started_ms=T0 + 1_000,
    )
    await report(
        app,
        "alpha-gw",
        "finished",
        T0 + 10 * MIN,
        occurrence_ms=T0,
        planned_end_ms=T0 + 10 * MIN,
        started_ms=T0 + 1_000,
        played_s=599.0,
    )


async def test_the_log_reconciles_schedules_and_events(
    client: TestClient, app: web.Application
) -> None:
    await a_day_of_bulletins(app)
    admin = bearer(app, Role.ADMIN)
    response = await client.get(f"/api/v1/playout?commune=alpha&{PERIOD}", headers=admin)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert [(o["planned_start"], o["status"]) for o in body["outcomes"]] == [
        ("2029-12-31T23:00:00.000+00:00", "not_received"),  # received only after it
        ("2030-01-01T23:00:00.000+00:00", "played"),
        ("2030-01-02T23:00:00.000+00:00", "upcoming"),
    ]
    played = body["outcomes"][1]
    assert (played["cluster"], played["village"], played["agent"]) == (
        "alpha-rc-1",
        "alpha.t1",
        "alpha-gw",
    )
    assert played["started"] == "2030-01-01T23:00:01.000+00:00" and played["played_s"] == 599
    summary = body["summary"]
    assert summary["by_status"]["played"] == 1 and summary["by_status"]["missed"] == 0
    assert summary["by_cluster"]["alpha-rc-1"]["by_status"] == {
        "not_received": 1,
        "played": 1,
        "upcoming": 1,
    }
    # Every commune the token sees, by default; a missing schedule is not invented.
    everything = await (await client.get(f"/api/v1/playout?{PERIOD}", headers=admin)).json()
    assert everything["communes"] == ["alpha", "beta"]
    assert [o["cluster"] for o in everything["outcomes"]].count("beta-rc-1") == 1


async def test_the_log_narrows_to_a_zone_and_to_statuses(
    client: TestClient, app: web.Application
) -> None:
    await a_day_of_bulletins(app)
    admin = bearer(app, Role.ADMIN)

    async def statuses(query: str) -> tuple[list[str], dict[str, int]]:
        response = await client.get(
            f"/api/v1/playout?commune=alpha&{PERIOD}&{query}", headers=admin
        )
        assert response.status == 200, await response.text()
        body = await response.json()
        counts = {k: v for k, v in body["summary"]["by_status"].items() if v}
        return [o["status"] for o in body["outcomes"]], counts

    every = ["not_received", "played", "upcoming"]
    assert (await statuses("zone=village:alpha.t1"))[0] == every
    assert (await statuses("zone=cluster:alpha-rc-1"))[0] == every
    assert await statuses("zone=cluster:alpha-rc-2") == ([], {})  # planned: never plays
    # Repeated or separated by commas; the summary counts what is returned.
    assert await statuses("status=played&status=upcoming") == (
        ["played", "upcoming"],
        {"played": 1, "upcoming": 1},
    )
    assert (await statuses("status=played,not_received"))[0] == ["not_received", "played"]
    for bad in ("zone=alpha.t1", "zone=village:", "status=lost"):
        response = await client.get(f"/api/v1/playout?commune=alpha&{bad}", headers=admin)
        assert response.status == 400, bad
    # The CSV narrows alike.
    response = await client.get(
        f"/api/v1/playout?commune=alpha&format=csv&status=played&{PERIOD}", headers=admin
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"), newline="")))
    assert [row[rows[0].index("Kết quả")] for row in rows[1:]] == ["Đã phát"]


async def test_the_log_narrows_to_one_schedule(client: TestClient, app: web.Application) -> None:
    await a_day_of_bulletins(app)
    # Another of alpha's schedules in the period: the filter must leave it out.
    app[SCHEDULES].put(
        Schedule(
            id="lt-chieu",
            commune="alpha",
            title="Bản tin chiều",
            content=Content(type="tts", text="Chiều nay", duration_s=300),
            start=dt.datetime(2030, 1, 2, 17, 0),
        )
    )
    admin = bearer(app, Role.ADMIN)

    async def asked(query: str, headers: dict[str, str] = admin) -> dict[str, Any]:
        response = await client.get(f"/api/v1/playout?{PERIOD}&{query}", headers=headers)
        assert response.status == 200, await response.text()
        return await response.json()

    whole = await asked("commune=alpha")
    assert {o["schedule"] for o in whole["outcomes"]} == {"lt-sang", "lt-chieu"}
    morning = await asked("commune=alpha&schedule=lt-sang")
    assert [o["status"] for o in morning["outcomes"]] == ["not_received", "played", "upcoming"]
    assert {o["schedule"] for o in morning["outcomes"]} == {"lt-sang"}
    # The summary counts that schedule's lines only.
    assert morning["count"] == 3
    assert {k: v for k, v in morning["summary"]["by_status"].items() if v} == {
        "not_received": 1,
        "played": 1,
        "upcoming": 1,
    }
    assert morning["summary"]["by_cluster"]["alpha-rc-1"]["by_status"] == {
        "not_received": 1,
        "played": 1,
        "upcoming": 1,
    }
    # With the other filters; across every commune the token sees.
    assert [o["status"] for o in (await asked("schedule=lt-sang&status=played"))["outcomes"]] == [
        "played"
    ]
    assert [o["title"] for o in (await asked("schedule=lt-chieu"))["outcomes"]] == ["Bản tin chiều"]
    # An id the caller's communes never planned is no lines, not an error, and says
    # nothing of another commune's schedule.
    assert (await asked("schedule=lt-nowhere"))["outcomes"] == []
    beta = bearer(app, Role.VIEWER, "beta")
    foreign = await asked("schedule=lt-sang", headers=beta)
    assert foreign["outcomes"] == [] and foreign["communes"] == ["beta"]
    assert sum(foreign["summary"]["by_status"].values()) == 0
    # What cannot be an id is a 400, as a bad zone or status is.
    for bad in ("schedule=LT%20SANG", "schedule=manual:tt-1", "schedule=-x"):
        response = await client.get(f"/api/v1/playout?commune=alpha&{bad}", headers=admin)
        assert response.status == 400, bad
        assert "schedule" in (await response.json())["error"]
    # The CSV narrows alike.
    response = await client.get(
        f"/api/v1/playout?commune=alpha&format=csv&schedule=lt-sang&{PERIOD}", headers=admin
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"), newline="")))
    lines = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [line["Kết quả"] for line in lines] == ["Chưa nhận lịch", "Đã phát", "Chưa đến giờ"]
    assert {line["Mã lịch"] for line in lines} == {"lt-sang"}


async def test_broadcasts_shorter_than_their_slot_are_judged_by_their_real_length(
    client: TestClient, app: web.Application
) -> None:
    """A 10 s uploaded file in a 60 s slot, from a gateway that does not say its length
    (the server measured it at upload), and 5.9 s of speech in a 120 s slot (the
    gateway measured what it rendered): both played in full, so both "played"."""
    officer = bearer(app, Role.OPERATOR, "alpha")
    upload = await client.post("/api/v1/content?name=nuoc.wav", data=wav(10), headers=officer)
    assert upload.status == 201, await upload.text()
    sha = (await upload.json())["id"]
    water = ScheduledContent(type="file", duration_s=60, sha256=sha, title="Cắt nước")
    storm = ScheduledContent(type="tts", duration_s=120, text="Khẩn cấp: bão số ba")
    for schedule_id, content, minute in (("tb-nuoc", water, 0), ("kc-bao", storm, 1)):
        start = T0 + minute * MIN
        app[SCHEDULES].put(
            Schedule(
                id=schedule_id,
                commune="alpha",
                title=content.title or "Cảnh báo bão",
                content=Content(
                    type=content.type,
                    duration_s=content.duration_s,
                    sha256=content.sha256,
                    text=content.text,
                ),
                start=dt.datetime(2030, 1, 2, 6, minute),
                targets=Targets(clusters=["alpha-rc-1"]),
            )
        )
        length_s = 10.0 if content.type == "file" else 5.9
        told = {} if content.type == "file" else {"content_s": length_s}
        common: dict[str, Any] = {
            "schedule": schedule_id,
            "content": content,
            "occurrence_ms": start,
            "planned_end_ms": start + round(content.duration_s * 1000),
            "started_ms": start,
            **told,
        }
        await report(app, "alpha-gw", "started", start, **common)
        await report(
            app, "alpha-gw", "finished", start + round(length_s * 1000), played_s=length_s, **common
        )

    body = await (
        await client.get(f"/api/v1/playout?commune=alpha&{PERIOD}", headers=officer)
    ).json()
    found = {o["schedule"]: o for o in body["outcomes"] if o["schedule"] in ("tb-nuoc", "kc-bao")}
    assert {k: (o["status"], o["content_s"], o["measured_against"]) for k, o in found.items()} == {
        "tb-nuoc": ("played", 10.0, "content"),
        "kc-bao": ("played", 5.9, "content"),
    }
    response = await client.get(
        f"/api/v1/playout?commune=alpha&format=csv&{PERIOD}", headers=officer
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"), newline="")))
    lines = {row[5]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert lines["kc-bao"]["Kết quả"] == "Đã phát"
    assert lines["kc-bao"]["Độ dài nội dung (giây)"] == "6"
    assert lines["kc-bao"]["Đối chiếu thời lượng phát với"] == "Độ dài thực của nội dung"
    # The morning news, from an agent that did not say its speech's length: the slot.
    await a_day_of_bulletins(app)
    response = await client.get(
        f"/api/v1/playout?commune=alpha&format=csv&lang=en&{PERIOD}", headers=officer
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"), newline="")))
    news = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[5] == NEWS.id]
    assert [
        (n["Outcome"], n["Content length (s)"], n["Played share measured against"]) for n in news
    ] == [
        ("Schedule not received", "", ""),
        ("Played", "", "the scheduled slot"),
        ("Not yet due", "", ""),
    ]


async def test_a_changed_or_deleted_schedule_keeps_what_it_planned(
    client: TestClient, app: web.Application
) -> None:
    """Moving the bulletin to 17:00, then deleting it, changes what is planned from
    then on; the past log (and the R8 evidence built on it) stays as it was."""
    await a_day_of_bulletins(app)
    officer = bearer(app, Role.OPERATOR, "alpha")
    before = await (
        await client.get(f"/api/v1/playout?commune=alpha&{PERIOD}", headers=officer)
    ).json()
    assert [o["status"] for o in before["outcomes"]] == ["not_received", "played", "upcoming"]

    app[CLOCK_MS].advance(-3600)  # 05:00 on 3 Jan: before that day's bulletin
    moved = await client.patch(
        f"/api/v1/schedules/{NEWS.id}", json={"start": "2030-01-01T17:00:00"}, headers=officer
    )
    assert moved.status == 200, await moved.text()
    after = await (
        await client.get(f"/api/v1/playout?commune=alpha&{PERIOD}", headers=officer)
    ).json()
    assert [(o["planned_start"], o["status"]) for o in after["outcomes"]] == [
        ("2029-12-31T23:00:00.000+00:00", "not_received"),  # still 06:00 on 1 Jan
        ("2030-01-01T23:00:00.000+00:00", "played"),
        ("2030-01-03T10:00:00.000+00:00", "upcoming"),  # 17:00 from 3 Jan
    ]

    app[CLOCK_MS].advance(1800)
    assert (await client.delete(f"/api/v1/schedules/{NEWS.id}", headers=officer)).status == 204
    gone = await (
        await client.get(f"/api/v1/playout?commune=alpha&{PERIOD}", headers=officer)
    ).json()
    assert [o["status"] for o in gone["outcomes"]] == ["not_received", "played"]

    # Who changed what, and when each version was in force.
    response = await client.get(f"/api/v1/schedules/{NEWS.id}/versions", headers=officer)
    assert response.status == 200, await response.text()
    history = await response.json()
    assert history["deleted"] is True
    first, second, deletion = history["versions"]
    assert first["in_force_from"] is None and first["schedule"]["start"] == "2030-01-01T06:00:00"
    assert first["in_force_until"] == second["saved"] == "2030-01-02T22:00:00.000+00:00"
    assert (
        second["schedule"]["start"] == "2030-01-01T17:00:00" and second["schedule"]["revision"] == 2
    )
    assert second["saved_by"] and second["saved_by"] == deletion["saved_by"]
    assert deletion["deleted"] is True and deletion["saved"] == "2030-01-02T22:30:00.000+00:00"
    # Another commune's officer sees no such schedule, deleted or not.
    stranger = bearer(app, Role.OPERATOR, "beta")
    assert (
        await client.get(f"/api/v1/schedules/{NEWS.id}/versions", headers=stranger)
    ).status == 404


async def test_a_moved_bulletin_its_gateway_never_got_is_not_received(
    client: TestClient, app: web.Application
) -> None:
    await a_day_of_bulletins(app)  # the gateway holds revision 1 since 1 Jan
    officer = bearer(app, Role.OPERATOR, "alpha")
    app[CLOCK_MS].advance(-3600)  # 05:00 on 3 Jan: moved to 17:00 from today
    moved = await client.patch(
        f"/api/v1/schedules/{NEWS.id}", json={"start": "2030-01-01T17:00:00"}, headers=officer
    )
    assert moved.status == 200
    # Away until the next morning, the gateway gets revision 2 only then.
    app[CLOCK_MS].advance(27 * 3600)  # 08:00 on 4 Jan
    await report(app, "alpha-gw", "received", app[CLOCK_MS](), revision=2)
    body = await (
        await client.get(f"/api/v1/playout?commune=alpha&{PERIOD}", headers=officer)
    ).json()
    assert [(o["planned_start"], o["status"]) for o in body["outcomes"]][-1] == (
        "2030-01-03T10:00:00.000+00:00",
        "not_received",
    )


async def test_a_bulletin_moved_to_start_this_very_second_is_planned(
    client: TestClient, app: web.Application
) -> None:
    app[SCHEDULES].put(BETA_NEWS)
    app[CLOCK_MS].advance(0.7)  # 06:00:00.700 on 3 Jan
    admin = bearer(app, Role.ADMIN)
    moved = await client.patch(
        f"/api/v1/schedules/{BETA_NEWS.id}", json={"start": "2030-01-03T06:00:00"}, headers=admin
    )
    assert moved.status == 200, await moved.text()
    body = await (await client.get(f"/api/v1/playout?commune=beta&{PERIOD}", headers=admin)).json()
    assert [(o["planned_start"], o["status"]) for o in body["outcomes"]] == [
        ("2030-01-02T00:00:00.000+00:00", "not_received"),  # its first version's
        ("2030-01-02T23:00:00.000+00:00", "upcoming"),
    ]


async def test_indicators_get_the_same_outcomes(client: TestClient, app: web.Application) -> None:
    await a_day_of_bulletins(app)
    found = await playout_for(playout_sources(app), ["alpha"], T0, T0 + 1)
    assert [(o.cluster, o.status, o.title) for o in found] == [
        ("alpha-rc-1", "played", "Bản tin sáng")
    ]
    assert await playout_for(playout_sources(app), [], T0, T0 + 1) == []


async def test_only_the_schedules_planned_in_the_period_are_read_from_the_store(
    client: TestClient, app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Years of past emergencies stay in the schedules table: reading every one of them
    # at each alert check would grow without end.
    await a_day_of_bulletins(app)
    for day in range(1, 31):
        old = Schedule(
            id=f"kc-{day}",
            commune="alpha",
            title="Cảnh báo cũ",
            content=Content(type="tts", text="Lũ", duration_s=60),
            start=dt.datetime(2029, 11, day, 9, 0),
            priority="emergency",
        )
        app[SCHEDULES].put(old)
    store = app[STORE]
    asked: list[list[str]] = []
    read = store.broadcast_events

    async def spy(communes: Any, from_ms: int, to_ms: int, schedules: Any = ()) -> Any:
        asked.append(sorted(schedules))
        return await read(communes, from_ms, to_ms, schedules)

    monkeypatch.setattr(store, "broadcast_events", spy)
    found = await playout_for(playout_sources(app), ["alpha"], T0 - DAY, T0 + DAY)
    assert asked == [["lt-sang"]]
    assert [o.status for o in found] == ["not_received", "played"]


async def test_the_log_is_scoped_to_the_tokens_communes(
    client: TestClient, app: web.Application
) -> None:
    await a_day_of_bulletins(app)
    viewer = bearer(app, Role.VIEWER, "beta")
    assert (
        await client.get(f"/api/v1/playout?commune=alpha&{PERIOD}", headers=viewer)
    ).status == 404
    body = await (await client.get(f"/api/v1/playout?{PERIOD}", headers=viewer)).json()
    assert body["communes"] == ["beta"]
    assert {o["commune"] for o in body["outcomes"]} == {"beta"}
    assert (await client.get("/api/v1/playout?commune=nowhere", headers=viewer)).status == 404
    assert (await client.get("/api/v1/playout")).status == 401


@pytest.mark.parametrize(
    "query",
    [
        "format=xml",
        "lang=fr",
        "from=2030-01-04T00:00:00&to=2030-01-01T00:00:00",
        "from=2029-01-01T00:00:00&to=2030-01-01T00:00:00",  # more than a quarter
        "from=yesterday",
        # Dates no store can read nor any calendar print: a 400, not a 500.
        "from=100000000000000000000&to=100000000000000000001",
        "from=-1000000000000001&to=-999999999999999",
        "from=9000000000000000&to=9000000000000001",
    ],
)
async def test_bad_questions_get_a_clear_400(
    client: TestClient, app: web.Application, query: str
) -> None:
    response = await client.get(f"/api/v1/playout?{query}", headers=bearer(app, Role.ADMIN))
    assert response.status == 400
    assert "error" in await response.json()


async def test_the_csv_log_is_vietnamese_for_excel_or_english(
    client: TestClient, app: web.Application
) -> None:
    await a_day_of_bulletins(app)
    admin = bearer(app, Role.ADMIN)
    response = await client.get(f"/api/v1/playout?commune=alpha&format=csv&{PERIOD}", headers=admin)
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Xã", "Thôn", "Cụm loa"] and "Kết quả" in rows[0]
    lines = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [line["Kết quả"] for line in lines] == ["Chưa nhận lịch", "Đã phát", "Chưa đến giờ"]
    played = lines[1]
    assert (played["Xã"], played["Thôn"], played["Cụm loa"]) == ("Xã Alpha", "Thôn 1", "Cụm loa 1")
    # Vietnam's time, the way Vietnamese documents write it.
    assert played["Bắt đầu theo lịch"] == "02/01/2030 06:00:00"
    assert played["Bắt đầu thực tế"] == "02/01/2030 06:00:01"
    assert played["Thời lượng phát (giây)"] == "599"
    assert played["Mức ưu tiên"] == "Thông thường"

    english = await client.get(
        f"/api/v1/playout?commune=alpha&format=csv&lang=en&{PERIOD}", headers=admin
    )
    rows = list(csv.reader(io.StringIO((await english.read()).decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Commune", "Village", "Cluster"]
    assert [row[rows[0].index("Outcome")] for row in rows[1:]] == [
        "Schedule not received",
        "Played",
        "Not yet due",
    ]


async def test_a_live_announcement_is_entered_by_hand(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    entry = {
        "commune": "alpha",
        "zones": ["alpha.t1"],
        "start": "2030-01-02T17:00:00",
        "end": "2030-01-02T17:05:00",
        "title": "=Thông báo khẩn về nước sạch",  # typed by people: no formula in Excel
        "note": "Chủ tịch xã đọc trực tiếp",
    }
    response = await client.post("/api/v1/playout/manual", json=entry, headers=officer)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["entry"]["clusters"] == ["alpha-rc-1"]
    body = await (
        await client.get(f"/api/v1/playout?commune=alpha&{PERIOD}", headers=officer)
    ).json()
    [manual] = [o for o in body["outcomes"] if o["status"] == "manual"]
    assert manual["schedule"] == f"manual:{created['entry']['id']}"
    assert (manual["operator"], manual["content_type"], manual["played_s"]) == (
        "operator",
        "live",
        300,
    )
    assert manual["planned_start"] == "2030-01-02T10:00:00.000+00:00"
    raw = await (
        await client.get(f"/api/v1/playout?commune=alpha&format=csv&{PERIOD}", headers=officer)
    ).read()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    [line] = [r for r in rows if r[rows[0].index("Kết quả")] == "Phát trực tiếp (nhập tay)"]
    assert line[rows[0].index("Bản tin")] == "'=Thông báo khẩn về nước sạch"
    assert line[rows[0].index("Người nhập")] == "operator"

    # A mistake can be taken back by those who may write there.
    path = f"/api/v1/playout/manual/{created['entry']['id']}"
    assert (await client.delete(path, headers=bearer(app, Role.VIEWER))).status == 403
    assert (await client.delete(path, headers=bearer(app, Role.OPERATOR, "beta"))).status == 404
    assert (await client.delete(path, headers=officer)).status == 204
    assert (await client.delete(path, headers=officer)).status == 404


async def test_manual_entries_are_checked_and_scoped(
    client: TestClient, app: web.Application
) -> None:
    good = {
        "commune": "alpha",
        "start": "2030-01-02T17:00:00",
        "end": "2030-01-02T17:05:00",
        "title": "Thông báo",
    }
    other = bearer(app, Role.OPERATOR, "beta")
    response = await client.post("/api/v1/playout/manual", json=good, headers=other)
    assert response.status == 403
    viewer = bearer(app, Role.VIEWER)
    assert (await client.post("/api/v1/playout/manual", json=good, headers=viewer)).status == 403
    admin = bearer(app, Role.ADMIN)
    bad = {
        **good,
        "zones": ["beta.t1"],
        "end": "2030-01-02T16:00:00",
        "title": " ",
        "colour": "red",
    }
    response = await client.post("/api/v1/playout/manual", json=bad, headers=admin)
    assert response.status == 400
    fields = sorted(p.split(":")[0] for p in (await response.json())["problems"])
    assert fields == ["colour", "end", "title", "zones"]
    future = {**good, "start": "2030-01-04T17:00:00", "end": "2030-01-04T17:05:00"}
    response = await client.post("/api/v1/playout/manual", json=future, headers=admin)
    assert [p.split(":")[0] for p in (await response.json())["problems"]] == ["start"]
    response = await client.post(
        "/api/v1/playout/manual", json={**good, "start": "soon"}, headers=admin
    )
    assert [p.split(":")[0] for p in (await response.json())["problems"]] == ["start"]
    # Long before any calendar the log can print: refused, not stored then a 500.
    ancient = {**good, "start": -(10**15), "end": -(10**15) + 60_000}
    response = await client.post("/api/v1/playout/manual", json=ancient, headers=admin)
    assert response.status == 400
    assert [p.split(":")[0] for p in (await response.json())["problems"]] == ["start", "end"]
    response = await client.post(
        "/api/v1/playout/manual", json={**good, "commune": "nowhere"}, headers=admin
    )
    assert response.status == 400
    assert (await client.post("/api/v1/playout/manual", data=b"[]", headers=admin)).status == 400
    assert app[PLAYOUT_MANUAL].items == {}


async def test_a_store_that_cannot_be_read_is_a_503_not_a_traceback(
    tmp_path: Path, aiohttp_client: Any
) -> None:
    # A real InfluxDB client facing a port nobody listens on.
    store = await InfluxStore.open(
        f"http://127.0.0.1:{free_port()}", "xaso", create_database=False, timeout_s=2
    )
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    app = create_app(settings, Deps(store=store, index=small_index(), connect_mqtt=False))
    try:
        client = await aiohttp_client(app)
        response = await client.get("/api/v1/playout", headers=bearer(app, Role.ADMIN))
        assert response.status == 503
        assert "cannot be read" in (await response.json())["error"]
    finally:
        await store.close()


async def test_events_over_real_mosquitto_into_real_influxdb_make_the_log(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    influxd: InfluxServer,
    aiohttp_client: Any,
) -> None:
    """The whole server path: QoS 1 publishes on the broadcast topic, the server's MQTT
    link, ingest, the writer (acknowledging after the write), InfluxDB, reconciliation."""
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mosquitto.url,
        store=f"influxdb://127.0.0.1:{influxd.port}/playout_{uuid.uuid4().hex[:8]}",
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
    )
    app = create_app(settings)
    client = await aiohttp_client(app)
    # A bulletin of one minute, half an hour ago (wall clock: the app's own).
    now = dt.datetime.now(VN).replace(microsecond=0, tzinfo=None)
    planned = now - dt.timedelta(minutes=30)
    start_ms = int(planned.replace(tzinfo=VN).timestamp() * 1000)
    news = Schedule(
        id="lt-truc-tiep",
        commune="alpha",
        title="Thông báo",
        content=Content(type="tts", text="Alô", duration_s=60),
        start=planned,
    )
    app[SCHEDULES].put(news)
    content = ScheduledContent(type="tts", duration_s=60, text="Alô")
    common: dict[str, Any] = {
        "v": SCHEMA_VERSION,
        "agent": "alpha-gw",
        "session": 1,
        "cluster": "alpha-rc-1",
        "schedule": news.id,
        "revision": 1,
        "priority": "normal",
        "content": content,
    }
    played = {"occurrence_ms": start_ms, "planned_end_ms": start_ms + 60_000}
    events = [
        BroadcastEvent(seq=1, ts_ms=start_ms - 3_600_000, event="received", **common),
        BroadcastEvent(
            seq=2, ts_ms=start_ms, event="started", started_ms=start_ms, **played, **common
        ),
        BroadcastEvent(
            seq=3,
            ts_ms=start_ms + 60_000,
            event="finished",
            started_ms=start_ms,
            played_s=60.0,
            **played,
            **common,
        ),
    ]
    publisher = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", mosquitto.port)
    publisher.loop_start()
    try:
        # Once the server sees the gateway's birth, its subscription is in place.
        birth = Status(v=SCHEMA_VERSION, agent="alpha-gw", state="online", session=1, ts_ms=0)
        for _ in range(200):
            publisher.publish(status_topic("alpha-gw"), encode(birth), qos=1, retain=True)
            await asyncio.sleep(0.05)
            if str(app[STATE].devices["alpha-gw"].status) == "online":
                break
        for event in events:
            publisher.publish(broadcast_topic("alpha-gw"), encode(event), qos=1).wait_for_publish(5)
    finally:
        publisher.disconnect()
        publisher.loop_stop()
    admin = bearer(app, Role.ADMIN)
    path = f"/api/v1/playout?commune=alpha&from={start_ms - 60_000}&to={start_ms + 60_000}"
    statuses: list[str] = []
    for _ in range(100):  # until the server has taken and stored the three events
        body = await (await client.get(path, headers=admin)).json()
        statuses = [o["status"] for o in body["outcomes"]]
        if statuses == ["played"]:
            break
        await asyncio.sleep(0.05)
    assert statuses == ["played"]
    [line] = body["outcomes"]
    assert (line["cluster"], line["played_s"], line["title"]) == ("alpha-rc-1", 60, "Thông báo")
