"""An ingest worker: one process taking in its share of the agents, start to end.

With ``--ingest-workers N`` (N > 1) the server runs N of these beside its web tier
(server/monitoring/worker_pool.py starts, feeds and watches them). Each holds a whole
intake pipeline for the agents ``partition.worker_of`` gives it: its own broker
connection and persistent session (client id ``<id>-<k>of<N>``) subscribed to those
agents' topics only, ingest, the live state of their devices, the writer to the store,
their numbering and dead letters (in the server's database, shared), the sweeper that
times them out and the replays that fill their gaps. So one agent's state, numbering
and order of records live in one process, and N processes use N cores.

What it tells the web tier, over a pipe: every quarter second the devices and gateway
links that changed (server/monitoring/state_mirror.py), and every second its intake
health and its metrics. What it hears: which devices are in a maintenance window now,
and when to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from prometheus_client import generate_latest

from xaso.inventory import InventoryIndex
from xaso.protocol import parse_topic
from xaso.server import heap
from xaso.server.database import connect
from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.indicators.rollup_table import RollupTable
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.intake_journal import IntakeJournal
from xaso.server.monitoring.metrics import Metrics
from xaso.server.monitoring.mqtt_link import MqttLink
from xaso.server.monitoring.partition import agents_of, topics_of
from xaso.server.monitoring.picture_state import series_owner
from xaso.server.monitoring.pipeline import IntakeHealth, Pipeline
from xaso.server.monitoring.recording_ledger import RecordingLedger
from xaso.server.monitoring.sequence import SequenceTracker
from xaso.server.monitoring.state_mirror import device_delta, link_delta
from xaso.server.monitoring.stored_hook import StoredHook, stored_hook
from xaso.server.monitoring.writer import Intake
from xaso.server.records import TransitionRecord
from xaso.server.settings import Settings
from xaso.server.store import open_store
from xaso.server.store.base import Store, StoreUnavailable

log = logging.getLogger("xaso.ingest_worker")

STATE_EVERY_S = 0.25
HEALTH_EVERY_S = 1.0


@dataclass(frozen=True)
class WorkerSpec:
    settings: Settings
    worker: int  # 0-based
    workers: int
    # The web tier's inventory as it loaded it: the workers answer for the same
    # devices, even when the file has changed since.
    index: InventoryIndex

    @property
    def name(self) -> str:
        return f"{self.worker + 1}of{self.workers}"


@dataclass(frozen=True)
class WorkerReport:
    """What a worker says of itself every second."""

    health: IntakeHealth
    link_up: bool
    metrics: bytes  # Prometheus text of its own registry


@dataclass
class _Changes:
    """What changed since the last report: agents heard from, devices moved."""

    agents: set[str] = field(default_factory=set)
    devices: set[str] = field(default_factory=set)


def worker_url(url: str, spec: WorkerSpec) -> str:
    """Each worker is its own broker user when the URL names one (``xaso-server`` →
    ``xaso-server-1of2``): a broker that takes the user name as client id (as our
    Mosquitto config does) would otherwise let the workers knock each other off."""
    parts = urlsplit(url)
    if not parts.username:
        return url
    user = quote(f"{parts.username}-{spec.name}", safe="")
    password = f":{parts.password}" if parts.password is not None else ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}{password}@{host}"))


def worker_main(spec: WorkerSpec, conn: Connection) -> None:
    """The process's entry point (multiprocessing, spawn)."""
    # Ctrl-C reaches the whole process group: the web tier decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s %(levelname)s [ingest {spec.name}] %(name)s: %(message)s",
    )
    logging.getLogger("xaso.mqtt.paho").setLevel(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(spec, conn))


