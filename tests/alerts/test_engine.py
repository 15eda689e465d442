"""The alert rules, pure: a real FleetState driven by real messages, an injected clock,
and hand-checked expectations (which message, when, naming what)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import pytest

from xaso.inventory import Inventory, InventoryIndex
from xaso.protocol import (
    SCHEMA_VERSION,
    AgentHealth,
    CameraStatus,
    DeviceReading,
    Heartbeat,
    NvrStatus,
    Status,
)
from xaso.server.alerts.config import RuleConfig
from xaso.server.alerts.engine import AlertEngine, Notice, SnapshotError
from xaso.server.alerts.message import AlertMessage
from xaso.server.alerts.templates import Renderer
from xaso.server.monitoring.fleet_state import DeviceStatus, FleetState, StateRules
from xaso.server.records import TransitionRecord
from xaso.yamlcheck import load_struct_text

T0 = 1_744_590_600_000  # 14/04/2025 07:30 in Vietnam
S = 1000  # ms
MIN = 60 * S
HOUR = 60 * MIN

CLUSTERS = [f"xh-rc-{i:02d}" for i in range(1, 16)]
CAMERAS = ["xh-cam-1", "xh-cam-2", "xh-cam-3"]
NVR = "xh-nvr"
XH_DEVICES = [*CLUSTERS, *CAMERAS, NVR]  # 19 behind the gateway: 20 devices in all


def _inventory() -> InventoryIndex:
    clusters = "\n".join(
        f"          - {{id: {d}, name: Cụm loa {d[-2:]}, type: radio_cluster, village: xh.t1}}"
        for d in CLUSTERS
    )
    cameras = "\n".join(
        f"          - {{id: {d}, name: Camera {d[-1]}, type: camera}}" for d in CAMERAS
    )
    text = f"""
schema: 1
name: Thọ Xuân
levels: [province, commune, village]
areas: [{{code: th, name: Thanh Hóa, level: province}}]
profiles:
  gateway: {{heartbeat_interval_s: 30, offline_after_s: 90}}
  radio_cluster: {{heartbeat_interval_s: 30, offline_after_s: 90}}
  camera: {{heartbeat_interval_s: 30, offline_after_s: 90}}
  nvr: {{heartbeat_interval_s: 30, offline_after_s: 90}}
communes:
  - code: xuan-hong
    name: Xã Xuân Hồng
    kind: xa
    parents: [{{area: th}}]
    villages: [{{code: xh.t1, name: Thôn 1}}]
    agents:
      - id: xh-gw
        name: Gateway Xuân Hồng
        kind: radio_gateway
        devices:
{clusters}
{cameras}
          - {{id: {NVR}, name: Đầu ghi UBND, type: nvr}}
          - {{id: xh-rc-new, name: Cụm loa mới, type: radio_cluster, planned: true}}
  - code: xuan-lai
    name: Xã Xuân Lai
    kind: xa
    parents: [{{area: th}}]
    villages: [{{code: xl.t1, name: Thôn 1}}]
    agents:
      - id: xl-gw
        name: Gateway Xuân Lai
        kind: radio_gateway
        devices:
          - {{id: xl-rc-01, name: Cụm loa 1, type: radio_cluster, village: xl.t1}}
