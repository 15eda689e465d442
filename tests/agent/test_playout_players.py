"""Playout with real programs: sox as the player, espeak-ng for speech, failing, hung
and missing players, relay and volume commands in their order."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.paths import DATA
from tests.playout_helpers import Harness, now_ms
from xaso.agent.playout import PlayoutConfig
from xaso.agent.playout.config import DEFAULT_TTS, ClusterPlayout
from xaso.agent.playout.speech import SpeechRenderer
from xaso.protocol import ScheduledContent, ScheduleSet
from xaso.testbed.binaries import require_binary
from xaso.testbed.schedule_sets import item, schedule_set


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Callable[[PlayoutConfig, ScheduleSet], Harness]]:
    made: list[Harness] = []

    def make(config: PlayoutConfig, schedule: ScheduleSet) -> Harness:
        h = Harness(tmp_path / "state", config)
        made.append(h)
        h.playout.offer(schedule)
        return h

    yield make
    for h in made:
        h.playout.stop()


def tone(path: Path, seconds: float) -> str:
    """A real WAV file of the given length, stored in the cache under its sha256."""
    sox = require_binary("sox", "sox")
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = path.parent / "tone.wav"
    subprocess.run(
        [sox, "-n", "-r", "8000", "-c", "1", str(raw), "synth", str(seconds), "sine", "440"],
        check=True,
    )
    sha = hashlib.sha256(raw.read_bytes()).hexdigest()
    raw.rename(path.parent / sha)
    return sha


REALTIME_PLAYER = DATA / "realtime_player.py"


def duration_s(path: Path) -> float:
    soxi = require_binary("soxi", "sox")
    return float(subprocess.run([soxi, "-D", str(path)], capture_output=True, text=True).stdout)


def recorder(log: Path, label: str) -> list[str]:
    """A command appending ``label`` (placeholders filled) to ``log``."""
    code = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')"
    return [sys.executable, "-c", code, str(log), label]


def test_a_file_plays_through_the_player_and_is_logged_with_every_field(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    sha = tone(tmp_path / "state" / "content" / "x", 1.0)
    config = PlayoutConfig(
        player=["sox", "-q", "{file}", str(out / "{cluster}-{occurrence_ms}.wav")],
        clusters={"rc-01": ClusterPlayout(volume=80)},
    )
    start = now_ms()
    content = ScheduledContent(type="file", duration_s=1.0, sha256=sha, title="Bản tin")
    h = harness(config, schedule_set(item("morning", [start], content=content), ts_ms=start))
    h.playout.start()
    h.wait_for(lambda h: "finished" in h.kinds())
    assert h.kinds() == ["received", "started", "finished"]
    produced = out / f"rc-01-{start}.wav"
    assert duration_s(produced) == pytest.approx(1.0, abs=0.01)
    finished = h.last("finished")
    assert (finished.schedule, finished.revision, finished.priority) == ("morning", 1, "normal")
    assert finished.content == content
    assert finished.occurrence_ms == start and finished.planned_end_ms == start + 1000
    assert finished.started_ms is not None and finished.started_ms >= start
    assert finished.played_s is not None and finished.played_s >= 0
    assert finished.volume == 80 and finished.relay_on is None and finished.error is None
    received = h.last("received")
    assert (received.occurrence_ms, received.cluster) == (0, "rc-01")


def test_speech_is_rendered_ahead_with_espeak_ng_and_played_like_a_file(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    require_binary("espeak-ng", "espeak-ng")
    require_binary("sox", "sox")
    out = tmp_path / "out"
    out.mkdir()
    config = PlayoutConfig(player=["sox", "-q", "{file}", str(out / "{cluster}.wav")])
    text = "Kính thưa bà con, đây là bản tin thử."
    content = ScheduledContent(type="tts", duration_s=5, text=text, voice="vi")
    start = now_ms() + 60_000  # an hour's worth of "ahead", in a minute
    h = harness(config, schedule_set(item("speech", [start], content=content), ts_ms=start))
    h.playout.start()
    # Rendered and reported received long before it is due.
    h.wait_for(lambda h: "received" in h.kinds())
    [rendered] = (tmp_path / "state" / "playout" / "speech").glob("*.wav")
    assert duration_s(rendered) > 1.0
    assert "started" not in h.kinds()
    # Now make it due.
    h.playout.offer(schedule_set(item("speech", [now_ms()], content=content), ts_ms=now_ms()))
    h.wait_for(lambda h: "finished" in h.kinds())
    assert duration_s(out / "rc-01.wav") == pytest.approx(duration_s(rendered), abs=0.01)


def test_speech_longer_than_its_slot_plays_to_its_end_with_its_real_length_logged(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    # The officer guessed a 0.5 s slot for 2.4 s of speech: it is heard in full,
    # not killed overrun_s after the slot, and every step says how long it really is.
    require_binary("espeak-ng", "espeak-ng")
    sox = require_binary("sox", "sox")
    out = tmp_path / "out"
    out.mkdir()
    config = PlayoutConfig(
        player=[sys.executable, str(REALTIME_PLAYER), sox, "{file}", str(out / "{cluster}.wav")],
        overrun_s=0.3,
    )
    text = "Kính thưa bà con, đây là bản tin thử."
    content = ScheduledContent(type="tts", duration_s=0.5, text=text, voice="vi")
    h = harness(config, schedule_set(item("speech", [now_ms()], content=content)))
    h.playout.start()
    h.wait_for(lambda h: h.kinds()[-1:] in (["finished"], ["failed"]))
    [rendered] = (tmp_path / "state" / "playout" / "speech").glob("*.wav")
    length_s = duration_s(rendered)
    assert length_s > 0.5 + 0.3 + 1  # long past the slot and its overrun margin
    assert h.kinds() == ["received", "started", "finished"]
    assert h.last("started").content_s == pytest.approx(length_s, abs=0.001)
    finished = h.last("finished")
    assert finished.content_s == pytest.approx(length_s, abs=0.001)
    assert finished.played_s is not None and finished.played_s >= length_s
    assert duration_s(out / "rc-01.wav") == pytest.approx(length_s, abs=0.01)


def test_a_hung_speech_player_is_stopped_past_the_speech_not_past_its_slot(
    harness: Callable[[PlayoutConfig, ScheduleSet], Harness],
) -> None:
    require_binary("espeak-ng", "espeak-ng")
    config = PlayoutConfig(player=["sleep", "60"], overrun_s=0.3, stop_grace_s=0.3)
    content = ScheduledContent(type="tts", duration_s=600, text="xin chào", voice="vi")
    h = harness(config, schedule_set(item("speech", [now_ms()], content=content)))
    h.playout.start()
    h.wait_for(lambda h: "failed" in h.kinds())
    failed = h.last("failed")
    assert failed.reason == "overrun" and failed.content_s is not None
    assert failed.played_s is not None and failed.played_s < 10


def test_a_missing_tts_command_fails_the_occurrence_with_a_clear_error(
    harness: Callable[[PlayoutConfig, ScheduleSet], Harness],
) -> None:
    config = PlayoutConfig(tts=["no-such-tts-engine", "-w", "{out}", "{text}"])
    content = ScheduledContent(type="tts", duration_s=5, text="xin chào")
    h = harness(config, schedule_set(item("speech", [now_ms()], content=content)))
    h.playout.start()
    h.wait_for(lambda h: "failed" in h.kinds())
    failed = h.last("failed")
    assert failed.reason == "tts_failed"
    assert failed.error == "tts: command not found: no-such-tts-engine"
    assert h.kinds() == ["failed"]  # never "received": the gateway cannot play it


def test_a_failing_player_is_logged_with_its_stderr(
    harness: Callable[[PlayoutConfig, ScheduleSet], Harness], tmp_path: Path
) -> None:
    code = "import sys; sys.stderr.write('ALSA: no sound card\\n'); sys.exit(3)"
    config = PlayoutConfig(
        clusters={
            "rc-01": ClusterPlayout(relay_player=["false"]),
            "rc-02": ClusterPlayout(relay_player=[sys.executable, "-c", code]),
        }
    )
    content = ScheduledContent(type="relay", duration_s=5, url="http://radio.example/stream")
    start = now_ms()
    both = item("s", [start], clusters=["rc-01", "rc-02"], content=content)
    h = harness(config, schedule_set(both))
    h.playout.start()
    h.wait_for(lambda h: h.kinds("rc-01")[-1:] == h.kinds("rc-02")[-1:] == ["failed"])
    by_cluster = {e.cluster: e for e in h.events if e.event == "failed"}
    assert by_cluster["rc-01"].reason == "player_failed"
    assert by_cluster["rc-01"].error == "player false exit status 1"
    assert by_cluster["rc-02"].error is not None
    assert by_cluster["rc-02"].error.endswith("exit status 3: ALSA: no sound card")
    assert h.kinds("rc-01") == ["received", "started", "failed"]


def test_a_hung_player_is_stopped_past_the_duration_even_if_it_ignores_sigterm(
    harness: Callable[[PlayoutConfig, ScheduleSet], Harness],
) -> None:
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    config = PlayoutConfig(
        relay_player=[sys.executable, "-c", stubborn], overrun_s=0.3, stop_grace_s=0.3
    )
    content = ScheduledContent(type="relay", duration_s=0.2, url="http://radio.example/live")
    h = harness(config, schedule_set(item("s", [now_ms()], content=content)))
    h.playout.start()
    h.wait_for(lambda h: "failed" in h.kinds())
    failed = h.last("failed")
    assert failed.reason == "overrun"
    assert "still running 0.3 s past the content's duration" in (failed.error or "")
    assert failed.played_s is not None and failed.played_s >= 0.5


def test_relay_and_volume_commands_run_in_order_around_the_player(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    log = tmp_path / "steps.log"
    config = PlayoutConfig(
        relay_player=recorder(log, "play {cluster} {url} {duration_s}"),
        relay_on=recorder(log, "relay on {cluster}"),
        relay_off=recorder(log, "relay off {cluster}"),
        set_volume=recorder(log, "volume {cluster} {volume}"),
        clusters={"rc-01": ClusterPlayout(volume=65)},
    )
    content = ScheduledContent(type="relay", duration_s=1.5, url="http://vov.example/vov1")
    h = harness(config, schedule_set(item("vov", [now_ms()], content=content)))
    h.playout.start()
    h.wait_for(lambda h: "finished" in h.kinds())
    assert log.read_text().splitlines() == [
        "relay on rc-01",
        "volume rc-01 65",
        "play rc-01 http://vov.example/vov1 1.5",
        "relay off rc-01",
    ]
    assert h.last("started").relay_on is True and h.last("finished").relay_on is True
    assert h.last("finished").volume == 65


def test_the_schedules_volume_goes_before_the_gateways_own(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    log = tmp_path / "steps.log"
    config = PlayoutConfig(
        relay_player=recorder(log, "play {cluster} {volume}"),
        set_volume=recorder(log, "volume {cluster} {volume}"),
        clusters={"rc-01": ClusterPlayout(volume=65)},
    )
    content = ScheduledContent(type="relay", duration_s=0.5, url="http://vov.example/vov1")
    loud = item("loud", [now_ms()], content=content, volume=90, clusters=["rc-01", "rc-02"])
    h = harness(config, schedule_set(loud))
    h.playout.start()
    h.wait_for(lambda h: h.kinds().count("finished") == 2)
    # rc-02 has no volume of its own in the configuration: the schedule's is enough
    # for set_volume to run.
    assert sorted(log.read_text().splitlines()) == [
        "play rc-01 90",
        "play rc-02 90",
        "volume rc-01 90",
        "volume rc-02 90",
    ]
    assert {e.volume for e in h.events if e.event in ("started", "finished")} == {90}


def test_a_standing_relay_joined_in_its_slot_plays_only_the_rest_of_it(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    log = tmp_path / "steps.log"
    config = PlayoutConfig(relay_player=recorder(log, "play {url} {duration_s}"))
    content = ScheduledContent(type="relay", duration_s=3600, url="http://vov.example/vov1")
    # An hour's slot that began 45 minutes ago: a quarter of an hour left.
    began = now_ms() - 45 * 60_000
    h = harness(config, schedule_set(item("vov", [began], content=content, priority="background")))
    h.playout.start()
    h.wait_for(lambda h: "finished" in h.kinds())
    [line] = log.read_text().splitlines()
    url, left = line.split()[1:]
    assert url == "http://vov.example/vov1" and 899 < float(left) <= 900


def test_a_missing_player_fails_and_the_relay_is_still_switched_off(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    log = tmp_path / "steps.log"
    config = PlayoutConfig(
        relay_player=["/nonexistent/player", "{url}"],
        relay_on=recorder(log, "on"),
        relay_off=recorder(log, "off"),
    )
    content = ScheduledContent(type="relay", duration_s=1, url="http://x.example/s")
    h = harness(config, schedule_set(item("s", [now_ms()], content=content)))
    h.playout.start()
    h.wait_for(lambda h: "failed" in h.kinds())
    failed = h.last("failed")
    assert (failed.reason, failed.error) == (
        "player_error",
        "cannot run player /nonexistent/player: not found",
    )
    assert failed.started_ms is None and "started" not in h.kinds()
    assert log.read_text().splitlines() == ["on", "off"]


def test_a_relay_that_does_not_switch_on_fails_the_play_without_running_the_player(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    log = tmp_path / "steps.log"
    config = PlayoutConfig(
        relay_player=recorder(log, "play"),
        relay_on=["false"],
        relay_off=recorder(log, "off"),
    )
    content = ScheduledContent(type="relay", duration_s=1, url="http://x.example/s")
    h = harness(config, schedule_set(item("s", [now_ms()], content=content)))
    h.playout.start()
    h.wait_for(lambda h: "failed" in h.kinds())
    failed = h.last("failed")
    assert failed.reason == "relay_failed" and failed.relay_on is False
    assert failed.error == "relay_on: false exited with status 1: no message"
    assert log.read_text().splitlines() == ["off"]


def test_an_emergency_stops_a_real_player_and_the_bulletin_resumes(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    log = tmp_path / "steps.log"
    # The player lasts as long as the slot says; the bulletin is long, the alarm short.
    player = [sys.executable, "-c", "import sys, time; time.sleep(float(sys.argv[1]))"]
    config = PlayoutConfig(
        relay_player=[*player, "{duration_s}"],
        relay_on=recorder(log, "on"),
        relay_off=recorder(log, "off"),
    )
    stream = ScheduledContent(type="relay", duration_s=30, url="http://x.example/s")
    alarm = ScheduledContent(type="relay", duration_s=0.5, url="http://x.example/alarm")
    start = now_ms()
    bulletin = item("bulletin", [start], content=stream)
    h = harness(config, schedule_set(bulletin, ts_ms=start))
    h.playout.start()
    h.wait_for(lambda h: "started" in h.kinds())
    emergency = item("flood", [now_ms()], priority="emergency", content=alarm)
    h.playout.offer(schedule_set(bulletin, emergency, ts_ms=start))
    h.wait_for(lambda h: h.kinds().count("started") == 3)
    steps = [(e.event, e.schedule) for e in h.events if e.event != "received"]
    assert steps == [
        ("started", "bulletin"),
        ("preempted", "bulletin"),
        ("started", "flood"),
        ("finished", "flood"),
        ("started", "bulletin"),
    ]
    preempted = h.last("preempted")
    assert preempted.by == "flood" and preempted.played_s is not None
    started_flood = next(e for e in h.events if e.event == "started" and e.schedule == "flood")
    assert started_flood.preempted == "bulletin"
    assert h.last("started").resumed is True
    h.playout.stop()
    # A clean stop logs what was playing, and the relay is off at the end.
    assert h.last("failed").reason == "agent_stopped"
    assert log.read_text().splitlines()[-1] == "off"


def test_a_text_starting_with_a_dash_is_spoken_not_taken_as_an_option(
    tmp_path: Path,
) -> None:
    # espeak-ng reads "-f<file>" as "speak this file": without "--" in the default
    # command, a bulletin's text could broadcast any file the agent can read.
    require_binary("espeak-ng", "espeak-ng")
    secret = tmp_path / "agent.yaml"
    secret.write_text("mat khau\n")
    renderer = SpeechRenderer(tmp_path / "speech", DEFAULT_TTS, timeout_s=30)
    attack = f"-f{secret}"
    assert renderer.render(renderer.key(attack, "vi"), attack, "vi")
    assert renderer.render(renderer.key("mat khau", "vi"), "mat khau", "vi")
    spoken = renderer.path(attack, "vi").read_bytes()
    assert spoken != renderer.path("mat khau", "vi").read_bytes()


def test_a_standing_relay_whose_stream_fails_is_tried_again_later_not_dropped(
    tmp_path: Path, harness: Callable[[PlayoutConfig, ScheduleSet], Harness]
) -> None:
    config = PlayoutConfig(relay_player=["false"])
    content = ScheduledContent(type="relay", duration_s=3600, url="http://vov.example/vov1")
    began = now_ms() - 60_000
    h = harness(config, schedule_set(item("vov", [began], content=content, priority="background")))
    h.playout.start()
    h.wait_for(lambda h: "failed" in h.kinds())
    h.settle()
    # Logged failed once, kept to start again in 30 s, not retried at every tick.
    assert h.kinds() == ["received", "started", "failed"]
    assert h.playout.status_of("rc-01", ("vov", began)) == "retry"
