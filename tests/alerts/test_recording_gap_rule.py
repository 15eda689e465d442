"""The recording_gap rule: a camera whose recorder reports a gap longer than the
threshold alerts its commune, until the recorder's window has slid past the gap or the
recorder has filled it."""

from __future__ import annotations

from tests.alerts.test_engine import INDEX, MIN, T0, Site, all_up, messages, run
from xaso.protocol import CameraStatus, DeviceReading, RecordingContinuity, RecordingGap
from xaso.server.alerts.config import RuleConfig
from xaso.server.alerts.engine import AlertEngine
from xaso.server.alerts.templates import Renderer

HOUR = 3_600_000
GAPS = RuleConfig(name="mat-ghi-hinh", type="recording_gap", max_gap_s=3600)


def _report(now: int, *gaps: tuple[int, int]) -> DeviceReading:
    window = (now - 24 * HOUR, now)
    missing = sum(b - a for a, b in gaps)
    recorded = RecordingContinuity(
        from_ms=window[0],
        to_ms=window[1],
        recorded_s=(window[1] - window[0] - missing) / 1000,
        gaps=[RecordingGap(from_ms=a, to_ms=b) for a, b in gaps],
    )
    return DeviceReading(id="xh-cam-1", reachable=True, camera=CameraStatus(recorded=recorded))


def test_a_gap_over_the_threshold_fires_and_a_filled_one_resolves() -> None:
    engine = AlertEngine([GAPS], INDEX)
    site = Site()
    all_up(site, T0)
    now = T0 + MIN
    # 50 minutes missing: under the hour, no alert.
    site.beat(
        "xh-gw", now, extra={"xh-cam-1": _report(now, (now - 5 * HOUR, now - 5 * HOUR + 50 * MIN))}
    )
    assert run(engine, site, now, now + 10 * MIN, step_ms=MIN) == []
    # Later reports keep the newest word; the next one says 2 h were missing.
    later = now + 15 * MIN
    gap = (later - 6 * HOUR, later - 4 * HOUR)
    site.beat("xh-gw", later, extra={"xh-cam-1": _report(later, gap)})
    fired = messages(engine.evaluate(site.fleet, later))
    assert [(m.state, m.rule, [d.id for d in m.devices]) for m in fired] == [
        ("firing", "recording_gap", ["xh-cam-1"])
    ]
    assert fired[0].started_ms == gap[0]
    rendered = Renderer().render(fired[0])
    assert rendered.subject == "[CẢNH BÁO] Xã Xuân Hồng: Camera 1 mất ghi hình"
    assert "1 khoảng mất ghi hình, dài nhất 2,0 giờ" in rendered.text
    # Plain heartbeats in between carry no report: the last word stands.
    site.beat("xh-gw", later + MIN)
    assert run(engine, site, later + MIN, later + 5 * MIN, step_ms=MIN) == []
    # The recorder filled it (footage copied from the card): resolved.
    filled = later + 30 * MIN
    site.beat("xh-gw", filled, extra={"xh-cam-1": _report(filled)})
    resolved = messages(engine.evaluate(site.fleet, filled))
    assert [m.state for m in resolved] == ["resolved"]


def test_a_camera_in_maintenance_never_matches() -> None:
    engine = AlertEngine([GAPS], INDEX)
    site = Site()
    all_up(site, T0)
    now = T0 + MIN
    site.beat("xh-gw", now, extra={"xh-cam-1": _report(now, (now - 8 * HOUR, now - 2 * HOUR))})
    site.fleet.apply_maintenance({"xh-cam-1"}, now)
    assert messages(engine.evaluate(site.fleet, now + MIN)) == []
