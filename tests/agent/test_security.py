"""The agent against a broker set up as in production: TLS with a private CA and
client certificates, passwords, and the ACL shipped in deploy/mosquitto/xaso.acl."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from tests.paths import REPO
from xaso.testbed.binaries import require_binary
from xaso.testbed.mosquitto import MosquittoServer
from xaso.testbed.tls import Certificates, make_certificates

PASSWORDS = {"alpha-gw": "alpha-Zq9-secret", "beta-gw": "beta-Xw2-secret", "xaso-server": "srv-9"}


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def broker(tmp_path: Path, certificates: Certificates) -> Iterator[MosquittoServer]:
    passwd = tmp_path / "passwd"
    tool = require_binary("mosquitto_passwd", "mosquitto")
    for user, password in PASSWORDS.items():
        flags = ["-b"] if passwd.exists() else ["-c", "-b"]
        subprocess.run([tool, *flags, str(passwd), user, password], check=True, timeout=10)
    server = MosquittoServer(
        tmp_path / "mosquitto",
        security=(
            "allow_anonymous false\n"
            f"password_file {passwd}\n"
            f"acl_file {REPO / 'deploy/mosquitto/xaso.acl'}\n"
            f"cafile {certificates.ca}\n"
            f"certfile {certificates.server_cert}\n"
            f"keyfile {certificates.server_key}\n"
            "require_certificate true\n"
        ),
    )
    server.start()
    yield server
    server.stop()


class Watcher:
    """The server's view: logged in as xaso-server, collecting what it may read."""

    def __init__(self, port: int, certificates: Certificates) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.subscribed = threading.Event()
        client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
        client.username_pw_set("xaso-server", PASSWORDS["xaso-server"])
        client.tls_set(
            ca_certs=str(certificates.ca),
            certfile=str(certificates.client_cert),
            keyfile=str(certificates.client_key),
        )
        client.on_connect = lambda c, *_: c.subscribe("xaso/v1/agents/#", qos=1)
        client.on_subscribe = lambda *_: self.subscribed.set()
        client.on_message = lambda c, u, m: self.messages.append((m.topic, m.payload))
        client.connect("localhost", port)
        client.loop_start()
        self.client = client
        assert self.subscribed.wait(10), "watcher could not subscribe"

    def topics(self) -> set[str]:
        return {topic for topic, _ in self.messages}

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def watcher(broker: MosquittoServer, certificates: Certificates) -> Iterator[Watcher]:
    w = Watcher(broker.port, certificates)
    yield w
    w.close()


def run_agent(tmp_path: Path, host: str, port: int, certificates: Certificates) -> Path:
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"""
agent: {{id: alpha-gw, heartbeat_interval_s: 0.3}}
mqtt:
  url: mqtts://{host}:{port}
  username: alpha-gw
  password_env: XASO_TEST_MQTT_PASSWORD
  tls: {{ca_file: {certificates.ca}, cert_file: {certificates.client_cert},
         key_file: {certificates.client_key}}}
  reconnect_max_s: 1
state_dir: {tmp_path / "state"}
""",
        encoding="utf-8",
    )
    return config


def agent_output(config: Path, seconds: float) -> str:
    """Run the agent with debug logging for a while, stop it, return what it logged."""
    process = subprocess.Popen(
        [sys.executable, "-m", "xaso", "--log-level", "DEBUG", "agent", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "XASO_TEST_MQTT_PASSWORD": PASSWORDS["alpha-gw"]},
    )
    time.sleep(seconds)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)
    return output.decode(errors="replace")


def test_agent_over_tls_with_a_password_reports_and_never_logs_the_secret(
    broker: MosquittoServer, watcher: Watcher, certificates: Certificates, tmp_path: Path
) -> None:
    config = run_agent(tmp_path, "localhost", broker.port, certificates)
    output = agent_output(config, 2.0)
    assert "xaso/v1/agents/alpha-gw/heartbeat" in watcher.topics(), output[-2000:]
    states = [p for t, p in watcher.messages if t.endswith("/status")]
    assert b'"online"' in states[0] and b'"stopped"' in states[-1]
    assert PASSWORDS["alpha-gw"] not in output
    assert PASSWORDS["alpha-gw"] not in config.read_text(encoding="utf-8")


def test_a_broker_whose_certificate_names_another_host_is_refused(
    broker: MosquittoServer, watcher: Watcher, certificates: Certificates, tmp_path: Path
) -> None:
    # The certificate is for "localhost"; dialling 127.0.0.1 must fail the hostname check.
    config = run_agent(tmp_path, "127.0.0.1", broker.port, certificates)
    output = agent_output(config, 2.0)
    assert not [t for t in watcher.topics() if "alpha-gw" in t]
    assert "certificate verify failed" in output or "match" in output, output[-2000:]


def test_the_shipped_acl_stops_an_agent_speaking_for_another(
    broker: MosquittoServer, watcher: Watcher, certificates: Certificates
) -> None:
    impostor = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    impostor.username_pw_set("alpha-gw", PASSWORDS["alpha-gw"])
    impostor.tls_set(
        ca_certs=str(certificates.ca),
        certfile=str(certificates.client_cert),
        keyfile=str(certificates.client_key),
        cert_reqs=ssl.CERT_REQUIRED,
    )
    impostor.connect("localhost", broker.port)
    impostor.loop_start()
    try:
        for topic in (
            "xaso/v1/agents/beta-gw/heartbeat",  # another commune's gateway
            "xaso/v1/agents/beta-gw/status",
            "xaso/v1/agents/alpha-gw/replay",  # only the server asks for replays
            "xaso/v1/agents/alpha-gw/heartbeat",  # its own: allowed
        ):
            impostor.publish(topic, b"{}", qos=1).wait_for_publish(5)
        deadline = time.monotonic() + 5
        while "xaso/v1/agents/alpha-gw/heartbeat" not in watcher.topics():
            assert time.monotonic() < deadline, "its own heartbeat never arrived"
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        impostor.disconnect()
        impostor.loop_stop()
    assert watcher.topics() == {"xaso/v1/agents/alpha-gw/heartbeat"}
