"""The calendar's facts: occurrences from the log's lines, one outcome over many
clusters, collisions and who goes first, silences over a period."""

from __future__ import annotations

from xaso.server.broadcasts.calendar import aggregate, collisions, grouped, silences_between
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.broadcasts.silence import SilenceOrder

MIN = 60_000


def line(
    schedule: str, start: int, cluster: str, status: str = "upcoming", **more: object
) -> PlayoutOutcome:
    fields: dict[str, object] = {
        "commune": "c",
        "cluster": cluster,
        "schedule": schedule,
        "title": schedule.title(),
        "priority": "normal",
        "content_type": "tts",
        "planned_start_ms": start,
        "planned_end_ms": start + 10 * MIN,
        "status": status,
    }
    fields.update(more)
    return PlayoutOutcome(**fields)  # type: ignore[arg-type]


def test_lines_group_into_occurrences_with_the_worst_outcome() -> None:
    lines = [
        line("news", 0, "rc-2", "played"),
        line("news", 0, "rc-1", "late"),
        line("news", 0, "rc-3", "failed"),
        line("news", 0, "rc-4", "missed"),
        line("news", 86_400_000, "rc-1"),
    ]
    today, tomorrow = grouped(lines)
    assert [o.cluster for o in today.outcomes] == ["rc-1", "rc-2", "rc-3", "rc-4"]
    summary = aggregate(today.outcomes)
    assert (summary.status, summary.confirmed, summary.total) == ("failed", 2, 4)
    assert summary.over and not aggregate(tomorrow.outcomes).over
    # Half played, half still due: not yet "played".
    assert aggregate([line("a", 0, "x", "played"), line("a", 0, "y", "upcoming")]).status == (
        "upcoming"
    )
    assert today.within({"rc-1"}).clusters == {"rc-1"}  # type: ignore[union-attr]
    assert today.within({"rc-9"}) is None


def test_collisions_on_shared_clusters_say_who_goes_first() -> None:
    news = grouped([line("news", 0, "rc-1"), line("news", 0, "rc-2")])[0]
    storm = grouped([line("storm", 5 * MIN, "rc-2", priority="emergency")])[0]
    notice = grouped([line("notice", 8 * MIN, "rc-1")])[0]
    elsewhere = grouped([line("far", 0, "rc-9")])[0]
    later = grouped([line("later", 18 * MIN, "rc-1")])[0]  # starts as the notice ends
    relay = grouped([line("relay", 0, "rc-1", priority="background")])[0]
    found = collisions([news, storm, notice, elsewhere, later, relay])
    assert {(c.other.schedule, c.first, c.clusters) for c in found[news.key]} == {
        ("storm", "other", ("rc-2",)),  # an emergency pre-empts
        ("notice", "this", ("rc-1",)),  # same class: the earlier start plays
    }
    assert [(c.other.schedule, c.first) for c in found[storm.key]] == [("news", "this")]
    assert [(c.other.schedule, c.first) for c in found[notice.key]] == [("news", "other")]
    assert found[storm.key][0].start_ms == 5 * MIN and found[storm.key][0].end_ms == 10 * MIN
    assert elsewhere.key not in found and later.key not in found and relay.key not in found


def test_silences_hold_until_lifted_and_where_they_were_given() -> None:
    orders = [
        SilenceOrder("a", "c", ["rc-1"], 0, 60 * MIN),
        SilenceOrder("b", "c", ["rc-2"], 0, 60 * MIN, lifted_ms=10 * MIN),
        SilenceOrder("other", "d", ["rc-1"], 0, 60 * MIN),
        SilenceOrder("before", "c", ["rc-1"], -60 * MIN, 0),
    ]
    spans = silences_between(orders, {"c"}, 0, 120 * MIN)
    assert [(s.order.id, s.to_ms, s.lifted) for s in spans] == [
        ("a", 60 * MIN, False),
        ("b", 10 * MIN, True),
    ]
    assert [s.order.id for s in silences_between(orders, {"c"}, 0, 120 * MIN, {"rc-2"})] == ["b"]
    assert silences_between(orders, {"c"}, 20 * MIN, 120 * MIN, {"rc-2"}) == []
