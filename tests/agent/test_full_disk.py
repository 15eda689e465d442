"""The agent on a really full disk (a small tmpfs, filled to the last byte): it keeps
reporting without its queue and says why, across restarts, and takes its queue up again
once there is room (docs/agent-queue.md: "errors do not crash the agent")."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from xaso.protocol import heartbeat_topic
from xaso.testbed.disk import fill
from xaso.testbed.mosquitto import MosquittoServer


class Beats:
    """The agent's heartbeats as the server would receive them."""

    def __init__(self, port: int) -> None:
        self.beats: list[dict[str, object]] = []
        self._subscribed = threading.Event()
        self.client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
        self.client.on_connect = lambda c, *_: c.subscribe(heartbeat_topic("alpha-gw"), qos=1)
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = lambda c, u, m: self.beats.append(json.loads(m.payload))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._subscribed.wait(10)

    def wait(self, condition, what: str, timeout_s: float = 15):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [b for b in list(self.beats) if condition(b)]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no heartbeat {what}; last: {self.beats[-1:]}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def start_agent(config: Path) -> subprocess.Popen[bytes]:
    # Its log goes to a file: on a full disk it logs an error every cycle, and a pipe
    # nobody reads would fill up and block it (the disk of the log is not the small one).
    with (config.parent / "agent.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "xaso", "agent", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def test_a_full_disk_never_stops_the_agent(
    tmp_path: Path, small_disk: Path, mosquitto: MosquittoServer
) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text(
        "agent: {id: alpha-gw, heartbeat_interval_s: 0.2}\n"
        f'mqtt: {{url: "{mosquitto.url}", keepalive_s: 5, reconnect_max_s: 1}}\n'
        f"state_dir: {small_disk / 'state'}\n"
        "collectors: {system: null}\n"
        # Delivered records are purged at every cycle: a purge needs room in the journal.
        "queue: {keep_acked_s: 0}\n",
        encoding="utf-8",
    )
    beats = Beats(mosquitto.port)
    try:
        agent = start_agent(config)
        beats.wait(lambda b: b["seq"] > 0, "from the queue")  # the queue exists and works
        ballast = fill(small_disk)
        for restart in range(3):
            # Still reporting, without the queue (seq -1), and saying why.
            beat = beats.wait(
                lambda b: b["seq"] == -1 and "full" in str(b["health"].get("queue_error")),
                f"past the full disk (run {restart + 1})",
            )
            assert beat["agent"] == "alpha-gw"
            time.sleep(1.0)  # several cycles: enforce_policy ran on the full disk
            assert agent.poll() is None, (tmp_path / "agent.log").read_text()[-3000:]
            agent.send_signal(signal.SIGTERM)
            assert agent.wait(timeout=15) == 0
            beats.beats.clear()
            agent = start_agent(config)
        ballast.unlink()  # room again: the queue takes over
        beats.beats.clear()
        beats.wait(lambda b: b["seq"] > 0, "from the queue again")
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(timeout=15) == 0
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        beats.close()