"""
    inventory, problems, _ = load_struct_text(text, Inventory)
    assert not problems and inventory is not None, problems
    return inventory.index()


INDEX = _inventory()

DOWN = RuleConfig(name="mat-ket-noi", type="device_down", down_for_s=300)
RADIO = RuleConfig(name="truyen-thanh", type="commune_radio_below", min_up_pct=80, down_for_s=900)
CAMERA = RuleConfig(name="ghi-hinh", type="camera_not_recording", not_recording_for_s=3600)
CLOCK = RuleConfig(name="dong-ho", type="clock_offset", max_offset_ms=2000)
ALL_RULES = [DOWN, RADIO, CAMERA, CLOCK]


class Site:
    """A FleetState fed through its real message methods, keeping every transition
    (what the store would hold) so that a restart can be simulated."""

    def __init__(self, now_ms: int = T0) -> None:
        # Wills count at once: what follows a will is the subject here, not its grace.
        self.fleet = FleetState(INDEX, now_ms, StateRules(will_grace_s=0))
        self.transitions: list[TransitionRecord] = []
        self.seq = 0

    def birth(self, agent: str, now_ms: int, session: int = 1) -> None:
        self._keep(self.fleet.apply_status(self._status(agent, "online", session), now_ms))

    def will(self, agent: str, now_ms: int, session: int = 1) -> None:
        self._keep(self.fleet.apply_status(self._status(agent, "offline", session), now_ms))

    def beat(
        self,
        agent: str,
        now_ms: int,
        down: Iterable[str] = (),
        *,
        extra: dict[str, DeviceReading] | None = None,
        offset_ms: float | None = None,
        historical: bool = False,
    ) -> None:
        self.seq += 1
        ids = sorted(INDEX.devices_of_agent[agent])
        failing = set(down)
        readings = {
            d: DeviceReading(
                id=d, reachable=d not in failing, error="timeout" if d in failing else None
            )
            for d in ids
        }
        readings.update(extra or {})
        beat = Heartbeat(
            v=SCHEMA_VERSION,
            agent=agent,
            session=1,
            seq=self.seq,
            ts_ms=now_ms,
            interval_s=30,
            health=AgentHealth(uptime_s=100, clock_offset_ms=offset_ms),
            devices=list(readings.values()),
            historical=historical,
        )
        self._keep(self.fleet.apply_heartbeat(beat, beat.devices, now_ms))

    def restarted(self, now_ms: int) -> Site:
        """The server started again: a new FleetState from the stored transitions."""
        site = Site(now_ms)
        latest: dict[str, TransitionRecord] = {}
        for record in self.transitions:
            if record.cause not in ("flapping_started", "flapping_ended"):
                latest[record.device_id] = record
        site.fleet.restore(latest.values(), now_ms)
        site.seq = self.seq
        return site

    def _keep(self, records: list[TransitionRecord] | None) -> None:
        self.transitions += records or []

    @staticmethod
    def _status(agent: str, state: Any, session: int) -> Status:
        return Status(v=SCHEMA_VERSION, agent=agent, state=state, session=session, ts_ms=0)


def messages(notices: list[Notice]) -> list[AlertMessage]:
    return [notice.message for notice in notices]


def run(engine: AlertEngine, site: Site, start_ms: int, end_ms: int, step_ms: int = 5 * S):
    """Evaluate every ``step_ms`` from start to end (inclusive), as the server does."""
    out: list[tuple[int, AlertMessage]] = []
    now = start_ms
    while now <= end_ms:
        out += [(now, m) for m in messages(engine.evaluate(site.fleet, now))]
        now += step_ms
    return out


def all_up(site: Site, now_ms: int) -> None:
    """Both gateways connected and every device answering."""
    for agent in ("xh-gw", "xl-gw"):
        site.birth(agent, now_ms)
        site.beat(agent, now_ms)


# -- a commune loses power -----------------------------------------------------------


def power_cut(engine: AlertEngine) -> tuple[Site, AlertMessage]:
    """Everything up at T0, the gateway's will at T0 + 1 min: the firing message."""
    site = Site()
    all_up(site, T0)
    assert run(engine, site, T0, T0 + MIN) == []
    cut = T0 + MIN
    site.will("xh-gw", cut)
    # Not before the rule's five minutes, then exactly once.
    assert run(engine, site, cut, cut + 300 * S - 1) == []
    fired = messages(engine.evaluate(site.fleet, cut + 300 * S))
    assert len(fired) == 1
    return site, fired[0]


def test_a_power_cut_is_one_message_naming_the_commune_gateway_and_devices() -> None:
    engine = AlertEngine(ALL_RULES, INDEX)
    _, message = power_cut(engine)
    assert message.state == "firing"
    assert message.key == "mat-ket-noi:xuan-hong"
    assert message.rule == "device_down"
    assert message.severity == "critical"
    assert message.commune_name == "Xã Xuân Hồng"
    assert message.cause == "power"
    assert message.started_ms == T0 + MIN  # when the will came, not when we noticed
    gateway, *behind = message.devices
    assert (gateway.id, gateway.status, gateway.cause) == ("xh-gw", "offline", "will")
    # Every installed device behind it, as unknown because of the gateway; not the
    # planned one; and nothing from the other commune.
    assert sorted(d.id for d in behind) == sorted(XH_DEVICES)
    assert {(d.status, d.cause) for d in behind} == {("unknown", "gateway_offline")}
    subject = Renderer().render(message).subject
    assert subject == "[NGHIÊM TRỌNG] Xã Xuân Hồng: 20 thiết bị mất kết nối (mất điện?)"


