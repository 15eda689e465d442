"""Proof of play end to end: the real server, real Mosquitto configured exactly as
deploy/mosquitto ships it (passwords, the ACL, client ids bound to user names), and a
real agent process whose player is a real program (sox, writing what it plays to a file).

The playout inventory (tests/data/playout-inventory.yaml) has one commune with two radio
gateways. The first runs here and plays on two clusters: gamma-rc-1 through sox, and
gamma-rc-2 through a player that always fails. The second gateway is never started, so
its cluster gamma-rc-3 never receives a schedule.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.audio import wav
from tests.paths import DATA
from tests.waiting import eventually
from xaso.server.app import create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import STORE
from xaso.server.settings import Settings
from xaso.server.web.tokens import Role, TokenStore
from xaso.testbed.binaries import require_binary
from xaso.testbed.mosquitto import MosquittoServer, running_deployed

INVENTORY = DATA / "playout-inventory.yaml"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# sox writing the audio to a file, taking as long as the audio lasts (not its slot), as
# a loudspeaker would: a copy that ends at once would rightly be logged as a partial play.
REALTIME_PLAYER = DATA / "realtime_player.py"


class Gamma(msgspec.Struct):
    client: TestClient
    headers: dict[str, str]
    out: Path  # what sox played, one file per cluster and occurrence
    state_dir: Path
    mosquitto: MosquittoServer

    async def upload(self, seconds: float) -> str:
        response = await self.client.post(
            "/api/v1/content?name=ban-tin.wav", data=wav(seconds), headers=self.headers
        )
        assert response.status == 201, await response.text()
        return str((await response.json())["id"])

    async def schedule(self, audio: str, seconds: float, in_s: float, **extra: Any) -> dict:
        start = dt.datetime.now(ZONE).replace(tzinfo=None, microsecond=0)
        start += dt.timedelta(seconds=in_s)
        response = await self.client.post(
            "/api/v1/schedules",
            headers=self.headers,
            json={
                "commune": "gamma",
                "title": "Bản tin thử",
                "content": {"type": "file", "sha256": audio, "duration_s": seconds},
                "start": start.isoformat(),
                **extra,
            },
        )
        assert response.status == 201, await response.text()
        return dict((await response.json())["schedule"])

    async def outcomes(self, schedule_id: str) -> dict[str, dict[str, Any]]:
        response = await self.client.get("/api/v1/playout?commune=gamma", headers=self.headers)
        assert response.status == 200, await response.text()
        body = await response.json()
        return {o["cluster"]: o for o in body["outcomes"] if o["schedule"] == schedule_id}

    async def settled(
        self, schedule_id: str, expected: dict[str, set[str]], timeout_s: float = 40
    ) -> dict[str, dict[str, Any]]:
        """Wait until each cluster's outcome is one of the expected statuses."""

        seen: dict[str, str | None] = {}
        for _ in range(int(timeout_s / 0.2)):
            found = await self.outcomes(schedule_id)
            seen = {c: found.get(c, {}).get("status") for c in expected}
            if all(status in expected[c] for c, status in seen.items()):
                return found
            await asyncio.sleep(0.2)
        pytest.fail(f"timed out waiting for {expected}; last seen {seen}")

    async def in_sync(self) -> None:
        async def check() -> bool:
            response = await self.client.get("/api/v1/schedules/distribution", headers=self.headers)
            rows = {r["agent"]: r for r in (await response.json())["agents"]}
            return bool(rows["gamma-gw"]["in_sync"])

        await eventually(check, "gamma-gw to hold the current schedule", timeout_s=30)


def duration_s(path: Path) -> float:
    soxi = require_binary("soxi", "sox")
    return float(subprocess.run([soxi, "-D", str(path)], capture_output=True, text=True).stdout)


# Notes its argument, then plays nothing for as long as it is given (killed when stopped).
STREAM_PLAYER = (
    "import sys, time; open(sys.argv[1], 'a').write(sys.argv[2] + chr(10));"
    " time.sleep(float(sys.argv[3]))"
)
NOTE = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + chr(10))"

PASSWORDS = {"gamma-gw": "gamma-Qx7-secret", "xaso-server": "server-Jk2-secret"}


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoServer]:
    """The broker as shipped: an agent's broadcast log must pass its ACL."""
    with running_deployed(tmp_path / "mosquitto", PASSWORDS) as broker:
        yield broker


