"""The maintenance windows and excused periods pages, through the real app: each role
within its scope, the forms and their preview, the decisions, and what they change."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, page_cookie
from xaso.server.keys import CLOCK_MS
from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.monitoring.keys import EXCLUSIONS, STATE
from xaso.server.web.api.exclusions import plan_window
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.tokens import Principal, Role

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


def local(app: web.Application, **delta: float) -> dt.datetime:
    """The commune's wall time now, moved by ``delta``, to the minute."""
    now = dt.datetime.fromtimestamp(app[CLOCK_MS]() / 1000, ZONE).replace(tzinfo=None)
    return (now + dt.timedelta(**delta)).replace(second=0, microsecond=0)


def window_form(headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A posted window form, with the page's CSRF token as its field."""
    form = {
        "csrf_token": headers[CSRF_HEADER],
        "commune": "alpha",
        "target": "device:alpha-cam-1",
        "hours": "2",
        "minutes": "0",
        "repeat": "once",
        "reason": "thay camera",
        "action": "save",
    }
    form.update(fields)
    return form


def cookie_only(headers: dict[str, str]) -> dict[str, str]:
    return {"Cookie": headers["Cookie"]}


def admins_window(app: web.Application, target: str, scope: str = "device", **when: float) -> str:
    admin = Principal("u:0", "Sở TT&TT", Role.ADMIN, frozenset())
    body = {
        "scope": scope,
        "target": target,
        "start": local(app, **when).isoformat(),
        "duration_s": 7200,
        "reason": "nâng cấp",
    }
    return plan_window(app, admin, body).id


async def test_an_operator_plans_a_weekly_window_for_its_commune_after_a_preview(
    client: TestClient, app: web.Application
) -> None:
    operator = page_cookie(app, Role.OPERATOR, "alpha")
    page = await client.get("/maintenance/new", headers=cookie_only(operator))
    assert page.status == 200
    html = await page.text()
    assert 'value="device:alpha-cam-1"' in html and "beta-rc-1" not in html  # its commune only

    start = local(app, days=1).replace(hour=22, minute=0)
    fields = window_form(
        operator,
        start=start.strftime("%Y-%m-%dT%H:%M"),
        hours="1",
        minutes="30",
        repeat="weekly",
        weekday=["MO", "TH"],
        until="",
        action="preview",
    )
    preview = await client.post("/maintenance/new", data=fields, headers=cookie_only(operator))
    assert preview.status == 200
    html = await preview.text()
    assert "Hằng tuần vào Thứ Hai, Thứ Năm" in html
    assert html.count("22:00 → 23:30") == 10  # the next ten, in the commune's wall time
    assert 'value="MO" checked' in html and 'value="TH" checked' in html  # kept as typed

    # htmx asks for the preview alone, with the session's token in its header.
    fragment = await client.post(
        "/maintenance/preview", data={**fields, "csrf_token": ""}, headers=operator
    )
    assert fragment.status == 200
    text = await fragment.text()
    assert "<html" not in text and text.count("22:00 → 23:30") == 10

    saved = await client.post(
        "/maintenance/new",
        data={**fields, "action": "save"},
        headers=cookie_only(operator),
        allow_redirects=False,
    )
    assert saved.status == 303, await saved.text()
    assert saved.headers["Location"].startswith("/maintenance?done=created#mw-")
    [tracked] = app[EXCLUSIONS].tracked_windows.values()
    assert tracked.state == "approved"  # planned ahead: approved by its author
    assert tracked.item.rrule == "FREQ=WEEKLY;BYDAY=MO,TH"
    assert tracked.item.target == "alpha-cam-1" and tracked.item.duration_s == 5400

    listed = await (await client.get("/maintenance", headers=cookie_only(operator))).text()
    assert tracked.id in listed and "Đã duyệt" in listed and "thay camera" in listed


async def test_problems_come_back_on_the_form_in_words(
    client: TestClient, app: web.Application
) -> None:
    operator = page_cookie(app, Role.OPERATOR, "alpha")
    start = local(app, days=1).strftime("%Y-%m-%dT%H:%M")
    fields = window_form(operator, start=start, repeat="advanced", rrule="FREQ=MINUTELY", reason="")
    answer = await client.post("/maintenance/new", data=fields, headers=cookie_only(operator))
    assert answer.status == 400
    html = await answer.text()
    assert "Hãy ghi lý do." in html  # the form's own check
    answer = await client.post(
        "/maintenance/new", data={**fields, "reason": "x"}, headers=cookie_only(operator)
    )
    html = await answer.text()
    assert answer.status == 400
    assert "Khung bảo trì lặp nhiều nhất mỗi giờ một lần" in html  # the API's, in words
    assert 'value="FREQ=MINUTELY"' in html  # the form as typed
    # A specific problem keeps the API's own words beside ours.
    answer = await client.post(
        "/maintenance/new",
        data={**fields, "reason": "x", "rrule": "FREQ=WEEKLY;BYDAY=XX"},
        headers=cookie_only(operator),
    )
    html = await answer.text()
    assert answer.status == 400 and "Quy tắc lặp không hợp lệ (" in html
    assert not app[EXCLUSIONS].tracked_windows


async def test_a_window_over_the_past_waits_and_a_verifier_approves_it(
    client: TestClient, app: web.Application
) -> None:
    operator = page_cookie(app, Role.OPERATOR, "alpha")
    # Began an hour ago, for three: its first occurrence runs now.
    start = local(app, hours=-1).strftime("%Y-%m-%dT%H:%M")
    fields = window_form(operator, start=start, hours="3", repeat="daily")
    preview = await client.post(
        "/maintenance/new", data={**fields, "action": "preview"}, headers=cookie_only(operator)
    )
    assert "sẽ chờ cán bộ thẩm định duyệt" in await preview.text()
    saved = await client.post(
        "/maintenance/new", data=fields, headers=cookie_only(operator), allow_redirects=False
    )
    assert saved.headers["Location"].startswith("/maintenance?done=created_pending")
    [window_id] = app[EXCLUSIONS].tracked_windows
    assert app[STATE].devices["alpha-cam-1"].status is not DeviceStatus.MAINTENANCE

    # The operator never decides, not even its own window: no form, and a 403.
    listed = await (await client.get("/maintenance", headers=cookie_only(operator))).text()
    assert f"/maintenance/{window_id}/decide" not in listed
    refused = await client.post(
        f"/maintenance/{window_id}/decide",
        data={"csrf_token": operator[CSRF_HEADER], "decision": "approved", "reason": "ok"},
        headers=cookie_only(operator),
    )
    assert refused.status == 403

    verifier = page_cookie(app, Role.VERIFIER, "alpha")
    listed = await (await client.get("/maintenance", headers=cookie_only(verifier))).text()
    assert f'action="/maintenance/{window_id}/decide"' in listed and "Chờ duyệt" in listed
    no_reason = await client.post(
        f"/maintenance/{window_id}/decide",
        data={"csrf_token": verifier[CSRF_HEADER], "decision": "approved", "reason": " "},
        headers=cookie_only(verifier),
    )
    assert no_reason.status == 400 and "Hãy ghi lý do." in await no_reason.text()
    approved = await client.post(
        f"/maintenance/{window_id}/decide",
        data={"csrf_token": verifier[CSRF_HEADER], "decision": "approved", "reason": "đúng lịch"},
        headers=cookie_only(verifier),
        allow_redirects=False,
    )
    assert approved.status == 303
    assert app[EXCLUSIONS].tracked_windows[window_id].state == "approved"
    assert app[STATE].devices["alpha-cam-1"].status is DeviceStatus.MAINTENANCE
    listed = await (await client.get("/maintenance", headers=cookie_only(verifier))).text()
    assert "Đang bảo trì" in listed and "đúng lịch" in listed

    # Approved twice: the API's conflict, in words, on the list.
    again = await client.post(
        f"/maintenance/{window_id}/decide",
        data={"csrf_token": verifier[CSRF_HEADER], "decision": "approved", "reason": "lại"},
        headers=cookie_only(verifier),
    )
    assert again.status == 409
    assert "Trạng thái hiện tại không cho phép thao tác này" in await again.text()


async def test_ending_early_and_changing_a_window(client: TestClient, app: web.Application) -> None:
    operator = page_cookie(app, Role.OPERATOR, "alpha")
    running = admins_window(app, "alpha-cam-1", hours=-1)
    assert app[STATE].devices["alpha-cam-1"].status is DeviceStatus.MAINTENANCE
    listed = await (await client.get("/maintenance", headers=cookie_only(operator))).text()
    assert "Kết thúc sớm" in listed and f"/maintenance/{running}/edit" in listed
    ended = await client.post(
        f"/maintenance/{running}/end",
        data={"csrf_token": operator[CSRF_HEADER], "reason": "xong sớm"},
        headers=cookie_only(operator),
        allow_redirects=False,
    )
    assert ended.status == 303
    assert app[EXCLUSIONS].tracked_windows[running].state == "deleted"
    assert app[STATE].devices["alpha-cam-1"].status is DeviceStatus.UNKNOWN

    later = admins_window(app, "alpha-rc-1", days=2)
    form = await client.get(f"/maintenance/{later}/edit", headers=cookie_only(operator))
    html = await form.text()
    assert form.status == 200 and 'value="device:alpha-rc-1" selected' in html
    start = local(app, days=3).strftime("%Y-%m-%dT%H:%M")
    fields = window_form(operator, target="device:alpha-rc-1", start=start, reason="dời lịch")
    saved = await client.post(
        f"/maintenance/{later}/edit",
        data=fields,
        headers=cookie_only(operator),
        allow_redirects=False,
    )
    assert saved.status == 303 and "done=edited" in saved.headers["Location"]
    windows = app[EXCLUSIONS].tracked_windows
    assert windows[later].state == "deleted"
    assert windows[later].deletion is not None and "dời lịch" in windows[later].deletion.reason
    [new] = [w for w in windows.values() if w.id not in (running, later)]
    assert new.state == "approved" and new.item.start == local(app, days=3)


async def test_each_role_sees_its_scope_and_a_viewer_has_no_form(
    client: TestClient, app: web.Application
) -> None:
    beta = admins_window(app, "beta-rc-1", days=1)
    alpha = admins_window(app, "alpha", scope="commune", days=1)
    operator = page_cookie(app, Role.OPERATOR, "alpha")
    listed = await (await client.get("/maintenance", headers=cookie_only(operator))).text()
    assert alpha in listed and beta not in listed
    assert (await client.get(f"/maintenance/{beta}/edit", headers=operator)).status == 404

    viewer = page_cookie(app, Role.VIEWER)
    listed = await (await client.get("/maintenance", headers=cookie_only(viewer))).text()
    assert alpha in listed and beta in listed
    assert 'method="post" action="/maintenance' not in listed and "/maintenance/new" not in listed
    assert "/edit" not in listed
    excused = await (await client.get("/maintenance/excused", headers=cookie_only(viewer))).text()
    assert "/maintenance/excused/new" not in excused
    for path, data in (
        ("/maintenance/new", window_form(viewer, start="2030-01-01T10:00")),
        ("/maintenance/preview", window_form(viewer, start="2030-01-01T10:00")),
        (f"/maintenance/{alpha}/decide", {"decision": "rejected", "reason": "không"}),
        (f"/maintenance/{alpha}/end", {"reason": "không"}),
        ("/maintenance/excused/new", {"reason": "x"}),
    ):
        answer = await client.post(
            path, data={**data, "csrf_token": viewer[CSRF_HEADER]}, headers=cookie_only(viewer)
        )
        assert answer.status == 403, path
    assert (await client.get("/maintenance/new", headers=viewer)).status == 403
    assert app[EXCLUSIONS].tracked_windows[alpha].state == "approved"


async def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, app: web.Application
) -> None:
    operator = page_cookie(app, Role.OPERATOR, "alpha")
    fields = window_form(operator, start=local(app, days=1).strftime("%Y-%m-%dT%H:%M"))
    del fields["csrf_token"]
    answer = await client.post("/maintenance/new", data=fields, headers=cookie_only(operator))
    assert answer.status == 403
    forged = await client.post(
        "/maintenance/new", data={**fields, "csrf_token": "forged"}, headers=cookie_only(operator)
    )
    assert forged.status == 403
    assert not app[EXCLUSIONS].tracked_windows


