"""C3's recording rule: with ``recording_min_hours_per_day``, the gaps of a camera's
short days count as down time (once, never over an outage or maintenance), which
changes C3's verdict and, through ``working: C3``, C1's and C2's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec
import pytest

from tests.indicators.test_compute import DAY, INDEX, PROFILE, SEPT_FROM, SEPT_TO, H
from xaso.server.indicators.compute import CommuneData, data_ranges, evaluate_commune
from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.indicators.late_marks import LATE, RECENT
from xaso.server.indicators.measures import DeviceHistory
from xaso.server.indicators.profile import IndicatorProfile, check_profile_file, load_profiles
from xaso.server.indicators.result import IndicatorResult
from xaso.server.indicators.rollup_table import RollupTable
from xaso.server.indicators.snapshot import snapshot
from xaso.server.monitoring.recording_ledger import DayRecording
from xaso.server.records import TransitionRecord

CAMERAS = ("hoa-cam-1", "hoa-cam-2", "hoa-cam-3")
# Every camera online all September.
ONLINE = {
    c: DeviceHistory(
        None, [TransitionRecord(c, "hoa", "camera", SEPT_FROM - DAY, "online", "", "")]
    )
    for c in CAMERAS
}


def _with_rule(hours: float) -> IndicatorProfile:
    c3 = PROFILE.get("C3")
    assert c3 is not None
    changed = msgspec.structs.replace(c3, recording_min_hours_per_day=hours)
    return msgspec.structs.replace(
        PROFILE, indicators=[changed if i.id == "C3" else i for i in PROFILE.indicators]
    )


def _day(day: int, *gaps: tuple[float, float]) -> DayRecording:
    start = SEPT_FROM + day * DAY
    spans = [(start + int(a * H), start + int(b * H)) for a, b in gaps]
    missing = sum(b - a for a, b in spans)
    return DayRecording(start, DAY - missing, DAY, spans, [(start, start + DAY)])


def _evaluate(
    profile: IndicatorProfile,
    recordings: dict[str, list[DayRecording]],
    histories: dict[str, DeviceHistory] = ONLINE,
    exclusions: dict[str, list[tuple[int, int]]] | None = None,
) -> dict[str, IndicatorResult]:
    snap = snapshot(INDEX, "hoa", SEPT_FROM, SEPT_TO)
    data = CommuneData(histories, exclusions or {}, {}, None, {}, recordings=recordings)
    evaluation = evaluate_commune(snap, data, profile, now_ms=SEPT_TO + DAY)
    return {r.indicator: r for r in evaluation.results}


# hoa-cam-1 lost 10 h on each of three days; all three cameras online throughout.
SHORT = {"hoa-cam-1": [_day(3, (8, 18)), _day(4, (8, 18)), _day(5, (8, 18)), _day(6, (1, 1.5))]}


def test_without_the_rule_recording_changes_nothing() -> None:
    results = _evaluate(PROFILE, SHORT)
    assert results["C3"].value == 100.0 and results["C3"].verdict == "met"


def test_the_rule_counts_the_gaps_of_short_days_and_changes_the_verdict() -> None:
    results = _evaluate(_with_rule(23), SHORT)
    c3 = results["C3"]
    # 30 h more down of the cameras' 1,800 h (one was installed mid-month); day 6 lost
    # half an hour: 23.5 h recorded, not short.
    assert c3.denominator == 1800
    assert c3.numerator == 1770 and c3.value == pytest.approx(100 * (1 - 30 / 1800))
    assert c3.verdict == "met"  # 98.3 % ≥ 95 %
    gaps = [e for e in c3.evidence if e.kind == "outage" and e.label == "recording_gap"]
    assert [(e.id, e.value) for e in gaps] == [("hoa-cam-1", 10.0)] * 3
    # A stricter province: 98 % availability wanted, C3 fails now.
    strict = _with_rule(23)
    c3_spec = strict.get("C3")
    assert c3_spec is not None
    stricter = msgspec.structs.replace(
        strict,
        indicators=[
            msgspec.structs.replace(i, threshold=99) if i.id == "C3" else i
            for i in strict.indicators
        ],
    )
    assert _evaluate(stricter, SHORT)["C3"].verdict == "not_met"
    assert (
        _evaluate(
            msgspec.structs.replace(
                stricter,
                indicators=[
                    msgspec.structs.replace(i, recording_min_hours_per_day=0.0)
                    if i.id == "C3"
                    else i
                    for i in stricter.indicators
                ],
            ),
            SHORT,
        )["C3"].verdict
        == "met"
    )


def test_a_camera_whose_recording_fails_its_working_rule_no_longer_covers_its_place() -> None:
    # hoa-cam-2 (the market's only camera) lost 20 h a day for two weeks: 280 h of 720.
    lost = {"hoa-cam-2": [_day(d, (2, 22)) for d in range(14)]}
    before = _evaluate(PROFILE, lost)
    assert before["C2"].numerator == 2 and before["C3"].verdict == "met"
    after = _evaluate(_with_rule(20), lost)
    assert after["C2"].numerator == 1  # the market is no longer watched
    assert after["C3"].numerator == 1800 - 280 and after["C3"].verdict == "not_met"


def test_gap_time_already_down_or_in_maintenance_is_counted_once() -> None:
    start = SEPT_FROM + 3 * DAY
    histories = dict(ONLINE)
    histories["hoa-cam-1"] = DeviceHistory(
        None,
        [
            TransitionRecord("hoa-cam-1", "hoa", "camera", SEPT_FROM - DAY, "online", "", ""),
            TransitionRecord("hoa-cam-1", "hoa", "camera", start + 8 * H, "offline", "", ""),
            TransitionRecord("hoa-cam-1", "hoa", "camera", start + 12 * H, "online", "", ""),
        ],
    )
    # Offline 08-12 (down anyway), maintenance 12-14 (counts as up), gap 08-18.
    maintenance = {"hoa-cam-1": [(start + 12 * H, start + 14 * H)]}
    results = _evaluate(_with_rule(23), {"hoa-cam-1": [_day(3, (8, 18))]}, histories, maintenance)
    down_h = 4 + 4  # the outage, then 14-18 of the gap
    assert results["C3"].numerator == results["C3"].denominator - down_h


def test_the_rule_is_a_c3_parameter_of_a_province_profile(tmp_path: Path) -> None:
    (tmp_path / "prov.yaml").write_text(
        "schema: 1\nname: Tỉnh Thử\narea: prov\noverrides:\n"
        "  C3: {recording_min_hours_per_day: 22}\n",
        encoding="utf-8",
    )
    profile = load_profiles(tmp_path, INDEX).for_commune("hoa", ["prov"])
    c3 = profile.get("C3")
    assert c3 is not None and c3.recording_min_hours_per_day == 22
    snap = snapshot(INDEX, "hoa", SEPT_FROM, SEPT_TO)
    ranges = data_ranges(snap, profile, SEPT_TO + DAY)
    assert ranges.recorded is not None and ranges.recorded.to_ms == SEPT_TO
    assert data_ranges(snap, PROFILE, SEPT_TO + DAY).recorded is None
    # A parameter of C3 only: on C2 it is a mistake, named with its line.
    (tmp_path / "prov.yaml").write_text(
        "schema: 1\nname: Tỉnh Thử\narea: prov\noverrides:\n"
        "  C2: {recording_min_hours_per_day: 22}\n",
        encoding="utf-8",
    )
    (problem,) = check_profile_file(tmp_path / "prov.yaml")
    assert "recording_min_hours_per_day" in str(problem) and ":5" in str(problem)


def test_a_changed_camera_day_drops_the_kept_evaluations_of_its_commune_only() -> None:
    rollups = DayRollups(RollupTable(sqlite3.connect(":memory:", isolation_level=None)), INDEX)
    now = SEPT_TO + 10 * H  # 1 October, 10:00
    today = rollups.today_ms(now)

    def epochs() -> tuple[dict[str, int], dict[str, int]]:
        return rollups.table.epochs(LATE, ["hoa"]), rollups.table.epochs(RECENT, ["hoa"])

    start = epochs()
    rollups.invalidate_for_recording({("hoa-cam-1", today)}, now)
    assert epochs() == start  # today: no kept evaluation reaches it
    rollups.invalidate_for_recording({("hoa-cam-1", today - DAY)}, now)
    late, recent = epochs()
    assert late == start[0] and recent != start[1]
    rollups.invalidate_for_recording({("hoa-cam-1", today - 5 * DAY), ("nobody", 0)}, now)
    assert epochs()[0] != late