@pytest.fixture
async def gamma(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> AsyncIterator[Gamma]:
    sox = require_binary("sox", "sox")
    password_file = tmp_path / "mqtt-password"
    password_file.write_text(PASSWORDS["xaso-server"] + "\n", encoding="utf-8")
    settings = Settings(
        inventory=str(INVENTORY),
        mqtt=f"mqtt://xaso-server@127.0.0.1:{mosquitto.port}",
        mqtt_password_file=str(password_file),
        store=f"sqlite:///{tmp_path / 'ts.db'}",
        data_dir=str(tmp_path / "server"),
        # The log of a gateway that never got the schedule is not awaited for minutes.
        playout_grace_s=1.0,
    )
    client = await aiohttp_client(create_app(settings))
    with ServerDatabase(settings.database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        headers = {"Authorization": f"Bearer {tokens.create(Role.OPERATOR, frozenset({'gamma'}))}"}
        gateway_token = tokens.create(Role.AGENT, frozenset({"gamma"}))

    out = tmp_path / "played"
    out.mkdir()
    state_dir = tmp_path / "agent-state"
    config = tmp_path / "agent.yaml"
    config.write_text(
        "agent: {id: gamma-gw, heartbeat_interval_s: 0.5}\n"
        f'mqtt: {{url: "{mosquitto.url}", keepalive_s: 5, username: gamma-gw,'
        " password_env: XASO_TEST_MQTT_PASSWORD}\n"
        f"state_dir: {state_dir}\ncollectors: {{system: null}}\n"
        f'content: {{url: "{client.make_url("")}", token_env: XASO_TEST_CONTENT_TOKEN}}\n'
        "playout:\n"
        f'  player: ["{sys.executable}", "{REALTIME_PLAYER}", "{sox}", "{{file}}",'
        f' "{out}/{{cluster}}-{{occurrence_ms}}.wav"]\n'
        # A stream "played" for as long as it is given, each play noted; and the volume
        # each play is set to (no volume here: only the server's can set one).
        f'  relay_player: ["{sys.executable}", "-c", "{STREAM_PLAYER}", "{out}/relay.log",'
        ' "{cluster} {url} {duration_s}", "{duration_s}"]\n'
        f'  set_volume: ["{sys.executable}", "-c", "{NOTE}", "{out}/volume.log",'
        ' "{cluster} {volume}"]\n'
        "  clusters:\n"
        '    gamma-rc-2: {player: ["false"]}\n',
        encoding="utf-8",
    )
    agent = subprocess.Popen(
        [sys.executable, "-m", "xaso", "agent", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("XASO_AGENT_LOG", os.devnull), "ab"),  # noqa: SIM115
        env={
            **os.environ,
            "XASO_TEST_CONTENT_TOKEN": gateway_token,
            "XASO_TEST_MQTT_PASSWORD": PASSWORDS["gamma-gw"],
        },
    )
    try:
        yield Gamma(client, headers, out, state_dir, mosquitto)
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=15)


async def test_a_scheduled_bulletin_plays_on_time_and_each_cluster_gets_its_verdict(
    gamma: Gamma,
) -> None:
    audio = await gamma.upload(1.5)
    created = await gamma.schedule(audio, 1.5, in_s=6)
    await gamma.in_sync()
    found = await gamma.settled(
        created["id"],
        {"gamma-rc-1": {"played"}, "gamma-rc-2": {"failed"}, "gamma-rc-3": {"not_received"}},
    )
    played = found["gamma-rc-1"]
    # At the right minute: started when planned (the agent ticks 5 times a second).
    assert 0 <= played["started_ms"] - played["planned_start_ms"] < 5_000
    [produced] = gamma.out.glob(f"gamma-rc-1-{played['planned_start_ms']}.wav")
    assert duration_s(produced) == pytest.approx(1.5, abs=0.01)
    assert found["gamma-rc-2"]["error"]  # the failing player's exit, as the gateway saw it
    assert not list(gamma.out.glob("gamma-rc-2-*"))
    assert found["gamma-rc-3"]["started_ms"] is None

    # The CSV playout log says the same, in Vietnamese.
    response = await gamma.client.get(
        "/api/v1/playout?commune=gamma&format=csv", headers=gamma.headers
    )
    text = (await response.read()).decode("utf-8-sig")
    assert "Cụm loa Thôn 1" in text or "gamma-rc-1" in text
    assert "Đã phát" in text or "đã phát" in text.lower()


async def test_an_emergency_preempts_a_normal_bulletin_which_resumes_after_it(
    gamma: Gamma,
) -> None:
    normal_audio, alarm_audio = await gamma.upload(4.0), await gamma.upload(1.0)
    normal = await gamma.schedule(normal_audio, 4.0, in_s=5, targets={"clusters": ["gamma-rc-1"]})
    await gamma.in_sync()
    await gamma.settled(normal["id"], {"gamma-rc-1": {"playing"}})
    response = await gamma.client.post(
        "/api/v1/broadcasts/emergency",
        headers=gamma.headers,
        json={
            "commune": "gamma",
            "clusters": ["gamma-rc-1"],
            "title": "Cảnh báo lũ",
            "content": {"type": "file", "sha256": alarm_audio},
        },
    )
    assert response.status == 201, await response.text()
    emergency = (await response.json())["schedule"]["id"]
    alarm = await gamma.settled(emergency, {"gamma-rc-1": {"played"}})
    resumed = await gamma.settled(normal["id"], {"gamma-rc-1": {"played", "late"}})
    assert resumed["gamma-rc-1"]["preempted_by"] == emergency
    # The normal bulletin started again after the emergency, and played in full then.
    played_after_alarm_ms = resumed["gamma-rc-1"]["ended_ms"] - alarm["gamma-rc-1"]["ended_ms"]
    assert played_after_alarm_ms >= 0.9 * 4_000
    assert resumed["gamma-rc-1"]["played_s"] >= 0.9 * 4.0
    planned = resumed["gamma-rc-1"]["planned_start_ms"]
    assert duration_s(gamma.out / f"gamma-rc-1-{planned}.wav") == pytest.approx(4.0, abs=0.01)
    alarm_start = alarm["gamma-rc-1"]["planned_start_ms"]
    assert duration_s(gamma.out / f"gamma-rc-1-{alarm_start}.wav") == pytest.approx(1.0, abs=0.01)


async def test_a_short_spoken_emergency_in_a_long_slot_is_played_not_partial(
    gamma: Gamma,
) -> None:
    # About 5.6 s of speech in a 120 s slot: the officer could not know its length.
    require_binary("espeak-ng", "espeak-ng")
    text = "Thông báo khẩn cấp. Bão số ba sắp đổ bộ vào xã. Bà con hãy sơ tán đến nơi an toàn."
    response = await gamma.client.post(
        "/api/v1/broadcasts/emergency",
        headers=gamma.headers,
        json={
            "commune": "gamma",
            "clusters": ["gamma-rc-1"],
            "title": "Cảnh báo bão",
            "content": {"type": "tts", "text": text, "duration_s": 120},
        },
    )
    assert response.status == 201, await response.text()
    emergency = (await response.json())["schedule"]["id"]
    found = await gamma.settled(emergency, {"gamma-rc-1": {"played"}}, timeout_s=60)
    spoken = found["gamma-rc-1"]
    [rendered] = (gamma.state_dir / "playout" / "speech").glob("*.wav")
    length_s = duration_s(rendered)
    assert 4 < length_s < 10
    assert spoken["content_s"] == pytest.approx(length_s, abs=0.01)
    assert spoken["measured_against"] == "content"
    assert spoken["played_s"] == pytest.approx(length_s, abs=1.0)
    [produced] = gamma.out.glob(f"gamma-rc-1-{spoken['planned_start_ms']}.wav")
    assert duration_s(produced) == pytest.approx(length_s, abs=0.01)

    response = await gamma.client.get(
        "/api/v1/playout?commune=gamma&format=csv", headers=gamma.headers
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    [line] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if emergency in row]
    assert line["Kết quả"] == "Đã phát"
    assert line["Độ dài nội dung (giây)"] == str(round(length_s))
    assert line["Đối chiếu thời lượng phát với"] == "Độ dài thực của nội dung"


async def test_a_bulletin_due_while_the_broker_is_down_plays_from_cache_and_is_logged_after(
    gamma: Gamma,
) -> None:
    audio = await gamma.upload(1.0)
    created = await gamma.schedule(audio, 1.0, in_s=8, targets={"clusters": ["gamma-rc-1"]})
    await gamma.in_sync()
    assert (gamma.state_dir / "content" / audio).is_file()  # fetched ahead
    gamma.mosquitto.stop()
    try:

        async def played() -> list[Path]:
            return list(gamma.out.glob("gamma-rc-1-*.wav"))

        [produced] = await eventually(
            played, "the bulletin to play with the broker down", timeout_s=30
        )
        assert duration_s(produced) == pytest.approx(1.0, abs=0.01)
        # Nothing of the play could have reached the server yet.
        found = await gamma.outcomes(created["id"])
        assert found["gamma-rc-1"]["status"] != "played"
    finally:
        gamma.mosquitto.start()
    found = await gamma.settled(created["id"], {"gamma-rc-1": {"played"}})
    assert found["gamma-rc-1"]["started_ms"] is not None


async def test_a_standing_relay_gives_way_to_a_bulletin_and_resumes_at_the_volumes_set(
    gamma: Gamma,
) -> None:
    # The commune turns gamma-rc-1 down to 35; the bulletin asks 80 for its own play.
    response = await gamma.client.put(
        "/api/v1/radio/settings",
        headers=gamma.headers,
        json={"commune": "gamma", "volumes": {"gamma-rc-1": 35}},
    )
    assert response.status == 200, await response.text()
    # A standing relay of 24 s from 4 s on (a schedule of the lowest class, as the
    # settings make one for set hours), and a 2 s bulletin 12 s from now.
    start = dt.datetime.now(ZONE).replace(tzinfo=None, microsecond=0) + dt.timedelta(seconds=4)
    response = await gamma.client.post(
        "/api/v1/schedules",
        headers=gamma.headers,
        json={
            "commune": "gamma",
            "title": "Tiếp sóng Đài tỉnh",
            "priority": "background",
            "content": {
                "type": "relay",
                "url": "http://radio.example/tinh",
                "source": "provincial",
                "duration_s": 24,
            },
            "start": start.isoformat(),
            "targets": {"clusters": ["gamma-rc-1"]},
        },
    )
    assert response.status == 201, await response.text()
    relay = (await response.json())["schedule"]["id"]
    audio = await gamma.upload(2.0)
    bulletin = await gamma.schedule(
        audio, 2.0, in_s=12, targets={"clusters": ["gamma-rc-1"]}, volume=80
    )
    await gamma.in_sync()

    found = await gamma.settled(relay, {"gamma-rc-1": {"played"}}, timeout_s=60)
    news = await gamma.settled(bulletin["id"], {"gamma-rc-1": {"played"}})
    outcome = found["gamma-rc-1"]
    assert outcome["priority"] == "background" and outcome["measured_against"] == "due"
    assert outcome["preempted_by"] == bulletin["id"]
    # Due on air: its 24 s less the bulletin's 2 s; on air: nearly all of it.
    assert outcome["due_s"] == pytest.approx(22.0, abs=1.0)
    assert 0.9 * outcome["due_s"] <= outcome["played_s"] <= 24.0
    assert outcome["ended_ms"] == pytest.approx(outcome["planned_end_ms"], abs=1_500)
    # The bulletin did not wait for the relay.
    assert news["gamma-rc-1"]["started_ms"] - news["gamma-rc-1"]["planned_start_ms"] < 3_000

    # The stream was started twice, the second time for the rest of its slot only.
    first, second = (gamma.out / "relay.log").read_text().splitlines()
    assert first.split()[:2] == second.split()[:2] == ["gamma-rc-1", "http://radio.example/tinh"]
    assert float(first.split()[2]) == pytest.approx(24.0, abs=1.5)
    left_s = (outcome["planned_end_ms"] - news["gamma-rc-1"]["ended_ms"]) / 1000
    assert 5 < left_s < 20 and float(second.split()[2]) == pytest.approx(left_s, abs=1.0)
    # set_volume ran before each play at the volume the server set: the cluster's for
    # the relay, the bulletin's own for it.
    assert (gamma.out / "volume.log").read_text().splitlines() == [
        "gamma-rc-1 35",  # the relay
        "gamma-rc-1 80",  # the bulletin
        "gamma-rc-1 35",  # the relay again
    ]
    app = gamma.client.app
    assert app is not None
    events = await app[STORE].broadcast_events(
        ["gamma"], outcome["planned_start_ms"], outcome["planned_end_ms"]
    )
    volumes = {(e.schedule, e.event): e.volume for e in events if e.event == "started"}
    assert volumes == {(relay, "started"): 35, (bulletin["id"], "started"): 80}
