"""The sustained zero-loss rate of a consumer of heartbeats, found by steps of offered load.

Shared by ``bench/end_to_end.py`` and ``bench/nodered.py``; not a bench of its own.

A *consumer* is whatever takes heartbeats off the broker: the real xaso server (a
subprocess started through its command line), Node-RED, or the raw paho subscriber that
sets the ceiling. Each says how many heartbeats it has consumed (for a server: points or
rows in its store, counted there) and checks, after the load, that every published
heartbeat and every device reading is there once.

A *step* (``Harness.step``) offers a fixed rate for a fixed time (``bench/load.py``, open
loop), samples the consumer's count at the start, half way and at the end, waits for the
drain, verifies the store and takes the consumer's CPU (its whole process tree, from
/proc) and peak RSS. A step *held* when the stored rate over the window's second half
(the first also holds the pipeline's latency) is at least ``KEEP_UP`` of what the
publishers sent over it (a publisher a little behind its schedule is not the consumer's
fault; one more than a second behind voids the step), the backlog (published minus
stored) did not grow over that half by more than ``1 - KEEP_UP`` of what was offered in
it, and nothing was lost.

``Harness.search`` raises the rate by half while steps hold, then halves the interval
between the highest that held and the lowest that did not until they are within
``RESOLUTION``; the final run at the rate found (60 s by default) must hold too, else the
rate is lowered by a tenth and run again.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from load import CONNECT_TIMEOUT_S, Fleet, offered_load

from xaso.protocol import SUBSCRIPTION
from xaso.testbed.server_process import ServerProcess

REPO = Path(__file__).resolve().parent.parent
KEEP_UP = 0.98  # stored / offered for a step to hold
RESOLUTION = 1.1  # the search stops when the lowest failing rate is within this of the best
FINAL_RETRIES = 2  # a final run that does not hold is retried this often, a tenth lower
SETTLE_S = 15.0  # a drain that makes no progress for this long is over (what is left is lost)
SERVER_START_S = 120.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# -- a consumer's processes -------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def process_tree(roots: list[int]) -> list[int]:
    """The roots and every process below them, alive now."""
    seen, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen and Path(f"/proc/{pid}").exists():
            seen.append(pid)
            todo += _children(pid)
    return seen


def machine_busy_s() -> float:
    """CPU seconds every core of the machine spent busy (not idle nor waiting on I/O)."""
    with open("/proc/stat") as stat:
        ticks = [int(f) for f in stat.readline().split()[1:]]
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks[:8]) - idle - iowait) / CLK_TCK


def tree_cpu_s(roots: list[int]) -> float:
    """User + system CPU of the tree, children it reaped included (cutime, cstime)."""
    total = 0.0
    for pid in process_tree(roots):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / CLK_TCK
    return total


def tree_rss_bytes(roots: list[int]) -> int:
    total = 0
    for pid in process_tree(roots):
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return total


class PeakRss:
    """Samples the tree's RSS every ``every_s`` while running; ``peak`` is the highest."""

    def __init__(self, roots: list[int], every_s: float = 0.25) -> None:
        self.roots, self.every_s, self.peak = roots, every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.roots))
            self._stop.wait(self.every_s)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- what a consumer must answer ------------------------------------------------------


@dataclass
class Check:
    """The store against what was published: heartbeats and readings missing, and
    stored more than once or never published (``extra``)."""

    lost: int = 0
    lost_readings: int = 0
    extra: int = 0


class Consumer(Protocol):
    label: str

    def pids(self) -> list[int]:
        """The processes whose tree is the consumer (its CPU and RSS)."""
        ...

    def store_pids(self) -> list[int]:
        """The store's server (``influxd``) when it is a process apart: its CPU."""
        ...

    def stored(self, since_seq: int) -> int:
        """Heartbeats consumed whose seq is ``since_seq`` or later (more may count)."""
        ...

    def verify(self, session: int, ranges: dict[str, tuple[int, int]]) -> Check:
        """Each agent's heartbeats ``first..last`` (and their readings) stored once."""
        ...


