"""The monitoring capability in the running server: maintenance windows and excused
periods, the intake pipeline (ingest, live state, writer, the agents' numbering, the
dead letters), the problems acknowledged, and the broker link with the sweeper and the
replays."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from xaso.protocol import QOS_RECORDS, SUBSCRIPTION
from xaso.server.broadcasts.keys import DISTRIBUTOR, SYNC_SCHEDULES
from xaso.server.indicators.keys import ROLLUPS
from xaso.server.keys import DATABASE, INDEX, METRICS, SETTINGS, STORE
from xaso.server.monitoring.acknowledgements import AcknowledgementStore
from xaso.server.monitoring.exclusions import ExclusionStore, devices_in_maintenance
from xaso.server.monitoring.fleet_state import FleetState, StateRules
from xaso.server.monitoring.intake_journal import IntakeJournal
from xaso.server.monitoring.keys import (
    ACKNOWLEDGEMENTS,
    APPLY_MAINTENANCE,
    EXCLUSIONS,
    INGEST,
    INTAKE_HEALTH,
    JOURNAL,
    PIPELINE,
    RECORDINGS,
    SEQUENCES,
    STATE,
    WORKERS,
    WRITER,
)
from xaso.server.monitoring.mqtt_link import MqttLink
from xaso.server.monitoring.pipeline import Pipeline
from xaso.server.monitoring.recording_ledger import RecordingLedger
from xaso.server.monitoring.sequence import SequenceTracker
from xaso.server.monitoring.stored_hook import stored_hook
from xaso.server.monitoring.worker_pool import IngestWorkers, WorkerMetrics
from xaso.server.periodic import every
from xaso.server.startup import StartupError
from xaso.server.store.base import Store, StoreUnavailable

log = logging.getLogger("xaso.server")

# Windows start and end on the minute in practice; checking every few seconds is plenty.
MAINTENANCE_CHECK_S = 5.0
# How soon a gateway that reconnected gets its schedule set sent again (on a broker that
# keeps retained messages per node); a light pass over the radio gateways' sessions.
RESEND_SETS_EVERY_S = 2.0
SEQUENCES_RELOAD_S = 5.0
# Series the web tier reports itself with ingest workers (its own broker connection).
WEB_TIER_OWN = frozenset({"xaso_mqtt_connected"})

Context = Callable[[web.Application], AsyncIterator[None]]


def setup(
    app: web.Application,
    clock_ms: Callable[[], int],
    *,
    state_rules: StateRules | None = None,
    connect_mqtt: bool = True,
) -> None:
    """After broadcasts: the broker link hands the schedule distributor its way out."""
    app.cleanup_ctx.append(_exclusions_ctx)
    app.cleanup_ctx.append(_recordings_ctx)
    if app[SETTINGS].ingest_workers > 1:
        app.cleanup_ctx.append(_workers_ctx(clock_ms, state_rules))
    else:
        app.cleanup_ctx.append(_intake_ctx(clock_ms, state_rules))
    app.cleanup_ctx.append(_acknowledgements_ctx(clock_ms))
    if connect_mqtt:
        app.cleanup_ctx.append(_broker_ctx(clock_ms))


async def _exclusions_ctx(app: web.Application) -> AsyncIterator[None]:
    app[EXCLUSIONS] = ExclusionStore(app[DATABASE].connection)
    yield


async def _recordings_ctx(app: web.Application) -> AsyncIterator[None]:
    app[RECORDINGS] = RecordingLedger(app[DATABASE].connection, app[INDEX].inventory.timezone)
    yield


def _intake_ctx(clock_ms: Callable[[], int], state_rules: StateRules | None) -> Context:
    async def intake_ctx(app: web.Application) -> AsyncIterator[None]:
        metrics = app[METRICS]
        settings = app[SETTINGS]
        state = FleetState(app[INDEX], clock_ms(), state_rules)
        await _restore_state(state, app[STORE], clock_ms())
        app[STATE] = state
        journal = await IntakeJournal.open(app[DATABASE].path)
        sequences = SequenceTracker()
        sequences.restore(await journal.load_sequences())
        app[SEQUENCES] = sequences
        pipeline = Pipeline.configured(
            settings,
            state=state,
            store=app[STORE],
            sequences=sequences,
            journal=journal,
            metrics=metrics,
            clock_ms=clock_ms,
            on_records_stored=stored_hook(app.get(ROLLUPS), app.get(RECORDINGS)),
        )
        app[INGEST] = pipeline.ingest
        app[JOURNAL] = journal
        app[PIPELINE] = pipeline
        app[INTAKE_HEALTH] = pipeline.health
        writer = app[WRITER] = pipeline.writer
        metrics.watch_sequences(sequences)
        metrics.watch_intake(writer.waiting_s, lambda: writer.failing_since is not None)
        metrics.watch_device_counts(
            lambda: Counter((s.entry.kind, str(s.status)) for s in state.devices.values())
        )

        def apply_maintenance() -> None:
            now_ms = clock_ms()
            in_window = devices_in_maintenance(
                app[INDEX].devices.values(), app[EXCLUSIONS].windows.values(), now_ms
            )
            transitions = state.apply_maintenance(in_window, now_ms)
            if transitions:
                writer.submit_records(transitions)

        app[APPLY_MAINTENANCE] = apply_maintenance
        apply_maintenance()
        task = asyncio.create_task(writer.run(), name="store-writer")
        maintenance = asyncio.create_task(
            every(MAINTENANCE_CHECK_S, apply_maintenance), name="maintenance-windows"
        )
        yield
        maintenance.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await maintenance
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await writer.flush()
        await journal.close()
        if pipeline.snapshots is not None:
            pipeline.snapshots.close()

    return intake_ctx


def _workers_ctx(clock_ms: Callable[[], int], state_rules: StateRules | None) -> Context:
    """Intake in ``--ingest-workers`` processes: this one keeps the live state they
    report, for the pages, the API and the alerts (worker_pool.py)."""

    async def workers_ctx(app: web.Application) -> AsyncIterator[None]:
        metrics = app[METRICS]
        state = FleetState(app[INDEX], clock_ms(), state_rules)
        await _restore_state(state, app[STORE], clock_ms())
        app[STATE] = state
        journal = await IntakeJournal.open(app[DATABASE].path)
        app[JOURNAL] = journal
        sequences = SequenceTracker()
        sequences.restore(await journal.load_sequences())
        app[SEQUENCES] = sequences
        workers = app[WORKERS] = IngestWorkers(app[SETTINGS], state)
        app[INTAKE_HEALTH] = workers.health
        metrics.hand_intake_to(WorkerMetrics(workers.reports, skip=WEB_TIER_OWN))
        metrics.watch_sequences(sequences)
        metrics.watch_device_counts(
            lambda: Counter((s.entry.kind, str(s.status)) for s in state.devices.values())
        )

        def apply_maintenance() -> None:
            workers.apply_maintenance(
                devices_in_maintenance(
                    app[INDEX].devices.values(), app[EXCLUSIONS].windows.values(), clock_ms()
                )
            )

        async def reload_sequences() -> None:
            # The workers save the numbering; the intake API and metrics read it here.
            while True:
                await asyncio.sleep(SEQUENCES_RELOAD_S)
                sequences.restore(await journal.load_sequences())

        app[APPLY_MAINTENANCE] = apply_maintenance
        workers.start()
        apply_maintenance()
        tasks = [
            asyncio.create_task(
                every(MAINTENANCE_CHECK_S, apply_maintenance), name="maintenance-windows"
            ),
            asyncio.create_task(reload_sequences(), name="sequences"),
        ]
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await workers.stop()
        await journal.close()

    return workers_ctx


def _acknowledgements_ctx(clock_ms: Callable[[], int]) -> Context:
    async def acknowledgements_ctx(app: web.Application) -> AsyncIterator[None]:
        # After the live state is restored: what recovered meanwhile is let go.
        acknowledgements = AcknowledgementStore(app[DATABASE].connection)
        acknowledgements.watch(app[STATE], clock_ms())
        app[ACKNOWLEDGEMENTS] = acknowledgements
        yield

    return acknowledgements_ctx


async def _restore_state(state: FleetState, store: Store, now_ms: int) -> None:
    """Take up the last stored statuses: after a restart, an outage in progress stays
    one outage (and is not announced again), and nothing is invented."""
    try:
        latest = await store.latest_transitions()
    except StoreUnavailable as exc:
        # Starting with everything unknown is safe (no false outages); say so.
        log.warning("could not restore device statuses from the store: %s", exc)
        return
    state.restore(latest, now_ms)
    log.info("restored the statuses of %d devices", len(latest))


def gateway_sessions(state: FleetState) -> dict[str, int]:
    """Each gateway's newest connection (session) the server has heard of."""
    return {agent: link.session for agent, link in state.links.items()}


