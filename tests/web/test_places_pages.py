"""The communes page, a commune's page and a device's page through the real app: what
each role may see (the rest is a 404), the day bars' figures against a day worked out by
hand (an outage partly under a maintenance window, another partly excused), the same
figure as the availability API's, the outage list, in Vietnamese and in English."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.apps import app_without_broker, bearer, page_cookie
from tests.paths import DATA
from tests.web.places_history import DAY, H, transition
from xaso.server.store.base import Store
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role
from xaso.testbed.influxdb import InfluxServer

# 2027-01-10 00:00 in Asia/Ho_Chi_Minh (17:00 UTC the day before); now is noon.
TODAY = 1_799_514_000_000
NOW = TODAY + 12 * H
JAN8, JAN9 = TODAY - 2 * DAY, TODAY - DAY


HISTORY = [
    transition("alpha-gw", TODAY - 40 * DAY, "online", "birth"),
    transition("alpha-rc-1", TODAY - 40 * DAY, "online", "probe_ok"),
    # 8 January: 4 h down, 1 h of it under a maintenance window.
    transition("alpha-rc-1", JAN8 + 10 * H, "offline", "probe_failed: icmp: timeout"),
    transition("alpha-rc-1", JAN8 + 14 * H, "online", "probe_ok"),
    # 9 January: 6 h down, 2 h of it excused (a grid power cut).
    transition("alpha-rc-1", JAN9, "offline", "will"),
    transition("alpha-rc-1", JAN9 + 6 * H, "online", "probe_ok"),
    transition("alpha-cam-1", TODAY - 40 * DAY, "online", "probe_ok"),
    transition("alpha-cam-1", TODAY + 9 * H, "offline", "gateway_offline"),
    transition("beta-rc-1", TODAY - 40 * DAY, "online", "probe_ok"),
]


# The bulk reads may read a commune whole (InfluxDB): the pages must answer the same.
@pytest.fixture(params=["sqlite", "influxdb"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    opened: Store
    if request.param == "sqlite":
        opened = await SqliteStore.open(":memory:")
    else:
        server: InfluxServer = request.getfixturevalue("influxd")
        opened = await InfluxStore.open(server.url, f"places_{uuid.uuid4().hex[:8]}")
    await opened.write(HISTORY)
    yield opened
    await opened.close()


@pytest.fixture
async def app(store: Store, tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, store=store, clock_ms=lambda: NOW) as application:
        yield application


async def _exclusions(client: TestClient, app: web.Application) -> None:
    admin = bearer(app, Role.ADMIN)
    window = {
        "scope": "device",
        "target": "alpha-rc-1",
        "start": "2027-01-08T12:00:00",  # local time
        "duration_s": 3600,
        "reason": "thay bộ khuếch đại",
    }
    response = await client.post("/api/v1/maintenance", json=window, headers=admin)
    assert response.status == 201, await response.text()
    excused = {
        "scope": "device",
        "target": "alpha-rc-1",
        "from_ms": JAN9 + 2 * H,
        "to_ms": JAN9 + 4 * H,
        "cause": "grid_power_cut",
        "reason": "EVN cắt điện",
    }
    response = await client.post("/api/v1/excused", json=excused, headers=admin)
    assert response.status == 201, await response.text()


async def _page(client: TestClient, path: str, headers: dict[str, str]) -> str:
    response = await client.get(path, headers=headers)
    assert response.status == 200, (path, await response.text())
    return await response.text()


def _device_cells(page: str, device: str) -> list[tuple[str, str]]:
    """The (class, title) of each day cell of ``device`` on a commune's page."""
    item = next(li for li in page.split("<li>") if f'href="/devices/{device}"' in li)
    bar = item.split('class="day-bar', 1)[1].split("</div>", 1)[0]
    return [
        (css, html.unescape(title))
        for css, title in re.findall(r'<span class="([^"]+)" title="([^"]+)"></span>', bar)
    ]