def compare(
    ranges: dict[str, tuple[int, int]],
    expected_readings: dict[str, int],
    heartbeats: dict[tuple[str, int], int],
    readings: dict[tuple[str, int], int],
) -> Check:
    """``heartbeats`` and ``readings``: (agent, seq) -> how many the store holds."""
    check = Check()
    # Only what falls in the ranges: a query by time also finds other steps' records.
    for found in (heartbeats, readings):
        for agent_id, seq in list(found):
            first, last = ranges.get(agent_id, (1, 0))
            if not first <= seq <= last:
                del found[(agent_id, seq)]
    for agent_id, (first, last) in ranges.items():
        for seq in range(first, last + 1):
            n = heartbeats.pop((agent_id, seq), 0)
            check.lost += n == 0
            check.extra += max(0, n - 1)
            r = readings.pop((agent_id, seq), 0)
            check.lost_readings += max(0, expected_readings[agent_id] - r)
            check.extra += max(0, r - expected_readings[agent_id])
    return check


# -- the stores, read directly --------------------------------------------------------


class SqliteView:
    """Counts and checks in the server's SQLite file (read-only; WAL lets us read while
    it writes)."""

    def __init__(self, path: Path, fleet: Fleet, session: int) -> None:
        self.path, self.session = path, session
        self.expected = {a: len(d) for a, d in fleet.devices_of.items()}

    def _rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            return []
        with contextlib.closing(
            sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        ) as db:
            try:
                return db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []
                raise

    def stored(self, since_seq: int) -> int:
        rows = self._rows(
            "SELECT count(*) FROM agent_health WHERE ts_ms >= ?", self.session + since_seq
        )
        return int(rows[0][0]) if rows else 0

    def verify(self, session: int, ranges: dict[str, tuple[int, int]]) -> Check:
        lo = session + min(f for f, _ in ranges.values())
        hi = session + max(last for _, last in ranges.values())
        counts = []
        for table in ("agent_health", "device_reading"):
            sql = (
                f"SELECT agent_id, seq, count(*) FROM {table} "
                "WHERE ts_ms BETWEEN ? AND ? GROUP BY agent_id, seq"
            )
            counts.append({(a, s): n for a, s, n in self._rows(sql, lo, hi)})
        return compare(ranges, self.expected, counts[0], counts[1])


class InfluxView:
    """Counts and checks in an InfluxDB 1.x database, through ``/query``. A point's time
    is its device time, ``session + seq`` ms: grouping by 1 ms finds each seq."""

    def __init__(self, url: str, database: str, fleet: Fleet, session: int) -> None:
        self.url, self.database, self.session = url, database, session
        self.expected = {a: len(d) for a, d in fleet.devices_of.items()}

    def query(self, q: str) -> list[dict[str, Any]]:
        params = urllib.parse.urlencode({"db": self.database, "q": q, "epoch": "ms"})
        with urllib.request.urlopen(f"{self.url}/query?{params}", timeout=120) as response:
            body = json.loads(response.read())
        result = body["results"][0]
        if "error" in result:
            raise RuntimeError(f"InfluxDB: {result['error']}")
        return list(result.get("series", []))

    def stored(self, since_seq: int) -> int:
        since = self.session + since_seq
        series = self.query(f'SELECT count("seq") FROM "agent_health" WHERE time >= {since}ms')
        return int(series[0]["values"][0][1]) if series else 0

    def verify(self, session: int, ranges: dict[str, tuple[int, int]]) -> Check:
        lo = session + min(f for f, _ in ranges.values())
        hi = session + max(last for _, last in ranges.values())
        counts: list[dict[tuple[str, int], int]] = []
        wrong_seq = 0
        for measurement in ("agent_health", "device_reading"):
            q = (
                f'SELECT count("seq"), sum("seq") FROM "{measurement}" '
                f"WHERE time >= {lo}ms AND time <= {hi}ms "
                'GROUP BY time(1ms), "agent_id" fill(none)'
            )
            found: dict[tuple[str, int], int] = {}
            for series in self.query(q):
                agent_id = series["tags"]["agent_id"]
                for t, n, total in series["values"]:
                    seq = t - session
                    found[(agent_id, seq)] = n
                    wrong_seq += total != n * seq  # a point's seq field is its time's
            counts.append(found)
        check = compare(ranges, self.expected, counts[0], counts[1])
        check.extra += wrong_seq
        return check


