"""A real Mosquitto broker on a free loopback port in a temporary folder."""

from __future__ import annotations

import contextlib
import getpass
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests.services.binaries import require_binary
from tests.services.ports import free_port


class MosquittoServer:
    """``security`` replaces anonymous access with the given settings (TLS files,
    password and ACL files), as production runs it."""

    def __init__(self, workdir: Path, security: str = "allow_anonymous true\n") -> None:
        self.binary = require_binary("mosquitto", "mosquitto")
        self.workdir = workdir
        self.port = free_port()
        self.config = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        (workdir / "data").mkdir(parents=True, exist_ok=True)
        # The settings our deploy config uses too: persistence so a restart keeps
        # sessions and retained messages, and queues large enough that a slow
        # subscriber is not silently dropped (the default is 1000 messages).
        self.config.write_text(
            # Started as root, mosquitto drops to the user "mosquitto", which cannot write
            # to our private temporary folder: its persistence and log would silently
            # fail. Stay the user we are.
            f"user {getpass.getuser()}\n"
            f"listener {self.port} 127.0.0.1\n"
            f"{security}"
            "persistence true\n"
            f"persistence_location {workdir}/data/\n"
            "autosave_interval 1\n"
            "max_inflight_messages 1000\n"
            "max_queued_messages 1000000\n"
            f"log_dest file {self.log}\n"
            "log_type error\nlog_type warning\nlog_type notice\n",
            encoding="ascii",
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [self.binary, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self._log_tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not start: {self._log_tail()}")

    def stop(self, kill: bool = False) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stderr:
            self._process.stderr.close()
        self._process = None

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-2000:]
        return "(no log)"


@contextlib.contextmanager
def running_mosquitto(workdir: Path) -> Iterator[MosquittoServer]:
    server = MosquittoServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
