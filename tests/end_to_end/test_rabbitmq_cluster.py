"""The broker path past one machine: a real agent on node 2 of a 3-node RabbitMQ MQTT
cluster, the real server on node 1, every heartbeat stored once, also those sent while
the server was restarting (its persistent session lives on node 1 and takes them in);
and the agent holds its schedule set, though RabbitMQ keeps the server's retained sets
on node 1 only (the server sends a gateway's set again when it connects).

Skipped where rabbitmq-server is not installed, in CI too (the cluster alone takes
~20 s to form; ``bench/broker_cluster.py`` tries the rest of the path).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from xaso.testbed.rabbitmq import RabbitCluster, rabbitmq_installed, running_rabbit_cluster
from xaso.testbed.server_process import ServerProcess

pytestmark = [
    pytest.mark.skipif(not rabbitmq_installed(), reason="apt-get install rabbitmq-server"),
    pytest.mark.slow,
]

AGENT = "beta-radio-gw"
INVENTORY = """\
schema: 1
name: cluster test
timezone: Asia/Ho_Chi_Minh
levels: [province, commune]
areas:
  - {code: prov, name: Tỉnh Thử, level: province}
communes:
  - code: beta
    name: Xã Beta
    kind: xa
    parents: [{area: prov}]
    villages: [{code: beta.t1, name: Thôn 1}]
    agents:
      - id: beta-radio-gw
        name: Gateway Beta
        kind: radio_gateway
        devices:
          - {id: beta-rc-1, name: Cụm 1, type: radio_cluster, village: beta.t1}
"""


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RabbitCluster]:
    with running_rabbit_cluster(tmp_path / "rabbitmq", 3) as running:
        yield running


@pytest.fixture
def device_port() -> Iterator[int]:
    """A loudspeaker cluster's web port: something that answers TCP connects."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(16)
        yield listening.getsockname()[1]


def _start_agent(tmp_path: Path, url: str, device_port: int) -> subprocess.Popen[bytes]:
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"agent: {{id: {AGENT}, heartbeat_interval_s: 0.5}}\n"
        # RabbitMQ before 3.13 speaks MQTT 3.1.1 only (the agent's default is MQTT 5).
        f'mqtt: {{url: "{url}", protocol: mqtt3.1.1, keepalive_s: 5, reconnect_max_s: 2}}\n'
        f"state_dir: {tmp_path / 'agent-state'}\n"
        "collectors:\n  reachability:\n    devices:\n"
        f"      - {{id: beta-rc-1, address: 127.0.0.1, port: {device_port}}}\n",
        encoding="utf-8",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "xaso", "agent", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def test_an_agent_on_node_2_reaches_the_server_on_node_1_every_heartbeat_once(
    tmp_path: Path, cluster: RabbitCluster, device_port: int
) -> None:
    node1, node2, _ = cluster.nodes
    inventory = tmp_path / "devices.yaml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    server = ServerProcess(tmp_path / "server", node1.url, inventory)
    server.start()
    agent = _start_agent(tmp_path, node2.url, device_port)
    try:
        _wait_for(lambda: server.heartbeat_count() >= 4, "heartbeats through node 2")
        # Retained on node 1 before the agent came: it has its set all the same.
        held = tmp_path / "agent-state" / "schedule.json"
        _wait_for(held.exists, "the agent's schedule set, sent again on its connection")
        # Away for a while: node 1 keeps the server's session and queues meanwhile.
        server.stop()
        time.sleep(2.0)
        server.start()
        before_stop = server.heartbeat_count()
        _wait_for(lambda: server.heartbeat_count() >= before_stop + 2, "heartbeats after")
    finally:
        agent.send_signal(signal.SIGTERM)  # a clean stop: its last heartbeats go out
        agent.wait(timeout=15)
    try:
        # The agent's "stopped" comes after its last heartbeat: once it is stored, all are.
        _wait_for(lambda: server.last_transition(AGENT) == ("stopped", "stopped"), "stopped")
        stored = server.stored_seqs()
    finally:
        server.stop()

    assert list(stored) == [(AGENT, next(iter(stored))[1])]  # one agent, one session
    counts = next(iter(stored.values()))
    seqs = sorted(counts)
    # Every heartbeat once, none missing between the first and the last: also those
    # the agent sent while the server was away.
    assert all(count == 1 for count in counts.values()), counts
    assert seqs == list(range(seqs[0], seqs[-1] + 1))
    assert len(seqs) >= 6
