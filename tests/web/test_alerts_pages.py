"""The alerts page, the alert history and the channels (server/web/pages/alerts.py,
server/web/api/alert_history.py, server/web/api/alert_channels.py) and /help, on the
real app with a real alerts file: alerts fired by real messages through ingest, a
webhook receiver on loopback for the channel and its test messages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie, sign_in, small_deps
from tests.doubles import Clock, Receiver
from tests.messages import SMALL_INVENTORY, heartbeat, payload, status
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.alerts.history import AlertEvent, HistoryQuery, acknowledged_event
from xaso.server.alerts.wiring import ALERT_HISTORY, active_alerts
from xaso.server.app import create_app
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role

NOW = 1_800_000_000_000  # 15/01/2027 15:00 in Vietnam
TOKEN = "987654:SECRET-bot-token"
SECRET_PATH = "hooks/s3cr3t-path"

ClientFactory = Callable[[web.Application], Awaitable[TestClient]]


class Fleet:
    """The app with alerting on, its test client, its clock and the webhook receiver."""

    def __init__(self, client: TestClient, hook: Receiver, clock: Clock) -> None:
        self.client = client
        self.hook = hook
        self.clock = clock

    @property
    def app(self) -> web.Application:
        app = self.client.app
        assert app is not None
        return app

    def feed(self, agent: str, state: str, at_ms: int, session: int = 1) -> None:
        self.clock.now_ms = at_ms
        self.app[INGEST].handle(status_topic(agent), payload(status(agent, state, session)), at_ms)


def _alerts_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        f"""
interval_s: 0.02
channels:
  - {{name: hook, type: webhook, url: "{url}", headers: {{X-Api-Key: k3y-value}}}}
  - name: tg
    type: telegram
    bot_token_env: XASO_TEST_TG_TOKEN
    chat_id: -100123
    api_base: "{url.removesuffix("/hook")}"
rules:
  - {{name: mat-ket-noi, type: device_down, down_for_s: 0, channels: [hook]}}
  - {{name: lech-gio, type: clock_offset, max_offset_ms: 5000, channels: [tg]}}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
async def fleet(
    tmp_path: Path,
    receiver: tuple[Receiver, str],
    aiohttp_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Fleet]:
    """Alpha and Beta both dark: one alert each, sent to the receiver."""
    monkeypatch.setenv("XASO_TEST_TG_TOKEN", TOKEN)
    hook, url = receiver
    clock = Clock(NOW)
    store = await SqliteStore.open(":memory:")
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        data_dir=str(tmp_path / "data"),
        alerts=str(_alerts_file(tmp_path, url)),
    )
    client = await aiohttp_client(create_app(settings, small_deps(store, clock)))
    fleet = Fleet(client, hook, clock)
    for agent in ("alpha-gw", "beta-gw"):
        fleet.feed(agent, "online", NOW)
    for agent in ("alpha-gw", "beta-gw"):
        fleet.feed(agent, "offline", NOW + 1000)
    await hook.wait_for(2)
    await _settled(fleet)
    try:
        yield fleet
    finally:
        await client.close()
        await store.close()


async def _settled(fleet: Fleet) -> None:
    """Until every message sent so far has its outcome in the history."""
    for _ in range(200):
        events = fleet.app[ALERT_HISTORY].query(_all())
        if events and all(e.deliveries for e in events if e.kind != "acknowledged"):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the deliveries were not recorded")


def _all() -> HistoryQuery:
    return HistoryQuery(limit=500)


def _events(html: str) -> str:
    """The text of the page's table of events, not its filters."""
    start = html.find('<table class="blocks alert-events">')
    return _text(html[start:]) if start >= 0 else ""


