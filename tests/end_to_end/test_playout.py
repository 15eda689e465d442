"""Proof of play end to end: the real server, real Mosquitto configured exactly as
deploy/mosquitto ships it (passwords, the ACL, client ids bound to user names), and a
real agent process whose player is a real program (sox, writing what it plays to a file),
all as tests/end_to_end/gamma.py sets them up: on gamma-rc-1 the agent plays through
sox, on gamma-rc-2 through a player that always fails, and gamma-rc-3's gateway is never
started. Here the agent also has a relay player and a set_volume that note each call.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.end_to_end.gamma import ZONE, Gamma, running_agent, running_server
from tests.waiting import eventually
from xaso.server.keys import STORE
from xaso.testbed.binaries import require_binary


def duration_s(path: Path) -> float:
    soxi = require_binary("soxi", "sox")
    return float(subprocess.run([soxi, "-D", str(path)], capture_output=True, text=True).stdout)


# Notes its argument, then plays nothing for as long as it is given (killed when stopped).
STREAM_PLAYER = (
    "import sys, time; open(sys.argv[1], 'a').write(sys.argv[2] + chr(10));"
    " time.sleep(float(sys.argv[3]))"
)
NOTE = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + chr(10))"


@pytest.fixture
async def gamma(tmp_path: Path) -> AsyncIterator[Gamma]:
    async with running_server(tmp_path) as gamma:
        # A stream "played" for as long as it is given, each play noted; and the volume
        # each play is set to (no volume here: only the server's can set one).
        recorders = {
            "relay_player": [
                sys.executable,
                "-c",
                STREAM_PLAYER,
                f"{gamma.out}/relay.log",
                "{cluster} {url} {duration_s}",
                "{duration_s}",
            ],
            "set_volume": [
                sys.executable,
                "-c",
                NOTE,
                f"{gamma.out}/volume.log",
                "{cluster} {volume}",
            ],
        }
        with running_agent(tmp_path, gamma, players=recorders):
            yield gamma


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
