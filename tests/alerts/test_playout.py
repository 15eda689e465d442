"""Broadcasts that did not play: the rule, pure (hand-made outcomes, an injected clock),
its texts, its configuration, and the real app (events through ingest, the store, a
webhook on loopback, a restart between the alert and its recovery)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from aiohttp import web

from tests.apps import small_deps
from tests.doubles import Clock, Receiver
from tests.messages import MORNING_NEWS, SMALL_INVENTORY, heartbeat, small_index, status
from xaso.protocol import (
    SCHEMA_VERSION,
    AgentState,
    BroadcastEvent,
    ScheduledContent,
    broadcast_topic,
    encode,
    heartbeat_topic,
    status_topic,
)
from xaso.server.alerts.config import RuleConfig, check_alerts_config_file
from xaso.server.alerts.engine import AlertEngine, Notice
from xaso.server.alerts.templates import Renderer
from xaso.server.alerts.wiring import active_alerts, alerts_cleanup_ctx, check_playout
from xaso.server.app import create_app
from xaso.server.broadcasts.keys import SCHEDULES
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.keys import STORE
from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.monitoring.keys import INGEST, STATE
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MIN = 60_000
HOUR = 60 * MIN
T0 = int(dt.datetime(2030, 1, 2, 6, 0, tzinfo=VN).timestamp() * 1000)
END = T0 + 10 * MIN
DAY = 24 * HOUR
INDEX = small_index()
RULE = RuleConfig(name="phat-thanh", type="broadcast_not_played", within_s=6 * 3600)


def outcome(cluster: str, status: str, **fields: Any) -> PlayoutOutcome:
    values: dict[str, Any] = {
        "commune": INDEX.devices[cluster].commune,
        "schedule": "lt-sang",
        "title": "Bản tin sáng",
        "priority": "normal",
        "content_type": "tts",
        "planned_start_ms": T0,
        "planned_end_ms": END,
        "agent": INDEX.devices[cluster].agent_id,
    }
    values.update(fields)
    return PlayoutOutcome(cluster=cluster, status=status, **values)  # type: ignore[arg-type]


def engine(*rules: RuleConfig) -> AlertEngine:
    return AlertEngine(list(rules) or [RULE], INDEX)


def states(notices: list[Notice]) -> list[tuple[str, str]]:
    return [(n.message.key, n.message.state) for n in notices]


KEY = f"phat-thanh:alpha:lt-sang@{T0}"


def test_a_missed_bulletin_is_one_message_naming_the_bulletin_and_clusters() -> None:
    rules = engine()
    outcomes = [outcome("alpha-rc-1", "missed"), outcome("beta-rc-1", "played")]
    [notice] = rules.evaluate_playout(outcomes, END + 6 * MIN)
    message = notice.message
    assert (message.key, message.state, message.rule) == (KEY, "firing", "broadcast_not_played")
    assert (message.severity, message.started_ms, message.commune) == ("warning", T0, "alpha")
    assert message.bulletin is not None and message.bulletin.title == "Bản tin sáng"
    assert [(d.id, d.status, d.name) for d in message.devices] == [
        ("alpha-rc-1", "missed", "Cụm loa 1")
    ]
    assert message.summary == "1/1 cụm loa không phát được: 1 không phát"
    # Told once, not at every check.
    assert rules.evaluate_playout(outcomes, END + 7 * MIN) == []
    assert [a["key"] for a in rules.active()] == [KEY]


@pytest.mark.parametrize("status", ["failed", "not_received"])
def test_failed_and_not_received_are_told_too(status: str) -> None:
    [notice] = engine().evaluate_playout([outcome("alpha-rc-1", status)], END + 6 * MIN)
    assert notice.message.devices[0].status == status


@pytest.mark.parametrize("status", ["played", "late", "partial", "silenced", "manual"])
def test_what_played_or_was_stopped_on_purpose_is_not_an_alert(status: str) -> None:
    assert engine().evaluate_playout([outcome("alpha-rc-1", status)], END + 6 * MIN) == []


def test_nothing_is_told_before_every_cluster_is_decided() -> None:
    rules = engine()
    failing = outcome("alpha-rc-1", "failed", error="content_missing")
    # One cluster failed at once, another still plays: wait, then one message.
    pending = [failing, outcome("beta-rc-1", "playing", commune="alpha")]
    assert rules.evaluate_playout(pending, T0 + 2 * MIN) == []
    decided = [failing, outcome("beta-rc-1", "not_received", commune="alpha")]
    [notice] = rules.evaluate_playout(decided, END + 6 * MIN)
    assert [(d.id, d.status, d.cause) for d in notice.message.devices] == [
        ("alpha-rc-1", "failed", "content_missing"),
        ("beta-rc-1", "not_received", None),
    ]


def test_a_backlog_showing_it_played_resolves_the_alert() -> None:
    rules = engine()
    rules.evaluate_playout([outcome("alpha-rc-1", "missed")], END + 6 * MIN)
    played = outcome("alpha-rc-1", "played", started_ms=T0, historical=True)
    [notice] = rules.evaluate_playout([played], END + HOUR)
    assert (notice.message.key, notice.message.state) == (KEY, "resolved")
    assert notice.message.resolved_ms == END + HOUR
    assert [(d.id, d.status) for d in notice.message.devices] == [("alpha-rc-1", "played")]
    assert rules.active() == []
    # Never told again about the same occurrence, whatever comes later.
    assert rules.evaluate_playout([outcome("alpha-rc-1", "missed")], END + 2 * HOUR) == []


def test_a_problem_learnt_from_a_backlog_raises_nothing() -> None:
    rules = engine()
    old = outcome("alpha-rc-1", "failed", historical=True)
    assert rules.evaluate_playout([old], END + HOUR) == []
    assert rules.evaluate_playout([old], END + 2 * HOUR) == []
    assert rules.active() == []


def test_a_gateway_with_records_on_their_way_holds_its_alert() -> None:
    rules = engine()
    missed = [outcome("alpha-rc-1", "missed")]
    assert rules.evaluate_playout(missed, END + 6 * MIN, frozenset({"alpha-gw"})) == []
    assert states(rules.evaluate_playout(missed, END + 20 * MIN)) == [(KEY, "firing")]


def test_a_gateway_away_holds_only_its_own_clusters() -> None:
    # A merged commune's second gateway is dead (its own alert says so); the clusters of
    # the gateway that is up failed: that is told now, not when the dead one returns.
    rules = engine()
    found = [
        outcome("alpha-rc-1", "failed", error="player exited with 1"),
        outcome("alpha-rc-2", "not_received", agent="alpha-gw-2"),
    ]
    [notice] = rules.evaluate_playout(found, END + 6 * MIN, frozenset({"alpha-gw-2"}))
    assert [d.id for d in notice.message.devices] == ["alpha-rc-1"]
    # Back and still without it: no second message for the same occurrence.
    assert rules.evaluate_playout(found, END + 60 * MIN) == []


def test_the_window_bounds_what_is_checked_and_remembered() -> None:
    rules = engine(RuleConfig(name="phat-thanh", type="broadcast_not_played", within_s=3600))
    late_look = END + 2 * HOUR  # the occurrence began more than the window ago
    assert rules.evaluate_playout([outcome("alpha-rc-1", "missed")], late_look) == []
    rules.evaluate_playout([outcome("alpha-rc-1", "missed")], END + 6 * MIN)
    assert len(rules.active()) == 1
    # Out of the window and never cleared: forgotten without a message.
    assert rules.evaluate_playout([], late_look) == []
    assert rules.active() == []
    assert msgspec.json.decode(rules.snapshot())["playout"] == {}


def test_rules_scoped_to_communes_and_languages() -> None:
    english = RuleConfig(
        name="broadcasts", type="broadcast_not_played", communes=["beta"], lang="en"
    )
    rules = engine(english)
    outcomes = [outcome("alpha-rc-1", "missed"), outcome("beta-rc-1", "missed", schedule="b")]
    [notice] = rules.evaluate_playout(outcomes, END + 6 * MIN)
    assert notice.message.commune == "beta" and notice.message.lang == "en"
    assert notice.message.summary == "1/1 clusters did not play: 1 missed"


def test_the_live_rules_leave_playout_groups_alone() -> None:
    from xaso.server.monitoring.fleet_state import FleetState

    rules = engine()
    rules.evaluate_playout([outcome("alpha-rc-1", "missed")], END + 6 * MIN)
    fleet = FleetState(INDEX, END)
    assert rules.evaluate(fleet, END + 7 * MIN) == []
    assert [a["key"] for a in rules.active()] == [KEY]
    # A rule removed from the file closes its groups with a resolved message.
    other = AlertEngine([], INDEX)
    other.restore(rules.snapshot())
    [closed] = other.evaluate(fleet, END + 8 * MIN)
    assert (closed.message.key, closed.message.state) == (KEY, "resolved")


def test_a_restart_neither_repeats_nor_forgets() -> None:
    rules = engine()
    rules.evaluate_playout([outcome("alpha-rc-1", "missed")], END + 6 * MIN)
    again = engine()
    again.restore(rules.snapshot())
    assert again.evaluate_playout([outcome("alpha-rc-1", "missed")], END + 7 * MIN) == []
    [resolved] = again.evaluate_playout([outcome("alpha-rc-1", "played")], END + HOUR)
    assert resolved.message.state == "resolved" and resolved.message.bulletin is not None


def test_old_snapshots_are_still_read() -> None:
    rules = engine()
    rules.restore(b'{"v": 1, "groups": [], "since": {}}')
    assert rules.evaluate_playout([outcome("alpha-rc-1", "missed")], END + 6 * MIN) != []


# -- texts -------------------------------------------------------------------------------


def _rendered(lang: str, state: str = "firing") -> Any:
    rule = RuleConfig(name="phat-thanh", type="broadcast_not_played", lang=lang)  # type: ignore[arg-type]
    rules = engine(rule)
    [fired] = rules.evaluate_playout(
        [outcome("alpha-rc-1", "failed", error="player_failed: exit 1")], END + 6 * MIN
    )
    if state == "firing":
        return Renderer().render(fired.message)
    [resolved] = rules.evaluate_playout([outcome("alpha-rc-1", "played")], END + HOUR)
    return Renderer().render(resolved.message)


def test_the_vietnamese_text_names_the_bulletin_and_the_cluster() -> None:
    out = _rendered("vi")
    assert out.subject == (
        "[CẢNH BÁO] Xã Alpha: bản tin “Bản tin sáng” lúc 02/01/2030 06:00"
        " không phát được trên Cụm loa 1"
    )
    assert "Bản tin: “Bản tin sáng” (mức Thông thường, mã lịch lt-sang)" in out.text
    assert "- Cụm loa 1 (Cụm loa truyền thanh): Lỗi phát — player_failed: exit 1" in out.text
    assert "<b>“Bản tin sáng”</b>" in out.html and "<td>Lỗi phát</td>" in out.html
    resolved = _rendered("vi", "resolved")
    assert resolved.subject.endswith("— đã có xác nhận phát")
    assert "- Cụm loa 1 (Cụm loa truyền thanh): Đã phát" in resolved.text


def test_the_english_text() -> None:
    out = _rendered("en")
    assert out.subject == (
        "[WARNING] Xã Alpha: bulletin “Bản tin sáng” at 02/01/2030 06:00 did not play on Cụm loa 1"
    )
    assert _rendered("en", "resolved").subject.endswith("— playout confirmed")


# -- configuration -----------------------------------------------------------------------


def test_the_rule_takes_a_window_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        """channels: []
playout_interval_s: 30
rules:
  - {name: a, type: broadcast_not_played}
  - {name: b, type: broadcast_not_played, within_s: 7200}
  - {name: c, type: broadcast_not_played, down_for_s: 60, kinds: [camera]}
  - {name: d, type: device_down, down_for_s: 60, within_s: 60}
