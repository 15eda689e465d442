"""The application factory: ``create_app(settings, deps)`` wires every part together.

Each resource or background loop has one cleanup context, registered in dependency
order (store, tokens, live state and writer, MQTT link and sweeper); aiohttp closes them
in reverse, so the link stops before the writer flushes and the store closes last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from xaso.inventory import InventoryIndex, load_inventory
from xaso.protocol import QOS_RECORDS
from xaso.server.alerts.wiring import alerts_cleanup_ctx
from xaso.server.broadcasts.content import ContentStore
from xaso.server.broadcasts.distribution import ScheduleDistributor
from xaso.server.broadcasts.keys import CONTENT, DISTRIBUTOR, SCHEDULES, SILENCES, SYNC_SCHEDULES
from xaso.server.broadcasts.playout_log import manual_entries_ctx
from xaso.server.broadcasts.schedule_table import ScheduleTable
from xaso.server.broadcasts.silence import SilenceOrder
from xaso.server.indicators.gather.evaluate import evaluate_communes
from xaso.server.indicators.keys import EVALUATE, INDICATOR_PROFILES
from xaso.server.indicators.profile import load_profiles
from xaso.server.json_table import JsonTable, open_db
from xaso.server.keys import CLOCK_MS, INDEX, METRICS, SETTINGS, STORE
from xaso.server.monitoring.exclusions import ExclusionStore, devices_in_maintenance
from xaso.server.monitoring.fleet_state import FleetState, StateRules
from xaso.server.monitoring.ingest import Ingest
from xaso.server.monitoring.intake_journal import IntakeJournal
from xaso.server.monitoring.keys import (
    APPLY_MAINTENANCE,
    EXCLUSIONS,
    INGEST,
    JOURNAL,
    PIPELINE,
    SEQUENCES,
    STATE,
    WRITER,
)
from xaso.server.monitoring.metrics import Metrics
from xaso.server.monitoring.mqtt_link import MqttLink
from xaso.server.monitoring.pipeline import Pipeline
from xaso.server.monitoring.record_time import RecordTimeWindow
from xaso.server.monitoring.sequence import SequenceTracker
from xaso.server.settings import Settings
from xaso.server.startup import StartupError, unwritable
from xaso.server.store import open_store
from xaso.server.store.base import Store, StoreUnavailable
from xaso.server.web import pages
from xaso.server.web.api import (
    availability as api_availability,
)
from xaso.server.web.api import (
    broadcasts as api_broadcasts,
)
from xaso.server.web.api import (
    content as api_content,
)
from xaso.server.web.api import (
    declared as api_declared,
)
from xaso.server.web.api import (
    devices as api,
)
from xaso.server.web.api import (
    exclusions as api_exclusions,
)
from xaso.server.web.api import (
    indicators as api_indicators,
)
from xaso.server.web.api import (
    intake as api_intake,
)
from xaso.server.web.api import (
    playout as api_playout,
)
from xaso.server.web.api import (
    reports as api_reports,
)
from xaso.server.web.api import (
    schedules as api_schedules,
)
from xaso.server.web.auth import auth_middleware
from xaso.server.web.keys import TOKENS
from xaso.server.web.security_headers import security_headers_middleware
from xaso.server.web.store_errors import store_errors_middleware
from xaso.server.web.tokens import TokenStore

log = logging.getLogger("xaso.server")

# Windows start and end on the minute in practice; checking every few seconds is plenty.
MAINTENANCE_CHECK_S = 5.0
# Schedule sets change by themselves only at local midnight (the window moves on) and
# when a silence ends: a silence lasts at most this much longer than asked.
SCHEDULE_RESYNC_S = 60.0


def _wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Deps:
    """What tests (and the demo) may hand in instead of the defaults."""

    store: Store | None = None
    index: InventoryIndex | None = None
    clock_ms: Callable[[], int] = _wall_ms
    connect_mqtt: bool = True
    # The live-state rules; tests without a broker link (so without the sweeper that
    # lets a will stand its grace) take wills at once with will_grace_s=0.
    state_rules: StateRules | None = None


def create_app(settings: Settings, deps: Deps | None = None) -> web.Application:
    deps = deps or Deps()
    index = deps.index or load_inventory(settings.inventory).index()
    app = web.Application(
        middlewares=[security_headers_middleware, auth_middleware, store_errors_middleware],
        client_max_size=1024**2,
    )
    app[SETTINGS] = settings
    app[INDEX] = index
    app[METRICS] = Metrics()
    app[CLOCK_MS] = deps.clock_ms
    # Checked at start like the inventory: a bad profile stops the server with its lines.
    app[INDICATOR_PROFILES] = load_profiles(settings.indicator_profiles, index)
    app[EVALUATE] = evaluate_communes
    app.cleanup_ctx.append(_store_ctx(deps))
    app.cleanup_ctx.append(_tokens_ctx)
    app.cleanup_ctx.append(_exclusions_ctx)
    app.cleanup_ctx.append(_content_ctx)
    app.cleanup_ctx.append(api_declared.documents_ctx)
    app.cleanup_ctx.append(api_declared.declared_ctx)
    app.cleanup_ctx.append(api_reports.signoffs_ctx)
    app.cleanup_ctx.append(_schedules_ctx(deps))
    app.cleanup_ctx.append(manual_entries_ctx)
    app.cleanup_ctx.append(_ingest_ctx(deps))
    app.cleanup_ctx.append(alerts_cleanup_ctx(settings.alerts, clock_ms=deps.clock_ms))
    if deps.connect_mqtt:
        app.cleanup_ctx.append(_mqtt_ctx(deps))
    api.setup_routes(app)
    api_availability.setup_routes(app)
    api_exclusions.setup_routes(app)
    api_schedules.setup_routes(app)
    api_playout.setup_routes(app)
    api_broadcasts.setup_routes(app)
    api_content.setup_routes(app)
    api_declared.setup_routes(app)
    api_reports.setup_routes(app)
    api_indicators.setup_routes(app)
    api_intake.setup_routes(app)
    pages.setup_routes(app)
    return app


def _store_ctx(deps: Deps) -> Callable[[web.Application], AsyncIterator[None]]:
    async def store_ctx(app: web.Application) -> AsyncIterator[None]:
        url = app[SETTINGS].store
        try:
            store = deps.store or await open_store(url)
        except ValueError as exc:
            raise StartupError(f"--store: {exc}") from exc
        except (OSError, sqlite3.Error) as exc:
            raise unwritable("the time-series store", "--store", url, exc) from exc
        app[STORE] = store
        log.info("time-series store: %s", store.name)
        yield
        if deps.store is None:
            await store.close()

    return store_ctx


async def _tokens_ctx(app: web.Application) -> AsyncIterator[None]:
    # The first to open the server's own file: a data folder it cannot write stops here.
    settings = app[SETTINGS]
    try:
        tokens = TokenStore(settings.tokens_path)
    except (OSError, sqlite3.Error) as exc:
        raise unwritable("the server's data", "--data-dir", settings.data_dir, exc) from exc
    app[TOKENS] = tokens
    yield
    tokens.close()


async def _exclusions_ctx(app: web.Application) -> AsyncIterator[None]:
    exclusions = ExclusionStore(app[SETTINGS].tokens_path)
    app[EXCLUSIONS] = exclusions
    yield
    exclusions.close()


async def _content_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    content = ContentStore(Path(settings.data_dir) / "content", settings.tokens_path)
    app[CONTENT] = content
    yield
    content.close()


def _schedules_ctx(deps: Deps) -> Callable[[web.Application], AsyncIterator[None]]:
    async def schedules_ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        db = open_db(settings.tokens_path)
        schedules = ScheduleTable(db, deps.clock_ms)
        silences = JsonTable(db, "broadcast_silence", SilenceOrder)
        app[SCHEDULES], app[SILENCES] = schedules, silences
        # Publishes nothing until the MQTT context gives it a link.
        distributor = ScheduleDistributor(app[INDEX], settings.schedule_horizon_days)
        app[DISTRIBUTOR] = distributor

        def sync_schedules() -> list[str]:
            return distributor.sync(
                schedules.items.values(), silences.items.values(), deps.clock_ms()
            )

        app[SYNC_SCHEDULES] = sync_schedules
        sync_schedules()
        # Besides every change: the window moves at local midnight and silences end.
        resync = asyncio.create_task(
            _every(SCHEDULE_RESYNC_S, sync_schedules), name="schedule-resync"
        )
        yield
        resync.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await resync
        db.close()

    return schedules_ctx


def _ingest_ctx(deps: Deps) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ingest_ctx(app: web.Application) -> AsyncIterator[None]:
        metrics = app[METRICS]
        settings = app[SETTINGS]
        state = FleetState(app[INDEX], deps.clock_ms(), deps.state_rules)
        await _restore_state(state, app[STORE], deps.clock_ms())
        app[STATE] = state
        journal = await IntakeJournal.open(settings.tokens_path)
        sequences = SequenceTracker()
        sequences.restore(await journal.load_sequences())
        app[SEQUENCES] = sequences
        window = RecordTimeWindow(settings.max_clock_ahead_s, settings.max_record_age_days)
        ingest = Ingest(state, metrics, window)
        app[INGEST] = ingest
        app[JOURNAL] = journal
        pipeline = Pipeline(
            state=state,
            ingest=ingest,
            store=app[STORE],
            sequences=sequences,
            journal=journal,
            metrics=metrics,
            clock_ms=deps.clock_ms,
            replay_after_s=settings.replay_after_s,
            intake_stall_s=settings.intake_stall_s,
        )
        app[PIPELINE] = pipeline
        writer = app[WRITER] = pipeline.writer
        metrics.watch_sequences(sequences)
        metrics.watch_intake(writer.waiting_s, lambda: writer.failing_since is not None)
        metrics.watch_device_counts(
            lambda: Counter((s.entry.kind, str(s.status)) for s in state.devices.values())
        )

        def apply_maintenance() -> None:
            now_ms = deps.clock_ms()
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
            _every(MAINTENANCE_CHECK_S, apply_maintenance), name="maintenance-windows"
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

    return ingest_ctx


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


def _mqtt_ctx(deps: Deps) -> Callable[[web.Application], AsyncIterator[None]]:
    async def mqtt_ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        state, pipeline = app[STATE], app[PIPELINE]
        metrics = app[METRICS]
        distributor = app[DISTRIBUTOR]
        stopping = False

        def publish_retained(topic: str, payload: bytes) -> None:
            link.publish(topic, payload, QOS_RECORDS, retain=True)

        def on_link(up: bool) -> None:
            metrics.mqtt_connected.set(1 if up else 0)
            if up:
                log.info("connected to the broker")
                state.link_up(deps.clock_ms())
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
                pipeline.on_message,
                on_link,
                password=password,
            )
        except ValueError as exc:
            raise StartupError(f"--mqtt: {exc}") from exc
        link.start()
        pipeline.attach_link(link.publish)
        sweeper = asyncio.create_task(
            pipeline.sweep_forever(settings.sweep_interval_s), name="timeout-sweeper"
        )
        yield
        stopping = True
        distributor.link_down()
        pipeline.attach_link(None)
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await asyncio.to_thread(link.stop)

    return mqtt_ctx


async def _every(interval_s: float, action: Callable[[], object]) -> None:
    while True:
        await asyncio.sleep(interval_s)
        action()
