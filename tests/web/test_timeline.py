"""The device page's status band: spans in a row with one status are one segment, spans
too short to see are gathered into one of the worst status among them, and the band
always covers the period."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from xaso.server.monitoring.availability import Span
from xaso.server.web.timeline import segments

H = 3_600_000


def test_a_day_with_an_outage() -> None:
    day = [
        Span(0, 10 * H, "online", "probe_ok"),
        Span(10 * H, 11 * H, "offline", "will"),
        Span(11 * H, 12 * H, "offline", "timeout"),
        Span(12 * H, 24 * H, "online", "probe_ok"),
    ]
    found = segments(day, 0, 24 * H)
    assert [(s.status, s.cause) for s in found] == [
        ("online", "probe_ok"),
        ("offline", "will"),
        ("online", "probe_ok"),
    ]
    assert (found[1].x_pct(0, 24 * H), found[1].width_pct(0, 24 * H)) == (41.667, 8.333)


def test_flapping_is_gathered_into_the_worst_status() -> None:
    blips = [
        Span(at, at + 1000, "offline" if at % 2000 else "online", "")
        for at in range(0, 600_000, 1000)
    ]
    found = segments([Span(-H, 0, "online", ""), *blips, Span(600_000, H, "online", "")], -H, H)
    # 600 changes of a second in a band of 2 h: gathered into stretches of 7.2 s (a
    # thousandth of the period) at least.
    assert len(found) <= 2 + 600 / 7.2
    gathered = [s for s in found if s.gathered]
    assert gathered and all(s.status == "offline" for s in gathered)


@given(st.lists(st.tuples(st.integers(1, 10 * H), st.sampled_from(["online", "offline"]))))
def test_the_band_covers_the_period(parts: list[tuple[int, str]]) -> None:
    period_spans, at = [], 0
    for length, status in parts:
        period_spans.append(Span(at, at + length, status, ""))
        at += length
    found = segments(period_spans, 0, max(at, 1))
    assert len(found) <= 2 * 1000 + 1
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(found))
    if found:
        assert found[0].start_ms == 0 and found[-1].end_ms == at