""",
        encoding="utf-8",
    )
    problems = [str(p).split(": ", 1)[1] for p in check_alerts_config_file(path, INDEX, {})]
    assert problems == [
        "rule 'c': down_for_s does not apply to a broadcast_not_played rule",
        "rule 'c': a broadcast_not_played rule takes no kinds filter",
        "rule 'd': within_s does not apply to a device_down rule",
    ]


# -- the real app --------------------------------------------------------------------------

NEWS = MORNING_NEWS


_seq = itertools.count(100)


def event(kind: str, at_ms: int, historical: bool = False, **fields: Any) -> bytes:
    values: dict[str, Any] = {
        "cluster": "alpha-rc-1",
        "schedule": NEWS.id,
        "revision": 1,
        "priority": "normal",
        "content": ScheduledContent(type="tts", duration_s=600, text="Kính thưa bà con"),
    }
    if kind != "received":
        values.update(occurrence_ms=T0, planned_end_ms=END, started_ms=T0)
    values.update(fields)
    return encode(
        BroadcastEvent(
            v=SCHEMA_VERSION,
            agent="alpha-gw",
            session=1,
            seq=next(_seq),
            ts_ms=at_ms,
            event=kind,  # type: ignore[arg-type]
            historical=historical,
            **values,
        )
    )


ALERTS_YAML = """
interval_s: 0.05
playout_interval_s: 3600  # checks are called by hand below: no timing in these tests
channels:
  - {{name: hook, type: webhook, url: "{url}"}}
