"""`xaso server` as an operator starts it: what it cannot fix itself is said in one
paragraph (no traceback), the port is taken before the broker session, and a broker it
cannot reach is said in the log and retried."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.messages import SMALL_INVENTORY
from xaso.testbed.mosquitto import MosquittoServer
from xaso.testbed.ports import free_port


def server_command(tmp_path: Path, *extra: str, port: int | None = None) -> list[str]:
    options = {
        "--inventory": str(SMALL_INVENTORY),
        "--data-dir": str(tmp_path / "data"),
        "--store": f"sqlite:///{tmp_path / 'ts.db'}",
        "--mqtt": f"mqtt://127.0.0.1:{free_port()}",
        "--listen": f"127.0.0.1:{port or free_port()}",
    }
    pairs = dict(zip(extra[::2], extra[1::2], strict=True))
    options.update(pairs)
    return [sys.executable, "-m", "xaso", "server", *(x for kv in options.items() for x in kv)]


def refused(tmp_path: Path, *extra: str, port: int | None = None) -> str:
    """Start the server; it must exit 2 within seconds. Returns what it said."""
    result = subprocess.run(
        server_command(tmp_path, *extra, port=port),
        capture_output=True,
        text=True,
        timeout=30,
    )
    said = result.stdout + result.stderr
    assert result.returncode == 2, said
    assert "Traceback" not in said, said
    return said


def test_a_bad_store_url_is_one_line(tmp_path: Path) -> None:
    said = refused(tmp_path, "--store", "postgres://db/xaso")
    assert "--store" in said and "sqlite, influxdb or influxdbs" in said


def test_a_store_path_it_cannot_write_is_named(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    said = refused(tmp_path, "--store", f"sqlite:///{tmp_path / 'a-file' / 'ts.db'}")
    assert "cannot open the time-series store" in said and "a-file" in said


def test_a_data_folder_it_cannot_write_is_named(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    said = refused(tmp_path, "--data-dir", str(tmp_path / "a-file" / "data"))
    assert "--data-dir" in said and "a-file" in said


def test_a_broker_password_file_it_cannot_read_is_named(tmp_path: Path) -> None:
    said = refused(tmp_path, "--mqtt-password-file", str(tmp_path / "no-such-file"))
    assert "cannot read the broker password" in said and "no-such-file" in said


def test_a_bad_broker_url_is_one_line(tmp_path: Path) -> None:
    said = refused(tmp_path, "--mqtt", "http://broker:1883")
    assert "--mqtt" in said and "mqtt://" in said


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        said = refused(tmp_path, port=port)
    assert f"cannot listen on 127.0.0.1:{port}" in said and "in use" in said


@pytest.fixture
def running(tmp_path: Path, mosquitto: MosquittoServer) -> Iterator[tuple[int, Path]]:
    port = free_port()
    log = tmp_path / "first.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            server_command(
                tmp_path, "--mqtt", mosquitto.url, "--mqtt-client-id", "xaso-one", port=port
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(port)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=15)


def wait_healthy(port: int, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server on {port} never became healthy")


def test_a_second_server_fails_on_its_port_before_touching_the_broker(
    tmp_path: Path, mosquitto: MosquittoServer, running: tuple[int, Path]
) -> None:
    port, _ = running
    (tmp_path / "second").mkdir()
    said = refused(
        tmp_path / "second", "--mqtt", mosquitto.url, "--mqtt-client-id", "xaso-one", port=port
    )
    assert "cannot listen" in said
    time.sleep(0.5)
    # Mosquitto logs a takeover as "already connected, closing old connection".
    assert "already connected" not in mosquitto.log.read_text(errors="replace")
    wait_healthy(port, timeout_s=2)  # the first one never lost its broker link


def test_an_unreachable_broker_is_said_and_retried(tmp_path: Path) -> None:
    broker_port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            server_command(tmp_path, "--mqtt", f"mqtt://127.0.0.1:{broker_port}"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while "cannot reach the broker" not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        text = log.read_text(errors="replace")
        assert f"127.0.0.1:{broker_port}" in text and "serving on" in text
    finally:
        process.terminate()
        process.wait(timeout=15)