# -- the real server ----------------------------------------------------------------------


def metrics_value(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


@contextlib.contextmanager
def xaso_server(
    inventory: Path,
    mqtt_url: str,
    store_url: str,
    folder: Path,
    workers: int = 1,
    write_lanes: int = 0,
) -> Iterator[ServerProcess]:
    """``python -m xaso server`` with this checkout's code (xaso/testbed/server_process.py),
    connected to the broker; stopped (SIGTERM, as systemd does) on exit. ``workers`` and
    ``write_lanes``: its ``--ingest-workers`` and ``--store-write-lanes``."""
    extra = ("--ingest-workers", str(workers), "--store-write-lanes", str(write_lanes))
    server = ServerProcess(folder, mqtt_url, inventory, "xaso-bench", extra, store_url=store_url)
    try:
        server.start(SERVER_START_S)
        yield server
    finally:
        server.stop()


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class StoreConsumer:
    """A server whose store is read by ``view``: xaso, or Node-RED."""

    label: str
    process: subprocess.Popen[bytes] | ServerProcess
    view: SqliteView | InfluxView
    store_pid: int | None = None  # influxd's

    def pids(self) -> list[int]:
        pid = self.process.pid
        return [] if pid is None else [pid]

    def store_pids(self) -> list[int]:
        return [] if self.store_pid is None else [self.store_pid]

    def stored(self, since_seq: int) -> int:
        return self.view.stored(since_seq)

    def verify(self, session: int, ranges: dict[str, tuple[int, int]]) -> Check:
        return self.view.verify(session, ranges)


# -- the ceiling: a plain paho subscriber -----------------------------------------------


def _ceiling_subscriber(
    host: str, port: int, received: Synchronized, ready: Any, pipe: Any
) -> None:
    """Process entry point: subscribe as the server does (persistent session, QoS 1,
    manual ack after the work), decode every payload with ``json``, keep each agent's
    seqs; answer the parent's checks until it says stop."""
    seen: dict[str, dict[int, int]] = {}
    lock = threading.Lock()

    def on_message(client: mqtt.Client, _: object, msg: mqtt.MQTTMessage) -> None:
        if msg.topic.endswith("/heartbeat"):
            beat = json.loads(msg.payload)
            with lock:
                seqs = seen.setdefault(beat["agent"], {})
                seqs[beat["seq"]] = seqs.get(beat["seq"], 0) + 1
                received.value += 1
        client.ack(msg.mid, msg.qos)

    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id="bench-ceiling",
        clean_session=False,
        protocol=mqtt.MQTTv311,
        manual_ack=True,
    )
    subscribed = threading.Event()
    client.on_connect = lambda c, *_: c.subscribe(SUBSCRIPTION, qos=1)
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = on_message
    client.connect(host, port, keepalive=30)
    client.loop_start()
    if subscribed.wait(CONNECT_TIMEOUT_S):
        ready.set()
    while True:
        request = pipe.recv()
        if request is None:
            break
        ranges: dict[str, tuple[int, int]] = request
        with lock:
            heartbeats = {
                (a, s): n for a, seqs in seen.items() for s, n in seqs.items() if a in ranges
            }
        in_ranges = {
            k: n for k, n in heartbeats.items() if ranges[k[0]][0] <= k[1] <= ranges[k[0]][1]
        }
        readings = dict.fromkeys(in_ranges, 0)  # the ceiling stores no readings
        check = compare(ranges, dict.fromkeys(ranges, 0), in_ranges, readings)
        pipe.send(check)
    client.disconnect()
    client.loop_stop()