def test_reminders_come_at_the_interval_and_resolved_carries_the_duration() -> None:
    engine = AlertEngine(ALL_RULES, INDEX)
    site, firing = power_cut(engine)
    fired_at = firing.ts_ms
    sent = run(engine, site, fired_at + 5 * S, fired_at + 4 * HOUR - 1, step_ms=10 * S)
    assert sent == []  # nothing between the alert and its first reminder
    reminder = messages(engine.evaluate(site.fleet, fired_at + 4 * HOUR))
    assert [m.state for m in reminder] == ["reminder"]
    assert [d.id for d in reminder[0].devices] == [d.id for d in firing.devices]
    assert reminder[0].started_ms == firing.started_ms

    # Power back: birth, then a heartbeat interval up (docs/state.md: minimum time up).
    back = fired_at + 5 * HOUR
    site.birth("xh-gw", back, session=2)
    assert run(engine, site, back, back + 25 * S) == []  # not yet "recovered"
    site.beat("xh-gw", back + 30 * S)
    resolved = messages(engine.evaluate(site.fleet, back + 30 * S))
    assert [m.state for m in resolved] == ["resolved"]
    end = resolved[0]
    assert end.resolved_ms == back + 30 * S
    assert end.resolved_ms - end.started_ms == 300 * S + 5 * HOUR + 30 * S
    assert {d.status for d in end.devices} == {"online"}
    assert len(end.devices) == 20
    assert Renderer().render(end).subject.endswith("— kéo dài 5 giờ 5 phút")
    # And then silence.
    assert run(engine, site, back + 35 * S, back + 10 * HOUR, step_ms=MIN) == []


def test_no_reminders_when_the_rule_says_zero() -> None:
    rule = msgspec.structs.replace(DOWN, reminder_every_s=0)
    engine = AlertEngine([rule], INDEX)
    site, firing = power_cut(engine)
    assert run(engine, site, firing.ts_ms + 5 * S, firing.ts_ms + 24 * HOUR, step_ms=MIN) == []


def test_a_restart_in_the_middle_still_sends_resolved() -> None:
    engine = AlertEngine(ALL_RULES, INDEX)
    site, firing = power_cut(engine)
    saved = engine.snapshot()

    # The server restarts ten minutes later: state restored from the store and the file.
    restart = firing.ts_ms + 10 * MIN
    site = site.restarted(restart)
    assert site.fleet.devices["xh-gw"].status is DeviceStatus.OFFLINE
    engine = AlertEngine(ALL_RULES, INDEX)
    engine.restore(saved)
    # The outage in progress is not announced again (and not resolved either).
    assert run(engine, site, restart, restart + HOUR, step_ms=MIN) == []
    assert [a["key"] for a in engine.active()] == ["mat-ket-noi:xuan-hong"]

    back = restart + 2 * HOUR
    site.birth("xh-gw", back, session=2)
    site.beat("xh-gw", back + 30 * S)
    resolved = messages(engine.evaluate(site.fleet, back + 30 * S))
    assert [(m.state, m.key, m.started_ms) for m in resolved] == [
        ("resolved", "mat-ket-noi:xuan-hong", firing.started_ms)
    ]
    assert engine.active() == []


def test_after_a_restart_unknown_devices_hold_the_alert_until_seen_up() -> None:
    """A restart without the stored statuses: everything is unknown ("startup"). That is
    no proof of recovery, so nothing is resolved until the devices are seen up."""
    engine = AlertEngine([DOWN], INDEX)
    _, firing = power_cut(engine)
    saved = engine.snapshot()
    restart = firing.ts_ms + 10 * MIN
    site = Site(restart)  # nothing restored
    engine = AlertEngine([DOWN], INDEX)
    engine.restore(saved)
    assert run(engine, site, restart, restart + HOUR, step_ms=MIN) == []
    site.birth("xh-gw", restart + 2 * HOUR)
    site.beat("xh-gw", restart + 2 * HOUR)
    resolved = messages(engine.evaluate(site.fleet, restart + 2 * HOUR))
    assert [m.state for m in resolved] == ["resolved"]


