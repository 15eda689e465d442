"""Broadcast schedules: checks, targets, occurrences in local time, and collisions."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.paths import REPO
from xaso.inventory import InventoryIndex, load_inventory
from xaso.server.broadcasts.schedule import (
    Content,
    Schedule,
    Targets,
    conflicts,
    occurrences,
    schedule_problems,
    target_clusters,
)

DAY = dt.date(2027, 1, 1)  # devices.yaml has no merger: any day holds the same


@pytest.fixture(scope="module")
def index() -> InventoryIndex:
    return load_inventory(REPO / "devices.yaml").index()


def utc_ms(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=dt.UTC).timestamp() * 1000)


def news(**changes: object) -> Schedule:
    fields: dict[str, object] = {
        "id": "ban-tin-sang",
        "commune": "xuan-hong",
        "title": "Bản tin sáng",
        "content": Content(type="tts", text="Kính thưa bà con...", duration_s=1800),
        "start": dt.datetime(2027, 1, 1, 6, 0),
        "rrule": "FREQ=DAILY",
    }
    fields.update(changes)
    return Schedule(**fields)  # type: ignore[arg-type]


def test_targets_whole_commune_zones_and_named_clusters(index: InventoryIndex) -> None:
    whole = target_clusters(news(), index, DAY)
    assert len(whole) == 14 and all(c.startswith("xuan-hong-rc-") for c in whole)
    zone = target_clusters(news(targets=Targets(zones=["xuan-hong.thon-1"])), index, DAY)
    assert zone == {"xuan-hong-rc-01", "xuan-hong-rc-02"}
    named = target_clusters(
        news(targets=Targets(zones=["xuan-hong.thon-1"], clusters=["xuan-hong-rc-14"])),
        index,
        DAY,
    )
    assert named == zone | {"xuan-hong-rc-14"}


def test_every_problem_is_reported(index: InventoryIndex) -> None:
    bad = news(
        title=" ",
        content=Content(type="tts", duration_s=-1),
        targets=Targets(zones=["xuan-lai.thon-1"], clusters=["xuan-lai-rc-01"]),
        rrule="FREQ=NEVER",
        volume=101,
    )
    fields = [p.split(":")[0] for p in schedule_problems(bad, index, DAY)]
    assert fields == [
        "targets.zones",
        "targets.clusters",
        "content.duration_s",
        "content.text",
        "title",
        "volume",
        "rrule",
    ]
    assert schedule_problems(news(volume=0), index, DAY) == []
    assert schedule_problems(news(), index, DAY) == []


def test_a_planned_cluster_cannot_be_targeted(index: InventoryIndex) -> None:
    planned = next(e.id for e in index.devices.values() if e.kind == "radio_cluster" and e.planned)
    commune = index.devices[planned].commune
    asked = news(commune=commune, targets=Targets(clusters=[planned]))
    problems = schedule_problems(asked, index, DAY)
    assert any("planned" in p for p in problems)


def test_daily_six_oclock_is_six_oclock_in_vietnam() -> None:
    found = occurrences(news(), utc_ms(2027, 1, 1), utc_ms(2027, 1, 3))
    # 06:00 ICT is 23:00 UTC the day before; the first, on 1 January local, is
    # 31 December 23:00 UTC, before the range.
    assert found == [
        (utc_ms(2027, 1, 1, 23), utc_ms(2027, 1, 1, 23, 30)),
        (utc_ms(2027, 1, 2, 23), utc_ms(2027, 1, 2, 23, 30)),
    ]
    assert occurrences(news(paused=True), utc_ms(2027, 1, 1), utc_ms(2027, 1, 3)) == []


def test_an_emergency_collides_with_the_programme_and_goes_first(index: InventoryIndex) -> None:
    emergency = news(
        id="bao-lu",
        title="Cảnh báo lũ",
        priority="emergency",
        rrule=None,
        start=dt.datetime(2027, 1, 5, 6, 10),
        content=Content(type="file", sha256="ab" * 32, duration_s=300),
        targets=Targets(zones=["xuan-hong.thon-1"]),
    )
    horizon = (utc_ms(2027, 1, 1), utc_ms(2027, 2, 1))
    (hit,) = conflicts(emergency, [news()], index, *horizon)
    assert (hit.other, hit.first) == ("ban-tin-sang", "this")
    assert hit.clusters == ["xuan-hong-rc-01", "xuan-hong-rc-02"]
    assert (hit.start_ms, hit.end_ms) == (utc_ms(2027, 1, 4, 23, 10), utc_ms(2027, 1, 4, 23, 15))
    (seen_from_the_news,) = conflicts(news(), [emergency], index, *horizon)
    assert seen_from_the_news.first == "other"


def test_no_collision_on_other_villages_or_other_days(index: InventoryIndex) -> None:
    horizon = (utc_ms(2027, 1, 1), utc_ms(2027, 3, 1))
    elsewhere = news(id="o", targets=Targets(zones=["xuan-hong.thon-2"]))
    mine = news(targets=Targets(zones=["xuan-hong.thon-1"]))
    assert conflicts(mine, [elsewhere], index, *horizon) == []
    sundays = news(id="cn", rrule="FREQ=WEEKLY;BYDAY=SU")
    saturdays = news(id="t7", rrule="FREQ=WEEKLY;BYDAY=SA")
    assert conflicts(sundays, [saturdays], index, *horizon) == []
    same_class = conflicts(sundays, [news(id="daily")], index, *horizon)
    assert [c.first for c in same_class] == ["same"]


def test_skipped_days_do_not_play_and_are_bounded(index: InventoryIndex) -> None:
    holidays = news(skip_dates=[dt.date(2027, 1, 2), dt.date(2027, 1, 4)])
    starts = [s for s, _ in occurrences(holidays, utc_ms(2026, 12, 31), utc_ms(2027, 1, 4))]
    # 06:00 in Hanoi is 23:00 UTC the day before: the local day is what is skipped.
    assert starts == [utc_ms(2026, 12, 31, 23), utc_ms(2027, 1, 2, 23)]
    too_many = news(skip_dates=[DAY + dt.timedelta(days=n) for n in range(367)])
    assert schedule_problems(too_many, index, DAY) == ["skip_dates: at most 366 days"]