async def test_an_operator_proposes_an_excused_period_and_a_verifier_decides(
    client: TestClient, app: web.Application
) -> None:
    operator = page_cookie(app, Role.OPERATOR, "alpha")
    form = await (await client.get("/maintenance/excused/new", headers=operator)).text()
    assert "Mất điện lưới" in form and "chờ cán bộ thẩm định duyệt" in form
    fields = {
        "csrf_token": operator[CSRF_HEADER],
        "commune": "alpha",
        "target": "commune:alpha",
        "from": local(app, days=-2).strftime("%Y-%m-%dT%H:%M"),
        "to": local(app, days=-1).strftime("%Y-%m-%dT%H:%M"),
        "cause": "grid_power_cut",
        "reason": "",
    }
    missing = await client.post(
        "/maintenance/excused/new", data=fields, headers=cookie_only(operator)
    )
    assert missing.status == 400 and "Hãy ghi lý do." in await missing.text()
    backwards = await client.post(
        "/maintenance/excused/new",
        data={**fields, "from": fields["to"], "to": fields["from"], "reason": "EVN"},
        headers=cookie_only(operator),
    )
    assert backwards.status == 400
    assert "Thời điểm kết thúc phải sau thời điểm bắt đầu." in await backwards.text()
    proposed = await client.post(
        "/maintenance/excused/new",
        data={**fields, "reason": "EVN cắt điện"},
        headers=cookie_only(operator),
        allow_redirects=False,
    )
    assert proposed.status == 303 and "created_pending" in proposed.headers["Location"]
    [period] = app[EXCLUSIONS].tracked_excused.values()
    assert period.state == "pending" and period.item.cause == "grid_power_cut"

    verifier = page_cookie(app, Role.VERIFIER, "alpha")
    listed = await (await client.get("/maintenance/excused", headers=verifier)).text()
    assert "EVN cắt điện" in listed and f"/maintenance/excused/{period.id}/decide" in listed
    decided = await client.post(
        f"/maintenance/excused/{period.id}/decide",
        data={"csrf_token": verifier[CSRF_HEADER], "decision": "rejected", "reason": "không có"},
        headers=cookie_only(verifier),
        allow_redirects=False,
    )
    assert decided.status == 303
    assert app[EXCLUSIONS].tracked_excused[period.id].state == "rejected"
    # Rejected: no longer the operator's proposal to withdraw.
    listed = await (await client.get("/maintenance/excused", headers=operator)).text()
    assert f"/maintenance/excused/{period.id}/end" not in listed and "Bị từ chối" in listed
