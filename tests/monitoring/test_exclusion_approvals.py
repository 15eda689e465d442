"""A commune cannot excuse its own outages after the fact.

Through the API on the real app: a maintenance window over the past, or an excused
period, that a commune's operator creates waits for a verifier's (or an admin's)
approval before it changes any figure; every window and excused period keeps its
author, reason and history, and the report shows them.

The scene: alpha's only key location (UBND) has one camera, alpha-cam-1, which was down
three days in January 2027 (10 January 00:00 to 13 January 00:00 local). Its 30-day
availability is 90 % < 95 %, so C2 (key locations with a working camera) is "chưa đạt".
The clock says 5 February 2027.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer
from tests.doubles import Clock
from xaso.server.indicators.evidence import canonical_bytes, evidence_sha256
from xaso.server.indicators.period import parse_period
from xaso.server.indicators.result import CommuneEvaluation
from xaso.server.records import TransitionRecord
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
H = 3_600_000
DAY = 24 * H
JAN_FROM, JAN_TO = parse_period("2027-01", TZ)
OUTAGE_FROM, OUTAGE_TO = JAN_FROM + 9 * DAY, JAN_FROM + 12 * DAY
NOW = JAN_TO + 4 * DAY  # 5 February 2027 00:00 local

PAST_WINDOW = {
    "scope": "device",
    "target": "alpha-cam-1",
    "start": "2027-01-10T00:00:00",  # wall time in Asia/Ho_Chi_Minh
    "duration_s": 3 * 86_400,
    "reason": "Thay nguồn camera",
}
POWER_CUT = {
    "scope": "commune",
    "target": "alpha",
    "from_ms": OUTAGE_FROM,
    "to_ms": OUTAGE_TO,
    "cause": "grid_power_cut",
    "reason": "Điện lực cắt điện sửa đường dây",
}


def transition(ts_ms: int, status: str, previous: str) -> TransitionRecord:
    return TransitionRecord(
        device_id="alpha-cam-1",
        commune="alpha",
        kind="camera",
        ts_ms=ts_ms,
        status=status,
        previous=previous,
        cause="probe_ok" if status == "online" else "probe_failed",
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[web.Application]:
    store = await SqliteStore.open(":memory:")
    await store.write(
        [
            transition(JAN_FROM - 10 * DAY, "online", ""),
            transition(OUTAGE_FROM, "offline", "online"),
            transition(OUTAGE_TO, "online", "offline"),
        ]
    )
    async with app_without_broker(tmp_path, store=store, clock_ms=clock) as application:
        yield application
    await store.close()


async def indicator(client: TestClient, headers: dict[str, str], name: str) -> Any:
    response = await client.get("/api/v1/indicators?commune=alpha&period=2027-01", headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json()
    (result,) = [r for r in body["results"] if r["indicator"] == name]
    return result


async def camera_availability(
    client: TestClient, headers: dict[str, str], excused: bool = False
) -> float:
    query = f"from={JAN_FROM}&to={JAN_TO}" + ("&excused=1" if excused else "")
    response = await client.get(
        f"/api/v1/devices/alpha-cam-1/availability?{query}", headers=headers
    )
    assert response.status == 200, await response.text()
    return float((await response.json())["availability_pct"])


async def create(
    client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def test_an_operators_window_over_a_past_outage_counts_only_once_approved(
    client: TestClient, app: web.Application
) -> None:
    viewer = bearer(app, Role.VIEWER)
    operator = bearer(app, Role.OPERATOR, "alpha", name="can-bo-xa-alpha")
    assert (await indicator(client, viewer, "C2"))["verdict"] == "not_met"
    before = await camera_availability(client, viewer)
    assert before == pytest.approx(100 * (1 - 72 / 744), abs=1e-3)

    window = await create(client, "/api/v1/maintenance", PAST_WINDOW, operator)
    assert window["state"] == "pending" and window["retroactive"] is True
    assert window["author"] == {"name": "can-bo-xa-alpha", "role": "operator"}
    assert window["counted"] is False
    # Listed, but it changes nothing until a verifier approves it.
    assert (await indicator(client, viewer, "C2"))["verdict"] == "not_met"
    assert await camera_availability(client, viewer) == before

    path = f"/api/v1/maintenance/{window['id']}"
    response = await client.post(f"{path}/approve", json={"reason": "ok"}, headers=operator)
    assert response.status == 403  # a commune does not approve its own excuse
    verifier = bearer(app, Role.VERIFIER, "alpha", name="tham-dinh-tinh")
    response = await client.post(f"{path}/approve", json={}, headers=verifier)
    assert response.status == 400 and "reason" in (await response.json())["error"]
    assert (await indicator(client, viewer, "C2"))["verdict"] == "not_met"

    response = await client.post(
        f"{path}/approve", json={"reason": "Có biên bản thay nguồn"}, headers=verifier
    )
    assert response.status == 200, await response.text()
    approved = await response.json()
    assert approved["state"] == "approved" and approved["counted"] is True
    assert approved["decision"]["by"] == "tham-dinh-tinh"
    assert approved["decision"]["role"] == "verifier"
    assert approved["decision"]["at_ms"] == NOW
    assert [v["state"] for v in approved["history"]] == ["pending", "approved"]
    assert (await indicator(client, viewer, "C2"))["verdict"] == "met"
    assert await camera_availability(client, viewer) == 100.0

    response = await client.post(f"{path}/approve", json={"reason": "lần nữa"}, headers=verifier)
    assert response.status == 409  # approved already


async def test_a_scoped_verifier_decides_only_within_its_communes(
    client: TestClient, app: web.Application
) -> None:
    window = await create(
        client, "/api/v1/maintenance", PAST_WINDOW, bearer(app, Role.OPERATOR, "alpha")
    )
    path = f"/api/v1/maintenance/{window['id']}"
    beta_verifier = bearer(app, Role.VERIFIER, "beta")
    for action in ("approve", "reject"):
        response = await client.post(
            f"{path}/{action}", json={"reason": "không thuộc địa bàn"}, headers=beta_verifier
        )
        assert response.status == 404, action  # alpha's window: not even visible to it
    viewer = bearer(app, Role.VIEWER)
    response = await client.post(f"{path}/approve", json={"reason": "x"}, headers=viewer)
    assert response.status == 403
    listed = await (await client.get("/api/v1/maintenance", headers=viewer)).json()
    assert [w["state"] for w in listed["windows"]] == ["pending"]

    response = await client.post(
        f"{path}/reject",
        json={"reason": "Không có biên bản"},
        headers=bearer(app, Role.VERIFIER, name="tham-dinh"),  # unscoped: every commune
    )
    assert response.status == 200, await response.text()
    rejected = await response.json()
    assert rejected["state"] == "rejected" and rejected["counted"] is False
    assert rejected["decision"]["reason"] == "Không có biên bản"
    viewer = bearer(app, Role.VIEWER)
    assert (await indicator(client, viewer, "C2"))["verdict"] == "not_met"


async def test_a_window_planned_ahead_counts_at_once(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    # The operator planned the January work ahead, on 1 January at 08:00 local.
    clock.now_ms = JAN_FROM + 8 * H
    operator = bearer(app, Role.OPERATOR, "alpha")
    window = await create(client, "/api/v1/maintenance", PAST_WINDOW, operator)
    assert (window["state"], window["retroactive"], window["counted"]) == (
        "approved",
        False,
        True,
    )
    assert window["decision"]["by"] == "operator"  # approved by the rule, at creation
    clock.now_ms = NOW
    viewer = bearer(app, Role.VIEWER)
    assert (await indicator(client, viewer, "C2"))["verdict"] == "met"


async def test_a_from_now_window_is_not_retroactive_within_a_minute(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    operator = bearer(app, Role.OPERATOR, "alpha")
    start = dt.datetime.fromtimestamp((NOW - 59_000) / 1000, TZ).replace(tzinfo=None)
    body = {**PAST_WINDOW, "start": start.isoformat(), "duration_s": 3600}
    window = await create(client, "/api/v1/maintenance", body, operator)
    assert window["state"] == "approved"
    device = await (await client.get("/api/v1/devices/alpha-cam-1", headers=operator)).json()
    assert device["status"] == "maintenance"

    start = dt.datetime.fromtimestamp((NOW - 61_000) / 1000, TZ).replace(tzinfo=None)
    body = {**PAST_WINDOW, "start": start.isoformat(), "duration_s": 3600}
    window = await create(client, "/api/v1/maintenance", body, operator)
    assert window["state"] == "pending"


async def test_a_pending_window_does_not_put_devices_in_maintenance(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    operator = bearer(app, Role.OPERATOR, "alpha")
    # Started an hour ago and running for another: over the past, so it waits.
    start = dt.datetime.fromtimestamp((NOW - H) / 1000, TZ).replace(tzinfo=None)
    body = {**PAST_WINDOW, "start": start.isoformat(), "duration_s": 7200}
    window = await create(client, "/api/v1/maintenance", body, operator)
    assert window["state"] == "pending"
    device = await (await client.get("/api/v1/devices/alpha-cam-1", headers=operator)).json()
    assert device["status"] != "maintenance"
    admin = bearer(app, Role.ADMIN)
    response = await client.post(
        f"/api/v1/maintenance/{window['id']}/approve",
        json={"reason": "đã kiểm tra"},
        headers=admin,
    )
    assert response.status == 200
    device = await (await client.get("/api/v1/devices/alpha-cam-1", headers=operator)).json()
    assert device["status"] == "maintenance"


async def test_deleting_leaves_a_version_and_stops_counting_from_then(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    admin = bearer(app, Role.ADMIN, name="quan-tri")
    # Every Monday 22:00 for two hours, from 4 January 2027 (approved: an admin's).
    weekly = {
        "scope": "device",
        "target": "alpha-cam-1",
        "start": "2027-01-04T22:00:00",
        "duration_s": 7200,
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        "reason": "Bảo dưỡng hằng tuần",
    }
    clock.now_ms = JAN_FROM
    window = await create(client, "/api/v1/maintenance", weekly, admin)
    assert window["state"] == "approved" and window["decision"]["by"] == "quan-tri"
    clock.now_ms = JAN_FROM + 14 * DAY  # 15 January: two Mondays have passed
    path = f"/api/v1/maintenance/{window['id']}"
    response = await client.delete(path, headers=admin)
    assert response.status == 400 and "reason" in (await response.json())["error"]
    response = await client.delete(path, json={"reason": "Thôi bảo dưỡng"}, headers=admin)
    assert response.status == 204

    versions = await (await client.get(f"{path}/versions", headers=admin)).json()
    assert [(v["version"], v["state"], v["by"], v["reason"]) for v in versions["versions"]] == [
        (1, "approved", "quan-tri", "Bảo dưỡng hằng tuần"),
        (2, "deleted", "quan-tri", "Thôi bảo dưỡng"),
    ]
    assert versions["versions"][1]["at_ms"] == JAN_FROM + 14 * DAY
    listed = await (await client.get("/api/v1/maintenance", headers=admin)).json()
    (shown,) = listed["windows"]
    assert shown["state"] == "deleted" and shown["deletion"]["reason"] == "Thôi bảo dưỡng"

    # The two Mondays before the deletion stay excluded; the later ones do not.
    response = await client.get(
        f"/api/v1/devices/alpha-cam-1/availability?from={JAN_FROM}&to={JAN_TO}", headers=admin
    )
    assert (await response.json())["excluded_s"] == 2 * 7200
    response = await client.delete(path, json={"reason": "lần nữa"}, headers=admin)
    assert response.status == 409


async def test_an_operator_proposes_an_excused_period_and_a_verifier_decides(
    client: TestClient, app: web.Application
) -> None:
    viewer = bearer(app, Role.VIEWER)
    before = await camera_availability(client, viewer, excused=True)
    operator = bearer(app, Role.OPERATOR, "alpha", name="can-bo-xa-alpha")
    response = await client.post(
        "/api/v1/excused", json={**POWER_CUT, "target": "beta"}, headers=operator
    )
    assert response.status == 403  # not its commune
    response = await client.post(
        "/api/v1/excused", json={**POWER_CUT, "reason": "  "}, headers=operator
    )
    assert response.status == 400 and "reason" in (await response.json())["error"]
    period = await create(client, "/api/v1/excused", POWER_CUT, operator)
    assert period["state"] == "pending" and period["author"]["role"] == "operator"
    assert await camera_availability(client, viewer, excused=True) == before

    path = f"/api/v1/excused/{period['id']}"
    response = await client.post(f"{path}/approve", json={"reason": "x"}, headers=operator)
    assert response.status == 403
    verifier = bearer(app, Role.VERIFIER, "alpha", name="tham-dinh-tinh")
    response = await client.post(
        f"{path}/approve", json={"reason": "Có xác nhận của Điện lực"}, headers=verifier
    )
    assert response.status == 200, await response.text()
    assert await camera_availability(client, viewer, excused=True) == 100.0
    assert await camera_availability(client, viewer) == before  # only when asked

    versions = await (await client.get(f"{path}/versions", headers=viewer)).json()
    assert [v["state"] for v in versions["versions"]] == ["pending", "approved"]
    assert versions["versions"][0]["body"]["cause"] == "grid_power_cut"

    # A verifier's own excused period is approved by its author at once.
    own = await create(client, "/api/v1/excused", POWER_CUT, verifier)
    assert own["state"] == "approved" and own["decision"]["by"] == "tham-dinh-tinh"


async def test_the_report_shows_who_asked_why_and_who_approved(
    client: TestClient, app: web.Application
) -> None:
    operator = bearer(app, Role.OPERATOR, "alpha", name="can-bo-xa-alpha")
    approved = await create(client, "/api/v1/maintenance", PAST_WINDOW, operator)
    verifier = bearer(app, Role.VERIFIER, "alpha", name="tham-dinh-tinh")
    response = await client.post(
        f"/api/v1/maintenance/{approved['id']}/approve",
        json={"reason": "Có biên bản thay nguồn"},
        headers=verifier,
    )
    assert response.status == 200
    waiting = await create(client, "/api/v1/excused", POWER_CUT, operator)

    viewer = bearer(app, Role.VIEWER)
    report = "/api/v1/indicators/report?commune=alpha&period=2027-01"
    body = await (await client.get(f"{report}&format=json", headers=viewer)).json()
    listed = {e["id"]: e for e in body["evaluation"]["exclusions"]}
    assert (listed[approved["id"]]["state"], listed[approved["id"]]["counted"]) == (
        "approved",
        True,
    )
    assert (listed[waiting["id"]]["state"], listed[waiting["id"]]["counted"]) == (
        "pending",
        False,
    )

    html = await (await client.get(report, headers=viewer)).text()
    for expected in (
        approved["id"],
        waiting["id"],
        "can-bo-xa-alpha",
        "Thay nguồn camera",
        "tham-dinh-tinh",
        "Có biên bản thay nguồn",
        "Chờ duyệt",
        "Đã duyệt",
        "Mất điện lưới",
        "10/01/2027 00:00 – 13/01/2027 00:00",
    ):
        assert expected in html, expected

    raw = await (await client.get(f"{report}&format=csv", headers=viewer)).read()
    text = raw.decode("utf-8-sig")
    assert "Bảo trì và miễn trừ" in text and "tham-dinh-tinh" in text and "Chờ duyệt" in text

    pdf = await client.get(f"{report}&format=pdf", headers=viewer)
    if pdf.status == 503:  # no DejaVu font on this machine: HTML and CSV said it
        return
    from io import BytesIO

    from pypdf import PdfReader

    pages = PdfReader(BytesIO(await pdf.read())).pages
    printed = " ".join(page.extract_text() for page in pages)
    assert "tham-dinh-tinh" in printed and "Chờ duyệt" in printed


async def test_every_change_needs_a_reason(client: TestClient, app: web.Application) -> None:
    operator = bearer(app, Role.OPERATOR, "alpha")
    response = await client.post(
        "/api/v1/maintenance", json={**PAST_WINDOW, "reason": ""}, headers=operator
    )
    assert response.status == 400 and "reason" in await response.text()
    window = await create(client, "/api/v1/maintenance", PAST_WINDOW, operator)
    path = f"/api/v1/maintenance/{window['id']}"
    admin = bearer(app, Role.ADMIN)
    response = await client.post(f"{path}/reject", headers=admin)
    assert response.status == 400
    response = await client.post(f"{path}/reject?reason=Sai%20thời%20gian", headers=admin)
    assert response.status == 200
    response = await client.delete(f"{path}?reason=Tạo%20nhầm", headers=operator)
    assert response.status == 204
    response = await client.post(f"{path}/approve", json={"reason": "x"}, headers=admin)
    assert response.status == 409  # deleted: nothing left to decide


async def test_a_report_without_windows_keeps_the_hash_it_was_signed_off_with(
    client: TestClient, app: web.Application
) -> None:
    viewer = bearer(app, Role.VIEWER)
    report = "/api/v1/indicators/report?commune=alpha&period=2027-01&format=json"
    body = await (await client.get(report, headers=viewer)).json()
    assert body["evaluation"]["exclusions"] == []
    evaluation = msgspec.convert(body["evaluation"], CommuneEvaluation)
    # Listed only when there are some: the encoding, so the hash, is the one of before.
    assert b"exclusions" not in canonical_bytes(evaluation)
    assert evidence_sha256(evaluation) == body["sha256"]

    operator = bearer(app, Role.OPERATOR, "alpha")
    await create(client, "/api/v1/maintenance", PAST_WINDOW, operator)
    again = await (await client.get(report, headers=viewer)).json()
    # A pending window changes no figure, but the report now lists it: another hash.
    assert again["evaluation"]["results"] == body["evaluation"]["results"]
    assert again["sha256"] != body["sha256"]
