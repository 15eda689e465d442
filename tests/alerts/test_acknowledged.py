"""An acknowledged alert is quiet: while every device an alert group lists is
acknowledged (on the problems page), no reminders; the firing and the resolved still
go, and a device joining unacknowledged makes it speak again."""

from __future__ import annotations

import sqlite3

from prometheus_client import CollectorRegistry, Counter, Gauge

from tests.alerts.test_engine import (
    DOWN,
    HOUR,
    INDEX,
    MIN,
    T0,
    S,
    Site,
    all_up,
    messages,
    power_cut,
    run,
)
from xaso.server.alerts.config import AlertsConfig
from xaso.server.alerts.engine import AlertEngine
from xaso.server.alerts.history import AlertHistory, HistoryQuery
from xaso.server.alerts.wiring import AlertsRuntime
from xaso.server.monitoring.problems import Acknowledgement


def _ack(device_id: str, at_ms: int, by: str = "Chị Lan") -> Acknowledgement:
    return Acknowledgement(device_id, "u:1", by, at_ms, "đã báo điện lực")


def test_a_dead_gateway_acknowledged_quiets_its_reminders_but_not_its_resolved() -> None:
    acks: dict[str, Acknowledgement] = {}
    engine = AlertEngine([DOWN], INDEX, acks.get)
    site, firing = power_cut(engine)
    assert engine.active()[0]["acknowledged_by"] is None
    # The gateway's acknowledgement covers the devices hidden behind it.
    acks["xh-gw"] = _ack("xh-gw", firing.ts_ms + MIN)
    assert run(engine, site, firing.ts_ms + MIN, firing.ts_ms + 12 * HOUR, step_ms=MIN) == []
    (alert,) = engine.active()
    assert (alert["acknowledged_by"], alert["acknowledged_ms"]) == ("Chị Lan", firing.ts_ms + MIN)

    back = firing.ts_ms + 13 * HOUR
    site.birth("xh-gw", back, session=2)
    site.beat("xh-gw", back + 30 * S)
    resolved = messages(engine.evaluate(site.fleet, back + 30 * S))
    assert [m.state for m in resolved] == ["resolved"]


def test_reminders_resume_when_a_device_joins_unacknowledged() -> None:
    acks: dict[str, Acknowledgement] = {}
    engine = AlertEngine([DOWN], INDEX, acks.get)
    site = Site()
    all_up(site, T0)
    t = T0 + MIN
    site.beat("xh-gw", t, down=["xh-cam-1"])
    site.beat("xh-gw", t + 30 * S, down=["xh-cam-1"])
    fired = run(engine, site, t, t + 30 * S + 300 * S)
    assert [m.state for _, m in fired] == ["firing"]
    fired_at = fired[0][0]
    acks["xh-cam-1"] = _ack("xh-cam-1", fired_at + MIN)

    # Camera 2 fails an hour later: its joining is told at once (the group's last
    # message is long past the group interval), naming both, and nobody has seen it.
    t2 = fired_at + HOUR
    site.beat("xh-gw", t2, down=["xh-cam-1", "xh-cam-2"])
    site.beat("xh-gw", t2 + 30 * S, down=["xh-cam-1", "xh-cam-2"])
    sent = run(engine, site, fired_at + MIN, t2 + 30 * S + 300 * S, step_ms=30 * S)
    assert [(when, m.state, [d.id for d in m.devices]) for when, m in sent] == [
        (t2 + 30 * S + 300 * S, "reminder", ["xh-cam-1", "xh-cam-2"])
    ]
    assert engine.active()[0]["acknowledged_by"] is None
    # Not acknowledged: the four-hourly reminders are back.
    told = t2 + 30 * S + 300 * S
    later = run(engine, site, told + MIN, told + 4 * HOUR, step_ms=MIN)
    assert [(when, m.state) for when, m in later] == [(told + 4 * HOUR, "reminder")]
    # Camera 2 acknowledged too: quiet again.
    acks["xh-cam-2"] = _ack("xh-cam-2", told + 4 * HOUR + MIN, by="Anh Minh")
    assert run(engine, site, told + 4 * HOUR + MIN, told + 24 * HOUR, step_ms=MIN) == []
    assert engine.active()[0]["acknowledged_by"] == "Anh Minh"  # the latest word


class _Engine:
    """What the runtime asks an engine for, with the groups given by the test."""

    def __init__(self) -> None:
        self.groups: list[dict[str, object]] = []

    def evaluate(self, fleet: object, now_ms: int) -> list[object]:
        return []

    def active(self) -> list[dict[str, object]]:
        return self.groups

    def snapshot(self) -> bytes:
        return b""

    def firing_by_rule(self) -> dict[str, int]:
        return {}


class _Store:
    def save(self, snapshot: bytes) -> None:
        pass


def test_a_group_becoming_acknowledged_is_one_event_of_the_history() -> None:
    history = AlertHistory(sqlite3.connect(":memory:"))
    registry = CollectorRegistry()
    engine = _Engine()
    runtime = AlertsRuntime(
        AlertsConfig(rules=[], channels=[]),
        engine,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]  (nothing to send)
        _Store(),  # type: ignore[arg-type]
        (Gauge("g", "g", ["rule"], registry=registry), Counter("c", "c", registry=registry)),
        history=history,
    )
    group: dict[str, object] = {
        "key": "offline:alpha",
        "rule": "thiết bị mất kết nối",
        "type": "device_offline",
        "commune": "alpha",
        "commune_name": "Xã Alpha",
        "severity": "critical",
        "started_ms": T0,
        "devices": [{}, {}],
        "summary": "2 thiết bị",
        "acknowledged_by": None,
        "acknowledged_ms": None,
    }
    engine.groups = [group]
    runtime.step(None, T0)  # type: ignore[arg-type]
    group.update(acknowledged_by="Chị Lan", acknowledged_ms=T0 + 60_000)
    runtime.step(None, T0 + 120_000)  # type: ignore[arg-type]
    runtime.step(None, T0 + 180_000)  # type: ignore[arg-type]  (still: no second event)
    events = history.query(HistoryQuery())
    assert [(e.kind, e.by, e.at_ms) for e in events] == [("acknowledged", "Chị Lan", T0 + 60_000)]
