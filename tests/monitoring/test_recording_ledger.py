"""The recording ledger: recorders' overlapping reports merged per camera and local day,
the newest word winning, whatever order they are stored in."""

from __future__ import annotations

import sqlite3

import msgspec

from tests.messages import SMALL_INVENTORY
from xaso.inventory import load_inventory
from xaso.protocol import CameraStatus, DeviceReading, RecordingContinuity, RecordingGap
from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.indicators.late_marks import RECENT
from xaso.server.indicators.rollup_table import RollupTable
from xaso.server.monitoring.detail import reading_detail
from xaso.server.monitoring.recording_ledger import RecordingLedger, report_of
from xaso.server.monitoring.stored_hook import stored_hook
from xaso.server.records import DeviceReadingRecord

H = 3_600_000
MIN = 60_000
# 14/04/2025 00:00 in Vietnam (UTC+7): the start of a local day.
DAY0 = 1_744_563_600_000
DAY1 = DAY0 + 24 * H


def _record(made_ms: int, from_ms: int, to_ms: int, *gaps: tuple[int, int]) -> DeviceReadingRecord:
    missing = sum(b - a for a, b in gaps)
    reading = DeviceReading(
        id="cam-1",
        reachable=True,
        camera=CameraStatus(
            stream_ok=True,
            recorded=RecordingContinuity(
                from_ms=from_ms,
                to_ms=to_ms,
                recorded_s=(to_ms - from_ms - missing) / 1000,
                gaps=[RecordingGap(from_ms=a, to_ms=b) for a, b in gaps],
            ),
        ),
    )
    return DeviceReadingRecord(
        device_id="cam-1",
        agent_id="gw",
        commune="xa",
        kind="camera",
        ts_ms=made_ms,
        seq=1,
        reachable=True,
        detail=reading_detail(reading),
    )


def _ledger() -> RecordingLedger:
    return RecordingLedger(sqlite3.connect(":memory:", isolation_level=None), "Asia/Ho_Chi_Minh")


def test_the_report_is_flattened_into_the_detail_and_read_back() -> None:
    record = _record(
        DAY1, DAY0, DAY1, (DAY0 + 2 * H, DAY0 + 3 * H), (DAY0 + 5 * H, DAY0 + 5 * H + 30 * MIN)
    )
    assert record.detail["camera.stream_ok"] is True
    assert record.detail["camera.recorded.recorded_s"] == 22.5 * 3600
    assert record.detail["camera.recorded.gap_count"] == 2.0
    assert record.detail["camera.recorded.longest_gap_s"] == 3600.0
    report = report_of(record)
    assert report is not None
    assert (report.from_ms, report.to_ms) == (DAY0, DAY1)
    assert report.gaps == [(DAY0 + 2 * H, DAY0 + 3 * H), (DAY0 + 5 * H, DAY0 + 5 * H + 30 * MIN)]


def test_successive_windows_merge_per_day_newest_word_winning() -> None:
    ledger = _ledger()
    # 10:00 on day 1: the last 24 h, a gap 20:00-23:00 on day 0.
    first = _record(DAY1 + 10 * H, DAY0 + 10 * H, DAY1 + 10 * H, (DAY0 + 20 * H, DAY0 + 23 * H))
    # 10:15: the card's footage was copied back for 20:00-22:00; 22:00-23:00 still missing,
    # and a new gap 10:05-10:15 at the window's end.
    second = _record(
        DAY1 + 10 * H + 15 * MIN,
        DAY0 + 10 * H + 15 * MIN,
        DAY1 + 10 * H + 15 * MIN,
        (DAY0 + 22 * H, DAY0 + 23 * H),
        (DAY1 + 10 * H + 5 * MIN, DAY1 + 10 * H + 15 * MIN),
    )
    assert ledger.apply_records([first]) == {("cam-1", DAY0), ("cam-1", DAY1)}
    assert ledger.apply_records([second]) == {("cam-1", DAY0), ("cam-1", DAY1)}
    # The first, replayed after the second, changes nothing it covered since.
    assert ledger.apply_records([first]) == set()
    days = ledger.days(["cam-1", "cam-2"], DAY0, DAY1 + 24 * H)
    assert list(days) == ["cam-1"]
    day0, day1 = days["cam-1"]
    assert day0.day_ms == DAY0 and day0.known_ms == 14 * H
    assert day0.gaps == [(DAY0 + 22 * H, DAY0 + 23 * H)]
    assert day0.recorded_ms == 13 * H
    assert day1.known_ms == 10 * H + 15 * MIN
    assert day1.gaps == [(DAY1 + 10 * H + 5 * MIN, DAY1 + 10 * H + 15 * MIN)]
    assert day1.recorded_ms == 10 * H + 5 * MIN


def test_a_window_without_gaps_proves_recording_and_unknown_time_stays_unknown() -> None:
    ledger = _ledger()
    ledger.apply_records([_record(DAY0 + 12 * H, DAY0 + 6 * H, DAY0 + 12 * H)])
    ledger.apply_records(
        [_record(DAY0 + 20 * H, DAY0 + 14 * H, DAY0 + 20 * H, (DAY0 + 15 * H, DAY0 + 16 * H))]
    )
    (day,) = ledger.days(["cam-1"], DAY0, DAY1)["cam-1"]
    assert (day.known_ms, day.recorded_ms, day.gap_ms) == (12 * H, 11 * H, H)
    assert day.gaps == [(DAY0 + 15 * H, DAY0 + 16 * H)]


def test_readings_without_a_report_are_ignored() -> None:
    ledger = _ledger()
    plain = DeviceReadingRecord(
        device_id="cam-1",
        agent_id="gw",
        commune="xa",
        kind="camera",
        ts_ms=DAY0,
        seq=1,
        reachable=True,
        detail={"camera.stream_ok": True},
    )
    assert ledger.apply_records([plain, object()]) == set()
    assert ledger.days(["cam-1"], DAY0, DAY1) == {}


def test_a_window_beyond_reason_is_cut_to_the_last_eight_days() -> None:
    ledger = _ledger()
    record = _record(DAY1, 0, 2**62)  # from 1970 to the far future
    report = report_of(record)
    assert report is not None
    assert report.to_ms == DAY1 + H and report.from_ms == DAY1 + H - 8 * 24 * H
    assert len(ledger.apply_records([record])) == 9  # nine local days touched, no more


def test_the_stored_hook_fills_the_ledger_and_drops_kept_evaluations() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    index = load_inventory(SMALL_INVENTORY).index()
    rollups = DayRollups(RollupTable(db), index)
    ledger = RecordingLedger(db, index.inventory.timezone)
    hook = stored_hook(rollups, ledger)
    assert hook is not None
    record = msgspec.structs.replace(
        _record(DAY1 + 10 * H, DAY0 + 10 * H, DAY1 + 10 * H, (DAY0 + 20 * H, DAY0 + 21 * H)),
        device_id="alpha-cam-1",
    )
    before = rollups.table.epochs(RECENT, ["alpha"])
    hook([record], DAY1 + 10 * H)
    assert ledger.days(["alpha-cam-1"], DAY0, DAY1)["alpha-cam-1"][0].gaps == [
        (DAY0 + 20 * H, DAY0 + 21 * H)
    ]
    assert rollups.table.epochs(RECENT, ["alpha"]) != before  # yesterday changed
