"""The real ``xaso server`` as a process of its own, on a SQLite store in a folder.

For tests and benches that restart the server, or run it beside brokers and agents that
are processes too: it is started as an operator starts it (``python -m xaso server``),
stopped with SIGTERM, and what it stored is read straight from its SQLite file. A
process of its own also has memory and CPU of its own to read (``/proc/PID/status``).
``code_root`` picks the source tree it runs from, so a bench can run an older revision
beside the working tree in the same run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

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
        *,
        store_url: str | None = None,
        mqtt_password: str | None = None,
        code_root: Path | None = None,
    ) -> None:
        """``mqtt_password`` goes in a file (``--mqtt-password-file``), as in production."""
        self.workdir = workdir
        self.mqtt_url = mqtt_url
        self.inventory = inventory
        self.client_id = client_id
        self.extra = extra
        self.database = workdir / "timeseries.db"
        self.store_url = store_url or f"sqlite:///{self.database}"
        self.data_dir = workdir / "data"
        self.code_root = code_root or _SOURCE_ROOT
        self._password = mqtt_password
        self.http_port = free_port()
        self.log = workdir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _xaso(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "xaso", "--log-level", "WARNING", *args]

    def _env(self) -> dict[str, str]:
        path = os.environ.get("PYTHONPATH")
        root = str(self.code_root)
        return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root}

    def start(self, ready_timeout_s: float = READY_TIMEOUT_S) -> float:
        """Start and wait until the server is connected to the broker; the seconds it
        took. (A new HTTP port each time: the last one may have become some client's
        own end.)"""
        self.http_port = free_port()
        args = [
            "server",
            "--mqtt",
            self.mqtt_url,
            "--mqtt-client-id",
            self.client_id,
            "--store",
            self.store_url,
            "--inventory",
            str(self.inventory),
            "--data-dir",
            str(self.data_dir),
            "--listen",
            f"127.0.0.1:{self.http_port}",
            *self.extra,
        ]
        if self._password is not None:
            password_file = self.workdir / "mqtt-password"
            password_file.write_text(self._password, encoding="utf-8")
            password_file.chmod(0o600)
            args += ["--mqtt-password-file", str(password_file)]
        started = time.monotonic()
        with self.log.open("ab") as out:
            # Run from the work folder: ``python -m`` puts the current directory first
            # on the path, which would load the caller's tree whatever ``code_root`` says.
            self._process = subprocess.Popen(
                self._xaso(*args),
                env=self._env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        while time.monotonic() - started < ready_timeout_s:
            if self._process.poll() is not None:
                raise RuntimeError(f"xaso server exited: {self.log_tail()}")
            if self.metric("xaso_mqtt_connected") == 1.0:
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError(f"xaso server did not connect to {self.mqtt_url}: {self.log_tail()}")

    def create_token(self, role: str = "viewer") -> str:
        """An API token in the server's data folder (before or after start)."""
        done = subprocess.run(
            self._xaso(
                "token",
                "--data-dir",
                str(self.data_dir),
                "create",
                "--role",
                role,
                "--name",
                "bench",
            ),
            env=self._env(),
            cwd=self.workdir,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return done.stdout.decode().strip().splitlines()[-1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"

    def get_json(self, path: str, token: str, timeout_s: float = 60.0) -> Any:
        request = urllib.request.Request(
            self.url(path), headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            return json.loads(answer.read())

    def metrics(self) -> dict[str, float]:
        """Every sample of /metrics, keyed by its name and labels as written."""
        with urllib.request.urlopen(self.url("/metrics"), timeout=60) as answer:
            text = answer.read().decode()
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
        return samples

    def memory(self) -> dict[str, int]:
        """VmRSS and VmHWM (the resident high-water mark) in bytes."""
        assert self._process is not None, "not started"
        return proc_memory(self._process.pid)

    def metric(self, name: str) -> float | None:
        """One unlabelled value from the server's /metrics, None if it cannot be read."""
        try:
            with urllib.request.urlopen(self.url("/metrics"), timeout=2) as response:
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


def proc_memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values
