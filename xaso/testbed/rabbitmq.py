"""A real RabbitMQ cluster with its MQTT plugin, on loopback, in a temporary folder.

Each node is an ordinary process set of this user (no system service, no /etc): its
name (``xaso1@localhost``...), ports, data, logs, configuration and enabled plugins live
in the folder, the nodes share an Erlang cookie through their own ``HOME``, and the
Erlang port mapper they start listens on a port of ours, which ``stop`` ends again.
Nodes 2.. join node 1 with ``rabbitmqctl join_cluster``, as an operator would.

Debian's ``/usr/sbin/rabbitmq-server`` switches to the ``rabbitmq`` user, who cannot
write here: the scripts under ``/usr/lib/rabbitmq/bin`` are the ones run.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from xaso.testbed.binaries import MissingBinary

_SCRIPTS = Path("/usr/lib/rabbitmq/bin")
START_TIMEOUT_S = 90.0
_COOKIE = "XASOTESTBEDCOOKIE"


def rabbitmq_scripts() -> Path:
    """The folder of ``rabbitmq-server`` and ``rabbitmqctl``, or MissingBinary."""
    if (_SCRIPTS / "rabbitmq-server").exists():
        return _SCRIPTS
    found = shutil.which("rabbitmqctl")
    if found is None:
        raise MissingBinary("rabbitmq-server not installed: apt-get install rabbitmq-server")
    return Path(found).resolve().parent


def rabbitmq_installed() -> bool:
    try:
        rabbitmq_scripts()
    except MissingBinary:
        return False
    return True


class RabbitNode:
    """One node. ``prefetch`` is the MQTT plugin's bound on unacknowledged QoS 1
    deliveries to one subscriber (its default, 10, throttles a subscriber that
    acknowledges after a batched write); ``durable_queue_type`` is where persistent
    sessions keep their messages: "classic" (on the node the client connected to) or
    "quorum" (replicated over the cluster)."""

    def __init__(
        self,
        workdir: Path,
        index: int,
        epmd_port: int,
        *,
        prefetch: int,
        durable_queue_type: str,
    ) -> None:
        self.scripts = rabbitmq_scripts()
        self.index = index
        self.name = f"xaso{index}@localhost"
        self.workdir = workdir
        self.mqtt_port = port_outside_ephemeral_range()
        self.dist_port = port_outside_ephemeral_range()
        self.epmd_port = epmd_port
        self.pid_file = workdir / "rabbitmq.pid"
        home = workdir / "home"
        home.mkdir(parents=True, exist_ok=True)
        cookie = home / ".erlang.cookie"
        if not cookie.exists():
            cookie.write_text(_COOKIE, encoding="ascii")
            cookie.chmod(0o400)  # Erlang refuses a cookie others can read
        (workdir / "rabbitmq.conf").write_text(
            "listeners.tcp = none\n"  # no AMQP clients: MQTT only
            f"mqtt.listeners.tcp.default = 127.0.0.1:{self.mqtt_port}\n"
            "mqtt.allow_anonymous = true\n"
            f"mqtt.prefetch = {prefetch}\n"
            f"mqtt.durable_queue_type = {durable_queue_type}\n"
            "log.file.level = warning\n",
            encoding="ascii",
        )
        (workdir / "enabled_plugins").write_text("[rabbitmq_mqtt].\n", encoding="ascii")
        (workdir / "rabbitmq-env.conf").touch()
        self._process: subprocess.Popen[bytes] | None = None
        self._output = workdir / "server.out"

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.mqtt_port}"

    def env(self) -> dict[str, str]:
        """The environment of the node and of the rabbitmqctl that talks to it."""
        w = self.workdir
        return {
            **os.environ,
            "HOME": str(w / "home"),  # the shared cookie
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(w / "mnesia"),
            "RABBITMQ_LOG_BASE": str(w / "log"),
            "RABBITMQ_CONFIG_FILE": str(w / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(w / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(w / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(w / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
            # Our own port mapper, on loopback, and the cluster links on loopback too.
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def launch(self) -> None:
        """Start the node's processes; ``wait_running`` waits for it."""
        self.pid_file.unlink(missing_ok=True)
        with self._output.open("ab") as out:
            self._process = subprocess.Popen(
                [str(self.scripts / "rabbitmq-server")],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C of ours is not the node's
            )

    def wait_running(self) -> None:
        self.ctl("wait", "--timeout", str(int(START_TIMEOUT_S)), str(self.pid_file))
        self._wait_port(self.mqtt_port)

    def _wait_port(self, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.2),
            ):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name}: port {port} did not open: {self.output_tail()}")

    def ctl(self, *args: str, timeout_s: float = START_TIMEOUT_S) -> str:
        """``rabbitmqctl -n <this node> args...``; its output, or RuntimeError."""
        result = subprocess.run(
            [str(self.scripts / "rabbitmqctl"), "-n", self.name, "--quiet", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"rabbitmqctl {' '.join(args)} on {self.name}: {result.stderr or result.stdout}"
            )
        return result.stdout

    @property
    def os_pid(self) -> int | None:
        """The Erlang VM's process id (the one whose CPU is the broker's)."""
        with contextlib.suppress(OSError, ValueError):
            return int(self.pid_file.read_text().strip())
        return None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, kill: bool = False) -> None:
        """SIGTERM: RabbitMQ's orderly shutdown (clients are disconnected); SIGKILL: a
        crash of the machine, as far as the others can tell."""
        if self._process is None:
            return
        pid = self.os_pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._process = None

    def output_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self._output.read_text(errors="replace")[-2000:]
        return "(no output)"