def test_a_corrupt_snapshot_is_refused() -> None:
    engine = AlertEngine([DOWN], INDEX)
    with pytest.raises(SnapshotError):
        engine.restore(b"not json")
    with pytest.raises(SnapshotError):
        engine.restore(b'{"v": 99, "groups": [], "since": {}}')


def test_a_group_of_a_removed_rule_is_closed_with_a_resolved() -> None:
    engine = AlertEngine([DOWN], INDEX)
    site, firing = power_cut(engine)
    other = AlertEngine([CLOCK], INDEX)
    other.restore(engine.snapshot())
    closed = messages(other.evaluate(site.fleet, firing.ts_ms + MIN))
    assert [(m.state, m.key) for m in closed] == [("resolved", firing.key)]
    assert closed[0].summary is not None and "gỡ khỏi cấu hình" in closed[0].summary


# -- devices joining and leaving a group --------------------------------------------


def test_a_device_joining_is_told_after_the_group_interval_and_leaving_is_not() -> None:
    engine = AlertEngine([DOWN], INDEX)
    site = Site()
    all_up(site, T0)
    # Camera 1 fails from T0 + 1 min: pending, then offline a heartbeat interval later.
    t = T0 + MIN
    site.beat("xh-gw", t, down=["xh-cam-1"])
    site.beat("xh-gw", t + 30 * S, down=["xh-cam-1"])
    fired = run(engine, site, t, t + 30 * S + 300 * S)
    assert [(m.state, [d.id for d in m.devices]) for _, m in fired] == [("firing", ["xh-cam-1"])]
    fired_at = fired[0][0]
    # Camera 2 fails one minute after the alert went out.
    t2 = fired_at + MIN
    site.beat("xh-gw", t2, down=["xh-cam-1", "xh-cam-2"])
    site.beat("xh-gw", t2 + 30 * S, down=["xh-cam-1", "xh-cam-2"])
    sent = run(engine, site, t2, t2 + 30 * S + 300 * S + 60 * S)
    # It matches 5 min after going offline; the group's last message is older than the
    # group interval (5 min) by then, so one update goes out at once, naming both.
    assert [(when, m.state, [d.id for d in m.devices]) for when, m in sent] == [
        (t2 + 30 * S + 300 * S, "reminder", ["xh-cam-1", "xh-cam-2"])
    ]
    # Camera 1 back: no message; camera 2 back: resolved, listing both.
    t3 = t2 + HOUR
    site.beat("xh-gw", t3, down=["xh-cam-2"])
    site.beat("xh-gw", t3 + 30 * S, down=["xh-cam-2"])
    assert run(engine, site, t3, t3 + 30 * S) == []
    site.beat("xh-gw", t3 + 60 * S)
    site.beat("xh-gw", t3 + 90 * S)
    resolved = run(engine, site, t3 + 60 * S, t3 + 95 * S)
    assert [(m.state, sorted(d.id for d in m.devices)) for _, m in resolved] == [
        ("resolved", ["xh-cam-1", "xh-cam-2"])
    ]


# -- the other rules -----------------------------------------------------------------


def test_radio_below_target_for_the_hold_time() -> None:
    engine = AlertEngine([RADIO], INDEX)
    site = Site()
    all_up(site, T0)
    broken = CLUSTERS[:4]  # 11 of 15 up: 73% < 80%
    t = T0 + MIN
    site.beat("xh-gw", t, down=broken)  # pending: still counted up
    assert run(engine, site, t, t + 25 * S) == []
    site.beat("xh-gw", t + 30 * S, down=broken)  # offline now
    below = t + 30 * S
    sent = run(engine, site, below, below + 900 * S)
    assert [(when, m.state) for when, m in sent] == [(below + 900 * S, "firing")]
    message = sent[0][1]
    assert message.rule == "commune_radio_below"
    assert message.severity == "warning"
    assert sorted(d.id for d in message.devices) == broken
    assert message.summary == "11/15 cụm loa hoạt động (73%, chỉ tiêu 80%)"
    assert message.started_ms == below
    # Two come back: 13/15 = 87%, above target: resolved.
    t2 = below + HOUR
    site.beat("xh-gw", t2, down=broken[2:])
    site.beat("xh-gw", t2 + 30 * S, down=broken[2:])
    resolved = run(engine, site, t2, t2 + 30 * S)
    assert [(m.state, m.summary) for _, m in resolved] == [("resolved", None)]