class PahoCeiling:
    """The ceiling, in its own process (its CPU is its own)."""

    label = "paho-ceiling"

    def __init__(self, host: str, port: int) -> None:
        ctx = mp.get_context("spawn")
        self._received = ctx.Value("q", 0, lock=False)
        ready = ctx.Event()
        self._pipe, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_ceiling_subscriber, args=(host, port, self._received, ready, child), daemon=True
        )
        self._process.start()
        if not ready.wait(CONNECT_TIMEOUT_S + 10):
            self.close()
            raise RuntimeError("the ceiling subscriber did not subscribe in time")

    def pids(self) -> list[int]:
        return [self._process.pid] if self._process.pid else []

    def store_pids(self) -> list[int]:
        return []

    def stored(self, since_seq: int) -> int:
        return int(self._received.value)

    def verify(self, session: int, ranges: dict[str, tuple[int, int]]) -> Check:
        self._pipe.send(ranges)
        check: Check = self._pipe.recv()
        return check

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


# -- steps and the search -------------------------------------------------------------


@dataclass
class Step:
    consumer: str
    offered: float  # heartbeats/s asked of the publishers
    seconds: float
    published: int = 0
    stored_rate: float = 0.0  # heartbeats/s stored over the load window
    # ... over its second half: what the consumer keeps up with once it is under way
    # (the start of the window also holds the pipeline's latency, not its throughput)
    steady_rate: float = 0.0
    sent_rate: float = 0.0  # heartbeats/s the publishers really sent over that half
    backlog_growth: int = 0  # published - stored: at the end minus half way
    behind_s: float = 0.0  # the furthest a publisher fell behind its schedule
    check: Check = field(default_factory=Check)
    cpu_s: float = 0.0  # the consumer's, from the start until drained
    store_cpu_s: float = 0.0  # influxd's, over the same time (0: no store apart)
    machine_cpu_s: float = 0.0  # every process's on every core, over the same time
    wall_s: float = 0.0  # that time
    stored: int = 0  # heartbeats stored from the start until drained
    drain_s: float = 0.0  # from the end of the load until drained
    peak_rss: int = 0  # the consumer's tree, bytes

    @property
    def generator_kept_up(self) -> bool:
        return self.behind_s <= 1.0 and self.published >= 0.99 * self.offered * self.seconds

    @property
    def held(self) -> bool:
        tolerance = (1 - KEEP_UP) * self.offered * self.seconds / 2
        return (
            self.generator_kept_up
            and self.steady_rate >= KEEP_UP * self.sent_rate
            and self.backlog_growth <= tolerance
            and self.check.lost == self.check.lost_readings == 0
        )

    @property
    def cpu_us_per_heartbeat(self) -> float:
        return 1e6 * self.cpu_s / max(1, self.stored)

    @property
    def store_cpu_us_per_heartbeat(self) -> float:
        return 1e6 * self.store_cpu_s / max(1, self.stored)

    @property
    def machine_busy_pct(self) -> float:
        """The machine's CPU in use, % of all its cores: near 100, no consumer could
        have gone faster on it."""
        return 100 * self.machine_cpu_s / max(1e-9, self.wall_s * (os.cpu_count() or 1))

    def line(self, kind: str = "step") -> str:
        return (
            f"{kind} consumer={self.consumer} offered_per_s={self.offered:.0f} "
            f"seconds={self.seconds:.0f} published={self.published} "
            f"stored_per_s={self.stored_rate:.0f} steady_per_s={self.steady_rate:.0f} "
            f"backlog_growth={self.backlog_growth} "
            f"lost={self.check.lost} lost_readings={self.check.lost_readings} "
            f"extra={self.check.extra} drain_s={self.drain_s:.1f} "
            f"cpu_us_per_heartbeat={self.cpu_us_per_heartbeat:.0f} "
            f"store_cpu_us_per_heartbeat={self.store_cpu_us_per_heartbeat:.0f} "
            f"machine_busy_pct={self.machine_busy_pct:.0f} "
            f"peak_rss_mb={self.peak_rss / 2**20:.0f} publishers_behind_s={self.behind_s:.2f} "
            f"held={'yes' if self.held else 'no'}"
        )


