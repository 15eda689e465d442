"""The gateways page: each gateway within the user's scope with its connection, queue,
clock and schedule, and a warning for devices its configuration lacks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, page_cookie
from tests.messages import heartbeat, payload, status
from xaso.protocol import AgentHealth, heartbeat_topic, status_topic
from xaso.server.broadcasts.keys import DISTRIBUTOR
from xaso.server.keys import CLOCK_MS
from xaso.server.monitoring.keys import INGEST
from xaso.server.web.tokens import Role


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


def live(app: web.Application, agent: str, beats: int, health: AgentHealth, **readings: bool):
    """``agent`` connects and sends ``beats`` heartbeats with these readings."""
    now_ms = app[CLOCK_MS]()
    ingest = app[INGEST]
    birth = msgspec.structs.replace(status(agent, "online", session=7), agent_version="2.3.1")
    ingest.handle(status_topic(agent), payload(birth), now_ms)
    for seq in range(1, beats + 1):
        beat = heartbeat(agent, seq, readings, session=7, ts_ms=now_ms)
        beat = msgspec.structs.replace(beat, health=health)
        ingest.handle(heartbeat_topic(agent), payload(beat), now_ms)


async def test_an_operator_sees_its_gateways_with_the_devices_they_lack(
    client: TestClient, app: web.Application
) -> None:
    # alpha-gw's configuration lacks the camera: it reports the cluster alone.
    health = AgentHealth(
        queue_depth=42, queue_dropped=3, queue_error="disk full", clock_offset_ms=-4_500.0
    )
    live(app, "alpha-gw", 3, health, **{"alpha-rc-1": True})
    live(app, "beta-gw", 3, AgentHealth(queue_depth=0, clock_offset_ms=12.0), **{"beta-rc-1": True})

    response = await client.get("/gateways", headers=page_cookie(app, Role.OPERATOR, "alpha"))
    assert response.status == 200
    html = await response.text()
    assert "Gateway Alpha" in html and "Gateway Beta" not in html  # its scope only
    assert "2.3.1" in html  # the agent's version, from its birth
    assert "1 thiết bị chưa được cấu hình trên gateway Gateway Alpha." in html
    assert "Camera UBND" in html and "alpha-cam-1" in html
    assert "Cụm loa mới" not in html  # planned: not expected to report
    assert "42 bản tin chờ gửi" in html and "3 bản tin bị bỏ" in html and "disk full" in html
    assert "-4.5 s" in html and "Lệch đồng hồ" in html
    assert 'href="/gateways" aria-current="page"' in html


async def test_problems_come_first_and_a_fine_gateway_says_so(
    client: TestClient, app: web.Application
) -> None:
    due = app[DISTRIBUTOR].due["beta-gw"].version  # it holds the schedule set due
    health = AgentHealth(queue_depth=0, clock_offset_ms=12.0, schedule_version=due)
    live(app, "beta-gw", 3, health, **{"beta-rc-1": True})
    live(app, "alpha-gw", 3, AgentHealth(), **{"alpha-rc-1": True})
    html = await (
        await client.get("/gateways?lang=en", headers=page_cookie(app, Role.VIEWER))
    ).text()
    assert html.index('id="gw-alpha-gw"') < html.index('id="gw-beta-gw"')
    assert "Devices not configured on their gateway: 1 (gateways: 1)" in html
    beta = html[html.index('id="gw-beta-gw"') :]
    assert "Fine" in beta and "+0.0 s" in beta and "Up to date" in beta
    alpha = html[html.index('id="gw-alpha-gw"') : html.index('id="gw-beta-gw"')]
    assert "Schedule not received" in alpha


async def test_too_few_heartbeats_tell_nothing_yet(
    client: TestClient, app: web.Application
) -> None:
    live(app, "alpha-gw", 2, AgentHealth(), **{"alpha-rc-1": True})
    html = await (await client.get("/gateways", headers=page_cookie(app, Role.ADMIN))).text()
    assert "Chưa đủ heartbeat để kiểm tra cấu hình thiết bị" in html
    assert "chưa được cấu hình trên gateway Gateway Alpha" not in html
    assert "0 thiết bị chưa được cấu hình trên gateway" in html