def test_radio_rule_is_silent_when_its_clusters_are_unknown() -> None:
    """A dead gateway makes its clusters unknown: that is the gateway's alert, not a
    commune at 0% (and a just-started server knows nothing either)."""
    engine = AlertEngine([RADIO], INDEX)
    site = Site()
    assert run(engine, site, T0, T0 + HOUR, step_ms=MIN) == []
    all_up(site, T0 + HOUR)
    site.will("xh-gw", T0 + HOUR + S)
    assert run(engine, site, T0 + HOUR, T0 + 3 * HOUR, step_ms=MIN) == []


def _camera(recording: bool) -> DeviceReading:
    return DeviceReading(id="xh-cam-1", reachable=True, camera=CameraStatus(recording=recording))


def test_camera_not_recording_for_its_threshold() -> None:
    engine = AlertEngine([CAMERA], INDEX)
    site = Site()
    all_up(site, T0)
    stop = T0 + MIN
    site.beat("xh-gw", stop, extra={"xh-cam-1": _camera(False)})
    assert run(engine, site, stop, stop + HOUR - 1, step_ms=MIN) == []
    fired = messages(engine.evaluate(site.fleet, stop + HOUR))
    assert [(m.state, m.rule, [d.id for d in m.devices]) for m in fired] == [
        ("firing", "camera_not_recording", ["xh-cam-1"])
    ]
    assert fired[0].started_ms == stop
    assert Renderer().render(fired[0]).subject == (
        "[CẢNH BÁO] Xã Xuân Hồng: Camera 1 không ghi hình"
    )
    site.beat("xh-gw", stop + 2 * HOUR, extra={"xh-cam-1": _camera(True)})
    resolved = messages(engine.evaluate(site.fleet, stop + 2 * HOUR))
    assert [m.state for m in resolved] == ["resolved"]


def test_a_short_recording_gap_raises_nothing_and_restarts_the_count() -> None:
    engine = AlertEngine([CAMERA], INDEX)
    site = Site()
    all_up(site, T0)
    site.beat("xh-gw", T0 + MIN, extra={"xh-cam-1": _camera(False)})
    assert run(engine, site, T0 + MIN, T0 + 50 * MIN, step_ms=MIN) == []
    site.beat("xh-gw", T0 + 51 * MIN, extra={"xh-cam-1": _camera(True)})
    engine.evaluate(site.fleet, T0 + 51 * MIN)
    site.beat("xh-gw", T0 + 52 * MIN, extra={"xh-cam-1": _camera(False)})
    assert run(engine, site, T0 + 52 * MIN, T0 + 52 * MIN + HOUR - 1, step_ms=MIN) == []


def test_a_recorder_recording_only_some_channels() -> None:
    engine = AlertEngine([msgspec.structs.replace(CAMERA, not_recording_for_s=0)], INDEX)
    site = Site()
    partial = DeviceReading(
        id=NVR, reachable=True, nvr=NvrStatus(channels_recording=6, channels_total=8)
    )
    site.birth("xh-gw", T0)
    site.beat("xh-gw", T0, extra={NVR: partial})
    fired = messages(engine.evaluate(site.fleet, T0))
    assert [d.id for d in fired[0].devices] == [NVR]
    assert fired[0].summary == "Đầu ghi UBND: 6/8 kênh đang ghi"


def test_clock_offset_of_a_gateway_in_english() -> None:
    rule = msgspec.structs.replace(CLOCK, lang="en")
    engine = AlertEngine([rule], INDEX)
    site = Site()
    site.birth("xh-gw", T0)
    site.beat("xh-gw", T0, offset_ms=1500)
    assert messages(engine.evaluate(site.fleet, T0)) == []
    site.beat("xh-gw", T0 + 30 * S, offset_ms=-5000)
    fired = messages(engine.evaluate(site.fleet, T0 + 30 * S))
    assert [(m.state, m.lang, m.severity, [d.id for d in m.devices]) for m in fired] == [
        ("firing", "en", "info", ["xh-gw"])
    ]
    assert fired[0].summary == "Gateway Xuân Hồng: off by -5.0 s"
    site.beat("xh-gw", T0 + 60 * S, offset_ms=20)
    assert [m.state for m in messages(engine.evaluate(site.fleet, T0 + 60 * S))] == ["resolved"]


