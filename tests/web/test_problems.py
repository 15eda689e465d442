"""The problems (page and API), acknowledging them, and the overview, on the real app
without a broker: messages go straight to ingest, the clock is the test's.

The fleet of the small inventory as every test finds it: alpha's gateway up, its first
cluster answering and its camera offline (it failed two probes a heartbeat apart);
beta's gateway gone (its will), so its cluster is unknown behind it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import PASSWORD, bearer, small_deps
from tests.messages import SMALL_INVENTORY, heartbeat, payload, status
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.app import create_app
from xaso.server.keys import CLOCK_MS, DATABASE, SETTINGS, STORE
from xaso.server.monitoring.keys import ACKNOWLEDGEMENTS, INGEST, STATE
from xaso.server.settings import Settings
from xaso.server.store.base import Store
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.auth import CSRF_HEADER, SESSION_COOKIE, session_limits
from xaso.server.web.keys import ACCOUNTS, SESSIONS
from xaso.server.web.tokens import Role

NOW = 1_800_000_000_000
S = 1000

ClientFactory = Callable[[web.Application], Any]


class Clock:
    def __init__(self) -> None:
        self.now_ms = NOW

    def __call__(self) -> int:
        return self.now_ms


def _app(store: Store, data_dir: Path, clock: Clock) -> web.Application:
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(data_dir))
    return create_app(settings, small_deps(store, clock))


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = await SqliteStore.open(":memory:")
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(store: Store, tmp_path: Path, clock: Clock) -> web.Application:
    return _app(store, tmp_path, clock)


async def feed(app: web.Application, topic: str, message: Any, at_ms: int) -> None:
    """One message through ingest at ``at_ms``, its records stored."""
    handled = app[INGEST].handle(topic, payload(message), at_ms)
    assert handled.refused is None, handled.refused
    await app[STORE].write(handled.records)


async def alpha_beat(app: web.Application, seq: int, at_ms: int, **up: bool) -> None:
    readings = {"alpha-rc-1": True, "alpha-cam-1": False}
    readings.update({device.replace("_", "-"): ok for device, ok in up.items()})
    await feed(
        app, heartbeat_topic("alpha-gw"), heartbeat("alpha-gw", seq, readings, ts_ms=at_ms), at_ms
    )


async def the_usual_fleet(app: web.Application) -> None:
    await feed(app, status_topic("alpha-gw"), status("alpha-gw", "online"), NOW - 3 * S)
    await alpha_beat(app, 1, NOW - 1 * S)
    await alpha_beat(app, 2, NOW)
    await feed(app, status_topic("beta-gw"), status("beta-gw", "online"), NOW - 3 * S)
    beat = heartbeat("beta-gw", 1, {"beta-rc-1": True}, ts_ms=NOW - 2 * S)
    await feed(app, heartbeat_topic("beta-gw"), beat, NOW - 2 * S)
    await feed(app, status_topic("beta-gw"), status("beta-gw", "offline"), NOW - 1 * S)


@pytest.fixture
async def client(app: web.Application, aiohttp_client: ClientFactory) -> TestClient:
    started: TestClient = await aiohttp_client(app)
    await the_usual_fleet(app)
    return started


def person(app: web.Application, role: Role, *communes: str, name: str = "") -> dict[str, str]:
    """Headers of a browser signed in as a new account: its cookie and its CSRF token."""
    now_ms = app[CLOCK_MS]()
    account = app[ACCOUNTS].create(
        f"{role}-{secrets.token_hex(3)}",
        PASSWORD,
        role,
        now_ms,
        name,
        communes=frozenset(communes),
    )
    limits = session_limits(app[SETTINGS])
    session_id = app[SESSIONS].open(account.subject, now_ms, limits)
    live = app[SESSIONS].lookup(session_id, now_ms, limits)
    assert live is not None
    return {"Cookie": f"{SESSION_COOKIE}={session_id}", CSRF_HEADER: live.csrf_token}


async def listed(client: TestClient, headers: dict[str, str], query: str = "") -> list[str]:
    response = await client.get(f"/api/v1/problems{query}", headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["count"] == len(body["problems"])
    return [p["id"] for p in body["problems"]]


# -- what is listed, in which order ------------------------------------------------


async def test_an_operator_sees_only_its_communes_problems(
    client: TestClient, app: web.Application
) -> None:
    assert await listed(client, bearer(app, Role.OPERATOR, "alpha")) == ["alpha-cam-1"]
    assert await listed(client, bearer(app, Role.VIEWER, "beta")) == ["beta-gw", "beta-rc-1"]
    html = await (await client.get("/problems", headers=person(app, Role.OPERATOR, "alpha"))).text()
    assert "Camera UBND" in html
    assert "Gateway Beta" not in html and "Xã Beta" not in html  # not even as a filter


async def test_a_dead_gateway_leads_the_devices_behind_it_then_the_rest_by_importance(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    # alpha's first cluster fails once: pending (a problem, less than an outage).
    clock.now_ms = NOW + S
    await alpha_beat(app, 3, NOW + S, alpha_rc_1=False)
    admin = bearer(app, Role.ADMIN)
    assert await listed(client, admin) == ["beta-gw", "beta-rc-1", "alpha-cam-1", "alpha-rc-1"]
    body = await (await client.get("/api/v1/problems", headers=admin)).json()
    by_id = {p["id"]: p for p in body["problems"]}
    assert by_id["beta-rc-1"]["behind"] == "beta-gw"
    assert (by_id["beta-rc-1"]["status"], by_id["beta-rc-1"]["cause"]) == (
        "unknown",
        "gateway_offline",
    )
    assert by_id["beta-gw"]["behind"] is None and by_id["beta-gw"]["cause"] == "will"
    assert by_id["alpha-cam-1"]["acknowledged"] is None
    html = await (await client.get("/problems", headers=person(app, Role.ADMIN))).text()
    assert "1 thiết bị phía sau gateway không hoạt động" in html
    order = [html.index(name) for name in ("Gateway Beta", "Camera UBND", "alpha-rc-1")]
    assert order == sorted(order)
    assert "Chờ xác nhận" in html  # the pending cluster, in words
    assert "Không phản hồi: quá thời gian chờ" in html  # the camera's cause, in words
    assert "Mất kết nối đột ngột (MQTT will)" in html
    assert re.search(
        r"<span class=\"when\">\d\d/\d\d/\d{4} \d\d:\d\d</span><br><span class=\"muted\">đã 1 giây",
        html,
    )


async def test_the_filters_narrow_the_list(client: TestClient, app: web.Application) -> None:
    admin = bearer(app, Role.ADMIN)
    assert await listed(client, admin, "?status=offline") == ["beta-gw", "alpha-cam-1"]
    assert await listed(client, admin, "?kind=camera") == ["alpha-cam-1"]
    assert await listed(client, admin, "?commune=beta") == ["beta-gw", "beta-rc-1"]
    # A device behind a dead gateway matches on its own; the gateway is not listed then.
    assert await listed(client, admin, "?kind=radio_cluster") == ["beta-rc-1"]
    assert await listed(client, admin, "?cause=probe_failed") == ["alpha-cam-1"]
    assert await listed(client, admin, "?q=cum%20loa") == ["beta-rc-1"]  # accents ignored
    assert await listed(client, admin, "?q=CAM-1") == ["alpha-cam-1"]
    assert await listed(client, admin, "?status=offline&commune=alpha") == ["alpha-cam-1"]
    assert await listed(client, admin, "?ack=yes") == []
    for bad in ("?status=online", "?kind=toaster", "?ack=maybe"):
        response = await client.get(f"/api/v1/problems{bad}", headers=admin)
        assert response.status == 400, bad
    # The page: the same filters, chosen in its form; the gateway as the reason for the
    # cluster behind it, shown apart.
    cookie = person(app, Role.ADMIN)
    html = await (await client.get("/problems?kind=radio_cluster", headers=cookie)).text()
    assert '<option value="radio_cluster" selected>' in html
    assert 'class="lead context"' in html and "Cụm loa 1" in html
    assert "Camera UBND" not in html
    html = await (await client.get("/problems?q=zzz", headers=cookie)).text()
    assert "Không có sự cố nào khớp bộ lọc." in html


async def test_the_list_alone_for_htmx_with_the_same_session(
    client: TestClient, app: web.Application
) -> None:
    cookie = person(app, Role.OPERATOR, "alpha")
    response = await client.get("/problems?fragment=1&status=offline", headers=cookie)
    html = await response.text()
    assert response.status == 200
    assert html.lstrip().startswith('<section id="problem-results"')
    assert "<html" not in html and "Camera UBND" in html
    assert 'hx-get="/problems?fragment=1&amp;status=offline"' in html  # polls what it shows
    assert 'hx-trigger="every 15000ms"' in html
    assert "Cập nhật lúc" in html
    assert "HX-Push-Url" not in response.headers  # a poll leaves the address alone
    # The filter form's own request: the address follows, without the fragment.
    response = await client.get(
        "/problems?fragment=1&status=offline&kind=",
        headers={**cookie, "HX-Request": "true", "HX-Trigger": "problem-filters"},
    )
    assert response.headers["HX-Push-Url"] == "/problems?status=offline"
    # Signed out: a browser's page goes to the login; a poll sends the whole page there.
    response = await client.get("/problems?fragment=1", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (
        303,
        "/login?next=/problems?fragment%3D1",
    )
    response = await client.get(
        "/problems?fragment=1",
        headers={"HX-Request": "true", "HX-Current-URL": "http://x/problems?status=offline"},
        allow_redirects=False,
    )
    assert response.status == 401
    assert response.headers["HX-Redirect"] == "/login?next=%2Fproblems%3Fstatus%3Doffline"


# -- acknowledging -------------------------------------------------------------------


async def test_an_operator_acknowledges_in_its_commune_only(
    client: TestClient, app: web.Application
) -> None:
    lan = person(app, Role.OPERATOR, "alpha", name="Chị Lan")
    response = await client.post(
        "/api/v1/problems/alpha-cam-1/ack", json={"comment": "đã báo kỹ thuật"}, headers=lan
    )
    assert response.status == 200, await response.text()
    ack = await response.json()
    assert (ack["by"], ack["comment"], ack["device"]) == (
        "Chị Lan",
        "đã báo kỹ thuật",
        "alpha-cam-1",
    )
    body = await (await client.get("/api/v1/problems", headers=lan)).json()
    assert body["problems"][0]["acknowledged"]["by"] == "Chị Lan"
    html = await (await client.get("/problems", headers=lan)).text()
    assert "Đã xác nhận bởi Chị Lan lúc" in html and "đã báo kỹ thuật" in html
    assert await listed(client, lan, "?ack=no") == []

    # Another commune's device does not exist for it; a device without a problem has
    # nothing to acknowledge; nor has a device that does not exist.
    for device, expected in (("beta-gw", 404), ("alpha-gw", 409), ("nope", 404)):
        response = await client.post(f"/api/v1/problems/{device}/ack", json={}, headers=lan)
        assert response.status == expected, device
    too_long = {"comment": "x" * 501}
    response = await client.post("/api/v1/problems/alpha-cam-1/ack", json=too_long, headers=lan)
    assert response.status == 400

    # Withdrawn, then nothing left to withdraw.
    response = await client.delete("/api/v1/problems/alpha-cam-1/ack", headers=lan)
    assert (response.status, await response.json()) == (200, {"withdrawn": True})
    response = await client.delete("/api/v1/problems/alpha-cam-1/ack", headers=lan)
    assert response.status == 404
    assert app[ACKNOWLEDGEMENTS].get("alpha-cam-1") is None


@pytest.mark.parametrize("role", [Role.VIEWER, Role.VERIFIER])
async def test_who_only_reads_may_not_acknowledge(
    client: TestClient, app: web.Application, role: Role
) -> None:
    reader = person(app, role, "alpha")
    response = await client.post("/api/v1/problems/alpha-cam-1/ack", json={}, headers=reader)
    assert response.status == 403
    response = await client.delete("/api/v1/problems/alpha-cam-1/ack", headers=reader)
    assert response.status == 403
    html = await (await client.get("/problems", headers=reader)).text()
    assert "Camera UBND" in html
    assert "/ack" not in html and "Xác nhận đã biết" not in html  # no form to use
    form = {"comment": "x", "csrf_token": reader[CSRF_HEADER]}
    response = await client.post(
        "/problems/alpha-cam-1/ack", data=form, headers={"Cookie": reader["Cookie"]}
    )
    assert response.status == 403
    assert app[ACKNOWLEDGEMENTS].get("alpha-cam-1") is None


async def test_a_session_must_send_its_csrf_token(client: TestClient, app: web.Application) -> None:
    lan = person(app, Role.OPERATOR, "alpha", name="Chị Lan")
    cookie_only = {"Cookie": lan["Cookie"]}
    response = await client.post("/api/v1/problems/alpha-cam-1/ack", json={}, headers=cookie_only)
    assert response.status == 403
    response = await client.post(
        "/problems/alpha-cam-1/ack", data={"comment": "x"}, headers=cookie_only
    )
    assert response.status == 403
    assert app[ACKNOWLEDGEMENTS].get("alpha-cam-1") is None

    # The page's form without JavaScript: the token in a field, back to the list.
    form = {"comment": "chiều nay sửa", "csrf_token": lan[CSRF_HEADER]}
    response = await client.post(
        "/problems/alpha-cam-1/ack?status=offline",
        data=form,
        headers=cookie_only,
        allow_redirects=False,
    )
    assert (response.status, response.headers["Location"]) == (303, "/problems?status=offline")
    assert app[ACKNOWLEDGEMENTS].get("alpha-cam-1") is not None
    # With htmx: the header, and the list itself in answer.
    response = await client.post("/problems/alpha-cam-1/withdraw?fragment=1", headers=lan)
    html = await response.text()
    assert response.status == 200 and html.lstrip().startswith('<section id="problem-results"')
    assert "Xác nhận đã biết" in html  # acknowledgeable again
    response = await client.post(
        "/problems/alpha-cam-1/ack?fragment=1", data={"comment": "ok"}, headers=lan
    )
    assert "Đã xác nhận bởi Chị Lan lúc" in await response.text()


async def test_an_acknowledgement_ends_when_its_device_recovers(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    admin = bearer(app, Role.ADMIN, name="Trung tâm")
    response = await client.post("/api/v1/problems/alpha-cam-1/ack", json={}, headers=admin)
    assert response.status == 200
    # Up again for a heartbeat interval (the minimum time up, docs/state.md): online.
    for seq, at in ((3, NOW + S), (4, NOW + 2 * S)):
        clock.now_ms = at
        await alpha_beat(app, seq, at, alpha_cam_1=True)
    assert str(app[STATE].devices["alpha-cam-1"].status) == "online"
    assert app[ACKNOWLEDGEMENTS].get("alpha-cam-1") is None
    (why,) = (
        app[DATABASE]
        .connection.execute(
            "SELECT ended_why FROM problem_acknowledgement WHERE device_id = 'alpha-cam-1'"
        )
        .fetchone()
    )
    assert why == "recovered"
    # Down again: a new problem, nobody's yet.
    for seq, at in ((5, NOW + 3 * S), (6, NOW + 4 * S)):
        clock.now_ms = at
        await alpha_beat(app, seq, at)
    body = await (await client.get("/api/v1/problems?commune=alpha", headers=admin)).json()
    assert [(p["id"], p["acknowledged"]) for p in body["problems"]] == [("alpha-cam-1", None)]


async def test_a_gateways_acknowledgement_covers_the_devices_behind_it(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN, name="Trung tâm")
    response = await client.post("/api/v1/problems/beta-gw/ack", json={}, headers=admin)
    assert response.status == 200
    assert await listed(client, admin, "?ack=yes") == ["beta-gw", "beta-rc-1"]
    # Acknowledged after what nobody has seen to.
    assert await listed(client, admin) == ["alpha-cam-1", "beta-gw", "beta-rc-1"]


async def test_acknowledgements_survive_a_restart(
    store: Store, tmp_path: Path, aiohttp_client: ClientFactory
) -> None:
    clock = Clock()
    first = _app(store, tmp_path, clock)
    client = await aiohttp_client(first)
    await the_usual_fleet(first)
    admin = bearer(first, Role.ADMIN, name="Trung tâm")
    response = await client.post(
        "/api/v1/problems/alpha-cam-1/ack", json={"comment": "đã biết"}, headers=admin
    )
    assert response.status == 200
    await client.close()

    again = _app(store, tmp_path, clock)
    client = await aiohttp_client(again)
    body = await (await client.get("/api/v1/problems?commune=alpha", headers=admin)).json()
    assert [(p["id"], (p["acknowledged"] or {}).get("comment")) for p in body["problems"]] == [
        ("alpha-cam-1", "đã biết")
    ]


# -- the overview --------------------------------------------------------------------


async def test_the_overview_counts_each_commune_the_worst_first(
    client: TestClient, app: web.Application
) -> None:
    html = await (await client.get("/", headers=person(app, Role.ADMIN))).text()
    # beta (its gateway offline, its cluster unknown) before alpha (one camera offline).
    assert html.index('href="/communes/beta"') < html.index('href="/communes/alpha"')
    assert (
        '<a class="status offline" href="/problems?commune=beta&amp;status=offline">1</a>' in html
    )
    assert (
        '<a class="status unknown" href="/problems?commune=beta&amp;status=unknown">1</a>' in html
    )
    assert '<a href="/problems?commune=alpha">Xem sự cố (1)</a>' in html
    assert "Tỉnh Thử" in html  # the province's line
    assert "Cập nhật lúc" in html and 'hx-get="/?fragment=1"' in html
    assert "Camera UBND" not in html  # no device list
    assert "mất kết nối với MQTT broker" in html  # no broker in these tests

    operator = person(app, Role.OPERATOR, "alpha")
    response = await client.get("/?fragment=1", headers=operator)
    fragment = await response.text()
    assert fragment.lstrip().startswith('<section id="overview-live"')
    assert 'href="/communes/alpha"' in fragment and "/communes/beta" not in fragment


async def test_the_overview_shows_who_acknowledged_an_alert(
    client: TestClient, app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    firing = [
        {
            "commune": "beta",
            "commune_name": "Xã Beta",
            "severity": "critical",
            "summary": "2 thiết bị mất kết nối",
            "started_ms": NOW,
            "devices": [{}, {}],
            "acknowledged_by": "Chị Lan",
            "acknowledged_ms": NOW,
        }
    ]
    monkeypatch.setattr("xaso.server.web.pages.overview.active_alerts", lambda _app: firing)
    html = await (await client.get("/", headers=person(app, Role.ADMIN))).text()
    assert "Nghiêm trọng" in html and "2 thiết bị mất kết nối" in html
    assert "Đã xác nhận bởi Chị Lan lúc" in html
