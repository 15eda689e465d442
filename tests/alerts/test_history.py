"""The alert history: the store alone (filters, scope, paging, append-only, the
acknowledged kind), and in the real app, where the engine's messages and each
channel's outcome are recorded as they happen."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.alert_samples import LATER_MS, STARTED_MS, power_cut
from tests.apps import small_deps
from tests.doubles import Clock, Receiver
from tests.messages import SMALL_INVENTORY, heartbeat, payload, status
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.alerts.history import (
    AlertEvent,
    AlertHistory,
    Delivery,
    HistoryQuery,
    acknowledged_event,
    event_of_message,
)
from xaso.server.alerts.wiring import ALERT_HISTORY, active_alerts
from xaso.server.app import create_app
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore

H = 3_600_000


@pytest.fixture
def history() -> AlertHistory:
    return AlertHistory(sqlite3.connect(":memory:", isolation_level=None))


def _event(kind: str = "opened", commune: str = "xuan-hong", at_ms: int = STARTED_MS, **more: Any):
    fields: dict[str, Any] = {
        "kind": kind,
        "group_key": f"mat-ket-noi:{commune}",
        "rule": "mat-ket-noi",
        "rule_type": "device_down",
        "commune": commune,
        "commune_name": None,
        "severity": "critical",
        "at_ms": at_ms,
        "started_ms": STARTED_MS,
        "devices": 3,
        **more,
    }
    return AlertEvent(**fields)


def test_a_message_is_an_event_named_as_people_say_it() -> None:
    opened = event_of_message(power_cut("firing"), "Xã Xuân Hồng: 20 thiết bị mất kết nối")
    assert (opened.kind, opened.rule, opened.rule_type) == ("opened", "commune", "device_down")
    assert (opened.at_ms, opened.started_ms, opened.devices) == (LATER_MS, STARTED_MS, 20)
    assert event_of_message(power_cut("reminder"), None).kind == "reminded"
    assert event_of_message(power_cut("resolved"), None).kind == "resolved"


def test_events_come_back_newest_first_with_their_deliveries(history: AlertHistory) -> None:
    message = power_cut("firing")
    seq = history.append(event_of_message(message, "headline"))
    assert history.record_delivery(message, "hook", "sent", LATER_MS + 10)
    assert history.record_delivery(message, "mail", "failed", LATER_MS + 20, "rejected: 554")
    # A message no event recorded (a test message): nothing to note it beside.
    assert not history.record_delivery(power_cut("reminder"), "hook", "sent", LATER_MS)
    history.append(event_of_message(power_cut("resolved"), None))
    resolved, opened = history.query(HistoryQuery())
    assert (resolved.kind, resolved.deliveries) == ("resolved", ())
    assert opened.seq == seq
    assert opened.summary == "headline"
    assert opened.deliveries == (
        Delivery("hook", "sent", LATER_MS + 10),
        Delivery("mail", "failed", LATER_MS + 20, "rejected: 554"),
    )


def test_the_filters_combine(history: AlertHistory) -> None:
    history.append(_event("opened", "xuan-hong", STARTED_MS))
    history.append(_event("opened", "xuan-lai", STARTED_MS + H, rule="camera", group_key="x"))
    history.append(_event("reminded", "xuan-hong", STARTED_MS + 2 * H))
    history.append(_event("resolved", "xuan-hong", STARTED_MS + 3 * H))

    def kinds(**filters: Any) -> list[tuple[str, str | None]]:
        return [(e.kind, e.commune) for e in history.query(HistoryQuery(**filters))]

    assert kinds(commune="xuan-lai") == [("opened", "xuan-lai")]
    assert kinds(rule="mat-ket-noi", kind="opened") == [("opened", "xuan-hong")]
    assert kinds(from_ms=STARTED_MS + H, to_ms=STARTED_MS + 3 * H) == [
        ("reminded", "xuan-hong"),
        ("opened", "xuan-lai"),
    ]
    # The asker's scope: an operator of Xuân Lai sees its commune only.
    assert kinds(visible=frozenset({"xuan-lai"})) == [("opened", "xuan-lai")]
    assert kinds(visible=frozenset()) == []
    assert history.rules() == ["camera", "mat-ket-noi"]


def test_pages_follow_each_other_without_gaps(history: AlertHistory) -> None:
    for hour in range(7):
        history.append(_event(at_ms=STARTED_MS + hour * H))
    first = history.query(HistoryQuery(limit=3))
    second = history.query(HistoryQuery(limit=3, before_seq=first[-1].seq))
    third = history.query(HistoryQuery(limit=3, before_seq=second[-1].seq))
    times = [e.at_ms for page in (first, second, third) for e in page]
    assert times == [STARTED_MS + hour * H for hour in reversed(range(7))]


def test_the_events_cannot_be_changed_or_deleted(history: AlertHistory) -> None:
    history.append(_event())
    db = history._db
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE alert_event SET kind = 'resolved'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM alert_event")


def test_an_acknowledgement_fits_from_the_group_firing_now(history: AlertHistory) -> None:
    alert = {
        "key": "mat-ket-noi:xuan-hong",
        "rule": "mat-ket-noi",
        "type": "device_down",
        "commune": "xuan-hong",
        "commune_name": "Xã Xuân Hồng",
        "severity": "critical",
        "started_ms": STARTED_MS,
        "last_sent_ms": STARTED_MS,
        "summary": None,
        "devices": [{"id": "a"}, {"id": "b"}],
    }
    history.append(acknowledged_event(alert, "Nguyễn Văn A", LATER_MS, "đang đi kiểm tra điện"))
    (event,) = history.query(HistoryQuery(kind="acknowledged"))
    assert (event.by, event.note, event.devices) == ("Nguyễn Văn A", "đang đi kiểm tra điện", 2)
    assert (event.group_key, event.at_ms, event.commune_name) == (
        "mat-ket-noi:xuan-hong",
        LATER_MS,
        "Xã Xuân Hồng",
    )


# -- in the real app ---------------------------------------------------------------

NOW = 1_800_000_000_000


async def test_the_app_records_each_message_and_how_each_channel_took_it(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    refusing = url.removesuffix("/hook") + "/nowhere"  # the receiver answers 404: final
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(
        f"""