class RabbitCluster:
    """``size`` nodes; node 1 is the one the others join."""

    def __init__(
        self,
        workdir: Path,
        size: int = 3,
        *,
        prefetch: int = 1000,
        durable_queue_type: str = "classic",
    ) -> None:
        self.workdir = workdir
        self.epmd_port = port_outside_ephemeral_range()
        self.nodes = [
            RabbitNode(
                workdir / f"node{i}",
                i,
                self.epmd_port,
                prefetch=prefetch,
                durable_queue_type=durable_queue_type,
            )
            for i in range(1, size + 1)
        ]

    def start(self) -> None:
        # All at once (the first Erlang VM starts the port mapper, the others find it);
        # then each of the others joins node 1 once both run.
        first, *others = self.nodes
        for node in self.nodes:
            node.launch()
        first.wait_running()
        with ThreadPoolExecutor(len(others) or 1) as pool:
            list(pool.map(self._join, others))

    def _join(self, node: RabbitNode) -> None:
        node.wait_running()
        node.ctl("stop_app")
        node.ctl("join_cluster", self.nodes[0].name)
        node.ctl("start_app")
        node.wait_running()

    def restart_node(self, node: RabbitNode) -> None:
        """Start a stopped node again: it remembers its cluster and rejoins it."""
        node.launch()
        node.wait_running()

    def running_nodes(self) -> list[str]:
        """The cluster's running nodes, as node 1 (or the first running node) sees it."""
        asking = next(n for n in self.nodes if n.running)
        return sorted(
            line.strip().strip("'\"")
            for line in asking.ctl("eval", "rabbit_nodes:all_running().").strip()[1:-1].split(",")
            if line.strip()
        )

    def connections_per_node(self) -> dict[str, int]:
        """MQTT client connections on each node. (``list_mqtt_connections`` lists the
        whole cluster's; a connection's name ends in the MQTT port it came in on.)"""
        asking = next(n for n in self.nodes if n.running)
        node_of_port = {str(n.mqtt_port): n.name for n in self.nodes}
        counts = dict.fromkeys(node_of_port.values(), 0)
        out = asking.ctl("list_mqtt_connections", "conn_name", "--no-table-headers")
        for line in out.splitlines():
            # 127.0.0.1:50401 -> 127.0.0.1:56597
            node = node_of_port.get(line.strip().rsplit(":", 1)[-1])
            if node is not None:
                counts[node] += 1
        return counts

    def queues(self) -> list[tuple[str, str, int, str]]:
        """(name, type, messages ready+unacknowledged, node) of every queue."""
        asking = next(n for n in self.nodes if n.running)
        found = []
        out = asking.ctl("list_queues", "name", "type", "messages", "pid", "--no-table-headers")
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 4:
                node = parts[3].lstrip("<").split(".", 1)[0]
                messages = int(parts[2]) if parts[2].isdigit() else 0
                found.append((parts[0], parts[1], messages, node))
        return found

    def cpu_s(self) -> float:
        """CPU seconds the running nodes' Erlang VMs have used so far."""
        return sum(process_cpu_s(n.os_pid) for n in self.nodes if n.running)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        # The port mapper the first node started outlives the nodes: end ours.
        epmd = shutil.which("epmd") or "/usr/bin/epmd"
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                [epmd, "-port", str(self.epmd_port), "-kill"],
                capture_output=True,
                timeout=10,
                check=False,
            )


def port_outside_ephemeral_range() -> int:
    """A free loopback port below the kernel's range for outgoing connections: a node
    stopped and started again gets its ports back, where a port of that range may by
    then be some client's own end (ports.free_port's race, made likely by a restart)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, min(low, 32768))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def process_cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def running_rabbit_cluster(
    workdir: Path, size: int = 3, *, prefetch: int = 1000, durable_queue_type: str = "classic"
) -> Iterator[RabbitCluster]:
    cluster = RabbitCluster(workdir, size, prefetch=prefetch, durable_queue_type=durable_queue_type)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
