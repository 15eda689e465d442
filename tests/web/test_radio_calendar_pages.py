"""The broadcast calendar and the proof of play through the real app: each occurrence at
its local day and time, its outcome once the gateway reported, silences as bands,
collisions marked with who goes first, the month and day views, and who may read."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.apps import app_without_broker, sign_in
from tests.doubles import Clock
from tests.web.radio_calendar_data import (
    EVENING,
    INVENTORY,
    MONDAY,
    NEWS,
    NOW,
    STORM,
    a_week,
    local_ms,
    report,
    weekday,
)
from xaso.server.broadcasts.keys import PLAYOUT_MANUAL, SCHEDULES
from xaso.server.broadcasts.manual_entries import new_entry
from xaso.server.broadcasts.schedule import Content, Schedule, Targets
from xaso.server.keys import INDEX
from xaso.server.web.tokens import Role

WEEK = f"/radio/calendar?commune=dong&view=week&date={weekday(2).isoformat()}"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, INVENTORY, clock_ms=Clock(NOW)) as app:
        yield app


async def page(client: TestClient, url: str, status: int = 200) -> str:
    response = await client.get(url)
    text = await response.text()
    assert response.status == status, text[:2000]
    return text


def box(html: str, schedule: str, start_ms: int) -> str:
    """The week's box (or month's line) of one occurrence, its link to the proof."""
    found = re.search(
        rf'<a class="cal-(?:item|line)[^"]*" href="/radio/occurrences/{schedule}/{start_ms}"'
        rf".*?</a>",
        html,
        re.S,
    )
    assert found, f"no box for {schedule} at {start_ms}"
    return found.group(0)


def stack_of(html: str, schedule: str, start_ms: int) -> str:
    """The classes of the week-grid cell holding an occurrence."""
    href = f"/radio/occurrences/{schedule}/{start_ms}"
    at = html.index(f'href="{href}"')
    opening = html.rindex('<div class="cal-stack', 0, at)
    return html[opening : html.index(">", opening)]


async def test_the_week_places_each_broadcast_at_its_local_day_and_time(
    client: TestClient, app: web.Application
) -> None:
    await a_week(app)
    await sign_in(client, Role.OPERATOR, "dong")
    html = await page(client, WEEK)
    # Monday to Sunday, in Vietnamese, each with its date; today marked.
    names = re.findall(
        r'<h3 class="cal-day cal-c(\d)( cal-today)?"><a[^>]*>([^<]+) <span>([^<]+)', html
    )
    assert [(c, n.strip(), d) for c, _, n, d in names] == [
        ("2", "Thứ Hai", "07/01"),
        ("3", "Thứ Ba", "08/01"),
        ("4", "Thứ Tư", "09/01"),
        ("5", "Thứ Năm", "10/01"),
        ("6", "Thứ Sáu", "11/01"),
        ("7", "Thứ Bảy", "12/01"),
        ("8", "Chủ nhật", "13/01"),
    ]
    assert [t for _, t, _, _ in names].count(" cal-today") == 1 and names[2][1]
    # The news every day at 06:00 local (23:00 UTC the day before): its day's column,
    # the 25th quarter-hour (row 2 is midnight), 10 minutes = one quarter-hour.
    for n in range(7):
        start = local_ms(weekday(n), 6)
        assert f"cal-c{n + 2} cal-r26 cal-s" in stack_of(html, NEWS.id, start)
        assert "06:00–06:10" in box(html, NEWS.id, start)
    # The evening notices at 17:00 (row 70), priority, on Thôn Một's two clusters.
    evening = box(html, EVENING.id, local_ms(weekday(4), 17))
    assert "prio-priority" in evening and "Ưu tiên" in evening and "17:00–17:15" in evening
    assert "cal-c6 cal-r70 cal-s1" in stack_of(html, EVENING.id, local_ms(weekday(4), 17))
    # Future ones are upcoming, with the clusters they are for.
    friday = box(html, NEWS.id, local_ms(weekday(4), 6))
    assert "outcome-upcoming" in friday and "○ 4 cụm loa" in friday
    # The classes' and outcomes' legend, words beside the colours.
    assert "Chú giải màu và ký hiệu" in html and "✗ Lỗi phát" in html and "○ Chưa đến giờ" in html


async def test_a_past_broadcast_shows_its_outcome_over_its_clusters(
    client: TestClient, app: web.Application
) -> None:
    await a_week(app)
    await sign_in(client, Role.OPERATOR, "dong")
    html = await page(client, WEEK)
    # Monday: three clusters held it and said nothing, the fourth never got it: the
    # worst of the two, nothing confirmed.
    monday = box(html, NEWS.id, local_ms(MONDAY, 6))
    assert "outcome-missed" in monday and "⊘ 0/4 cụm đã phát" in monday
    # Tuesday: three played, the fourth never received it: coloured by the worst.
    tuesday = box(html, NEWS.id, local_ms(weekday(1), 6))
    assert "outcome-not_received" in tuesday and "? 3/4 cụm đã phát" in tuesday
    # Wednesday: one in full, one cut short, one silent: only one confirmed.
    wednesday = box(html, NEWS.id, local_ms(weekday(2), 6))
    assert "1/4 cụm đã phát" in wednesday

    # Its proof of play, cluster by cluster, with the events behind it.
    proof = await page(client, f"/radio/occurrences/{NEWS.id}/{local_ms(weekday(2), 6)}")
    rows = dict(re.findall(r'<tr id="cluster-([a-z0-9-]+)">(.*?)</tr>', proof, re.S))
    assert "✓ Đã phát" in rows["dong-rc-1"] and "06:00:02" in rows["dong-rc-1"]
    assert "Cụm loa chợ" in rows["dong-rc-1"] and "Thôn Một" in rows["dong-rc-1"]
    assert "Gateway Đông" in rows["dong-rc-1"]
    assert (
        "◐ Phát không trọn vẹn" in rows["dong-rc-2"]
        and "1 phút 40 giây / 10 phút" in rows["dong-rc-2"]
    )
    assert "⊘ Không phát" in rows["dong-rc-3"]
    assert "? Chưa nhận lịch" in rows["dong-rc-4"]
    assert proof.count("Bắt đầu phát") == 2 and proof.count("Phát xong") == 2
    assert "Kính thưa bà con" in proof  # what it says
    assert 'href="/radio/calendar?commune=dong&amp;view=week&amp;date=2030-01-09"' in proof
    assert f'href="/radio/schedules/{NEWS.id}"' in proof
    # A file's content plays in the page.
    evening = await page(client, f"/radio/occurrences/{EVENING.id}/{local_ms(MONDAY, 17)}")
    assert f'<audio controls preload="none" src="/radio/media/{"ab" * 32}">' in evening
    # No such occurrence: not a schedule's start, no such schedule.
    await page(client, f"/radio/occurrences/{NEWS.id}/{local_ms(MONDAY, 7)}", 404)
    await page(client, f"/radio/occurrences/lt-khong/{local_ms(MONDAY, 6)}", 404)
    await page(client, f"/radio/occurrences/{NEWS.id}/sau-gio", 404)


async def test_silences_are_bands_over_the_hours_they_hold(
    client: TestClient, app: web.Application
) -> None:
    await a_week(app)
    await sign_in(client, Role.OPERATOR, "dong")
    html = await page(client, WEEK)
    # Tuesday 14:00 to 15:00: row 58, four quarter-hours.
    band = re.search(
        r'<div class="cal-band cal-silence cal-c3 cal-r58 cal-s4" title="([^"]*)">([^<]*)', html
    )
    assert band, "no silence band on Tuesday afternoon"
    assert band.group(2) == "Im lặng 14:00–15:00" and "Đám tang gần cụm loa chợ" in band.group(1)
    assert "08/01/2030 14:00 – 15:00" in html and "lệnh của cb.dong" in html
    # Not where it did not hold: Thôn Hai's week has no band.
    village = await page(client, WEEK + "&zone=dong.t2")
    assert "cal-band cal-silence" not in village and "Lệnh im lặng" not in village
    # The day view: a hatched rect over 14:00–15:00 on the commune's and Thôn Một's rows.
    day = await page(client, f"/radio/calendar?commune=dong&view=day&date={weekday(1)}")
    assert day.count('<rect class="cal-silence" x="840" y="0" width="60"') == 2


async def test_collisions_are_marked_with_who_goes_first(
    client: TestClient, app: web.Application
) -> None:
    await a_week(app)
    await sign_in(client, Role.OPERATOR, "dong")
    html = await page(client, WEEK)
    thursday = local_ms(weekday(3), 6)
    news = box(html, NEWS.id, thursday)
    storm = box(html, STORM.id, thursday + 5 * 60_000)
    assert "cal-clash" in news and "cal-clash" in storm
    assert "⚠ Trùng giờ với «Cảnh báo bão» 06:05–06:10: bản kia phát trước" in news
    assert "⚠ Trùng giờ với «Bản tin sáng» 06:05–06:10: bản này phát trước" in storm
    assert "Khẩn cấp" in storm and "prio-emergency" in storm
    # Both in one cell of Thursday, one under the other.
    assert stack_of(html, NEWS.id, thursday) == stack_of(html, STORM.id, thursday + 5 * 60_000)
    # Only on the clusters they share: Thôn Một hears no storm warning, no collision.
    village = await page(client, WEEK + "&zone=dong.t1")
    assert "cal-clash" not in box(village, NEWS.id, thursday)
    assert f"/radio/occurrences/{STORM.id}/" not in village
    # Other days: no collision.
    assert "cal-clash" not in box(html, NEWS.id, local_ms(weekday(4), 6))


async def test_the_month_lists_each_day_and_counts_the_rest(
    client: TestClient, app: web.Application
) -> None:
    await a_week(app)
    # Six extra notices on Saturday: four shown, "+N" for the rest.
    for n in range(6):
        app[SCHEDULES].put(
            Schedule(
                id=f"tb-{n}",
                commune="dong",
                title=f"Thông báo {n}",
                content=Content(type="tts", text="Alô", duration_s=120),
                start=dt.datetime(2030, 1, 12, 8 + n, 0),
            )
        )
    await sign_in(client, Role.VIEWER, "dong")
    html = await page(client, "/radio/calendar?commune=dong&view=month&date=2030-01-20")
    assert "Tháng 1/2030" in html
    cells = re.findall(r'<section class="cal-cell([^"]*)">(.*?)</section>', html, re.S)
    # 31 December (Monday) to 3 February (Sunday): five weeks.
    assert len(cells) == 35
    assert "cal-outside" in cells[0][0] and "cal-outside" not in cells[1][0]
    saturday = cells[12][1]
    assert "T7 12/01" in saturday
    assert saturday.count('class="cal-line') == 4 and "+4 buổi nữa" in saturday
    assert "06:00 Bản tin sáng" in saturday
    tuesday = cells[8][1]
    assert "Im lặng 14:00–15:00" in tuesday
    assert "3/4 cụm đã phát" in box(tuesday, NEWS.id, local_ms(weekday(1), 6))
    # Daily schedules reach far ahead: the news on every day of March, upcoming.
    march = await page(client, "/radio/calendar?commune=dong&view=month&date=2030-03-01")
    assert march.count(f"/radio/occurrences/{NEWS.id}/") == 35
    assert "cal-mark outcome-upcoming" in march and "cal-mark outcome-played" not in march


async def test_a_paused_schedule_plans_nothing(client: TestClient, app: web.Application) -> None:
    await a_week(app)
    app[SCHEDULES].put(msgspec.structs.replace(NEWS, paused=True, revision=2))
    await sign_in(client, Role.OPERATOR, "dong")
    html = await page(client, WEEK)
    # From now on nothing; what was planned before the pause stays.
    assert f"/radio/occurrences/{NEWS.id}/{local_ms(weekday(4), 6)}" not in html
    assert f"/radio/occurrences/{NEWS.id}/{local_ms(weekday(1), 6)}" in html


async def test_the_day_view_has_a_row_per_zone(client: TestClient, app: web.Application) -> None:
    await a_week(app)
    await sign_in(client, Role.OPERATOR, "dong")
    html = await page(client, f"/radio/calendar?commune=dong&view=day&date={weekday(3)}")
    assert "Thứ Năm, 10/01/2030" in html
    zones = re.findall(r'<div class="cal-zone-name">(?:<a[^>]*>)?([^<]+)', html)
    assert zones == ["Toàn xã", "Thôn Một", "Thôn Hai"]
    # The news at 06:00 (minute 360) on every row; the storm at 06:05 on the commune's
    # and Thôn Hai's rows only, both drawn as colliding there.
    assert html.count('x="360" y="3" width="10"') == 3
    # Where they overlap, one above the other: each in a lane of half the height.
    assert html.count('x="360" y="3" width="10" height="11"') == 2
    assert html.count('<rect class="prio-emergency cal-clash" x="365" y="15" width="10"') == 2
    assert html.count('<rect class="prio-normal cal-clash" x="360"') == 2
    assert html.count('<rect class="prio-normal" x="360"') == 1  # Thôn Một
    # The day's list, in words.
    assert "Các buổi phát trong ngày" in html and "⚠ Trùng giờ với «Bản tin sáng»" in html
    # A village: the village, then each of its clusters.
    village = await page(
        client, f"/radio/calendar?commune=dong&view=day&date={weekday(2)}&zone=dong.t1"
    )
    zones = re.findall(r'<div class="cal-zone-name">(?:<a[^>]*>)?([^<]+)', village)
    assert zones == ["Thôn Một", "Cụm loa chợ", "Cụm loa đình"]
    # Wednesday's news: played on the market's cluster, cut short at the temple's.
    assert '<rect class="outcome-played" x="360"' in village
    assert '<rect class="outcome-partial" x="360"' in village
    # Now, on today's view: a line at 12:00.
    assert '<line class="cal-now" x1="720"' in village
    cluster = await page(
        client, f"/radio/calendar?commune=dong&view=day&date={weekday(2)}&zone=dong-rc-4"
    )
    assert re.findall(r'<div class="cal-zone-name">(?:<a[^>]*>)?([^<]+)', cluster) == [
        "Cụm loa bến"
    ]
    # Moving in time keeps the view and the zone.
    assert (
        "date=2030-01-08&amp;zone=dong.t1" in village
        and "date=2030-01-10&amp;zone=dong.t1" in village
    )


async def test_bad_requests_are_refused_in_words(client: TestClient, app: web.Application) -> None:
    await sign_in(client, Role.OPERATOR, "dong")
    await page(client, "/radio/calendar?commune=dong&view=year", 400)
    await page(client, "/radio/calendar?commune=dong&date=09/01/2030", 400)
    await page(client, "/radio/calendar?commune=dong&zone=tay.t1", 404)
    # Beyond the years recurrences expand: refused, not a server error.
    await page(client, "/radio/calendar?commune=dong&view=month&date=9999-12-31", 400)
    await page(client, "/radio/calendar?commune=dong&date=0001-01-01", 400)
    await page(client, f"/radio/occurrences/{NEWS.id}/{10**20}", 404)
    await page(client, f"/radio/occurrences/{NEWS.id}/-{10**20}", 404)
    # Without a date: this week; without a commune: the user's.
    html = await page(client, "/radio/calendar")
    assert "Tuần 07/01 – 13/01/2030" in html and "Xã Đông" in html


async def test_another_communes_officer_sees_nothing_and_a_viewer_reads(
    client: TestClient, app: web.Application
) -> None:
    await a_week(app)
    proof = f"/radio/occurrences/{NEWS.id}/{local_ms(weekday(1), 6)}"
    await sign_in(client, Role.OPERATOR, "tay")
    await page(client, WEEK, 404)
    await page(client, proof, 404)
    own = await page(client, "/radio/calendar")
    assert "Xã Tây" in own and NEWS.id not in own
    client.session.cookie_jar.clear()
    await sign_in(client, Role.VIEWER, "dong")
    assert NEWS.title in await page(client, WEEK)
    assert "Từng cụm loa" in await page(client, proof)
    # In English too.
    english = await page(client, WEEK + "&lang=en")
    assert "Monday" in english and "3 of 4 clusters played" in english


async def test_a_month_of_a_hundred_clusters_renders_fast(tmp_path: Path) -> None:
    """A month view of a 100-cluster commune with five daily bulletins (about 21,000
    occurrence × cluster lines to reconcile) answers in well under a second."""
    inventory = tmp_path / "big.yaml"
    devices = "\n".join(
        f"          - {{id: big-rc-{n}, name: Cụm {n}, type: radio_cluster, "
        f"village: big.t{n % 10}}}"
        for n in range(100)
    )
    villages = "\n".join(f"      - {{code: big.t{n}, name: Thôn {n}}}" for n in range(10))
    inventory.write_text(
        INVENTORY.read_text().split("communes:")[0]
        + "communes:\n  - code: big\n    name: Xã Lớn\n    kind: xa\n    parents: [{area: prov}]\n"
        + f"    villages:\n{villages}\n    agents:\n      - id: big-gw\n        name: GW\n"
        + f"        kind: radio_gateway\n        devices:\n{devices}\n",
        encoding="utf-8",
    )
    async with (
        app_without_broker(tmp_path, inventory, clock_ms=Clock(NOW)) as app,
        TestClient(TestServer(app)) as client,
    ):
        for n, hour in enumerate((5, 6, 11, 17, 19)):
            app[SCHEDULES].put(
                Schedule(
                    id=f"lt-{n}",
                    commune="big",
                    title=f"Bản tin {hour}h",
                    content=Content(type="tts", text="Alô", duration_s=900),
                    start=dt.datetime(2030, 1, 1, hour, 0),
                    rrule="FREQ=DAILY",
                )
            )
        await sign_in(client, Role.OPERATOR, "big")
        url = "/radio/calendar?commune=big&view=month&date=2030-01-15"
        started = time.perf_counter()
        await page(client, url)  # the first: templates compiled, recurrences expanded
        first = time.perf_counter() - started
        started = time.perf_counter()
        html = await page(client, url)
        elapsed = time.perf_counter() - started
    # Four shown a day and "+1", from 1 January (the grid starts on 31 December).
    assert html.count("/radio/occurrences/lt-") == 34 * 4
    print(f"month of 100 clusters: first {first * 1000:.0f} ms, then {elapsed * 1000:.0f} ms")
    assert first < 2.0 and elapsed < 1.0


async def test_the_proof_names_what_cut_a_broadcast_and_why_one_failed(
    client: TestClient, app: web.Application
) -> None:
    await a_week(app)
    monday = local_ms(MONDAY, 6)
    common = {"occurrence_ms": monday, "planned_end_ms": monday + 10 * 60_000}
    await report(app, "started", "dong-rc-1", monday, started_ms=monday, **common)
    await report(app, "preempted", "dong-rc-1", monday + 60_000, by=STORM.id, played_s=60, **common)
    await report(
        app, "failed", "dong-rc-2", monday, reason="player_failed", error="exit 1", **common
    )
    await sign_in(client, Role.OPERATOR, "dong")
    proof = await page(client, f"/radio/occurrences/{NEWS.id}/{monday}")
    rows = dict(re.findall(r'<tr id="cluster-([a-z0-9-]+)">(.*?)</tr>', proof, re.S))
    assert "◐ Phát không trọn vẹn" in rows["dong-rc-1"]
    # The storm warning's only occurrence is on Thursday: not the one that cut in on
    # Monday, so the link is to its schedule.
    assert f'<a href="/radio/schedules/{STORM.id}">Cảnh báo bão</a>' in rows["dong-rc-1"]
    assert "✗ Lỗi phát" in rows["dong-rc-2"]
    assert 'Trình phát báo lỗi <code class="raw">exit 1</code>' in rows["dong-rc-2"]
    assert "Bị ngắt" in proof and "bởi Cảnh báo bão" in proof  # the event itself


async def test_what_cut_in_leads_to_the_proof_of_its_own_occurrence(
    client: TestClient, app: web.Application
) -> None:
    await a_week(app)
    thursday = local_ms(weekday(3), 6)
    storm_ms = local_ms(weekday(3), 6, 5)  # the storm warning's only occurrence
    common = {"occurrence_ms": thursday, "planned_end_ms": thursday + 10 * 60_000}
    await report(app, "started", "dong-rc-2", thursday, started_ms=thursday, **common)
    await report(app, "preempted", "dong-rc-2", storm_ms, by=STORM.id, played_s=300, **common)
    await sign_in(client, Role.OPERATOR, "dong")
    proof = await page(client, f"/radio/occurrences/{NEWS.id}/{thursday}")
    rows = dict(re.findall(r'<tr id="cluster-([a-z0-9-]+)">(.*?)</tr>', proof, re.S))
    link = f'<a href="/radio/occurrences/{STORM.id}/{storm_ms}">Cảnh báo bão</a>'
    assert link in rows["dong-rc-2"]


async def test_a_live_announcement_entered_by_hand_has_its_proof(
    client: TestClient, app: web.Application
) -> None:
    start = local_ms(weekday(2), 9)
    entry = new_entry(
        "tt-hop",
        "dong",
        Targets(zones=["dong.t2"]),
        app[INDEX],
        start_ms=start,
        end_ms=start + 15 * 60_000,
        title="Thông báo họp thôn",
        note="Đọc trực tiếp tại nhà văn hoá",
        operator="cb.dong",
        now_ms=NOW,
    )
    app[PLAYOUT_MANUAL].put(entry)
    await sign_in(client, Role.OPERATOR, "dong")
    week = await page(client, WEEK)
    live = box(week, "manual:tt-hop", start)
    assert "outcome-manual" in live and "✎ Phát trực tiếp, 2 cụm" in live
    proof = await page(client, f"/radio/occurrences/manual:tt-hop/{start}")
    assert "Đọc trực tiếp tại nhà văn hoá" in proof and "cb.dong" in proof
    assert proof.count("Phát trực tiếp (nhập tay)") >= 2 and "/radio/schedules/" not in proof
    await page(client, f"/radio/occurrences/manual:khong/{start}", 404)