async def test_the_day_bars_give_each_day_its_figure(
    client: TestClient, app: web.Application
) -> None:
    await _exclusions(client, app)
    admin = page_cookie(app, Role.ADMIN)
    page = await _page(client, "/communes/alpha", admin)
    cells = _device_cells(page, "alpha-rc-1")
    assert len(cells) == 30
    jan8, jan9, today = cells[-3], cells[-2], cells[-1]
    # 4 h down, 1 h under maintenance: 3 h count against 24 h known.
    assert jan8 == (
        "day-poor day-part",
        "08/01/2027 · 87,5 % · mất kết nối 3 giờ · bảo trì 1 giờ",
    )
    # 6 h down, 2 h excused: excused time still counts unless asked.
    assert jan9 == ("day-bad day-part", "09/01/2027 · 75 % · mất kết nối 6 giờ · miễn trừ 2 giờ")
    assert today == ("day-good", "10/01/2027 (đến hiện tại) · 100 %")
    assert all(css == "day-good" for css, _ in cells[:-3])
    # 29 days and 12 h known, 9 h down.
    assert "30 ngày: 98,73 %" in page

    page = await _page(client, "/communes/alpha?excused=1&lang=en", admin)
    jan9 = _device_cells(page, "alpha-rc-1")[-2]
    assert jan9 == ("day-poor day-part", "09/01/2027 · 83.33% · down 4 h · excused 2 h")

    # The same figure as the API's for that day.
    api = await client.get(
        f"/api/v1/devices/alpha-rc-1/availability?from={JAN8}&to={JAN9}", headers=admin
    )
    assert (await api.json())["availability_pct"] == 87.5


async def test_a_commune_groups_its_devices_by_place(
    client: TestClient, app: web.Application
) -> None:
    page = await _page(client, "/communes/alpha", page_cookie(app, Role.VIEWER, "alpha"))
    gateways = page.index("Bộ điều khiển trung tâm (gateway)")
    village = page.index("Thôn 1 <span")
    place = page.index("UBND <span")
    assert gateways < page.index("alpha-gw ·") < village < page.index("alpha-rc-1 ·") < place
    assert place < page.index("alpha-cam-1 ·")
    # The planned cluster is listed, without a bar.
    assert "Chưa lắp đặt: chưa theo dõi" in page
    assert len(re.findall(r'class="day-bar', page)) == 3
    page = await _page(client, "/communes/alpha?days=90", page_cookie(app, Role.VIEWER))
    assert len(_device_cells(page, "alpha-cam-1")) == 90


