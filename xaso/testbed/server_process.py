"""The real ``xaso server`` as a process of its own, on a SQLite store in a folder.

For tests and benches that restart the server, or run it beside brokers and agents that
are processes too: it is started as an operator starts it (``python -m xaso server``),
stopped with SIGTERM, and what it stored is read straight from its SQLite file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

from xaso.testbed.ports import free_port

# The checkout this module is in: the server process imports the same code.
_SOURCE_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60.0


class ServerProcess:
    def __init__(
        self,
        workdir: Path,
        mqtt_url: str,
        inventory: Path,
        client_id: str = "xaso-server",
        extra: tuple[str, ...] = (),
    ) -> None:
        self.workdir = workdir
        self.mqtt_url = mqtt_url
        self.inventory = inventory
        self.client_id = client_id
        self.extra = extra
        self.database = workdir / "timeseries.db"
        self.http_port = free_port()
        self.log = workdir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        """Start and wait until the server is connected to the broker. (A new HTTP
        port each time: the last one may have become some client's own end.)"""
        self.http_port = free_port()
        command = [
            sys.executable,
            "-m",
            "xaso",
            "--log-level",
            "WARNING",
            "server",
            "--mqtt",
            self.mqtt_url,
            "--mqtt-client-id",
            self.client_id,
            "--store",
            f"sqlite:///{self.database}",
            "--inventory",
            str(self.inventory),
            "--data-dir",
            str(self.workdir / "data"),
            "--listen",
            f"127.0.0.1:{self.http_port}",
            *self.extra,
        ]
        path = os.environ.get("PYTHONPATH")
        env = {
            **os.environ,
            "PYTHONPATH": f"{_SOURCE_ROOT}{os.pathsep}{path}" if path else str(_SOURCE_ROOT),
        }
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"xaso server exited: {self.log_tail()}")
            if self.metric("xaso_mqtt_connected") == 1.0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"xaso server did not connect to {self.mqtt_url}: {self.log_tail()}")

    def metric(self, name: str) -> float | None:
        """One unlabelled value from the server's /metrics, None if it cannot be read."""
        url = f"http://127.0.0.1:{self.http_port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                text = response.read().decode()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith(f"{name} "):
                return float(line.split()[1])
        return None

    def stop(self, kill: bool = False) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-3000:]
        return "(no log)"

    # -- what it stored ---------------------------------------------------------------

    def _query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        if not self.database.exists():
            return []
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA busy_timeout = 5000")
            return db.execute(sql, params).fetchall()

    def heartbeat_count(self) -> int:
        return int(self._query("SELECT count(*) FROM agent_health")[0][0])  # type: ignore[call-overload]

    def stored_seqs(self) -> dict[tuple[str, int], Counter[int]]:
        """(agent, session) -> how many times each heartbeat ``seq`` is stored."""
        found: dict[tuple[str, int], Counter[int]] = {}
        for agent, session, seq in self._query("SELECT agent_id, session, seq FROM agent_health"):
            found.setdefault((str(agent), int(session)), Counter())[int(seq)] += 1  # type: ignore[call-overload]
        return found

    def readings_count(self) -> int:
        return int(self._query("SELECT count(*) FROM device_reading")[0][0])  # type: ignore[call-overload]

    def last_transition(self, device_id: str) -> tuple[str, str] | None:
        """(status, cause) of the device's newest stored transition."""
        rows = self._query(
            'SELECT status, cause FROM "transition" WHERE device_id = ? '
            "ORDER BY ts_ms DESC LIMIT 1",
            device_id,
        )
        return (str(rows[0][0]), str(rows[0][1])) if rows else None