interval_s: 0.02
channels:
  - {{name: hook, type: webhook, url: "{url}"}}
  - {{name: wrong, type: webhook, url: "{refusing}"}}
rules:
  - {{name: mat-ket-noi, type: device_down, down_for_s: 60}}
""",
        encoding="utf-8",
    )
    clock = Clock(NOW)
    store = await SqliteStore.open(":memory:")
    settings = Settings(
        inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path / "data"), alerts=str(alerts)
    )
    app = create_app(settings, small_deps(store, clock))
    runner = web.AppRunner(app)
    await runner.setup()

    async def feed(topic: str, message: Any, at_ms: int) -> None:
        clock.now_ms = at_ms
        await store.write(app[INGEST].handle(topic, payload(message), at_ms).records)

    try:
        await feed(status_topic("alpha-gw"), status("alpha-gw", "online"), NOW)
        await feed(status_topic("alpha-gw"), status("alpha-gw", "offline"), NOW + 1000)
        clock.now_ms = NOW + 1000 + 60_000
        await hook.wait_for(1)
        await asyncio.sleep(0.1)
        assert [a["key"] for a in active_alerts(app)] == ["mat-ket-noi:alpha"]
        (opened,) = app[ALERT_HISTORY].query(HistoryQuery())
        assert (opened.kind, opened.group_key, opened.commune) == (
            "opened",
            "mat-ket-noi:alpha",
            "alpha",
        )
        assert opened.summary is not None and opened.summary.startswith("Xã Alpha: ")
        assert [(d.channel, d.outcome) for d in opened.deliveries] == [
            ("hook", "sent"),
            ("wrong", "failed"),
        ]
        failed = opened.deliveries[1]
        assert failed.detail is not None and "HTTP 404" in failed.detail

        back = NOW + H
        await feed(status_topic("alpha-gw"), status("alpha-gw", "online", 2), back)
        beat = heartbeat("alpha-gw", 2, {"alpha-rc-1": True, "alpha-cam-1": True}, session=2)
        await feed(heartbeat_topic("alpha-gw"), beat, back + 1000)
        await hook.wait_for(2)
        await asyncio.sleep(0.1)
        resolved, _ = app[ALERT_HISTORY].query(HistoryQuery())
        assert (resolved.kind, resolved.at_ms) == ("resolved", back + 1000)
        assert ("hook", "sent") in [(d.channel, d.outcome) for d in resolved.deliveries]
    finally:
        await runner.cleanup()
        await store.close()
