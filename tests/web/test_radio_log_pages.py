"""The playout log pages through the real app: a month of events stored, the page's
counts equal to the API's, the filters, the manual entries through the form (with the
API's checks, in words), their deletion, the CSV and the printable page; each role
within its scope."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, page_cookie
from tests.doubles import Clock
from tests.web.radio_log_data import JANUARY, NOW, a_month_of_bulletins, local_ms
from xaso.server.broadcasts.keys import PLAYOUT_MANUAL, SCHEDULES
from xaso.server.web.audit import AuditQuery
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.keys import AUDIT
from xaso.server.web.tokens import Role

DATA = Path(__file__).parent.parent / "data"
JANUARY_PAGE = "/radio/log?commune=alpha&from=2030-01-01&to=2030-01-31"
JANUARY_API = "/api/v1/playout?commune=alpha&from=2030-01-01T00:00:00&to=2030-02-01T00:00:00"
_COUNT = re.compile(r'data-status="(\w+)"[^>]*>[^<]*<strong>(\d+)</strong>')
_LINE = re.compile(r'<tr class="line" data-status="(\w+)">')


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, clock_ms=Clock(NOW)) as application:
        yield application


@pytest.fixture
async def client(app: web.Application, aiohttp_client: Any) -> TestClient:
    """The app started (its tables open), with alpha's January in it."""
    started = await aiohttp_client(app)
    await a_month_of_bulletins(app)
    return started


def counts(html: str) -> dict[str, int]:
    """The page's summary: the count of every status."""
    return {status: int(n) for status, n in _COUNT.findall(html)}


def lines(html: str) -> list[str]:
    """The status of every cluster's line on the page, in order."""
    return _LINE.findall(html)


