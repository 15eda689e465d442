"""Each radio gateway gets the schedules of its clusters; only changes are published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec

from server.distribution import ScheduleDistributor, radio_agents, schedule_sets
from server.schedule import Content, Schedule, Targets
from xaso.inventory import load_inventory
from xaso.protocol import decode_schedule_set

INDEX = load_inventory(Path(__file__).parent.parent / "devices.yaml").index()


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


def test_only_radio_gateways_with_clusters_get_a_set() -> None:
    agents = radio_agents(INDEX)
    assert "xuan-hong-radio-gw" in agents and "xuan-hong-cctv-gw" not in agents
    assert len(agents["xuan-hong-radio-gw"]) == 14


def test_a_schedule_reaches_the_gateway_of_its_clusters_only() -> None:
    sets = schedule_sets([schedule()], INDEX, 0)
    (item,) = sets["xuan-hong-radio-gw"].items
    assert item.clusters == ["xuan-hong-rc-01", "xuan-hong-rc-02"]
    assert sets["xuan-lai-radio-gw"].items == []
    assert schedule_sets([schedule(paused=True)], INDEX, 0)["xuan-hong-radio-gw"].items == []


def test_only_changed_sets_are_published_and_they_decode() -> None:
    sent: list[tuple[str, bytes]] = []
    distributor = ScheduleDistributor(lambda topic, payload: sent.append((topic, payload)))
    assert distributor.sync([schedule()], INDEX, 0) == len(radio_agents(INDEX))
    sent.clear()
    assert distributor.sync([schedule()], INDEX, 1) == 0  # nothing changed
    changed = msgspec.structs.replace(schedule(), title="Bản tin trưa", revision=2)
    assert distributor.sync([changed], INDEX, 2) == 1
    ((topic, payload),) = sent
    assert topic == "xaso/v1/agents/xuan-hong-radio-gw/schedule"
    received = decode_schedule_set(payload)
    assert received.items[0].title == "Bản tin trưa"
    assert received.version == distributor.expected["xuan-hong-radio-gw"]