async def _serve(spec: WorkerSpec, conn: Connection) -> None:
    settings = spec.settings
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def clock_ms() -> int:
        return int(time.time() * 1000)

    index = spec.index
    mine = set(agents_of(spec.worker, spec.workers, index.agents))
    metrics = Metrics()
    store = await open_store(settings.store)
    state = FleetState(index, clock_ms(), agents=mine)
    await _restore(state, store, clock_ms())
    journal = await IntakeJournal.open(settings.database_path)
    sequences = SequenceTracker()
    sequences.restore(saved for saved in await journal.load_sequences() if saved[0] in mine)
    pipeline = Pipeline.configured(
        settings,
        state=state,
        store=store,
        sequences=sequences,
        journal=journal,
        metrics=metrics,
        clock_ms=clock_ms,
        # The indicators' rollups and the recording ledger live in the shared xaso.db: a
        # late record this worker stores drops the closed days it touches, and the
        # recorders' reports are kept, as in a single process.
        on_records_stored=_stored_hook(settings.database_path, index),
    )
    writer = pipeline.writer
    metrics.watch_intake(writer.waiting_s, lambda: writer.failing_since is not None)
    changes = _Changes()
    _watch_changes(writer, changes)
    link_up = False

    def on_message(topic: str, payload: bytes, ack: Any, retained: bool) -> None:
        pipeline.on_message(topic, payload, ack, retained)
        parsed = parse_topic(topic)
        if parsed is not None and parsed[0] in mine:
            changes.agents.add(parsed[0])

    def on_link(up: bool) -> None:
        nonlocal link_up
        link_up = up
        metrics.mqtt_connected.set(1 if up else 0)
        if up:
            log.info("connected to the broker for %d agents", len(mine))
            state.link_up(clock_ms())
        else:
            log.warning("lost the broker; no timeouts until it is back")
            state.link_down()

    link = MqttLink(
        worker_url(settings.mqtt, spec),
        f"{settings.mqtt_client_id}-{spec.name}",
        loop,
        on_message,
        on_link,
        password=settings.mqtt_password(),
        subscriptions=topics_of(sorted(mine)),
    )

    writer.on_full = link.hold_reading

    def heard(message: Any) -> None:
        kind = message[0]
        if kind == "maintenance":
            transitions = state.apply_maintenance(set(message[1]), clock_ms())
            if transitions:
                writer.submit_records(transitions)
        elif kind == "stop":
            stop.set()

    loop.add_reader(conn.fileno(), _read_all, conn, heard, stop)
    send = _Sender(conn)
    tasks = [
        asyncio.create_task(writer.run(), name="store-writer"),
        asyncio.create_task(pipeline.sweep_forever(settings.sweep_interval_s), name="sweeper"),
        asyncio.create_task(
            _report_state(send, state, index.devices_of_agent, changes), name="report-state"
        ),
        asyncio.create_task(
            _report_health(send, pipeline, metrics, lambda: link_up),
            name="report-health",
        ),
    ]
    pipeline.attach_link(link.publish)
    heap.settle()
    link.start()
    await stop.wait()
    log.info("stopping")
    pipeline.attach_link(None)
    await link.stop()
    loop.remove_reader(conn.fileno())
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await writer.flush()
    await journal.close()
    if pipeline.snapshots is not None:
        pipeline.snapshots.close()
    await store.close()


async def _restore(state: FleetState, store: Store, now_ms: int) -> None:
    try:
        latest = await store.latest_transitions()
    except StoreUnavailable as exc:
        log.warning("could not restore device statuses from the store: %s", exc)
        return
    state.restore(latest, now_ms)


def _watch_changes(writer: Any, changes: _Changes) -> None:
    """The devices whose status the sweeper or a maintenance window moved: every
    status change is stored as a transition, so the writer sees them all."""
    submit: Callable[[Intake], None] = writer.submit

    def submitted(intake: Intake) -> None:
        submit(intake)
        for record in intake.records:
            if isinstance(record, TransitionRecord):
                # A camera's picture series is the camera's own change.
                changes.devices.add(series_owner(record.device_id))

    writer.submit = submitted


def _read_all(conn: Connection, heard: Callable[[Any], None], stop: asyncio.Event) -> None:
    try:
        while conn.poll():
            heard(conn.recv())
    except (EOFError, OSError):
        stop.set()  # the web tier is gone: nobody would see what this worker does


class _Sender:
    """Sends to the web tier one message at a time (two writers on one pipe would mix
    their bytes), from a worker thread: a full pipe must not hold up the loop."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    async def __call__(self, message: tuple[Any, ...]) -> None:
        async with self._lock:
            await asyncio.to_thread(self._conn.send, message)


async def _report_state(
    send: _Sender,
    state: FleetState,
    devices_of_agent: Mapping[str, Collection[str]],
    changes: _Changes,
) -> None:
    while True:
        await asyncio.sleep(STATE_EVERY_S)
        if not changes.agents and not changes.devices:
            continue
        agents, changes.agents = changes.agents, set()
        device_ids, changes.devices = changes.devices, set()
        for agent_id in agents:
            device_ids.update(devices_of_agent.get(agent_id, ()))
            device_ids.add(agent_id)  # the gateway is a device of its own
        devices = [device_delta(state.devices[d]) for d in device_ids if d in state.devices]
        links = [link_delta(a, state.links[a]) for a in agents if a in state.links]
        await send(("state", devices, links))


async def _report_health(
    send: _Sender,
    pipeline: Pipeline,
    metrics: Metrics,
    link_up: Callable[[], bool],
) -> None:
    while True:
        report = WorkerReport(
            health=pipeline.health(),
            link_up=link_up(),
            metrics=generate_latest(metrics.registry),
        )
        await send(("report", report))
        await asyncio.sleep(HEALTH_EVERY_S)


def _stored_hook(database_path: str, index: InventoryIndex) -> StoredHook | None:
    db = connect(database_path)
    ledger = RecordingLedger(db, index.inventory.timezone)
    return stored_hook(DayRollups(RollupTable(db), index), ledger)
