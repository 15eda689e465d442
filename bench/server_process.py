"""The real server as the benches run it: ``python -m xaso server`` in a subprocess.

Unlike an app built inside the bench's own process, a subprocess has memory and CPU of
its own to read (``/proc/PID/status``: VmRSS, VmHWM), starts the way the systemd unit
starts it, and is fed only through the broker. ``code_root`` picks the source tree the
server runs from (``PYTHONPATH``), so a bench can run an older revision beside the
working tree in the same run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


class ServerProcess:
    def __init__(
        self,
        folder: Path,
        inventory: Path,
        mqtt_url: str,
        *,
        store_url: str | None = None,
        mqtt_password: str | None = None,
        code_root: Path = REPO,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        from xaso.testbed.ports import free_port

        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.inventory = inventory
        self.mqtt_url = mqtt_url
        self.store_url = store_url or f"sqlite:///{folder / 'timeseries.db'}"
        self.code_root = code_root
        self.port = free_port()
        self.log = folder / "server.log"
        self._password = mqtt_password
        self._extra = extra_args
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    def _xaso(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "xaso", "--log-level", "WARNING", *args]

    def _env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.code_root)}

    def create_token(self, role: str = "viewer") -> str:
        """An API token in the server's data folder (call before or after start)."""
        done = subprocess.run(
            self._xaso(
                "token", "--data-dir", str(self.folder), "create", "--role", role, "--name", "bench"
            ),
            env=self._env(),
            cwd=self.folder,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return done.stdout.decode().strip().splitlines()[-1]

    def start(self) -> None:
        args = [
            "server",
            "--inventory",
            str(self.inventory),
            "--mqtt",
            self.mqtt_url,
            "--store",
            self.store_url,
            "--data-dir",
            str(self.folder),
            "--listen",
            f"127.0.0.1:{self.port}",
            *self._extra,
        ]
        if self._password is not None:
            password_file = self.folder / "mqtt-password"
            password_file.write_text(self._password, encoding="utf-8")
            password_file.chmod(0o600)
            args += ["--mqtt-password-file", str(password_file)]
        with self.log.open("ab") as log:
            # Run from our folder: ``python -m`` puts the current directory first on the
            # path, which would load the bench's tree whatever ``code_root`` says.
            self._process = subprocess.Popen(
                self._xaso(*args),
                env=self._env(),
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout_s: float = 300.0) -> float:
        """Wait until /healthz answers 200 (the broker link up); the seconds it took."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_tail()}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(self.url("/healthz"), timeout=5) as answer,
            ):
                if answer.status == 200:
                    return time.monotonic() - t0
            time.sleep(0.2)
        raise TimeoutError(f"the server was not ready in {timeout_s:.0f} s: {self.log_tail()}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

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
        return proc_memory(self.pid)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGTERM)
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


def proc_memory(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values
