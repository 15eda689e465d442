"""Camera snapshots end to end: a real agent's queue, real Mosquitto, the real server app
keeping them in its database, the API serving them, and the device and commune pages in
a real browser; bad snapshots refused and counted."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import paho.mqtt.client as mqtt
import pypdf
import pytest
from aiohttp import ClientSession

from tests.apps import PASSWORD, bearer, broker_settings
from tests.jpegs import jpeg, noisy_jpeg
from tests.waiting import eventually
from tests.web.browser import (
    WIDTHS,
    check_page,
    chromium,
    new_page,
    served_on_loopback,
    shots_folder,
    sign_in,
)
from xaso.agent.collectors.base import CameraSnapshot, CollectorResult
from xaso.agent.config import load_agent_config
from xaso.agent.runner import Agent
from xaso.protocol import (
    SCHEMA_VERSION,
    CameraStatus,
    DeviceReading,
    PictureHealth,
    Snapshot,
    encode,
    snapshot_topic,
)
from xaso.server.app import create_app
from xaso.server.indicators.keys import DOCUMENTS
from xaso.server.keys import CLOCK_MS, METRICS
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role
from xaso.testbed.mosquitto import MosquittoServer

COLOURS = [(40, 120, 60), (120, 60, 40), (60, 40, 120)]


class StandInCamera:
    """The camera collector's side of the contract: a reading with the picture's health
    and a thumbnail every cycle (a different scene each time)."""

    name = "camera"

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def collect(self) -> CollectorResult:
        now_ms = int(time.time() * 1000)
        picture = jpeg(320, 180, COLOURS[len(self.sent) % len(COLOURS)])
        self.sent.append(picture)
        reading = DeviceReading(
            id="alpha-cam-1",
            reachable=True,
            camera=CameraStatus(
                stream_ok=True, picture=PictureHealth(state="covered", taken_ms=now_ms)
            ),
        )
        return CollectorResult(
            readings=[reading],
            snapshots=[CameraSnapshot("alpha-cam-1", now_ms, picture, 320, 180)],
        )

    def close(self) -> None:
        pass


@pytest.fixture
def agent(tmp_path: Path, mosquitto: MosquittoServer) -> Iterator[tuple[Agent, StandInCamera]]:
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"""
agent: {{id: alpha-gw, heartbeat_interval_s: 0.5}}
mqtt: {{url: "{mosquitto.url}", keepalive_s: 5, reconnect_min_s: 0.2, reconnect_max_s: 1}}
state_dir: {tmp_path / "agent-state"}
""",
        encoding="utf-8",
    )
    camera = StandInCamera()
    running = Agent(load_agent_config(config), collectors=[camera])
    stop = threading.Event()
    thread = threading.Thread(target=running.run, args=(stop,), daemon=True)
    thread.start()
    yield running, camera
    stop.set()
    thread.join(timeout=15)


@pytest.fixture
async def served(tmp_path: Path, mosquitto: MosquittoServer) -> AsyncIterator[tuple[Any, str]]:
    app = create_app(broker_settings(tmp_path, mosquitto.url))
    async with served_on_loopback(app) as base_url:
        yield app, base_url


def _publish_as(mosquitto: MosquittoServer, agent_id: str, messages: list[bytes]) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{agent_id}-test")
    client.connect("127.0.0.1", mosquitto.port)
    client.loop_start()
    try:
        for message in messages:
            client.publish(snapshot_topic(agent_id), message, qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()


def _snapshot(agent_id: str, seq: int, device: str, picture: bytes) -> bytes:
    now_ms = int(time.time() * 1000)
    return encode(
        Snapshot(
            v=SCHEMA_VERSION,
            agent=agent_id,
            session=1,
            seq=seq,
            ts_ms=now_ms,
            device=device,
            taken_ms=now_ms,
            width=320,
            height=180,
            jpeg=picture,
        )
    )


async def test_snapshots_reach_the_device_page_and_bad_ones_are_refused(
    served: tuple[Any, str],
    agent: tuple[Agent, StandInCamera],
    mosquitto: MosquittoServer,
    tmp_path: Path,
) -> None:
    app, base_url = served
    running, camera = agent
    admin = bearer(app, Role.ADMIN)
    beta_only = bearer(app, Role.VIEWER, "beta")
    url = f"{base_url}/api/v1/devices/alpha-cam-1/snapshots"

    async with ClientSession() as http:

        async def kept() -> Any:
            async with http.get(url, headers=admin) as response:
                body = await response.json()
            return body["latest"] and len(camera.sent) >= 3 and body

        listed = await eventually(kept, "three snapshots kept", timeout_s=20)
        assert listed["days"] and listed["days"][0]["slot"] != "latest"
        # The picture served is one the camera sent, whole, with its cache headers.
        async with http.get(f"{base_url}{listed['latest']['url']}", headers=admin) as response:
            assert response.status == 200 and response.content_type == "image/jpeg"
            served_jpeg = await response.read()
            etag = response.headers["ETag"]
            assert response.headers["Cache-Control"].startswith("private")
        assert served_jpeg in camera.sent
        again = {**admin, "If-None-Match": etag}
        async with http.get(f"{url}/latest", headers=again) as response:
            assert response.status in (200, 304)  # a newer picture may have come meanwhile
        # Another commune's officer does not see it, nor that it exists.
        async with http.get(f"{url}/latest", headers=beta_only) as response:
            assert response.status == 404
        async with http.get(f"{url}/latest", headers={}) as response:
            assert response.status == 401

        # The agent's numbering has no hole: snapshots count among its records.
        stats = running._outbox.stats()
        assert stats.dropped_since_open["snapshot"] == 0

        # Bad snapshots: refused, counted, and the intake goes on.
        rejected = app[METRICS].messages_rejected
        before = {r: rejected.labels(r)._value.get() for r in _REASONS}
        _publish_as(
            mosquitto,
            "alpha-gw",
            [
                _snapshot("alpha-gw", 1, "alpha-cam-1", b"GIF89a not a jpeg"),
                _snapshot("alpha-gw", 2, "alpha-cam-1", noisy_jpeg(300)),
                _snapshot("alpha-gw", 3, "alpha-cam-9", jpeg()),
                _snapshot("alpha-gw", 4, "alpha-rc-1", jpeg()),
            ],
        )
        # beta-gw speaking for alpha's camera
        _publish_as(mosquitto, "beta-gw", [_snapshot("beta-gw", 5, "alpha-cam-1", jpeg())])

        async def counted() -> bool:
            return all(rejected.labels(r)._value.get() == before[r] + 1 for r in _REASONS)

        await eventually(counted, "the five bad snapshots counted", timeout_s=10)
        async with http.get(f"{base_url}/metrics", headers=admin) as response:
            text = await response.text()
        assert 'xaso_messages_rejected_total{reason="snapshot_not_jpeg"}' in text
        assert 'xaso_snapshots_kept_total{kept="latest"}' in text
        shown_count = len(camera.sent)
        await eventually(lambda: len(camera.sent) > shown_count + 1, "the agent going on")

        # The report of today: C2's evidence shows the key location's camera with its
        # day picture and the picture's hash, in the HTML and in the PDF.
        today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
        report = f"{base_url}/api/v1/indicators/report?commune=alpha&period={today}"
        async with http.get(f"{report}&format=html", headers=admin) as response:
            html = await response.text()
        day = listed["days"][0]
        # Before 09:00 local the day's picture is the latest so far, so it may have moved
        # on since it was listed: the report's must be one the camera sent.
        sent = {hashlib.sha256(picture).hexdigest() for picture in camera.sent}
        printed = set(re.findall(r"SHA-256 ([0-9a-f]{64})", html))
        assert "Ảnh camera tại các địa điểm trọng yếu" in html and printed and printed <= sent
        async with http.get(f"{report}&format=pdf", headers=admin) as response:
            assert response.status == 200
            pdf_bytes = await response.read()
        (shots_folder(tmp_path) / "snapshot-report.pdf").write_bytes(pdf_bytes)
        pdf = pypdf.PdfReader(io.BytesIO(pdf_bytes))
        text = "".join(page.extract_text() for page in pdf.pages)
        flat = text.replace("\n", "")
        assert "Camera UBND" in text and any(sha[:32] in flat for sha in sent)
        assert any(page.images for page in pdf.pages)

        # A viewer may look, not file evidence.
        viewer = bearer(app, Role.VIEWER, "alpha")
        async with http.post(f"{url}/{day['slot']}/evidence", headers=viewer) as response:
            assert response.status == 403

    # The pages, in a browser, at a phone's width and a desktop's.
    app[ACCOUNTS].create(
        "alpha.officer", PASSWORD, Role.OPERATOR, app[CLOCK_MS](), communes=frozenset({"alpha"})
    )
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium() as browser:
        for width in WIDTHS:
            page = await new_page(browser, f"{width}px", base_url, problems, width=width)
            await sign_in(page, base_url, "alpha.officer")
            await page.goto(f"{base_url}/devices/alpha-cam-1")
            image = page.locator(".snapshot-latest img")
            await image.wait_for()
            assert await image.evaluate("img => img.complete && img.naturalWidth") == 320
            caption = await page.locator(".snapshot-latest figcaption").inner_text()
            assert "Bị che" in caption and "Chụp lúc" in caption
            assert await page.locator(".snapshot-days img").count() >= 1
            await check_page(page, f"snapshot-device-{width}", shots, problems)
            if width == WIDTHS[0]:
                # The officer keeps the day picture as evidence: a document under its hash.
                await page.locator(".snapshot-days button").first.click()
                kept = page.locator(".snapshot-kept")
                await kept.wait_for()
                (document,) = app[DOCUMENTS].table.items.values()
                kept_text = await kept.inner_text()
                assert document.id in kept_text and "Ảnh camera Camera UBND - UBND" in kept_text
                assert document.communes == ["alpha"] and document.content_type == "image/jpeg"
                path = app[DOCUMENTS].path(document.id)
                assert path is not None
                assert hashlib.sha256(path.read_bytes()).hexdigest() == document.id
                await check_page(page, "snapshot-evidence-kept", shots, problems)
            await page.goto(f"{base_url}/communes/alpha")
            card = page.locator(".camera-card", has_text="Camera UBND")
            await card.wait_for()
            assert await card.locator("img").evaluate("img => img.naturalWidth") == 320
            assert "UBND" in await card.inner_text()
            await check_page(page, f"snapshot-commune-{width}", shots, problems)
            # The commune's report page: C2's camera pictures beside the figures.
            month = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")
            await page.goto(f"{base_url}/indicators/commune?commune=alpha&period={month}")
            report_picture = page.locator("#camera-pictures img").first
            # Lazy: Chromium fetches it only once the reader scrolls near it.
            await page.locator("#camera-pictures").scroll_into_view_if_needed()
            await report_picture.wait_for()
            assert await report_picture.evaluate("img => img.naturalWidth") == 320
            await check_page(page, f"snapshot-report-page-{width}", shots, problems)
    assert not problems, problems


_REASONS = (
    "snapshot_not_jpeg",
    "snapshot_too_big",
    "unknown_camera",
    "not_a_camera",
    "foreign_camera",
)


def test_snapshot_is_plain_json_with_base64() -> None:
    document = msgspec.json.decode(_snapshot("alpha-gw", 1, "alpha-cam-1", b"\xff\xd8\xff\xd9"))
    assert document["jpeg"] == "/9j/2Q=="
