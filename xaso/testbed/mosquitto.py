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

from xaso.testbed.binaries import require_binary
from xaso.testbed.ports import free_port

# The broker configuration the project ships, in a source checkout (MosquittoServer.deployed).
DEPLOYED_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto" / "xaso.conf"
DEPLOYED_ACL = DEPLOYED_CONFIG.with_name("xaso.acl")


class MosquittoServer:
    """``security`` replaces anonymous access with the given settings (TLS files,
    password and ACL files), as production runs it. ``config`` replaces the whole
    configuration (see ``deployed``), but for the lines that put the broker on our port
    and keep its files and user ours; ``{port}`` in it stands for the port."""

    def __init__(
        self,
        workdir: Path,
        security: str = "allow_anonymous true\n",
        config: str | None = None,
        port: int | None = None,
        autosave_interval_s: int = 1,
    ) -> None:
        """``autosave_interval_s``: 1 so that a test's restart keeps what it just
        queued; a bench with a large backlog wants production's 60. Mosquitto writes its
        whole store at each autosave, and with ~300,000 heartbeats queued in a 5-minute
        overload at 1 s, a load generator lost its connection to the broker."""
        self.binary = require_binary("mosquitto", "mosquitto")
        self.workdir = workdir
        self.port = port or free_port()
        self.config = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        (workdir / "data").mkdir(parents=True, exist_ok=True)
        if config is None:
            # The settings our deploy config uses too: persistence so a restart keeps
            # sessions and retained messages, and queues large enough that a slow
            # subscriber is not silently dropped (the default is 1000 messages).
            config = (
                f"listener {self.port} 127.0.0.1\n"
                f"{security}"
                "persistence true\n"
                f"persistence_location {workdir}/data/\n"
                f"autosave_interval {autosave_interval_s}\n"
                "max_inflight_messages 1000\n"
                "max_queued_messages 1000000\n"
            )
        config = config.replace("{port}", str(self.port))
        self.config.write_text(
            # Started as root, mosquitto drops to the user "mosquitto", which cannot write
            # to our private temporary folder: its persistence and log would silently
            # fail. Stay the user we are.
            f"user {getpass.getuser()}\n"
            f"{config}"
            f"log_dest file {self.log}\n"
            "log_type error\nlog_type warning\nlog_type notice\n",
            encoding="ascii",
        )
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def deployed(
        cls,
        workdir: Path,
        passwords: dict[str, str],
        acl: Path = DEPLOYED_ACL,
        port: int | None = None,
    ) -> MosquittoServer:
        """A broker configured exactly as deploy/mosquitto/xaso.conf ships, but for its
        port (a free one, on loopback) and the paths of its files (here); the users of
        ``passwords`` in its password file."""
        workdir.mkdir(parents=True, exist_ok=True)
        passwd = workdir / "xaso.passwd"
        tool = require_binary("mosquitto_passwd", "mosquitto")
        for user, password in passwords.items():
            flags = ["-b"] if passwd.exists() else ["-c", "-b"]
            subprocess.run([tool, *flags, str(passwd), user, password], check=True, timeout=10)
        replaced = {
            "listener": "listener {port} 127.0.0.1",
            "password_file": f"password_file {passwd}",
            "acl_file": f"acl_file {acl}",
            "persistence_location": f"persistence_location {workdir}/data/",
        }
        lines = []
        for line in DEPLOYED_CONFIG.read_text(encoding="utf-8").splitlines():
            key = line.split(" ", 1)[0]
            lines.append(replaced.pop(key, line))
        assert not replaced, f"deploy/mosquitto/xaso.conf lost its {sorted(replaced)} lines"
        return cls(workdir, config="\n".join(lines) + "\n", port=port)

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
def running_mosquitto(workdir: Path, autosave_interval_s: int = 1) -> Iterator[MosquittoServer]:
    server = MosquittoServer(workdir, autosave_interval_s=autosave_interval_s)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def running_deployed(workdir: Path, passwords: dict[str, str]) -> Iterator[MosquittoServer]:
    """A broker configured as deploy/mosquitto ships it (``MosquittoServer.deployed``),
    running while the block runs."""
    server = MosquittoServer.deployed(workdir, passwords)
    server.start()
    try:
        yield server
    finally:
        server.stop()