@dataclass
class Harness:
    """One consumer on one broker, fed by ``publishers`` processes; every agent's seq
    goes on from step to step."""

    fleet: Fleet
    broker_port: int
    session: int
    publishers: int
    consumer: Consumer
    report: Callable[[str], None] = print
    next_seq: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.next_seq = dict.fromkeys(self.fleet.agents, 1)

    def step(self, rate: float, seconds: float) -> Step:
        step = Step(self.consumer.label, rate, seconds)
        since = min(self.next_seq.values())
        roots, store_roots = self.consumer.pids(), self.consumer.store_pids()
        with (
            offered_load(
                "127.0.0.1",
                self.broker_port,
                self.fleet,
                self.next_seq,
                self.session,
                rate,
                seconds,
                self.publishers,
            ) as run,
            PeakRss(roots) as rss,
        ):
            c0 = self.consumer.stored(since)
            cpu0, store_cpu0 = tree_cpu_s(roots), tree_cpu_s(store_roots)
            machine0, wall0 = machine_busy_s(), time.monotonic()
            t0 = run.start()
            samples = []
            for at in (t0 + seconds / 2, t0 + seconds):
                time.sleep(max(0.0, at - time.monotonic()))
                sent, stored = run.sent(), self.consumer.stored(since) - c0
                samples.append((time.monotonic(), sent, stored))
            results = run.finish(seconds + 180)
            step.published = sum(sum(r.published.values()) for r in results)
            step.behind_s = max(r.behind_s for r in results)
            (t_mid, sent_mid, stored_mid), (t_end, sent_end, stored_end) = samples
            step.stored_rate = stored_end / (t_end - t0)
            step.steady_rate = (stored_end - stored_mid) / (t_end - t_mid)
            step.sent_rate = (sent_end - sent_mid) / (t_end - t_mid)
            step.backlog_growth = (sent_end - stored_end) - (sent_mid - stored_mid)
            step.stored, step.drain_s = self._drain(since, c0, step.published, t_end)
            step.cpu_s = tree_cpu_s(roots) - cpu0
            step.store_cpu_s = tree_cpu_s(store_roots) - store_cpu0
            step.machine_cpu_s = machine_busy_s() - machine0
            step.wall_s = time.monotonic() - wall0
        step.peak_rss = rss.peak
        ranges = {}
        for result in results:
            for agent_id, n in result.published.items():
                first = self.next_seq[agent_id]
                if n:
                    ranges[agent_id] = (first, first + n - 1)
                self.next_seq[agent_id] = first + n
        if ranges:
            step.check = self.consumer.verify(self.session, ranges)
        return step

    def _drain(self, since: int, c0: int, published: int, t_end: float) -> tuple[int, float]:
        """Wait until every published heartbeat is stored, or nothing more comes."""
        last, last_change = -1, time.monotonic()
        while True:
            stored = self.consumer.stored(since) - c0
            now = time.monotonic()
            if stored >= published:
                return stored, now - t_end
            if stored != last:
                last, last_change = stored, now
            elif now - last_change > SETTLE_S:
                return stored, now - t_end
            time.sleep(0.5)

    def search(self, start_rate: float, step_s: float, final_s: float) -> Step:
        """The highest rate that holds (see the module docstring); the final run's step."""
        best, failed, rate = 0.0, 0.0, start_rate
        while True:
            step = self.step(rate, step_s)
            self.report(step.line())
            if not step.generator_kept_up:
                self.report(
                    f"note consumer={self.consumer.label} publishers fell behind at "
                    f"{rate:.0f}/s: the rate is bounded by the load generator"
                )
            if step.held:
                best = rate
            else:
                failed = rate
            if best and failed and failed / best <= RESOLUTION:
                break
            if not step.generator_kept_up and not step.held:
                break
            if not best and rate < 20:
                break
            rate = (best + failed) / 2 if failed and best else (rate / 2 if failed else rate * 1.5)
        rate = best or rate
        for _ in range(FINAL_RETRIES + 1):
            final = self.step(rate, final_s)
            self.report(final.line("final"))
            if final.held:
                break
            rate *= 0.9
        return final