# -- what must raise nothing -----------------------------------------------------------


def test_maintenance_raises_nothing() -> None:
    engine = AlertEngine(ALL_RULES, INDEX)
    site = Site()
    all_up(site, T0)
    site.fleet.apply_maintenance({"xh-gw", *XH_DEVICES}, T0 + S)
    site.will("xh-gw", T0 + MIN)
    site.beat("xh-gw", T0 + 2 * MIN, down=CLUSTERS, offset_ms=60_000)
    assert run(engine, site, T0, T0 + 6 * HOUR, step_ms=MIN) == []


def test_a_device_put_in_maintenance_ends_its_alert() -> None:
    engine = AlertEngine([DOWN], INDEX)
    site, firing = power_cut(engine)
    site.fleet.apply_maintenance({"xh-gw", *XH_DEVICES}, firing.ts_ms + MIN)
    assert [m.state for m in messages(engine.evaluate(site.fleet, firing.ts_ms + MIN))] == [
        "resolved"
    ]


def test_a_flapping_device_is_one_notification_not_n() -> None:
    engine = AlertEngine(ALL_RULES, INDEX)
    site = Site()
    all_up(site, T0)
    sent: list[tuple[int, AlertMessage]] = []
    t = T0
    # Six short outages, each far shorter than the rule's five minutes: down for a
    # heartbeat interval, back for two. The fourth within the hour marks it flapping.
    for _ in range(6):
        site.beat("xh-gw", t + 30 * S, down=["xh-rc-01"])
        site.beat("xh-gw", t + 60 * S, down=["xh-rc-01"])
        site.beat("xh-gw", t + 90 * S)
        site.beat("xh-gw", t + 120 * S)
        sent += run(engine, site, t + 30 * S, t + 149 * S)
        t += 150 * S
    assert site.fleet.devices["xh-rc-01"].flapping
    assert [(m.state, [d.id for d in m.devices]) for _, m in sent] == [("firing", ["xh-rc-01"])]
    assert sent[0][1].devices[0].cause == "flapping_started"
    # Quiet for the whole flap window: the mark ends, the alert is resolved, once.
    quiet = t + HOUR + MIN
    site.beat("xh-gw", quiet)
    site.fleet.sweep(quiet)
    assert not site.fleet.devices["xh-rc-01"].flapping
    later = run(engine, site, quiet, quiet + HOUR, step_ms=MIN)
    assert [m.state for _, m in later] == ["resolved"]


def test_backfilled_history_raises_no_live_alert() -> None:
    """Records replayed after an outage describe the past: the live state ignores
    them, and the rules read only the live state."""
    engine = AlertEngine(ALL_RULES, INDEX)
    site = Site()
    all_up(site, T0)
    # An hour of history: every cluster failing, the camera not recording, the clock off.
    for minute in range(60):
        site.beat(
            "xh-gw",
            T0 + minute * MIN,
            down=CLUSTERS,
            extra={"xh-cam-1": _camera(False)},
            offset_ms=90_000,
            historical=True,
        )
    assert run(engine, site, T0, T0 + 3 * HOUR, step_ms=MIN) == []


def test_a_just_started_server_raises_nothing() -> None:
    """Everything unknown since start: no wave of false outages."""
    engine = AlertEngine(ALL_RULES, INDEX)
    assert run(engine, Site(), T0, T0 + 24 * HOUR, step_ms=10 * MIN) == []


def test_rule_filters_by_commune_and_kind() -> None:
    cameras_only = RuleConfig(
        name="camera", type="device_down", down_for_s=0, kinds=["camera"], communes=["xuan-hong"]
    )
    engine = AlertEngine([cameras_only], INDEX)
    site = Site()
    all_up(site, T0)
    site.will("xl-gw", T0 + S)  # other commune: out of scope
    site.will("xh-gw", T0 + S)
    fired = messages(engine.evaluate(site.fleet, T0 + S))
    # The gateway is named as the cause, with only the cameras it hides.
    assert [d.id for d in fired[0].devices] == ["xh-gw", *CAMERAS]
    assert len(fired) == 1
