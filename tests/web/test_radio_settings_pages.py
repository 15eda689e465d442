"""The loudspeakers' settings page, through the real app: what each role sees, the two
forms and what they change, problems in words, and the commune's scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, page_cookie
from tests.paths import REPO
from xaso.server.broadcasts.keys import DISTRIBUTOR, RADIO_SETTINGS, SCHEDULES
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.tokens import Role

GATEWAY = "xuan-hong-radio-gw"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, REPO / "devices.yaml") as application:
        yield application


def cookie_only(headers: dict[str, str]) -> dict[str, str]:
    return {"Cookie": headers["Cookie"]}


def relay_form(headers: dict[str, str], **fields: Any) -> list[tuple[str, str]]:
    form = [
        ("csrf_token", headers[CSRF_HEADER]),
        ("commune", "xuan-hong"),
        ("url", "http://radio.example/tinh"),
        ("source", "provincial"),
        ("title", ""),
        ("start_time", "05:00"),
        ("end_time", "07:30"),
        ("weekday", "MO"),
        ("weekday", "FR"),
        ("zone", "xuan-hong.thon-1"),
        ("on", "1"),
    ]
    given = dict(fields)
    return [(k, given.pop(k, v)) for k, v in form] + list(given.items())


async def test_an_officer_sets_volumes_and_the_relay_and_sees_them(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    page = await client.get("/radio/settings?commune=xuan-hong", headers=cookie_only(officer))
    assert page.status == 200
    html = await page.text()
    assert "Cài đặt loa" in html and 'name="volume:xuan-hong-rc-01"' in html
    assert 'href="/radio/settings?commune=xuan-hong" aria-current="page"' in html

    response = await client.post(
        "/radio/settings/volumes",
        data={
            "csrf_token": officer[CSRF_HEADER],
            "commune": "xuan-hong",
            "volume:xuan-hong-rc-01": "75",
            "volume:xuan-hong-rc-02": "",
        },
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    assert response.headers["Location"].startswith("/radio/settings?commune=xuan-hong&done=volumes")
    assert app[RADIO_SETTINGS].of("xuan-hong").volumes == {"xuan-hong-rc-01": 75}
    assert app[DISTRIBUTOR].due[GATEWAY].volumes == {"xuan-hong-rc-01": 75}
    shown = await (
        await client.get(response.headers["Location"], headers=cookie_only(officer))
    ).text()
    assert "Đã lưu âm lượng." in shown and "cùng bộ lịch phát" in shown
    assert 'value="75"' in shown

    response = await client.post(
        "/radio/settings/relay",
        data=relay_form(officer),
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    [relay] = [s for s in app[SCHEDULES].items.values() if s.priority == "background"]
    assert relay.rrule == "FREQ=WEEKLY;BYDAY=MO,FR" and relay.content.duration_s == 9000
    shown = await (
        await client.get(response.headers["Location"], headers=cookie_only(officer))
    ).text()
    assert "Đã lưu tiếp sóng thường xuyên." in shown
    assert (
        "05:00 – 07:30" in shown and "Thứ Hai, Thứ Sáu" in shown and "Tiếp sóng Đài tỉnh" in shown
    )

    response = await client.post(
        "/radio/settings/relay",
        data=relay_form(officer, action="remove"),
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert response.status == 303
    assert relay.id not in app[SCHEDULES].items


async def test_problems_come_back_in_words_with_what_was_typed(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    response = await client.post(
        "/radio/settings/volumes",
        data={
            "csrf_token": officer[CSRF_HEADER],
            "commune": "xuan-hong",
            "volume:xuan-hong-rc-01": "150",
            "volume:xuan-hong-rc-02": "to",
        },
        headers=cookie_only(officer),
    )
    assert response.status == 400
    html = await response.text()
    assert "Âm lượng của Cụm loa Thôn 1 - số 2 phải là số nguyên" in html
    assert 'value="to"' in html
    response = await client.post(
        "/radio/settings/volumes",
        data={
            "csrf_token": officer[CSRF_HEADER],
            "commune": "xuan-hong",
            "volume:xuan-hong-rc-01": "150",
        },
        headers=cookie_only(officer),
    )
    assert "Âm lượng của Cụm loa Thôn 1 - số 1 phải là số nguyên" in await response.text()
    response = await client.post(
        "/radio/settings/relay",
        data=relay_form(officer, url="ftp://x", end_time="05:00"),
        headers=cookie_only(officer),
    )
    assert response.status == 400
    html = await response.text()
    assert "Địa chỉ luồng phải bắt đầu bằng" in html and "Giờ kết thúc không hợp lệ" in html
    assert 'value="ftp://x"' in html
    assert app[RADIO_SETTINGS].of("xuan-hong").revision == 0


async def test_a_viewer_sees_values_but_no_form_and_is_refused(
    client: TestClient, app: web.Application
) -> None:
    viewer = page_cookie(app, Role.VIEWER, "xuan-hong")
    html = await (
        await client.get("/radio/settings?commune=xuan-hong", headers=cookie_only(viewer))
    ).text()
    assert "Cụm loa Thôn 1 - số 1" in html and "/radio/settings/" not in html
    response = await client.post(
        "/radio/settings/volumes",
        data={
            "csrf_token": viewer[CSRF_HEADER],
            "commune": "xuan-hong",
            "volume:xuan-hong-rc-01": "5",
        },
        headers=cookie_only(viewer),
    )
    assert response.status == 403
    other = page_cookie(app, Role.OPERATOR, "xuan-lai")
    response = await client.get("/radio/settings?commune=xuan-hong", headers=cookie_only(other))
    assert response.status == 404
    response = await client.post(
        "/radio/settings/relay", data=relay_form(other), headers=cookie_only(other)
    )
    assert response.status == 404
    # Without the CSRF token nothing is changed.
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    response = await client.post(
        "/radio/settings/volumes",
        data={"commune": "xuan-hong", "volume:xuan-hong-rc-01": "5"},
        headers=cookie_only(officer),
    )
    assert response.status == 403 and app[RADIO_SETTINGS].of("xuan-hong").revision == 0
