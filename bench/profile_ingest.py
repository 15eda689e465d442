"""Where the server's ingest CPU goes: ``bench/end_to_end.py``'s load, the server under py-spy.

What it does
------------
For each store asked for, it starts what ``bench/end_to_end.py`` starts (its own
Mosquitto, for InfluxDB its own ``influxd``, the real server as a subprocess, the
load of ``bench/load.py`` from separate processes), offers ``--rate`` heartbeats per
second for ``--seconds`` (one step of ``bench/sustained.py``: open loop, drained and
verified) and, meanwhile, samples the server process with ``py-spy record`` (every
thread: the event loop, paho's network thread, the SQLite worker). The load generator,
the broker and ``influxd`` are other processes and are not in the profile. py-spy
leaves idle threads out, but a thread just woken from a wait is runnable before it runs
and still counts: samples whose innermost frame is such a wait (``WAITS``) are set
aside, and each thread's CPU seconds from the kernel are shared among its other
samples, so that every figure is a share of the server's real CPU.

Every sample is put in one bucket by its innermost frame that a rule knows (a
``msgspec`` decode is C and shows as the protocol function that called it; sqlite3's C
shows as the store's ``_write``), and the script prints, as Markdown:

- the bucket table (share of the server's CPU);
- the top frames by inclusive time (leaving out the frames every sample of a thread
  passes through) and by self time, as functions, then the top lines by self time;
- the share of each thread.

py-spy must be able to ptrace the server (``pip install py-spy``; root, or Yama's
``ptrace_scope`` 0). ``--raw-dir`` keeps py-spy's collapsed stacks for a flame graph
(``flamegraph.pl`` or speedscope read them).

Run: ``.venv/bin/python bench/profile_ingest.py --store both --rate 600 --seconds 30``
(a rate the store keeps up with: ``bench/end_to_end.py`` finds it).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import end_to_end  # noqa: E402  (bench/ is on sys.path when run as a script)
from load import make_fleet, publish_births, write_inventory  # noqa: E402
from sustained import CLK_TCK, Harness, StoreConsumer, xaso_server  # noqa: E402

from xaso.testbed.mosquitto import running_mosquitto  # noqa: E402

SAMPLE_HZ = 200
ATTACH_S = 1.0  # py-spy needs a moment to attach before the load starts

# (bucket, path fragment, function or "" for any): the innermost matching frame decides.
# A function matches itself and what it defines (``_Table.row.<locals>.<genexpr>``).
# ``server/records.py`` has no rule: its ``clean_detail`` is ingest when detail.py calls
# it and store encoding when the line encoder or the SQLite row does.
# Order matters only within one frame: the first rule that matches it wins.
RULES: list[tuple[str, str, str]] = [
    ("JSON decode/validation", "xaso/protocol.py", ""),
    ("JSON decode/validation", "msgspec/", ""),
    ("store encoding", "store/line_protocol.py", ""),
    ("store encoding", "store/schema.py", ""),
    ("store encoding", "store/sqlite.py", "_Table.row"),
    ("store encoding", "store/sqlite.py", "_detail_json"),
    ("store encoding", "store/sqlite.py", "SqliteStore.write"),
    ("store encoding", "store/influx.py", "InfluxStore.write"),
    ("store encoding", "store/influx.py", "InfluxStore._write_chunk"),  # join + encode
    ("store encoding", "store/influx.py", "_unrepresentable"),
    ("store encoding", "store/influx.py", "_chunks"),
    ("store I/O/commit", "store/", ""),
    ("store I/O/commit", "monitoring/intake_journal.py", ""),
    ("store I/O/commit", "aiohttp/", ""),
    ("store I/O/commit", "yarl/", ""),
    ("store I/O/commit", "multidict/", ""),
    ("MQTT/paho and hand-off", "paho/", ""),
    ("MQTT/paho and hand-off", "monitoring/mqtt_link.py", ""),
    ("MQTT/paho and hand-off", "asyncio/base_events.py", "call_soon_threadsafe"),
    ("MQTT/paho and hand-off", "asyncio/selector_events.py", "_write_to_self"),
    ("MQTT/paho and hand-off", "asyncio/selector_events.py", "_read_from_self"),
    ("MQTT/paho and hand-off", "asyncio/selector_events.py", "_process_self_data"),
    ("ingest", "monitoring/", ""),
    ("event loop (asyncio)", "asyncio/", ""),
    ("event loop (asyncio)", "selectors.py", ""),
]
BUCKETS = [
    "MQTT/paho and hand-off",
    "JSON decode/validation",
    "ingest",
    "store encoding",
    "store I/O/commit",
    "event loop (asyncio)",
    "other",
]

# Innermost frames that are a thread waiting (select, epoll, a work queue), as
# "function (path:line)". Two cores shared with the broker and the load generator
# means a thread just woken from one is runnable but not yet running, and py-spy
# counts it as active; such samples are no CPU of ours, so they are set aside.
WAITS = (
    "Client._loop (paho/mqtt/client.py:1667)",  # select.select on the broker socket
    "select (selectors.py:",  # the event loop's epoll, the bench's pipe poll
    "_worker (concurrent/futures/thread.py:81)",  # work_queue.get
    "Condition.wait (threading.py:",
)


# Frames every sample of a thread passes through (thread start, asyncio.run, the loop's
# run_forever): 100% of their thread inclusive, they say nothing and are not listed.
PLUMBING = (
    "threading.py",
    "asyncio/runners.py",
    "concurrent/futures/thread.py",
    "runpy>",
    "cli.py",
    "server/main.py",
    "__main__.py",
)
PLUMBING_FUNCTIONS = {
    "BaseEventLoop.run_forever",
    "BaseEventLoop.run_until_complete",
    "run_app",  # the server's aiohttp entry point
}


@dataclass(frozen=True)
class Frame:
    function: str
    path: str  # shortened: from the package or standard library folder on

    def __str__(self) -> str:
        return f"{self.function} ({self.path})"

    @property
    def plumbing(self) -> bool:
        return self.path.endswith(PLUMBING) or self.function in PLUMBING_FUNCTIONS


@dataclass(frozen=True)
class Stack:
    thread: str  # py-spy's "thread (tid): name"
    tid: int
    frames: tuple[Frame, ...]  # root first
    leaf: str  # the innermost frame with its line
    samples: int

    @property
    def waiting(self) -> bool:
        return any(wait in self.leaf for wait in WAITS)


@dataclass
class Profile:
    """py-spy's collapsed stacks, each sample weighted by CPU: a thread's CPU seconds
    over the interval (from the kernel) shared among its samples that are not waits.
    py-spy says where a thread was; the kernel says how much it ran."""

    stacks: list[Stack] = field(default_factory=list)
    cpu_s: dict[int, float] = field(default_factory=dict)  # tid -> CPU seconds

    def weight(self, stack: Stack) -> float:
        if stack.waiting:
            return 0.0
        running = sum(s.samples for s in self.stacks if s.tid == stack.tid and not s.waiting)
        return self.cpu_s.get(stack.tid, 0.0) * stack.samples / running

    @property
    def total(self) -> float:
        return sum(self.weight(s) for s in self.stacks)

    @property
    def samples(self) -> int:
        return sum(s.samples for s in self.stacks)

    def buckets(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for stack in self.stacks:
            counts[bucket_of(stack.frames)] += self.weight(stack)  # type: ignore[assignment]
        return counts

    def self_time(self) -> Counter[Frame]:
        counts: Counter[Frame] = Counter()
        for stack in self.stacks:
            if stack.frames:
                counts[stack.frames[-1]] += self.weight(stack)  # type: ignore[assignment]
        return counts

    def self_lines(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for stack in self.stacks:
            counts[stack.leaf] += self.weight(stack)  # type: ignore[assignment]
        return counts

    def inclusive_time(self) -> Counter[Frame]:
        counts: Counter[Frame] = Counter()
        for stack in self.stacks:
            for frame in set(stack.frames):  # a recursive frame counts once per sample
                if not frame.plumbing:
                    counts[frame] += self.weight(stack)  # type: ignore[assignment]
        return counts

    def threads(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for stack in self.stacks:
            counts[stack.thread] += self.weight(stack)  # type: ignore[assignment]
        return counts


def short_path(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    for root in (str(REPO) + "/", "/work/main/"):
        if path.startswith(root):
            return path[len(root) :].removeprefix("xaso/")
    return path


def parse_frame(text: str) -> tuple[Frame, str]:
    """The frame (function and file, the line dropped so that a function's lines add
    up) and its text with the line, shortened, to recognise a wait."""
    function, _, rest = text.partition(" (")
    path, _, line = rest.rstrip(")").rpartition(":")
    frame = Frame(function, short_path(path))
    return frame, f"{frame.function} ({frame.path}:{line})"


def read_raw(path: Path, cpu_s: dict[int, float]) -> Profile:
    profile = Profile(cpu_s=cpu_s)
    for line in path.read_text(encoding="utf-8").splitlines():
        text, _, count = line.rpartition(" ")
        if not text or not count.isdigit():
            continue
        parts = text.split(";")
        # --threads puts the thread first: "thread (12830): xaso-sqlite_0".
        thread = parts[0]
        tid = int(thread.split("(", 1)[1].split(")", 1)[0])
        parsed = [parse_frame(p) for p in parts[1:]]
        leaf = parsed[-1][1] if parsed else ""
        frames = tuple(frame for frame, _ in parsed)
        profile.stacks.append(Stack(thread, tid, frames, leaf, int(count)))
    return profile


def thread_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of process ``pid``, by native id."""
    cpu: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            cpu[int(task.name)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return cpu


def defined_in(qualified: str, function: str) -> bool:
    return not function or qualified == function or qualified.startswith(function + ".<")


def bucket_of(frames: tuple[Frame, ...]) -> str:
    for frame in reversed(frames):
        for bucket, fragment, function in RULES:
            if fragment in frame.path and defined_in(frame.function, function):
                return bucket
    return "other"


@dataclass
class Interval:
    """What one profiled interval leaves: the raw stacks and each thread's CPU."""

    raw: Path
    wall_s: float = 0.0
    cpu_s: dict[int, float] = field(default_factory=dict)


@contextlib.contextmanager
def py_spy(interval: Interval, pid: int) -> Iterator[None]:
    """Sample process ``pid`` with py-spy while the block runs; stop it with SIGINT, on
    which it writes what it has. Also take each thread's CPU over the same block."""
    raw = interval.raw
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [binary, "record", "--pid", str(pid), "--rate", str(SAMPLE_HZ)]
    command += ["--format", "raw", "--threads", "--output", str(raw)]
    log = raw.with_suffix(".log")  # a file, not a pipe nobody drains while it runs
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    time.sleep(ATTACH_S)
    if process.poll() is not None:
        raise RuntimeError(f"py-spy did not start: {log.read_text()[-500:]}")
    before, t0 = thread_cpu_s(pid), time.monotonic()
    try:
        yield
    finally:
        after = thread_cpu_s(pid)
        interval.wall_s = time.monotonic() - t0
        interval.cpu_s = {tid: cpu - before.get(tid, 0.0) for tid, cpu in after.items()}
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def pct(n: float, total: float) -> str:
    return f"{100 * n / total:.1f}"


def report(label: str, profile: Profile, wall_s: float, top: int) -> str:
    total = profile.total
    out = [
        f"### store={label}: {profile.samples} samples at {SAMPLE_HZ} Hz over {wall_s:.1f} s,"
        f" server CPU {total:.1f} s = {100 * total / wall_s:.0f}% of one core",
        "",
    ]
    out += ["| bucket | % of server CPU |", "|---|---:|"]
    counts = profile.buckets()
    out += [f"| {b} | {pct(counts[b], total)} |" for b in BUCKETS]
    tables: list[tuple[str, Counter[Frame] | Counter[str]]] = [
        ("inclusive", profile.inclusive_time()),
        ("self", profile.self_time()),
        ("self (by line)", profile.self_lines()),
    ]
    for title, counter in tables:
        out += ["", f"Top frames by {title} time:", "", f"| % {title} | frame |", "|---:|---|"]
        rows = counter.most_common(top if title != "self (by line)" else 8)
        out += [f"| {pct(n, total)} | `{f}` |" for f, n in rows]
    out += ["", "| thread | % of server CPU |", "|---|---:|"]
    out += [f"| {t} | {pct(n, total)} |" for t, n in profile.threads().most_common()]
    return "\n".join(out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--store", choices=["sqlite", "influxdb", "both"], default="both")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--devices-per-agent", type=int, default=15)
    parser.add_argument("--rate", type=float, default=600.0, help="heartbeats/s offered")
    parser.add_argument("--seconds", type=float, default=30.0, help="load duration")
    parser.add_argument("--publishers", type=int, default=2, help="load generator processes")
    parser.add_argument("--workers", type=int, default=1, help="passed to xaso server when > 1")
    parser.add_argument(
        "--write-lanes", type=int, default=0, help="xaso server's --store-write-lanes (0: its own)"
    )
    parser.add_argument("--top", type=int, default=15, help="frames listed per table")
    parser.add_argument("--raw-dir", type=Path, help="keep py-spy's collapsed stacks here")
    return parser.parse_args(argv)


def main(args: argparse.Namespace) -> None:
    stores = ["sqlite", "influxdb"] if args.store == "both" else [args.store]
    fleet = make_fleet(args.agents, args.devices_per_agent)
    with tempfile.TemporaryDirectory(prefix="xaso-profile-") as tmp:
        root = Path(tmp)
        inventory = write_inventory(fleet, root)
        raw_dir = args.raw_dir or root
        raw_dir.mkdir(parents=True, exist_ok=True)
        for store in stores:
            folder = root / store
            folder.mkdir()
            session = int(time.time() * 1000)
            with (
                end_to_end.store_url(store, folder) as (url, influx),
                running_mosquitto(folder) as broker,
                xaso_server(
                    inventory, broker.url, url, folder, args.workers, args.write_lanes
                ) as server,
            ):
                publish_births("127.0.0.1", broker.port, fleet.agents, session)
                view = end_to_end.store_view(store, folder, influx, fleet, session)
                consumer = StoreConsumer(store, server, view)
                harness = Harness(fleet, broker.port, session, args.publishers, consumer)
                interval = Interval(raw_dir / f"ingest-{store}.txt")
                with py_spy(interval, server.pid):
                    step = harness.step(args.rate, args.seconds)
            print(step.line(), flush=True)
            profile = read_raw(interval.raw, interval.cpu_s)
            print(report(store, profile, interval.wall_s, args.top), flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main(parse_args())