def _broker_ctx(clock_ms: Callable[[], int]) -> Context:
    async def broker_ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        state = app[STATE]
        # None with --ingest-workers: they take the agents' messages in, and this
        # connection only sends schedules (a clean session: nothing kept for it).
        pipeline = app.get(PIPELINE)
        metrics = app[METRICS]
        distributor = app[DISTRIBUTOR]
        stopping = False

        def publish_retained(topic: str, payload: bytes) -> None:
            link.publish(topic, payload, QOS_RECORDS, retain=True)

        def on_link(up: bool) -> None:
            metrics.mqtt_connected.set(1 if up else 0)
            if up:
                log.info("connected to the broker")
                state.link_up(clock_ms())
                if not stopping:  # a connect handed over just before shutdown
                    distributor.link_up(publish_retained)  # sends every set again
                    app[SYNC_SCHEDULES]()
            else:
                log.warning("lost the broker; no timeouts until it is back")
                state.link_down()
                distributor.link_down()

        try:
            password = settings.mqtt_password()
        except OSError as exc:
            raise StartupError(f"cannot read the broker password: {exc}") from exc
        try:
            link = MqttLink(
                settings.mqtt,
                settings.mqtt_client_id,
                asyncio.get_running_loop(),
                pipeline.on_message if pipeline is not None else _acknowledge_only,
                on_link,
                password=password,
                subscriptions=(SUBSCRIPTION,) if pipeline is not None else (),
                clean_session=pipeline is None,
            )
        except ValueError as exc:
            raise StartupError(f"--mqtt: {exc}") from exc
        sweeper = None
        if pipeline is not None:
            pipeline.writer.on_full = link.hold_reading
            pipeline.attach_link(link.publish)
            sweeper = asyncio.create_task(
                pipeline.sweep_forever(settings.sweep_interval_s), name="timeout-sweeper"
            )
        # Sets sent again to gateways in a new connection: brokers that keep retained
        # messages per node (docs/scaling.md, RabbitMQ) give them none on subscribing.
        resend = asyncio.create_task(
            every(RESEND_SETS_EVERY_S, lambda: distributor.connected(gateway_sessions(state))),
            name="schedule-resend",
        )
        link.start()
        yield
        stopping = True
        resend.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await resend
        distributor.link_down()
        if pipeline is not None:
            pipeline.attach_link(None)
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        await link.stop()

    return broker_ctx


def _acknowledge_only(
    topic: str, payload: bytes, ack: Callable[[], object] | None, retained: bool
) -> None:
    """The web tier's connection subscribes to nothing with ingest workers; whatever
    reaches it anyway is theirs to take."""
    if ack is not None:
        ack()
