"""The communes' radio settings: cluster volumes checked, kept with their versions, and
sent to the gateways in their schedule sets."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from tests.paths import REPO
from xaso.agent.playout.plan import Timetable
from xaso.inventory import load_inventory
from xaso.server.broadcasts.distribution import schedule_sets
from xaso.server.broadcasts.radio_settings import RadioSettings, cluster_volumes, volume_problems
from xaso.server.broadcasts.radio_settings_table import HISTORY_TABLE, RadioSettingsTable
from xaso.server.broadcasts.schedule import Content, Schedule
from xaso.server.database import connect

INDEX = load_inventory(REPO / "devices.yaml").index()
DAY = dt.date(2027, 1, 5)
NOW = int(dt.datetime(2027, 1, 5, 10, tzinfo=dt.timezone(dt.timedelta(hours=7))).timestamp() * 1000)
GATEWAY = "xuan-hong-radio-gw"


def test_every_problem_of_the_volumes_is_named_by_its_cluster() -> None:
    volumes = {
        "xuan-hong-rc-01": 80,
        "xuan-hong-rc-02": 101,
        "xuan-lai-rc-01": 50,  # another commune's
        "xuan-hong-cam-01": 50,  # not a loudspeaker
    }
    assert volume_problems("xuan-hong", volumes, INDEX, DAY) == [
        "volumes.xuan-hong-rc-02: must be between 0 and 100",
        "volumes.xuan-lai-rc-01: not a loudspeaker cluster of Xã Xuân Hồng",
        "volumes.xuan-hong-cam-01: not a loudspeaker cluster of Xã Xuân Hồng",
    ]
    assert volume_problems("xuan-sinh", {"xuan-sinh-rc-15": 50}, INDEX, DAY) == [
        "volumes.xuan-sinh-rc-15: planned, not installed"
    ]
    unknown = volume_problems("nowhere", {}, INDEX, DAY)
    assert unknown == ["commune: no commune 'nowhere' in the inventory"]


def test_settings_are_saved_with_every_version_kept_append_only(tmp_path: Path) -> None:
    db = connect(tmp_path / "x.db")
    table = RadioSettingsTable(db)
    assert table.of("xuan-hong") == RadioSettings(id="xuan-hong")
    table.save(RadioSettings(id="xuan-hong", volumes={"xuan-hong-rc-01": 80}), by="a", at_ms=1)
    saved = table.save(RadioSettings(id="xuan-hong", volumes={}), by="b", at_ms=2)
    assert (saved.revision, saved.changed_by, saved.changed_ms) == (2, "b", 2)
    versions = RadioSettingsTable(connect(tmp_path / "x.db")).versions("xuan-hong")
    assert [(v.saved_by, v.settings.volumes) for v in versions] == [
        ("a", {"xuan-hong-rc-01": 80}),
        ("b", {}),
    ]
    assert RadioSettingsTable(connect(tmp_path / "x.db")).of("xuan-hong").revision == 2
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute(f"DELETE FROM {HISTORY_TABLE}")


def test_the_latest_commune_to_set_a_clusters_volume_wins() -> None:
    older = RadioSettings(id="xuan-hong", volumes={"xuan-hong-rc-01": 80}, changed_ms=1)
    newer = RadioSettings(id="xuan-hong-lai", volumes={"xuan-hong-rc-01": 30}, changed_ms=2)
    assert cluster_volumes([newer, older]) == {"xuan-hong-rc-01": 30}


def news(**changes: object) -> Schedule:
    fields: dict[str, object] = {
        "id": "ban-tin-sang",
        "commune": "xuan-hong",
        "title": "Bản tin sáng",
        "content": Content(type="tts", text="Kính thưa bà con...", duration_s=600),
        "start": dt.datetime(2027, 1, 5, 6, 0),
        "rrule": "FREQ=DAILY",
    }
    fields.update(changes)
    return Schedule(**fields)  # type: ignore[arg-type]


def test_each_gateway_gets_its_own_clusters_volumes_and_a_change_is_a_new_version() -> None:
    volumes = {"xuan-hong-rc-01": 80, "xuan-lai-rc-01": 20}
    before = schedule_sets([news()], [], INDEX, NOW, 8)
    after = schedule_sets([news()], [], INDEX, NOW, 8, volumes=volumes)
    assert after[GATEWAY].volumes == {"xuan-hong-rc-01": 80}
    assert after["xuan-lai-radio-gw"].volumes == {"xuan-lai-rc-01": 20}
    assert after[GATEWAY].version != before[GATEWAY].version
    assert before[GATEWAY].volumes == {}

    # On the gateway: the schedule's own volume first, then the cluster's, else none
    # (the gateway's configuration decides).
    plays = {
        (o.schedule, o.cluster): o.volume
        for o in Timetable(after[GATEWAY]).between(0, 2**62)
        if o.cluster in ("xuan-hong-rc-01", "xuan-hong-rc-02")
    }
    assert set(plays.values()) == {80, None}
    loud = schedule_sets([news(volume=95)], [], INDEX, NOW, 8, volumes=volumes)
    assert {o.volume for o in Timetable(loud[GATEWAY]).between(0, 2**62)} == {95}