async def test_the_device_page_lists_its_outages(client: TestClient, app: web.Application) -> None:
    await _exclusions(client, app)
    admin = page_cookie(app, Role.ADMIN)
    page = await _page(client, "/devices/alpha-rc-1", admin)
    outages = page.split('<table class="outages">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</tr>", outages, flags=re.S)
    assert len(rows) == 2  # newest first
    assert "09/01/2027 00:00" in rows[0] and "09/01/2027 06:00" in rows[0]
    assert "6 giờ" in rows[0] and "Mất kết nối đột ngột (MQTT will)" in rows[0]
    assert "08/01/2027 10:00" in rows[1] and "4 giờ" in rows[1]
    assert "trong đó bảo trì / miễn trừ: 1 giờ" in rows[1]
    assert "Không phản hồi: ping: quá thời gian chờ" in rows[1]
    # Over 7 days: 10 h down, 1 h of it maintenance; 2 h excused are shown apart.
    table = page.split('<table class="availability">', 1)[1].split("</table>", 1)[0]
    week = re.search(r"7 ngày</th>(.*?)</tr>", table, flags=re.S)
    assert week is not None
    cells = re.findall(r"<td>(?:<strong>)?(.*?)(?:</strong>)?</td>", week[1])
    assert cells == ["94,64 %", "95,83 %", "9 giờ", "0 giây", "1 giờ", "2 giờ"]
    # The timeline is an SVG of percentages: no style attribute.
    assert '<svg class="timeline"' in page and 'class="tl-offline"' in page

    page = await _page(client, "/devices/alpha-cam-1?period=24h&lang=en", admin)
    assert "still going on" in page and "Its gateway is offline" in page
    page = await _page(client, "/devices/alpha-rc-2", admin)  # planned: nothing to read
    assert "Planned: not watched yet" in page


async def test_the_gateway_page_lists_the_devices_behind_it(
    client: TestClient, app: web.Application
) -> None:
    page = await _page(client, "/devices/alpha-gw?lang=en", page_cookie(app, Role.ADMIN))
    behind = page.split("Devices behind it", 1)[1]
    assert 'href="/devices/alpha-rc-1"' in behind and 'href="/devices/alpha-cam-1"' in behind
    assert "/api/v1/devices/alpha-gw/readings?" in page


async def test_each_role_sees_its_communes_only(client: TestClient, app: web.Application) -> None:
    beta = page_cookie(app, Role.OPERATOR, "beta")
    page = await _page(client, "/communes", beta)
    assert 'href="/communes/beta"' in page and 'href="/communes/alpha"' not in page
    await _page(client, "/communes/beta", beta)
    await _page(client, "/devices/beta-rc-1", beta)
    for path in (
        "/communes/alpha",
        "/devices/alpha-rc-1",
        "/devices/alpha-gw",
        "/communes/nowhere",
        "/devices/nothing",
    ):
        response = await client.get(path, headers=beta)
        assert response.status == 404, path
        assert response.content_type == "text/html", path  # an error page
    admin = page_cookie(app, Role.ADMIN)
    page = await _page(client, "/communes", admin)
    assert 'href="/communes/beta"' in page and 'href="/communes/alpha"' in page
    # Signed out: to the login, and back here after it.
    response = await client.get("/communes/alpha", allow_redirects=False)
    assert response.status == 303


async def test_the_communes_page_counts_devices_by_status(
    client: TestClient, app: web.Application
) -> None:
    page = await _page(client, "/communes?lang=en", page_cookie(app, Role.VIEWER))
    alpha = page.split('href="/communes/alpha"', 1)[1].split("</tr>", 1)[0]
    # The gateway, two clusters (one planned) and a camera, as their last transitions
    # left them.
    assert ">4</td>" in alpha
    assert '<span class="status online">2</span>' in alpha
    assert '<span class="status offline">1</span>' in alpha
    assert '<span class="status planned">1</span>' in alpha
    assert 'aria-current="page">Communes</a>' in page


# 2026-09-01 12:00 in Vietnam: after the mergers of 16 August 2026.
AFTER_MERGER = 1_788_238_800_000


async def test_after_a_merger_the_successor_holds_the_devices(tmp_path: Path) -> None:
    async with (
        app_without_broker(
            tmp_path, inventory=DATA / "merger-inventory.yaml", clock_ms=lambda: AFTER_MERGER
        ) as app,
    ):
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            admin = page_cookie(app, Role.ADMIN)
            page = await _page(client, "/communes/an-binh", admin)
            for device in ("an-gw", "an-rc-1", "an-cam-1", "binh-gw", "binh-rc-1"):
                assert f'href="/devices/{device}"' in page, device
            assert "Thôn An 1" in page and "Thôn Bình" in page
            page = await _page(client, "/communes/an", admin)
            assert "đã sáp nhập vào Xã An Bình" in page and 'href="/devices/' not in page
            # A user of a predecessor carries to its successor.
            await _page(client, "/communes/an-binh", page_cookie(app, Role.OPERATOR, "an"))
            page = await _page(client, "/devices/an-rc-1", admin)
            assert 'href="/communes/an-binh"' in page
        finally:
            await client.close()
