"""Each radio gateway gets the schedules of its clusters with their occurrences over
whole local days, and the silences in force there; only changes are published."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import msgspec
import pytest

from tests.paths import REPO
from xaso.inventory import load_inventory
from xaso.protocol import decode_schedule_set, schedule_version
from xaso.server.broadcasts.distribution import (
    ScheduleDistributor,
    horizon_window,
    radio_agents,
    schedule_sets,
)
from xaso.server.broadcasts.schedule import Content, Schedule, Targets
from xaso.server.broadcasts.silence import SilenceOrder

INDEX = load_inventory(REPO / "devices.yaml").index()
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
GATEWAY = "xuan-hong-radio-gw"
HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS


def local_ms(*parts: int) -> int:
    """Epoch ms of a wall time in Asia/Ho_Chi_Minh (UTC+7, no daylight saving)."""
    return int(dt.datetime(*parts, tzinfo=HANOI).timestamp() * 1000)  # type: ignore[misc]


NOW = local_ms(2027, 1, 5, 10, 0)  # a Tuesday morning in the commune


def schedule(**changes: object) -> Schedule:
    fields: dict[str, object] = {
        "id": "ban-tin-sang",
        "commune": "xuan-hong",
        "title": "Bản tin sáng",
        "content": Content(type="tts", text="Kính thưa bà con...", duration_s=600),
        "start": dt.datetime(2027, 1, 1, 6, 0),
        "rrule": "FREQ=DAILY",
        "targets": Targets(zones=["xuan-hong.thon-1"]),
    }
    fields.update(changes)
    return Schedule(**fields)  # type: ignore[arg-type]


def silence(**changes: object) -> SilenceOrder:
    fields: dict[str, object] = {
        "id": "il-1",
        "commune": "xuan-hong",
        "clusters": ["xuan-hong-rc-01", "xuan-lai-rc-01"],
        "from_ms": NOW - HOUR_MS,
        "to_ms": NOW + HOUR_MS,
    }
    fields.update(changes)
    return SilenceOrder(**fields)  # type: ignore[arg-type]


def sets(*schedules: Schedule, silences: tuple[SilenceOrder, ...] = (), now_ms: int = NOW):
    return schedule_sets(schedules, silences, INDEX, now_ms, horizon_days=8)


def test_only_radio_gateways_with_clusters_get_a_set() -> None:
    agents = radio_agents(INDEX)
    assert GATEWAY in agents and "xuan-hong-cctv-gw" not in agents
    assert len(agents[GATEWAY]) == 14


def test_a_schedule_reaches_the_gateway_of_its_clusters_only() -> None:
    found = sets(schedule())
    (item,) = found[GATEWAY].items
    assert item.clusters == ["xuan-hong-rc-01", "xuan-hong-rc-02"]
    assert found["xuan-lai-radio-gw"].items == []
    assert sets(schedule(paused=True))[GATEWAY].items == []


def test_the_window_is_whole_local_days_from_yesterday() -> None:
    window = (local_ms(2027, 1, 4), local_ms(2027, 1, 13))
    assert horizon_window(NOW, "Asia/Ho_Chi_Minh", 8) == window
    # It moves at the commune's midnight (17:00 UTC), not the server's.
    assert horizon_window(local_ms(2027, 1, 5, 23, 59), "Asia/Ho_Chi_Minh", 8) == window
    assert horizon_window(local_ms(2027, 1, 6), "Asia/Ho_Chi_Minh", 8) == (
        window[0] + DAY_MS,
        window[1] + DAY_MS,
    )


def test_items_carry_their_occurrences_up_to_the_horizon() -> None:
    held = sets(schedule())[GATEWAY]
    assert held.horizon_ms == local_ms(2027, 1, 13)
    (item,) = held.items
    # Yesterday 06:00 to the last day before the horizon, local wall time.
    assert item.starts_ms == [local_ms(2027, 1, day, 6, 0) for day in range(4, 13)]
    # An occurrence still running at the window's start is listed too.
    late = schedule(
        start=dt.datetime(2027, 1, 1, 23, 30),
        content=Content(type="tts", text="x", duration_s=3600),
    )
    assert sets(late)[GATEWAY].items[0].starts_ms[0] == local_ms(2027, 1, 3, 23, 30)


def test_a_schedules_volume_travels_with_its_item_and_unset_fields_are_left_out() -> None:
    (loud,) = sets(schedule(volume=85))[GATEWAY].items
    assert loud.volume == 85
    (plain,) = sets(schedule())[GATEWAY].items
    # An unset volume is not on the wire: an agent that does not know the field still
    # takes a set that does not use it (docs/protocol.md, "Older agents").
    assert b"volume" not in msgspec.json.encode(plain)
    assert sets(schedule(volume=85))[GATEWAY].version != sets(schedule())[GATEWAY].version


def test_a_one_off_over_leaves_the_set_and_one_to_come_stays() -> None:
    over = schedule(id="old", rrule=None, start=dt.datetime(2027, 1, 2, 6, 0))
    now = schedule(id="now", rrule=None, start=dt.datetime(2027, 1, 5, 10, 0))
    later = schedule(id="later", rrule=None, start=dt.datetime(2030, 1, 1, 6, 0))
    items = {i.id: i.starts_ms for i in sets(over, now, later)[GATEWAY].items}
    # "later" stays with no occurrence yet, so the gateway fetches its audio ahead.
    assert items == {"now": [NOW], "later": []}


def test_silences_in_force_reach_the_gateways_of_their_clusters() -> None:
    found = sets(silences=(silence(),))
    (mine,) = found[GATEWAY].silences
    assert (mine.id, mine.clusters, mine.to_ms) == ("il-1", ["xuan-hong-rc-01"], NOW + HOUR_MS)
    assert [s.clusters for s in found["xuan-lai-radio-gw"].silences] == [["xuan-lai-rc-01"]]
    assert found["xuan-phu-radio-gw"].silences == []
    quiet = sets(silences=(silence(lifted_ms=NOW - 1),))[GATEWAY]
    assert quiet.silences == []
    assert sets(silences=(silence(to_ms=NOW),))[GATEWAY].silences == []
    # A silence changes the version, so the gateway is sent the set again.
    assert found[GATEWAY].version != quiet.version


def test_only_changed_sets_are_published_and_they_decode() -> None:
    sent: list[tuple[str, bytes]] = []
    distributor = ScheduleDistributor(INDEX, horizon_days=8)
    assert distributor.sync([schedule()], [], NOW) == []  # no link: planned, not sent
    distributor.link_up(lambda topic, payload: sent.append((topic, payload)))
    assert len(distributor.sync([schedule()], [], NOW)) == len(radio_agents(INDEX))
    sent.clear()
    assert distributor.sync([schedule()], [], NOW + 60_000) == []  # nothing changed
    changed = msgspec.structs.replace(schedule(), title="Bản tin trưa", revision=2)
    assert distributor.sync([changed], [], NOW + 120_000) == [GATEWAY]
    ((topic, payload),) = sent
    assert topic == "xaso/v1/agents/xuan-hong-radio-gw/schedule"
    received = decode_schedule_set(payload)
    assert received.items[0].title == "Bản tin trưa"
    assert received.version == distributor.due[GATEWAY].version


def test_every_set_goes_again_when_the_window_moves_or_the_link_returns() -> None:
    sent: list[str] = []
    distributor = ScheduleDistributor(INDEX, horizon_days=8)
    distributor.link_up(lambda topic, payload: sent.append(topic))
    everyone = len(radio_agents(INDEX))
    assert len(distributor.sync([schedule()], [], NOW)) == everyone
    # The next local day: even a gateway with nothing to play gets its new horizon.
    assert len(distributor.sync([schedule()], [], NOW + DAY_MS)) == everyone
    distributor.link_down()
    assert distributor.sync([schedule(revision=2)], [], NOW + DAY_MS) == []
    distributor.link_up(lambda topic, payload: sent.append(topic))
    assert len(distributor.sync([schedule(revision=2)], [], NOW + DAY_MS)) == everyone


def test_a_gateway_in_a_new_connection_gets_its_set_again() -> None:
    """A broker that keeps retained messages per node (RabbitMQ) gives a gateway that
    reconnected to another node no set on subscribing: the server sends it live."""
    sent: list[tuple[str, bytes]] = []
    distributor = ScheduleDistributor(INDEX, horizon_days=8)
    distributor.sync([schedule()], [], NOW)
    other = next(agent for agent in sorted(radio_agents(INDEX)) if agent != GATEWAY)
    # No link yet: nothing to send with (link_up sends every set).
    assert distributor.connected({GATEWAY: 1}) == []
    distributor.link_up(lambda topic, payload: sent.append((topic, payload)))
    distributor.sync([schedule()], [], NOW)
    sent.clear()
    # Not heard of yet (-1), or a CCTV gateway (no set): nothing.
    assert distributor.connected({GATEWAY: -1, "xuan-hong-cctv-gw": 4}) == []
    # Its first connection the server hears of, then the same one: sent once.
    assert distributor.connected({GATEWAY: 1, other: 7}) == [GATEWAY, other]
    assert distributor.connected({GATEWAY: 1, other: 7}) == []
    assert len(sent) == 2
    # It reconnected (a new session): sent again, the set due now, once.
    assert distributor.connected({GATEWAY: 2, other: 7}) == [GATEWAY]
    assert len(sent) == 3
    topic, payload = sent[-1]
    assert topic == "xaso/v1/agents/xuan-hong-radio-gw/schedule"
    assert decode_schedule_set(payload).version == distributor.due[GATEWAY].version
    # An older session's news comes late: nothing.
    assert distributor.connected({GATEWAY: 1}) == []


def test_the_horizon_of_a_version_a_gateway_still_holds_is_known() -> None:
    distributor = ScheduleDistributor(INDEX, horizon_days=8)
    distributor.sync([schedule()], [], NOW)
    old = distributor.due[GATEWAY].version
    distributor.sync([schedule(revision=2)], [], NOW + 60_000)
    assert distributor.due[GATEWAY].version != old
    assert distributor.horizon_of(GATEWAY, old) == local_ms(2027, 1, 13)
    assert distributor.horizon_of(GATEWAY, "never-planned") is None
    # The same version due on later days: it lists the same occurrences, so a gateway
    # holding it knows what to play up to the latest horizon.
    empty = "xuan-lai-radio-gw"
    distributor.sync([schedule(revision=2)], [], NOW + DAY_MS)
    version = distributor.due[empty].version
    assert distributor.horizon_of(empty, version) == local_ms(2027, 1, 14)
    assert distributor.gateways_of(["xuan-hong-rc-03", "xuan-lai-rc-01"]) == [
        GATEWAY,
        "xuan-lai-radio-gw",
    ]


def test_each_version_knows_since_when_it_was_due_and_what_it_carries() -> None:
    distributor = ScheduleDistributor(INDEX, horizon_days=8)
    distributor.sync([schedule()], [], NOW)
    first = distributor.due[GATEWAY].version
    distributor.sync([schedule()], [], NOW + 60_000)  # the same set: due since before
    planned = distributor.planned(GATEWAY, first)
    assert planned is not None
    assert (planned.due_from_ms, planned.replaced_ms) == (NOW, None)
    assert planned.schedules == {("ban-tin-sang", 1)} and planned.silences == frozenset()

    # A silence: a new set, due from then; a gateway still on the first is behind
    # since that moment.
    quiet = silence(from_ms=NOW + 120_000, to_ms=NOW + HOUR_MS)
    distributor.sync([schedule()], [quiet], NOW + 120_000)
    second = distributor.due[GATEWAY].version
    planned_second = distributor.planned(GATEWAY, second)
    assert planned_second is not None and planned_second.silences == {"il-1"}
    assert planned_second.due_from_ms == NOW + 120_000
    assert distributor.planned(GATEWAY, first).replaced_ms == NOW + 120_000  # type: ignore[union-attr]

    # Lifted: the first set is due again, from now; the silenced one was replaced then.
    distributor.sync([schedule()], [], NOW + 180_000)
    assert distributor.due[GATEWAY].version == first
    again = distributor.planned(GATEWAY, first)
    assert again is not None and (again.due_from_ms, again.replaced_ms) == (NOW + 180_000, None)
    assert planned_second.replaced_ms == NOW + 180_000
    assert distributor.planned(GATEWAY, "never-planned") is None


def test_the_documented_set_carries_the_hash_of_its_items_and_silences() -> None:
    text = (REPO / "docs/protocol.md").read_text(encoding="utf-8")
    (example,) = [e for e in re.findall(r"```json\n(.*?)```", text, flags=re.S) if '"items"' in e]
    documented = decode_schedule_set(json.dumps(json.loads(example)).encode())
    assert documented.version == schedule_version(
        documented.items, documented.silences, documented.volumes
    )
    assert documented.horizon_ms > max(s for i in documented.items for s in i.starts_ms)


def test_a_horizon_of_no_day_or_of_months_is_refused() -> None:
    for days in (0, 32):
        with pytest.raises(ValueError, match="--schedule-horizon-days"):
            ScheduleDistributor(INDEX, horizon_days=days)


def test_a_rule_that_ended_leaves_the_set_and_one_still_to_play_stays() -> None:
    # A campaign "daily, 1 to 15 Dec" and one of five days: over before the window.
    until = schedule(
        id="campaign", start=dt.datetime(2026, 12, 1, 6), rrule="FREQ=DAILY;UNTIL=20261215"
    )
    counted = schedule(
        id="five-days", start=dt.datetime(2026, 12, 1, 7), rrule="FREQ=DAILY;COUNT=5"
    )
    # Every 1 April: no occurrence in the window, one to come within the year.
    yearly = schedule(id="yearly", start=dt.datetime(2026, 4, 1, 7), rrule="FREQ=YEARLY")
    items = {i.id: i.starts_ms for i in sets(until, counted, yearly)[GATEWAY].items}
    assert items == {"yearly": []}