async def api_summary(client: TestClient, headers: dict[str, str], query: str) -> dict[str, Any]:
    response = await client.get(f"{JANUARY_API}&{query}", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


def entry_form(headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": headers[CSRF_HEADER],
        "commune": "alpha",
        "title": "Thông báo khẩn về nước sạch",
        "start": "2030-01-15T17:00",
        "end": "2030-01-15T17:05",
        "where": "commune",
        "note": "Chủ tịch xã đọc trực tiếp",
    }
    form.update(fields)
    return form


def cookie_only(headers: dict[str, str]) -> dict[str, str]:
    return {"Cookie": headers["Cookie"]}


async def test_the_page_counts_what_the_api_counts(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    response = await client.get(JANUARY_PAGE, headers=officer)
    assert response.status == 200
    html = await response.text()
    body = await api_summary(client, officer, "")
    assert counts(html) == body["summary"]["by_status"] == JANUARY
    # The tab is there, and this month (January, by the clock) is the default.
    assert 'href="/radio/log?commune=alpha" aria-current="page"' in html
    default = await (await client.get("/radio/log", headers=officer)).text()
    assert counts(default) == JANUARY
    assert "Từ 01/01/2030 đến 31/01/2030" in default
    # Every line is there, grouped by occurrence, the problems unfolded.
    assert sorted(lines(html)) == sorted(o["status"] for o in body["outcomes"])
    assert html.count('class="log-occ') == 32
    failed = html[html.index('id="o-lt-sang-' + str(local_ms(5, 6)) + '"') :]
    assert failed.startswith(f'id="o-lt-sang-{local_ms(5, 6)}" open>')
    assert "Trình phát bị lỗi" in failed[:4000] and "exit 1" in failed[:4000]
    partial = html[html.index(f'id="o-lt-sang-{local_ms(11, 6)}"') :][:4000]
    assert "Cảnh báo bão số 3" in partial  # what cut it, by its title
    assert f'href="/radio/occurrences/lt-sang/{local_ms(11, 6)}?commune=alpha"' in partial
    # In English, the same numbers.
    english = await (await client.get(f"{JANUARY_PAGE}&lang=en", headers=officer)).text()
    assert counts(english) == JANUARY and "Partly played" in english


async def test_the_outcome_filter_narrows_the_lines_not_the_summary(
    client: TestClient, app: web.Application
) -> None:
    viewer = page_cookie(app, Role.VIEWER, "alpha")
    page = f"{JANUARY_PAGE}&status=failed&status=missed"
    html = await (await client.get(page, headers=viewer)).text()
    assert counts(html) == JANUARY
    assert lines(html) == ["failed", "missed", "missed"]
    body = await api_summary(client, viewer, "status=failed&status=missed")
    assert [o["status"] for o in body["outcomes"]] == lines(html)
    assert "Đang hiện 3 trên 32 lượt" in html
    # The CSV link is the API's, with the same filters.
    assert (
        'href="/api/v1/playout?commune=alpha&amp;from=2030-01-01T00%3A00%3A00'
        "&amp;to=2030-02-01T00%3A00%3A00&amp;status=failed&amp;status=missed"
        '&amp;format=csv&amp;lang=vi"'
    ) in html
    # A viewer reads: no form, no delete button.
    assert "log-entry-form" not in html and "log-delete" not in html
    # What cannot be read is said, and the defaults shown.
    odd = await client.get(
        "/radio/log?commune=alpha&from=2030-13-01&status=lost&zone=village:beta.t1",
        headers=viewer,
    )
    assert odd.status == 200
    text = await odd.text()
    for said in ("Ngày không đúng dạng", "Có kết quả không rõ", "Khu vực không thuộc xã này"):
        assert said in text
    assert counts(text) == JANUARY
    too_long = await client.get(
        "/radio/log?commune=alpha&from=2029-01-01&to=2030-01-31", headers=viewer
    )
    assert "tối đa 92 ngày" in await too_long.text()


async def test_a_live_announcement_through_the_form(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    response = await client.post(
        "/radio/log/manual",
        data=entry_form(officer),
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    [entry] = app[PLAYOUT_MANUAL].items.values()
    assert entry.clusters == ["alpha-rc-1"] and entry.start_ms == local_ms(15, 17)
    assert response.headers["Location"] == (
        "/radio/log?commune=alpha&from=2030-01-01&to=2030-01-31&done=added"
        f"#o-manual-{entry.id}-{entry.start_ms}"
    )
    html = await (await client.get(response.headers["Location"], headers=officer)).text()
    assert "Đã ghi buổi phát trực tiếp vào nhật ký." in html
    assert "Phát trực tiếp (nhập tay)" in html and "Chủ tịch xã đọc trực tiếp" in html
    assert counts(html) == {**JANUARY, "manual": 1}
    assert counts(html) == (await api_summary(client, officer, ""))["summary"]["by_status"]
    # Audited, with what was entered.
    [audited] = [e for e in app[AUDIT].find(AuditQuery(limit=10)) if "manual" in e.action]
    assert audited.detail["title"] == "Thông báo khẩn về nước sạch"
    assert audited.detail["clusters"] == ["alpha-rc-1"]

    # Deleted with the API's rules: a viewer of alpha is refused, another commune's
    # officer finds nothing, its own officer may.
    path = f"/radio/log/manual/{entry.id}/delete"
    viewer = page_cookie(app, Role.VIEWER, "alpha")
    stranger = page_cookie(app, Role.OPERATOR, "beta")
    for who, status in ((viewer, 403), (stranger, 404)):
        answer = await client.post(
            path, data={"csrf_token": who[CSRF_HEADER]}, headers=cookie_only(who)
        )
        assert answer.status == status
        assert "text/html" in answer.headers["Content-Type"]
    back = "/radio/log?commune=alpha&from=2030-01-01&to=2030-01-31&status=manual"
    deleted = await client.post(
        path,
        data={"csrf_token": officer[CSRF_HEADER], "back": back},
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert deleted.status == 303
    assert deleted.headers["Location"] == f"{back}&done=deleted"
    assert app[PLAYOUT_MANUAL].items == {}
    # Only ever back to the log.
    await client.post(
        "/radio/log/manual",
        data=entry_form(officer),
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    [entry] = app[PLAYOUT_MANUAL].items.values()
    away = await client.post(
        f"/radio/log/manual/{entry.id}/delete",
        data={"csrf_token": officer[CSRF_HEADER], "back": "https://example.com/?"},
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert away.headers["Location"] == "/radio/log?commune=alpha&done=deleted"


async def test_the_forms_problems_are_named_in_vietnamese(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")

    async def refused(**fields: Any) -> str:
        response = await client.post(
            "/radio/log/manual", data=entry_form(officer, **fields), headers=cookie_only(officer)
        )
        assert response.status == 400
        return await response.text()

    html = await refused(title=" ", end="2030-01-15T16:00")
    assert "Chưa nhập nội dung buổi phát." in html
    assert "Giờ kết thúc phải sau giờ bắt đầu." in html
    assert 'value="2030-01-15T16:00"' in html  # the form as it was typed
    html = await refused(start="2030-01-25T17:00", end="2030-01-25T17:05")
    assert "Giờ bắt đầu ở tương lai" in html
    html = await refused(start="", end="")
    assert "Chưa nhập giờ bắt đầu" in html and "Chưa nhập giờ kết thúc" in html
    html = await refused(where="some")
    assert "Chọn ít nhất một thôn hoặc cụm loa" in html
    html = await refused(where="some", zones="beta.t1")
    assert "Thôn đã chọn không thuộc xã này." in html
    html = await refused(where="some", clusters="alpha-rc-2")
    assert "chưa lắp đặt" in html
    assert app[PLAYOUT_MANUAL].items == {}
    # A viewer's post is refused, another commune is not found, without a token refused.
    viewer = page_cookie(app, Role.VIEWER, "alpha")
    answer = await client.post(
        "/radio/log/manual", data=entry_form(viewer), headers=cookie_only(viewer)
    )
    assert answer.status == 403
    stranger = page_cookie(app, Role.OPERATOR, "beta")
    answer = await client.post(
        "/radio/log/manual", data=entry_form(stranger), headers=cookie_only(stranger)
    )
    assert answer.status == 404
    no_token = {k: v for k, v in entry_form(officer).items() if k != "csrf_token"}
    answer = await client.post("/radio/log/manual", data=no_token, headers=cookie_only(officer))
    assert answer.status == 403
    assert app[PLAYOUT_MANUAL].items == {}


async def test_another_communes_log_is_not_found(client: TestClient, app: web.Application) -> None:
    stranger = page_cookie(app, Role.OPERATOR, "beta")
    for path in (JANUARY_PAGE, JANUARY_PAGE.replace("/radio/log", "/radio/log/print")):
        assert (await client.get(path, headers=stranger)).status == 404
    assert (await client.get("/radio/log?commune=nowhere", headers=stranger)).status == 404
    # Its own commune by default.
    html = await (await client.get("/radio/log", headers=stranger)).text()
    assert "Xã Beta" in html and "Bản tin xã Beta" in html and "Bản tin sáng" not in html


async def test_the_csv_link_gives_the_pages_lines(client: TestClient, app: web.Application) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    html = await (await client.get(f"{JANUARY_PAGE}&status=played", headers=officer)).text()
    href = re.search(r'href="(/api/v1/playout\?[^"]+)"[^>]*id="log-csv"', html)
    assert href is not None
    response = await client.get(href.group(1).replace("&amp;", "&"), headers=cookie_only(officer))
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"), newline="")))
    outcome = rows[0].index("Kết quả")
    assert [row[outcome] for row in rows[1:]] == ["Đã phát"] * 15 == ["Đã phát"] * len(lines(html))


async def test_the_printable_page_a_commune_files(client: TestClient, app: web.Application) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    html = await (await client.get(JANUARY_PAGE, headers=officer)).text()
    assert 'href="/radio/log/print?commune=alpha&amp;from=2030-01-01&amp;to=2030-01-31"' in html
    # In Vietnamese even for a user reading the pages in English.
    response = await client.get(
        "/radio/log/print?commune=alpha&from=2030-01-01&to=2030-01-31",
        headers={**officer, "Cookie": officer["Cookie"] + "; xaso_lang=en"},
    )
    assert response.status == 200
    printed = await response.text()
    for said in (
        "NHẬT KÝ PHÁT THANH",
        "UBND XÃ ALPHA",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Từ 01/01/2030 đến 31/01/2030",
        "Cả xã",
        "In lúc",
        "20/01/2030 12:00",
        "Người lập",
        "Lãnh đạo UBND xã",
        "(Ký, ghi rõ họ tên, đóng dấu)",
        "Xã Alpha, ngày 20 tháng 01 năm 2030",
    ):
        assert said in printed, said
    row = re.compile(r'<tr data-status="(\w+)"><td>[^<]*</td><td class="n">(\d+)')
    assert {s: int(n) for s, n in row.findall(printed)} == JANUARY
    assert printed.count("<tr data-status=") == 10 + 32  # the summary's and the lines
    assert "menu-wide" not in printed  # no menu on paper
    english = await (
        await client.get(f"{JANUARY_PAGE.replace('/log', '/log/print')}&lang=en", headers=officer)
    ).text()
    assert "PLAYOUT LOG" in english
    # Narrowed like the page: its filters said on paper.
    narrowed = await (
        await client.get(
            "/radio/log/print?commune=alpha&from=2030-01-01&to=2030-01-31&status=missed",
            headers=officer,
        )
    ).text()
    assert "Không phát" in narrowed and narrowed.count('<tr data-status="missed">') == 3


async def test_zones_narrow_the_log(tmp_path: Path, aiohttp_client: Any) -> None:
    """Gamma: two villages, three clusters. An announcement heard in the whole commune
    and one in its second village only, entered through the form."""
    async with app_without_broker(
        tmp_path, inventory=DATA / "playout-inventory.yaml", clock_ms=Clock(NOW)
    ) as app:
        client = await aiohttp_client(app)
        officer = page_cookie(app, Role.OPERATOR, "gamma")
        common = {"commune": "gamma", "start": "2030-01-15T17:00", "end": "2030-01-15T17:05"}
        for fields in ({"where": "commune"}, {"where": "some", "zones": "gamma.t2"}):
            response = await client.post(
                "/radio/log/manual",
                data=entry_form(officer, **common, **fields),
                headers=cookie_only(officer),
                allow_redirects=False,
            )
            assert response.status == 303, await response.text()
        base = "/radio/log?commune=gamma&from=2030-01-01&to=2030-01-31"
        api = "/api/v1/playout?commune=gamma&from=2030-01-01T00:00:00&to=2030-02-01T00:00:00"
        for zone, expected in (
            ("", 4),
            ("village:gamma.t1", 2),
            ("village:gamma.t2", 2),
            ("cluster:gamma-rc-3", 2),
            ("cluster:gamma-rc-1", 1),
        ):
            html = await (await client.get(f"{base}&zone={zone}", headers=officer)).text()
            body = await (await client.get(f"{api}&zone={zone}", headers=officer)).json()
            assert counts(html)["manual"] == body["summary"]["by_status"]["manual"] == expected
            assert len(lines(html)) == expected, zone
        html = await (await client.get(base, headers=officer)).text()
        for label in ("Thôn 2", "Cụm loa Thôn 2 (Thôn 2)", "Cụm loa hỏng (Thôn 1)"):
            assert label in html


async def test_a_quarter_comes_fifty_occurrences_a_page(
    client: TestClient, app: web.Application
) -> None:
    """January to March: 90 mornings and the storm warning, in two pages; the counts
    are the whole quarter's on both."""
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    quarter = "/radio/log?commune=alpha&from=2030-01-01&to=2030-03-31"
    first = await (await client.get(quarter, headers=officer)).text()
    assert first.count('class="log-occ') == 50 and "Trang 1/2" in first
    assert sum(counts(first).values()) == 91
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = await (await client.get(f"{quarter}&page=2", headers=officer)).text()
    assert second.count('class="log-occ') == 41 and "Trang 2/2" in second
    assert counts(second) == counts(first)
    assert f'id="o-lt-sang-{local_ms(31, 6) + 59 * 86_400_000}"' in second  # 31 March
    # A page past the last shows the last.
    beyond = await (await client.get(f"{quarter}&page=9", headers=officer)).text()
    assert "Trang 2/2" in beyond


def href_of(html: str, element_id: str) -> str:
    """The link of the element ``element_id``, as a browser would follow it."""
    found = re.search(rf'<a [^>]*href="([^"]+)"[^>]*id="{element_id}"', html)
    assert found is not None, element_id
    return unescape(found.group(1))


async def test_one_schedules_log_counts_what_the_api_counts(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    html = await (await client.get(f"{JANUARY_PAGE}&schedule=lt-sang", headers=officer)).text()
    body = await api_summary(client, officer, "schedule=lt-sang")
    # The morning news alone: the storm warning's line is left out of lines and counts.
    assert counts(html) == body["summary"]["by_status"] == {**JANUARY, "not_received": 0}
    assert sorted(lines(html)) == sorted(o["status"] for o in body["outcomes"])
    assert html.count('class="log-occ') == 31 and "Cảnh báo bão số 3" in html  # what cut it
    # Said above the lines, removable: back to every schedule, the rest kept.
    chip = html[html.index('id="log-schedule"') :][:600]
    assert "Lịch phát: <strong>Bản tin sáng</strong>" in chip
    removed = re.search(r'<a href="([^"]+)"', chip)
    assert removed is not None
    assert unescape(removed.group(1)) == "/radio/log?commune=alpha&from=2030-01-01&to=2030-01-31"
    # Every link of the page keeps it: periods, outcomes, the form, the CSV, the print.
    kept = [unescape(h) for h in re.findall(r'href="(/radio/log[^"]*)"', html)]
    last_month = [h for h in kept if "from=2029-12-01&to=2029-12-31" in h]
    assert last_month and all("schedule=lt-sang" in h for h in last_month)
    assert all("schedule=lt-sang" in h for h in kept if "status=" in h)
    assert '<input type="hidden" name="schedule" value="lt-sang">' in html
    csv_href = href_of(html, "log-csv")
    assert "schedule=lt-sang" in csv_href
    response = await client.get(csv_href, headers=cookie_only(officer))
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"), newline="")))
    assert {row[rows[0].index("Mã lịch")] for row in rows[1:]} == {"lt-sang"}
    assert len(rows) - 1 == len(body["outcomes"]) == 31
    print_href = href_of(html, "log-print")
    assert "schedule=lt-sang" in print_href
    printed = await (await client.get(print_href, headers=officer)).text()
    assert '<dd id="print-schedule">Bản tin sáng</dd>' in printed
    row = re.compile(r'<tr data-status="(\w+)"><td>[^<]*</td><td class="n">(\d+)')
    assert {s: int(n) for s, n in row.findall(printed)} == body["summary"]["by_status"]
    back = re.search(r'<a href="([^"]+)">← ', printed)
    assert back is not None and "schedule=lt-sang" in unescape(back.group(1))
    # In English, the same chip.
    english = await (
        await client.get(f"{JANUARY_PAGE}&schedule=lt-sang&lang=en", headers=officer)
    ).text()
    assert "Schedule: <strong>Bản tin sáng</strong>" in english


async def test_an_unknown_or_unreadable_schedule(client: TestClient, app: web.Application) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    # Never planned here (beta's own, or none at all): no lines, said by its id.
    for unknown in ("lt-nowhere", "lt-beta"):
        html = await (
            await client.get(f"{JANUARY_PAGE}&schedule={unknown}", headers=officer)
        ).text()
        assert sum(counts(html).values()) == 0 and lines(html) == []
        assert f"Lịch phát: <strong>{unknown}</strong>" in html
    # What cannot be an id: said, and every schedule shown.
    html = await (await client.get(f"{JANUARY_PAGE}&schedule=Bad%20id", headers=officer)).text()
    assert "Mã lịch phát không đúng dạng" in html and counts(html) == JANUARY
    assert 'id="log-schedule"' not in html


async def test_a_schedule_and_its_proofs_of_play_link_to_its_log(
    client: TestClient, app: web.Application
) -> None:
    viewer = page_cookie(app, Role.VIEWER, "alpha")
    expected = "/radio/log?commune=alpha&from=2030-01-01&to=2030-01-31&schedule=lt-sang"
    schedule = await (await client.get("/radio/schedules/lt-sang", headers=viewer)).text()
    assert "Xem nhật ký phát của lịch này" in schedule
    assert href_of(schedule, "sched-log") == expected
    proof = await (
        await client.get(
            f"/radio/occurrences/lt-sang/{local_ms(11, 6)}?commune=alpha", headers=viewer
        )
    ).text()
    assert href_of(proof, "occ-log") == expected
    followed = await (await client.get(expected, headers=viewer)).text()
    body = await api_summary(client, viewer, "schedule=lt-sang")
    assert counts(followed) == body["summary"]["by_status"]
    # A deleted schedule's page links to the month it was deleted.
    app[SCHEDULES].remove("kc-bao")
    deleted = await (await client.get("/radio/schedules/kc-bao", headers=viewer)).text()
    assert href_of(deleted, "sched-log").endswith("&schedule=kc-bao")
    assert "from=2030-01-01&to=2030-01-31" in href_of(deleted, "sched-log")
    # In English.
    english = await (await client.get("/radio/schedules/lt-sang?lang=en", headers=viewer)).text()
    assert "See this schedule&#39;s playout log" in english
