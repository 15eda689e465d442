"""A real InfluxDB 1.x server for integration tests.

``running_influxd(tmp_path)`` starts ``influxd`` on free loopback ports with every file
inside ``tmp_path`` and stops it afterwards. ``stop()`` and ``start()`` let a test
simulate an outage; the server comes back on the same port with the same data.
"""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xaso.testbed.binaries import require_binary
from xaso.testbed.ports import free_port

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
LOG_TAIL_CHARS = 3000

# Settings that differ from influxd's defaults, and why:
# - max-values-per-tag = 0: the default 100,000 turns a large fleet into "partial write"
#   errors (docs/storage.md#influxdb-versions); production config must lift it too.
# - monitor store, reporting, CQs and query logging off: no background writes or
#   phone-home, and a quiet log whose tail is worth printing when startup fails.
# - wal-fsync-delay 0s (the default) keeps writes durable as in production.
_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"
  logging-enabled = false

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  max-values-per-tag = 0
  max-series-per-database = 0

[coordinator]
  log-queries-after = "0s"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = false
  log-enabled = false
  max-row-limit = 0

[logging]
  level = "warn"
  suppress-logo = true

[continuous_queries]
  enabled = false

[subscriber]
  enabled = false
"""


def influxd_binary() -> str:
    return require_binary("influxd", "influxdb")


class InfluxServer:
    """One ``influxd`` process rooted in a folder; restartable on the same port."""

    def __init__(self, binary: str, root: Path) -> None:
        self.binary = binary
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_path = root / "influxdb.conf"
        self.log_path = root / "influxd.log"
        self.config_path.write_text(
            _CONFIG.format(root=root, rpc_port=free_port(), http_port=self.port),
            encoding="utf-8",
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The running ``influxd``'s (a bench reads its CPU from /proc)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self.running:
            return
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [self.binary, "run", "-config", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash or a power cut: no clean shutdown of its WAL."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def pause(self) -> None:
        """SIGSTOP: it keeps its connections and answers nothing, as a hung server does."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]
        except FileNotFoundError:
            return "(no log)"

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                self._process = None
                raise RuntimeError(f"influxd exited during startup; log tail:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=1) as response:
                    if response.status == 204:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"influxd did not answer /ping within {START_TIMEOUT_S:.0f} s; "
                    f"log tail:\n{self.log_tail()}"
                )
            time.sleep(0.05)


@contextmanager
def running_influxd(tmp_path: Path) -> Iterator[InfluxServer]:
    """Start ``influxd`` with all its files under ``tmp_path``; stop it on exit."""
    server = InfluxServer(influxd_binary(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