rules:
  - {{name: phat-thanh, type: broadcast_not_played}}
"""


@contextlib.asynccontextmanager
async def alerting_app(
    tmp_path: Path, url: str, clock: Clock, store: SqliteStore
) -> AsyncIterator[web.Application]:
    """The real app on ``store`` with the playout rule; the news schedule in force."""
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(ALERTS_YAML.format(url=url), encoding="utf-8")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path / "data"))
    app = create_app(
        settings,
        small_deps(store, clock),
    )
    app.cleanup_ctx.append(alerts_cleanup_ctx(str(alerts), clock_ms=clock))
    runner = web.AppRunner(app)
    await runner.setup()
    app[SCHEDULES].put(NEWS)
    try:
        yield app
    finally:
        await runner.cleanup()


async def feed(app: web.Application, topic: str, raw: bytes, now_ms: int) -> None:
    """A message from the gateway, through ingest into the store, as MQTT brings it."""
    records = app[INGEST].handle(topic, raw, now_ms).records
    await app[STORE].write(records)


async def gateway(app: web.Application, state: AgentState, now_ms: int) -> None:
    raw = encode(status("alpha-gw", state, session=7, ts_ms=now_ms))
    await feed(app, status_topic("alpha-gw"), raw, now_ms)


async def gateway_back(app: web.Application, clock: Clock) -> None:
    """Reconnected after an outage, and up long enough to count as back (docs/state.md)."""
    await gateway(app, "online", clock.now_ms)
    clock.advance(600)
    beat = heartbeat("alpha-gw", next(_seq), session=7, ts_ms=clock.now_ms)
    await feed(app, heartbeat_topic("alpha-gw"), encode(beat), clock.now_ms)
    assert app[STATE].devices["alpha-gw"].status is DeviceStatus.ONLINE


async def test_missed_then_confirmed_by_the_backlog_across_a_restart(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    clock = Clock(T0 - HOUR)
    store = await SqliteStore.open(":memory:")
    async with alerting_app(tmp_path, url, clock, store) as app:
        await gateway(app, "online", clock.now_ms)
        await feed(app, broadcast_topic("alpha-gw"), event("received", T0 - HOUR), clock.now_ms)
        clock.now_ms = T0 + 5 * MIN
        assert await check_playout(app, clock.now_ms) == []  # its slot is not over
        # The slot and the grace are over, the gateway online: nothing played.
        clock.now_ms = END + 6 * MIN
        assert len(await check_playout(app, clock.now_ms)) == 1
        (firing,) = await hook.wait_for(1)
        assert (firing["state"], firing["key"]) == ("firing", KEY)
        assert firing["bulletin"]["title"] == "Bản tin sáng"
        assert firing["subject"].startswith("[CẢNH BÁO] Xã Alpha: bản tin “Bản tin sáng”")
        assert [(d["id"], d["status"]) for d in firing["devices"]] == [("alpha-rc-1", "missed")]
        assert [a["key"] for a in active_alerts(app)] == [KEY]

    # Restarted: nothing is told twice; then the gateway's backlog shows it did play.
    async with alerting_app(tmp_path, url, clock, store) as app:
        clock.now_ms = END + HOUR
        assert await check_playout(app, clock.now_ms) == []
        # The gateway reconnects: its backlog comes, marked historical.
        backlog = [
            event("started", T0, historical=True),
            event("finished", END, historical=True, played_s=600.0),
        ]
        for raw in backlog:
            await feed(app, broadcast_topic("alpha-gw"), raw, clock.now_ms)
        [notice] = await check_playout(app, clock.now_ms)
        assert notice.message.state == "resolved"
        _, resolved = await hook.wait_for(2)
        assert resolved["state"] == "resolved" and resolved["key"] == KEY
        assert [(d["id"], d["status"]) for d in resolved["devices"]] == [("alpha-rc-1", "played")]
        assert active_alerts(app) == []
        assert await check_playout(app, clock.now_ms + MIN) == []
    await store.close()
    assert len(hook.bodies) == 2


async def test_a_gateway_away_during_the_slot_is_its_own_outage_until_it_is_back(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    """Cut off from the broker, a gateway plays from its cache and reports later: while
    it is away nothing is told of its bulletins; back, its log decides."""
    hook, url = receiver
    clock = Clock(T0 - HOUR)
    store = await SqliteStore.open(":memory:")
    async with alerting_app(tmp_path, url, clock, store) as app:
        await gateway(app, "online", clock.now_ms)
        await feed(app, broadcast_topic("alpha-gw"), event("received", T0 - HOUR), clock.now_ms)
        await gateway(app, "offline", T0 - 30 * MIN)  # the broker sent its will
        clock.now_ms = END + 6 * MIN
        assert await check_playout(app, clock.now_ms) == []
        clock.now_ms = END + 2 * HOUR
        assert await check_playout(app, clock.now_ms) == []

        # Back, with nothing for that bulletin in its log: it did not play after all.
        await gateway_back(app, clock)
        assert [n.message.state for n in await check_playout(app, clock.now_ms)] == ["firing"]
        (firing,) = await hook.wait_for(1)
        assert [(d["id"], d["status"]) for d in firing["devices"]] == [("alpha-rc-1", "missed")]

    # Another day, another outage; this time the gateway's backlog shows it played.
    clock.now_ms = T0 + DAY - HOUR
    async with alerting_app(tmp_path, url, clock, store) as app:
        await gateway(app, "offline", clock.now_ms)
        clock.now_ms = END + DAY + 2 * HOUR
        assert await check_playout(app, clock.now_ms) == []
        await gateway_back(app, clock)
        played = [
            event("started", T0 + DAY, historical=True, occurrence_ms=T0 + DAY),
            event("finished", END + DAY, historical=True, occurrence_ms=T0 + DAY, played_s=600.0),
        ]
        for raw in played:
            await feed(app, broadcast_topic("alpha-gw"), raw, clock.now_ms)
        assert await check_playout(app, clock.now_ms) == []
    await store.close()
    assert len(hook.bodies) == 1


async def test_the_check_runs_as_a_named_background_task(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(
        f"""
playout_interval_s: 0.05
channels: [{{name: hook, type: webhook, url: "{url}"}}]
rules: [{{name: phat-thanh, type: broadcast_not_played}}]
""",
        encoding="utf-8",
    )
    clock = Clock(END + 6 * MIN)
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    app = create_app(
        settings,
        small_deps(store, clock),
    )
    app.cleanup_ctx.append(alerts_cleanup_ctx(str(alerts), clock_ms=clock))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        assert "alerts-playout" in {task.get_name() for task in asyncio.all_tasks()}
        await gateway(app, "online", clock.now_ms)
        app[SCHEDULES].put(NEWS)  # never received by the gateway
        (firing,) = await hook.wait_for(1)
        assert [(d["id"], d["status"]) for d in firing["devices"]] == [
            ("alpha-rc-1", "not_received")
        ]
    finally:
        await runner.cleanup()
        await store.close()
    assert "alerts-playout" not in {task.get_name() for task in asyncio.all_tasks()}
