"""Every measured indicator by hand, through ``evaluate_communes`` on the real app, on
SQLite and on a real influxd, with the same answers on both.

The fixture (tests/data/indicators-inventory.yaml) is evaluated for September 2026
(Asia/Ho_Chi_Minh), 720 hours, which is also the default 30-day trailing window of R6
and C3. Hours below are from 1 September 00:00 local ("h").

hoa, loudspeakers (R1, R2, R6):
  rc-1 (Thôn 1)  online; offline 100 h–106 h            up 714, down 6  → 99.17 %, works
  rc-2 (Thôn 1)  online; offline 200 h–272 h            up 648, down 72 → 90 %, does not
  rc-3 (Thôn 2)  online, but in maintenance all month   excluded 720: nothing observed,
                 — the village's only cluster           unknown
  rc-4 (Thôn 3)  planned                                not measured, counts as planned
  rc-5 (Thôn 4)  never heard                            unknown 720
  R6 = 1 − 78 / (2880 − 720 unknown) = 96.389 %, known 2160/2880 = 75 % (just enough)
  R2: Thôn 1 yes, Thôn 2 and 4 undecided, Thôn 3 no → between 25 % and 75 %: not met
hoa, cameras (C1, C2, C3):
  cam-1 (UBND)   online; offline 500 h–510 h; recording  up 710, down 10 → works
  cam-2 (chợ)    online until 360 h, then unknown         known 50 % < 75 %: unknown
  cam-3 (UBND)   installed 16 Sept (360 h); online 361 h  up 359 of 360 → works, but
                 — installed mid-period                   reports not recording
  C3 = 1 − 10 / 1439 = 99.305 %; C1 met by cam-1; C2: UBND yes, chợ undecided, trường
  (no camera) no → between 33 % and 67 %: not met
hoa, N5: vc-1 online, offline from 700 h → 700/720 = 97.2 % ≥ 95 %: met
hoa, broadcasts (from the gateway's broadcast log, reconciled by the real playout log):
  R8: the 06:00 bulletin played on rc-1 every day but days 5, 6, 12, 13, 19, 20, 26, 27
      of the month (day 5 it failed); on day 19 the emergency below played → 23 of 30
      days → 23/30 × 7 = 5.37 days/week: met
  R9: the emergency of 20 Sept 10:00 started on rc-1 after 10 s, on rc-2 after 90 s, not
      on rc-3 or rc-5 → 1 of the 4 installed clusters within 60 s = 25 %: not met
dong (until 15 Sept) and tay merged into moi on 16 Sept:
  dong is evaluated up to 16 Sept: dong-rc-1 down 48 h of its 720-hour window → 93.33 %
  moi from 16 Sept: dong-rc-1 (down 10 h) and tay-rc-1 over 360 h each → 98.611 %
vang: no data at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.paths import DATA
from xaso.inventory import load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.indicators.evidence import canonical_bytes
from xaso.server.indicators.gather.evaluate import evaluate_communes
from xaso.server.indicators.period import parse_period
from xaso.server.indicators.result import CommuneEvaluation, IndicatorResult
from xaso.server.indicators.wiring import indicator_sources
from xaso.server.monitoring.exclusion_history import Author
from xaso.server.monitoring.keys import EXCLUSIONS
from xaso.server.monitoring.maintenance import MaintenanceWindow
from xaso.server.records import BroadcastEventRecord, DeviceReadingRecord, TransitionRecord
from xaso.server.settings import Settings
from xaso.server.store.base import Store
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import SqliteStore
from xaso.testbed.influxdb import InfluxServer

INVENTORY = DATA / "indicators-inventory.yaml"
TZ_NAME = "Asia/Ho_Chi_Minh"
H = 3_600_000
SEPT_FROM, SEPT_TO = parse_period("2026-09", __import__("zoneinfo").ZoneInfo(TZ_NAME))
NOW = SEPT_TO + 5 * 24 * H  # evaluated in early October
MERGER = SEPT_FROM + 360 * H  # 16 September 00:00 local

KIND = {"rc": "radio_cluster", "cam": "camera", "nvr": "nvr", "vc": "vc_endpoint"}


def tr(device: str, hour: float, status: str, commune: str | None = None) -> TransitionRecord:
    kind = KIND[device.split("-")[1]]
    return TransitionRecord(
        device_id=device,
        commune=commune or device.split("-")[0],
        kind=kind,
        ts_ms=SEPT_FROM + int(hour * H),
        status=status,
        previous="",
        cause="gateway_offline" if status == "unknown" else f"probe_{status}",
    )


def reading(device: str, hour: float, **detail: bool) -> DeviceReadingRecord:
    return DeviceReadingRecord(
        device_id=device,
        agent_id="hoa-cctv-gw",
        commune="hoa",
        kind=KIND[device.split("-")[1]],
        ts_ms=SEPT_FROM + int(hour * H),
        seq=1,
        reachable=True,
        detail=dict(detail),
    )


HISTORY: list[Any] = [
    tr("hoa-rc-1", -10, "online"),
    tr("hoa-rc-1", 100, "offline"),
    tr("hoa-rc-1", 106, "online"),
    tr("hoa-rc-2", -10, "online"),
    tr("hoa-rc-2", 200, "offline"),
    tr("hoa-rc-2", 272, "online"),
    tr("hoa-rc-3", -10, "online"),
    tr("hoa-cam-1", -10, "online"),
    tr("hoa-cam-1", 500, "offline"),
    tr("hoa-cam-1", 510, "online"),
    tr("hoa-cam-2", -10, "online"),
    tr("hoa-cam-2", 360, "unknown"),
    tr("hoa-cam-3", 361, "online"),
    tr("hoa-nvr-1", -10, "online"),
    tr("hoa-vc-1", -10, "online"),
    tr("hoa-vc-1", 700, "offline"),
    # Stored under the predecessor's code before the merger, the successor's after it.
    tr("dong-rc-1", -400, "online", "dong"),
    tr("dong-rc-1", 24, "offline", "dong"),
    tr("dong-rc-1", 72, "online", "dong"),
    tr("dong-rc-1", 400, "offline", "moi"),
    tr("dong-rc-1", 410, "online", "moi"),
    tr("tay-rc-1", -400, "online", "tay"),
    reading("hoa-cam-1", 719 + 50 / 60, **{"camera.recording": True}),
    reading("hoa-cam-3", 719 + 55 / 60, **{"camera.recording": False}),
    reading("hoa-nvr-1", 719, **{"nvr.recording": True}),
]


def broadcast(
    cluster: str, schedule: str, start_h: float, event: str, seq: int, delay_s: float = 0
) -> BroadcastEventRecord:
    occurrence = SEPT_FROM + int(start_h * H)
    started = occurrence + int(delay_s * 1000)
    return BroadcastEventRecord(
        event_id=f"hoa-radio-gw-{seq}",
        agent_id="hoa-radio-gw",
        cluster=cluster,
        commune="hoa",
        event=event,
        ts_ms=started + (300_000 if event == "finished" else 0),
        seq=seq,
        session=1,
        schedule=schedule,
        revision=1,
        priority="emergency" if schedule == "khan-cap" else "normal",
        content_type="tts",
        content_duration_s=300.0,
        occurrence_ms=occurrence,
        planned_end_ms=occurrence + 300_000,
        content_title=schedule,
        started_ms=started if event != "failed" else None,
        played_s=300.0 if event == "finished" else None,
        error="player_error" if event == "failed" else None,
    )


QUIET_DAYS = {5, 6, 12, 13, 19, 20, 26, 27}
BROADCASTS: list[BroadcastEventRecord] = []
for day in range(30):
    if day == 5:
        BROADCASTS.append(broadcast("hoa-rc-1", "ban-tin-sang", day * 24 + 6, "failed", 1000))
    elif day not in QUIET_DAYS:
        for event in ("started", "finished"):
            BROADCASTS.append(
                broadcast("hoa-rc-1", "ban-tin-sang", day * 24 + 6, event, len(BROADCASTS) + 1)
            )
for cluster, delay_s in (("hoa-rc-1", 10), ("hoa-rc-2", 90)):
    for event in ("started", "finished"):
        BROADCASTS.append(
            broadcast(cluster, "khan-cap", 19 * 24 + 10, event, len(BROADCASTS) + 1, delay_s)
        )
HISTORY += BROADCASTS

# hoa-rc-3 is in maintenance for the whole month (and a little around it), planned by
# an admin (so approved).
ADMIN = Author("admin", "admin")
RC3_MAINTENANCE = MaintenanceWindow(
    id="mw-rc-3",
    scope="device",
    target="hoa-rc-3",
    start=dt.datetime(2026, 8, 31),
    duration_s=40 * 86_400.0,
    reason="thay bộ khuếch đại",
)


async def open_store(kind: str, tmp_path: Path, influxd: InfluxServer | None) -> Store:
    opened: Store
    if kind == "sqlite":
        opened = await SqliteStore.open(str(tmp_path / f"ts-{uuid.uuid4().hex[:6]}.db"))
    else:
        assert influxd is not None
        opened = await InfluxStore.open(influxd.url, f"ind_{uuid.uuid4().hex[:8]}")
    await opened.write(HISTORY)
    return opened


def make_app(store: Store, data_dir: Path) -> web.Application:
    settings = Settings(inventory=str(INVENTORY), data_dir=str(data_dir))
    index = load_inventory(INVENTORY).index()
    return create_app(
        settings, Deps(store=store, index=index, clock_ms=lambda: NOW, connect_mqtt=False)
    )


@pytest.fixture(params=["sqlite", "influxdb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    influxd = request.getfixturevalue("influxd") if request.param == "influxdb" else None
    opened = await open_store(request.param, tmp_path, influxd)
    yield opened
    await opened.close()


@pytest.fixture
async def app(
    store: Store,
    tmp_path: Path,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> web.Application:
    client = await aiohttp_client(make_app(store, tmp_path / "data"))
    started = client.server.app
    assert started is not None
    started[EXCLUSIONS].add_window(RC3_MAINTENANCE, state="approved", by=ADMIN, at_ms=0)
    return started


async def evaluate(app: web.Application, commune: str) -> dict[str, IndicatorResult]:
    (evaluation,) = await evaluate_communes(indicator_sources(app), [commune], SEPT_FROM, SEPT_TO)
    return {r.indicator: r for r in evaluation.results}


def approx(value: float | None) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def evidence(result: IndicatorResult, kind: str) -> dict[str, Any]:
    return {item.id: item for item in result.evidence if item.kind == kind}


async def test_radio_indicators_by_hand(app: web.Application) -> None:
    results = await evaluate(app, "hoa")

    r1 = results["R1"]
    assert (r1.verdict, r1.value, r1.numerator, r1.denominator) == ("met", 1.0, 1, 5)
    devices = evidence(r1, "device")
    assert [devices[d].counted for d in sorted(devices)] == [True, False, None, False, None]

    r2 = results["R2"]
    assert r2.verdict == "not_met"  # even if both undecided villages were fine: 75 %
    assert (r2.value, r2.numerator, r2.denominator) == (25.0, 1, 4)
    villages = evidence(r2, "village")
    assert {code: v.counted for code, v in villages.items()} == {
        "hoa.t1": True,
        "hoa.t2": None,  # its only cluster was in maintenance all month
        "hoa.t3": False,  # only a planned cluster
        "hoa.t4": None,
    }

    r6 = results["R6"]
    assert r6.verdict == "met"
    assert r6.value == approx(100 * (1 - 78 / 2160))
    assert (r6.numerator, r6.denominator) == (approx(2082), approx(2160))
    assert (r6.from_ms, r6.to_ms) == (SEPT_FROM, SEPT_TO)  # the 30 days to the end
    figures = evidence(r6, "device")
    assert figures["hoa-rc-1"].value == approx(100 * 714 / 720)
    assert figures["hoa-rc-2"].value == approx(90.0)
    assert figures["hoa-rc-3"].value == approx(100.0)  # maintenance counts as available
    assert figures["hoa-rc-5"].value is None and figures["hoa-rc-5"].counted is False
    outages = [(o.id, o.from_ms, o.to_ms) for o in r6.evidence if o.kind == "outage"]
    assert outages == [
        ("hoa-rc-1", SEPT_FROM + 100 * H, SEPT_FROM + 106 * H),
        ("hoa-rc-2", SEPT_FROM + 200 * H, SEPT_FROM + 272 * H),
    ]

    r3 = results["R3"]  # off by default
    assert r3.verdict == "not_applicable"


async def test_camera_and_conference_indicators_by_hand(app: web.Application) -> None:
    results = await evaluate(app, "hoa")

    c3 = results["C3"]
    assert c3.verdict == "met"
    assert c3.value == approx(100 * (1 - 10 / 1439))
    assert (c3.numerator, c3.denominator) == (approx(1429), approx(1439))
    cameras = evidence(c3, "device")
    # Installed on 16 September: measured from then, one unknown hour of 360.
    assert cameras["hoa-cam-3"].from_ms == MERGER
    assert cameras["hoa-cam-3"].value == approx(100.0)

    c1 = results["C1"]
    assert (c1.verdict, c1.value, c1.numerator, c1.denominator) == ("met", 1.0, 1, 3)
    counted = {d: item.counted for d, item in evidence(c1, "device").items()}
    # cam-2 lacks data (its recorder says recording); cam-3 works but does not record.
    assert counted == {"hoa-cam-1": True, "hoa-cam-2": None, "hoa-cam-3": False}

    c2 = results["C2"]
    assert c2.verdict == "not_met"
    assert (c2.value, c2.numerator, c2.denominator) == (approx(100 / 3), 1, 3)
    places = {code: item.counted for code, item in evidence(c2, "key_location").items()}
    assert places == {"hoa.cho": None, "hoa.truong": False, "hoa.ubnd": True}

    n5 = results["N5"]
    assert (n5.verdict, n5.value, n5.numerator, n5.denominator) == ("met", 1.0, 1, 1)
    assert evidence(n5, "device")["hoa-vc-1"].value == approx(100 * 700 / 720)


async def test_broadcast_indicators_by_hand(app: web.Application) -> None:
    results = await evaluate(app, "hoa")

    r8 = results["R8"]
    assert r8.verdict == "met"
    assert (r8.value, r8.numerator, r8.denominator) == (approx(23 / 30 * 7), 23, 30)
    sessions = evidence(r8, "broadcast")
    assert len(sessions) == 24  # 22 bulletins played, 1 failed, the emergency
    assert sessions[f"ban-tin-sang@{SEPT_FROM + (5 * 24 + 6) * H}"].counted is False
    assert sessions[f"khan-cap@{SEPT_FROM + (19 * 24 + 10) * H}"].counted is True

    r9 = results["R9"]
    assert r9.verdict == "not_met"
    assert (r9.value, r9.numerator, r9.denominator) == (25.0, 1, 4)
    reached = {item.id: (item.counted, item.value) for item in evidence(r9, "device").values()}
    assert reached == {
        "hoa-rc-1": (True, 10.0),
        "hoa-rc-2": (False, 90.0),  # it played, 90 s late: not within 60 s
        "hoa-rc-3": (False, None),  # not reached at all
        "hoa-rc-5": (False, None),
    }
    assert (r9.from_ms, r9.to_ms) == (SEPT_TO - 90 * 24 * H, SEPT_TO)


async def test_without_declarations_or_logs_the_rest_is_insufficient(
    app: web.Application,
) -> None:
    results = await evaluate(app, "hoa")
    for indicator in ("N1", "N2", "N3", "N4", "N6"):
        assert results[indicator].verdict == "insufficient_data", indicator
        assert results[indicator].reason, indicator


async def test_a_commune_merged_mid_period(app: web.Application) -> None:
    dong, moi, tay = await evaluate_communes(
        indicator_sources(app), ["dong", "moi", "tay"], SEPT_FROM, SEPT_TO
    )
    # The predecessor over its part (to 16 September), its successor over the rest.
    assert (dong.from_ms, dong.to_ms, dong.merged_into) == (SEPT_FROM, MERGER, "moi")
    assert (moi.from_ms, moi.to_ms, moi.predecessors) == (MERGER, SEPT_TO, ["dong", "tay"])
    assert (moi.requested_from_ms, moi.requested_to_ms) == (SEPT_FROM, SEPT_TO)
    assert tay.merged_into == "moi"

    by_id = {r.indicator: r for r in dong.results}
    assert by_id["R6"].value == approx(100 * (1 - 48 / 720))
    assert by_id["R6"].verdict == "not_met"
    assert (by_id["R6"].from_ms, by_id["R6"].to_ms) == (MERGER - 720 * H, MERGER)
    assert (by_id["R1"].verdict, by_id["R2"].verdict) == ("not_met", "not_met")

    by_id = {r.indicator: r for r in moi.results}
    assert by_id["R6"].value == approx(100 * (1 - 10 / 720))
    assert (by_id["R6"].numerator, by_id["R6"].denominator) == (approx(710), approx(720))
    assert (by_id["R2"].verdict, by_id["R2"].value, by_id["R2"].denominator) == ("met", 100.0, 2)
    assert {i.id for i in by_id["R2"].evidence if i.kind == "village"} == {"dong.t1", "tay.t1"}
    assert (by_id["R1"].numerator, by_id["R1"].denominator) == (2, 2)


async def test_a_commune_outside_its_existence_is_not_applicable(app: web.Application) -> None:
    (august,) = await evaluate_communes(
        indicator_sources(app), ["moi"], *parse_period("2026-08", _tz())
    )
    assert {r.verdict for r in august.results} == {"not_applicable"}
    assert all(r.reason for r in august.results)


async def test_no_data_at_all(app: web.Application) -> None:
    results = await evaluate(app, "vang")
    verdicts = {key: r.verdict for key, r in results.items()}
    assert verdicts == {
        "R1": "insufficient_data",  # one cluster, never heard of: could go either way
        "R2": "insufficient_data",
        "R3": "not_applicable",
        "R6": "insufficient_data",
        "R8": "insufficient_data",
        "R9": "insufficient_data",
        "C1": "not_met",  # no camera at all: the model does not exist
        "C2": "not_applicable",
        "C3": "not_applicable",
        "N5": "not_applicable",
        "N1": "insufficient_data",
        "N2": "insufficient_data",
        "N3": "insufficient_data",
        "N4": "insufficient_data",
        "N6": "insufficient_data",
    }
    assert results["R6"].value is None


async def test_names_and_parents_as_they_were(app: web.Application) -> None:
    (june,) = await evaluate_communes(
        indicator_sources(app), ["hoa"], *parse_period("2026-06", _tz())
    )
    (july,) = await evaluate_communes(
        indicator_sources(app), ["hoa"], *parse_period("2026-07", _tz())
    )
    assert (june.commune_name, july.commune_name) == ("Xã Hòa Cũ", "Xã Hòa")
    assert june.parent == "prov" and june.profile == july.profile


def _tz() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(TZ_NAME)


async def test_identical_on_both_stores(
    influxd: InfluxServer,
    tmp_path: Path,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> None:
    communes = ["hoa", "dong", "tay", "moi", "vang"]
    encoded: list[list[bytes]] = []
    for kind in ("sqlite", "influxdb"):
        store = await open_store(kind, tmp_path, influxd)
        try:
            client = await aiohttp_client(make_app(store, tmp_path / kind))
            app = client.server.app
            assert app is not None
            app[EXCLUSIONS].add_window(RC3_MAINTENANCE, state="approved", by=ADMIN, at_ms=0)
            found: list[CommuneEvaluation] = await evaluate_communes(
                indicator_sources(app), communes, SEPT_FROM, SEPT_TO
            )
            encoded.append([canonical_bytes(e) for e in found])
            await client.close()
        finally:
            await store.close()
    assert encoded[0] == encoded[1]


async def test_each_commune_is_handed_its_own_broadcasts(
    app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    # R8 and R9 scan every outcome they are handed: a province's months of broadcasts
    # handed to each of its communes would be scanned 150 times over.
    from xaso.server.indicators.gather import evaluate as evaluate_module

    seen: dict[str, list[Any]] = {}
    real = evaluate_module.evaluate_commune

    def spy(snap: Any, data: Any, profile: Any, **kwargs: Any) -> CommuneEvaluation:
        seen[snap.code] = list(data.playout or [])
        return real(snap, data, profile, **kwargs)

    monkeypatch.setattr(evaluate_module, "evaluate_commune", spy)
    found = await evaluate_communes(
        indicator_sources(app), ["hoa", "vang", "dong", "moi"], SEPT_FROM, SEPT_TO
    )
    assert (seen["vang"], seen["dong"], seen["moi"]) == ([], [], [])
    assert seen["hoa"] and {o.cluster for o in seen["hoa"]} == {"hoa-rc-1", "hoa-rc-2"}
    r8 = next(r for r in found[0].results if r.indicator == "R8")
    assert (r8.verdict, r8.numerator) == ("met", 23)  # the same figures as by hand


async def test_the_pure_core_runs_off_the_event_loop(
    app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A province's evaluation is seconds of CPU (more with an overview's trend): on the
    # loop, heartbeats would wait that long unread.
    import asyncio
    import threading

    from xaso.server.indicators.gather import evaluate as evaluate_module

    loop_thread = threading.current_thread()
    asyncio.get_running_loop()  # the loop runs in this thread
    threads: list[threading.Thread] = []
    real = evaluate_module.evaluate_commune

    def spy(snap: Any, data: Any, profile: Any, **kwargs: Any) -> CommuneEvaluation:
        threads.append(threading.current_thread())
        return real(snap, data, profile, **kwargs)

    monkeypatch.setattr(evaluate_module, "evaluate_commune", spy)
    await evaluate_communes(indicator_sources(app), ["hoa", "vang"], SEPT_FROM, SEPT_TO)
    assert len(threads) == 2 and loop_thread not in threads