def _text(html: str) -> str:
    """The page's text without its tags, spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def _get(client: TestClient, path: str, headers: dict[str, str], status: int = 200) -> str:
    response = await client.get(path, headers=headers)
    body = await response.text()
    assert response.status == status, body
    return body


# -- scope ---------------------------------------------------------------------------


async def test_an_operator_sees_its_communes_alerts_only(fleet: Fleet) -> None:
    client, app = fleet.client, fleet.app
    await sign_in(client, Role.OPERATOR, "alpha")
    page = _text(await _get(client, "/alerts", {}))
    assert "Đang cảnh báo" in page
    assert "Xã Alpha" in page and "Xã Beta" not in page
    assert "Nghiêm trọng" in page and "Thiết bị mất kết nối" in page  # severity, rule
    assert "Chưa ai xác nhận" in page
    # The recent events: Alpha's opening, with the webhook's outcome.
    assert "Bắt đầu cảnh báo" in page and "hook: đã gửi" in page

    history = _text(await _get(client, "/alerts/history", {}))
    assert "Xã Alpha" in history and "Xã Beta" not in history
    await _get(client, "/alerts/history?commune=beta", {}, 404)

    token = bearer(app, Role.OPERATOR, "alpha")
    response = await client.get("/api/v1/alerts/history", headers=token)
    body = await response.json()
    assert [e["commune"] for e in body["events"]] == ["alpha"]
    (event,) = body["events"]
    assert (event["kind"], event["key"], event["type"]) == (
        "opened",
        "mat-ket-noi:alpha",
        "device_down",
    )
    assert event["deliveries"][0]["channel"] == "hook"
    assert event["deliveries"][0]["outcome"] == "sent"
    response = await client.get("/api/v1/alerts/history?commune=beta", headers=token)
    assert response.status == 404
    # An admin sees both.
    admin = bearer(app, Role.ADMIN)
    body = await (await client.get("/api/v1/alerts/history", headers=admin)).json()
    assert sorted(e["commune"] for e in body["events"]) == ["alpha", "beta"]


async def test_an_acknowledgement_is_shown_when_the_group_has_one(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = fleet.app

    def acknowledged(application: web.Application) -> list[dict[str, object]]:
        return [
            {**alert, "acknowledged_by": "Nguyễn Văn A", "acknowledged_ms": NOW + 120_000}
            for alert in active_alerts(application)
        ]

    monkeypatch.setattr("xaso.server.web.pages.alerts.active_alerts", acknowledged)
    alpha = active_alerts(app)[0]
    app[ALERT_HISTORY].append(
        acknowledged_event(alpha, "Nguyễn Văn A", NOW + 120_000, "đi kiểm tra")
    )
    page = _text(await _get(fleet.client, "/alerts", page_cookie(app, Role.VIEWER)))
    assert "Nguyễn Văn A 15/01/2027 15:02" in page
    assert "Đã xác nhận xử lý" in page and "Nguyễn Văn A: “đi kiểm tra”" in page


# -- history -------------------------------------------------------------------------


async def test_the_history_filters_by_kind_rule_commune_and_days(fleet: Fleet) -> None:
    client, app = fleet.client, fleet.app
    # Alpha back, its devices up a heartbeat later: its group resolves.
    fleet.feed("alpha-gw", "online", NOW + 3_600_000, session=2)
    beat = heartbeat("alpha-gw", 2, {"alpha-rc-1": True, "alpha-cam-1": True}, session=2)
    fleet.clock.now_ms = NOW + 3_601_000
    app[INGEST].handle(heartbeat_topic("alpha-gw"), payload(beat), NOW + 3_601_000)
    await fleet.hook.wait_for(3)
    await _settled(fleet)
    admin = bearer(app, Role.ADMIN)

    async def events(query: str) -> list[tuple[str, str]]:
        response = await client.get(f"/api/v1/alerts/history{query}", headers=admin)
        assert response.status == 200, await response.text()
        return [(e["kind"], e["commune"]) for e in (await response.json())["events"]]

    assert await events("") == [("resolved", "alpha"), ("opened", "beta"), ("opened", "alpha")]
    assert await events("?kind=resolved") == [("resolved", "alpha")]
    assert await events("?commune=alpha&kind=opened") == [("opened", "alpha")]
    assert await events("?rule=lech-gio") == []
    # Local times: the resolution came at 16:00, the openings at 15:00.
    assert await events("?from=2027-01-15T15:30") == [("resolved", "alpha")]
    assert await events("?to=2027-01-15T15:30&commune=beta") == [("opened", "beta")]
    assert (await client.get("/api/v1/alerts/history?kind=fixed", headers=admin)).status == 400
    assert (await client.get("/api/v1/alerts/history?limit=0", headers=admin)).status == 400

    cookie = page_cookie(app, Role.ADMIN)
    page = _events(await _get(client, "/alerts/history?kind=resolved&commune=alpha", cookie))
    assert "Đã khôi phục" in page and "Bắt đầu cảnh báo" not in page
    day = _events(await _get(client, "/alerts/history?from=2027-01-15&to=2027-01-15", cookie))
    assert day.count("hook: đã gửi") == 3
    later = await _get(client, "/alerts/history?from=2027-01-16&kind=opened", cookie)
    assert _events(later) == ""
    assert "Không có sự kiện nào." in _text(later)
    await _get(client, "/alerts/history?from=15/01/2027", cookie, 400)


async def test_the_history_pages_through(fleet: Fleet) -> None:
    app, client = fleet.app, fleet.client
    for n in range(120):
        app[ALERT_HISTORY].append(
            AlertEvent(
                kind="reminded",
                group_key="mat-ket-noi:alpha",
                rule="mat-ket-noi",
                rule_type="device_down",
                commune="alpha",
                commune_name="Xã Alpha",
                severity="critical",
                at_ms=NOW + (n + 2) * 60_000,
                started_ms=NOW,
                devices=3,
                summary=f"reminder number {n}",
            )
        )
    admin = bearer(app, Role.ADMIN)
    seen: list[str] = []
    query = "?limit=50"
    while True:
        body = await (await client.get(f"/api/v1/alerts/history{query}", headers=admin)).json()
        seen += [e["summary"] for e in body["events"] if e["kind"] == "reminded"]
        if body["next_before"] is None:
            break
        query = f"?limit=50&before={body['next_before']}"
    assert seen == [f"reminder number {n}" for n in reversed(range(120))]

    cookie = page_cookie(app, Role.ADMIN)
    first = await _get(client, "/alerts/history?kind=reminded", cookie)
    assert "reminder number 119" in first and "reminder number 69" not in first
    older = re.search(r'href="(/alerts/history\?kind=reminded&amp;before=\d+)"', first)
    assert older is not None
    second = await _get(client, older.group(1).replace("&amp;", "&"), cookie)
    assert "reminder number 69" in second and "reminder number 70" not in second
    assert 'href="/alerts/history?kind=reminded"' in second  # back to the newest


# -- channels ------------------------------------------------------------------------


async def test_the_channels_show_no_secret(fleet: Fleet) -> None:
    client, app = fleet.client, fleet.app
    html = await _get(client, "/alerts", page_cookie(app, Role.VIEWER))
    for secret in (TOKEN, "k3y-value", "/hook"):
        assert secret not in html
    page = _text(html)
    assert "hook Webhook (JSON qua HTTP)" in page and "X-Api-Key: ***" in page
    assert "XASO_TEST_TG_TOKEN" in page and "-100123" in page
    assert "Gửi tin thử" not in page  # a viewer's form is absent
    body = await (
        await client.get("/api/v1/alerts/channels", headers=bearer(app, Role.VIEWER))
    ).json()
    assert body["alerting"] is True
    channels = {c["name"]: c for c in body["channels"]}
    assert channels["hook"]["settings"]["url"].endswith("/***")
    assert channels["hook"]["rules"] == ["mat-ket-noi"]
    assert channels["tg"]["rules"] == ["lech-gio"]
    assert TOKEN not in str(body)


async def test_only_an_admin_sends_a_test_message_and_with_the_csrf_token(
    fleet: Fleet,
) -> None:
    client, app, hook = fleet.client, fleet.app, fleet.hook
    for role, communes in ((Role.VIEWER, ()), (Role.OPERATOR, ("alpha",)), (Role.VERIFIER, ())):
        headers = bearer(app, role, *communes)
        response = await client.post("/api/v1/alerts/channels/hook/test", headers=headers)
        assert response.status == 403, role
        cookie = page_cookie(app, role, *communes)
        response = await client.post(
            "/alerts/channels/hook/test", headers=cookie, allow_redirects=False
        )
        assert response.status == 403, role
    assert len(hook.bodies) == 2  # the two alerts: no test message went out

    cookie = page_cookie(app, Role.ADMIN)
    without_csrf = {"Cookie": cookie["Cookie"]}
    response = await client.post("/api/v1/alerts/channels/hook/test", headers=without_csrf)
    assert response.status == 403
    assert len(hook.bodies) == 2

    response = await client.post("/api/v1/alerts/channels/hook/test", headers=cookie)
    assert response.status == 200, await response.text()
    check = await response.json()
    assert (check["channel"], check["ok"], check["error"]) == ("hook", True, None)
    test = hook.bodies[-1]
    assert (test["rule"], test["key"]) == ("test", "test:hook")
    response = await client.post("/api/v1/alerts/channels/nope/test", headers=cookie)
    assert response.status == 404


async def test_a_test_message_from_the_page_with_and_without_javascript(fleet: Fleet) -> None:
    client, app, hook = fleet.client, fleet.app, fleet.hook
    cookie = page_cookie(app, Role.ADMIN)
    page = await _get(client, "/alerts", cookie)
    assert 'hx-post="/alerts/channels/hook/test"' in page
    assert "Chưa gửi tin thử." in _text(page)

    # htmx: the channel's outcome comes back to be swapped in.
    response = await client.post(
        "/alerts/channels/hook/test", headers={**cookie, "HX-Request": "true"}
    )
    fragment = await response.text()
    assert response.status == 200, fragment
    assert fragment.lstrip().startswith('<div class="channel-check">')
    assert "Tin thử đã gửi lúc 15/01/2027 15:00" in _text(fragment)
    assert len(hook.bodies) == 3

    # A form without JavaScript: its csrf_token field, then back to the page.
    response = await client.post(
        "/alerts/channels/hook/test",
        headers={"Cookie": cookie["Cookie"]},
        data={"csrf_token": cookie["X-CSRF-Token"]},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/alerts#channel-hook"
    assert len(hook.bodies) == 4
    assert "Tin thử đã gửi lúc" in _text(await _get(client, "/alerts", cookie))


async def test_a_failed_test_message_says_why(fleet: Fleet) -> None:
    # The fake "Telegram" is the webhook receiver: no bot route there, so a 404.
    cookie = page_cookie(fleet.app, Role.ADMIN)
    response = await fleet.client.post("/api/v1/alerts/channels/tg/test", headers=cookie)
    check = await response.json()
    assert check["ok"] is False
    assert check["error"].startswith("HTTP 404")
    assert TOKEN not in check["error"]
    page = _text(await _get(fleet.client, "/alerts?lang=en", cookie))
    assert "Test message failed at 15/01/2027 15:00" in page


# -- alerting off, and the help ------------------------------------------------------


@pytest.fixture
async def quiet(tmp_path: Path, aiohttp_client: ClientFactory) -> AsyncIterator[TestClient]:
    async with app_without_broker(tmp_path) as app:
        yield await aiohttp_client(app)


async def test_with_alerting_off_the_page_says_so(quiet: TestClient) -> None:
    app = quiet.app
    assert app is not None
    cookie = page_cookie(app, Role.ADMIN)
    page = _text(await _get(quiet, "/alerts", cookie))
    assert "Chưa bật gửi cảnh báo" in page and "Không có cảnh báo nào đang hoạt động." in page
    assert "Chưa cấu hình kênh nào." in page
    response = await quiet.post("/api/v1/alerts/channels/hook/test", headers=cookie)
    assert response.status == 404
    body = await (await quiet.get("/api/v1/alerts/channels", headers=cookie)).json()
    assert body == {"alerting": False, "channels": []}
    body = await (await quiet.get("/api/v1/alerts/history", headers=cookie)).json()
    assert body == {"events": [], "count": 0, "next_before": None}


async def test_the_help_explains_every_status_and_the_status_page_has_its_legend(
    quiet: TestClient,
) -> None:
    app = quiet.app
    assert app is not None
    cookie = page_cookie(app, Role.VIEWER)
    help_page = _text(await _get(quiet, "/help", cookie))
    for said in (
        "Hoạt động",
        "Chờ xác nhận",
        "Mất kết nối",
        "Không rõ",
        "Bảo trì",
        "Đã dừng",
        "Chưa lắp đặt",
        "Hết thời gian bảo trì",
        "Quản trị viên",
        "Không đủ dữ liệu",
        "Xác nhận đã biết",
    ):
        assert said in help_page, said
    assert "tình trạng thật chưa biết cho đến khi gateway báo cáo lại" in help_page
    # The radio's classes and every broadcast outcome, with what to do.
    for said in ("Tiếp sóng thường xuyên", "Khẩn cấp", "Chưa nhận lịch", "Phát muộn"):
        assert said in help_page, said
    assert "Xem trang Lịch trên gateway" in help_page
    # How the indicators are verified: evidence, what changed since a sign-off, plans.
    for said in ("Không còn khớp", "Đã gửi, chờ thẩm định", "Bị trả lại, cần sửa"):
        assert said in help_page, said
    english = _text(await _get(quiet, "/help?lang=en", cookie))
    assert "A maintenance window just ended" in english
    assert "No longer matches" in english and "Returned for changes" in english
    status_page = await _get(quiet, "/?lang=vi", cookie)
    assert '<details class="legend">' in status_page
    assert "Hết thời gian bảo trì" in _text(status_page)
    # Both pages in the menu of every role.
    assert 'href="/alerts"' in status_page and 'href="/help"' in status_page
