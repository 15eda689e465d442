"""Alerting in the server: one cleanup context owning the rules' loop and the delivery.

Register it after the ingest context (it reads ``app[STATE]``)::

    app.cleanup_ctx.append(alerts_cleanup_ctx(settings.alerts, clock_ms=deps.clock_ms))

It opens the alert history in the server's database (``history.py``: readable even
with alerting off, for what happened before), loads the alerts file (none: alerting is
off, said once in the log), builds the channels and the dispatcher, takes up the engine
state saved in ``<data_dir>/alerts.db``, and runs a named task that evaluates the rules
every ``interval_s`` seconds on the live state, saves the state when it changed, records
each message in the history and hands it to the dispatcher, whose final outcome per
channel is recorded beside it. The
dispatcher only queues, so a channel that hangs never slows the loop, let alone ingest.
When a rule watches the playout log (``broadcast_not_played``) a second named task
checks it every ``playout_interval_s``: it reconciles the occurrences planned in the
rule's window (``server.broadcasts.playout_log.playout_for``, a store query) and hands them to the
same engine, whose state is saved the same way.

On shutdown the tasks are cancelled and awaited, then the dispatcher and the store close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol

from aiohttp import web
from prometheus_client import Counter, Gauge

from xaso.server.alerts.channel_check import ChannelCheck
from xaso.server.alerts.channels import build_channels
from xaso.server.alerts.config import AlertsConfig, load_alerts_config
from xaso.server.alerts.contacts import ContactStore
from xaso.server.alerts.dispatcher import Dispatcher, Outcome, OutcomeHook
from xaso.server.alerts.engine import AlertEngine, Notice, SnapshotError
from xaso.server.alerts.history import AlertHistory, acknowledged_event, event_of_message
from xaso.server.alerts.message import AlertMessage
from xaso.server.alerts.metrics import AlertMetrics
from xaso.server.alerts.personal import Delivery, Person, PersonalRouting, deliveries
from xaso.server.alerts.state_store import AlertStateStore
from xaso.server.alerts.templates import Renderer, message_headline
from xaso.server.broadcasts.playout_log import playout_for
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.broadcasts.wiring import playout_sources
from xaso.server.keys import DATABASE, INDEX, METRICS, SETTINGS
from xaso.server.monitoring.fleet_state import DeviceStatus, FleetState
from xaso.server.monitoring.keys import ACKNOWLEDGEMENTS, SEQUENCES, STATE
from xaso.server.store.base import StoreUnavailable

__all__ = [
    "ALERTS",
    "ALERT_ACCOUNTS",
    "ALERT_HISTORY",
    "AlertsRuntime",
    "active_alerts",
    "alerts_cleanup_ctx",
    "check_playout",
]

log = logging.getLogger("xaso.alerts")

# A gap in a gateway's numbering younger than this holds its broadcast alerts: the
# missing records (replayed on request) may show the bulletin played.
GAP_HOLD_MS = 10 * 60 * 1000


def _wall_ms() -> int:
    return int(time.time() * 1000)


class AlertsRuntime:
    """The engine, the dispatcher and the saved state, as one evaluation step."""

    def __init__(
        self,
        config: AlertsConfig,
        engine: AlertEngine,
        dispatcher: Dispatcher,
        store: AlertStateStore,
        registry_metrics: tuple[Gauge, Counter],
        *,
        history: AlertHistory | None = None,
        environ: Mapping[str, str] | None = None,
        people: Callable[[AlertMessage], list[Delivery]] | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.dispatcher = dispatcher
        self.store = store
        self.history = history
        # Where the channels' secrets were read (None: the process environment), so a
        # test message builds its channel as the server did.
        self.environ = environ
        # The latest test message of each channel (channel_check.py), for the page.
        self.checks: dict[str, ChannelCheck] = {}
        # Whom each message reaches besides the shared channels (personal.py).
        self._people = people
        self._firing, self._errors = registry_metrics
        # The groups whose every device is acknowledged, as of the last pass: a group
        # joining them is an "acknowledged" event of the history, once.
        self._acknowledged: set[str] = set()

    def step(self, fleet: FleetState, now_ms: int) -> list[Notice]:
        """Evaluate once, save the state if it changed, queue the messages."""
        try:
            notices = self.engine.evaluate(fleet, now_ms)
        except Exception:
            # A bug in a rule must not end the loop: the next pass may well succeed.
            self._errors.inc()
            log.exception("the alert rules failed; trying again at the next pass")
            return []
        sent = self._send(notices)
        self._record_acknowledgements(now_ms)
        return sent

    def _record_acknowledgements(self, now_ms: int) -> None:
        """Each group that became acknowledged since the last pass, in the history."""
        acknowledged = {}
        for alert in self.engine.active():
            if alert.get("acknowledged_by"):
                acknowledged[str(alert["key"])] = alert
        if self.history is not None:
            for key in acknowledged.keys() - self._acknowledged:
                alert = acknowledged[key]
                at_ms = alert.get("acknowledged_ms")
                try:
                    self.history.append(
                        acknowledged_event(
                            alert,
                            str(alert["acknowledged_by"]),
                            int(str(at_ms)) if at_ms is not None else now_ms,
                        )
                    )
                except sqlite3.Error:
                    self._errors.inc()
                    log.exception("could not record the acknowledgement of %s", key)
        self._acknowledged = set(acknowledged)

    def step_playout(
        self, outcomes: list[PlayoutOutcome], now_ms: int, unsure_agents: frozenset[str]
    ) -> list[Notice]:
        """The playout rules once over ``outcomes``; saved and queued like ``step``."""
        try:
            notices = self.engine.evaluate_playout(outcomes, now_ms, unsure_agents)
        except Exception:
            self._errors.inc()
            log.exception("the playout alert rules failed; trying again at the next pass")
            return []
        return self._send(notices)

    def count_error(self) -> None:
        self._errors.inc()

    def _send(self, notices: list[Notice]) -> list[Notice]:
        try:
            # Saved before sending: a firing that went out is then always on disk, so a
            # restart cannot forget it and leave it without its "resolved".
            self.store.save(self.engine.snapshot())
        except sqlite3.Error:
            self._errors.inc()
            log.exception("could not save the alert state")
        for notice in notices:
            self._record(notice.message)
            self.dispatcher.submit(notice.message, notice.channels)
            self._submit_personal(notice.message)
        for rule, count in self.engine.firing_by_rule().items():
            self._firing.labels(rule).set(count)
        return notices

    def _submit_personal(self, message: AlertMessage) -> None:
        """The message to each person whose communes it is about, on the channels they
        chose. Finding who that is may fail (a locked database): the shared channels
        still have it, and the error is counted."""
        if self._people is None:
            return
        try:
            found = self._people(message)
        except Exception:  # a locked database, or a bug: never the end of the loop
            self._errors.inc()
            log.exception("could not find whom alert %s reaches", message.key)
            return
        for delivery in found:
            self.dispatcher.submit_to(message, delivery.channel, delivery.address, delivery.login)

    def _record(self, message: AlertMessage) -> None:
        """The message in the history, before it is queued: its deliveries are noted
        beside it. A history that cannot be written loses the event, not the alert."""
        if self.history is None:
            return
        try:
            self.history.append(event_of_message(message, message_headline(message)))
        except sqlite3.Error:
            self._errors.inc()
            log.exception("could not record alert %s in the history", message.key)


ALERTS = web.AppKey("alerts", AlertsRuntime)
# What happened to the alert groups (history.py); there with alerting off as well.
ALERT_HISTORY = web.AppKey("alert_history", AlertHistory)


class Account(Protocol):
    """An account as routing needs it (the web layer's accounts are these)."""

    @property
    def id(self) -> str: ...
    @property
    def login(self) -> str: ...
    @property
    def communes(self) -> frozenset[str]: ...
    @property
    def disabled_ms(self) -> int | None: ...


class AccountDirectory(Protocol):
    def all(self) -> Iterable[Account]: ...


# Who can receive alerts of their own: set by the web layer, which owns the accounts
# (alerting does not reach into it). Absent: nobody is routed alerts personally.
ALERT_ACCOUNTS = web.AppKey[AccountDirectory]("alert_accounts")


def active_alerts(app: web.Application) -> list[dict[str, object]]:
    """The alert groups firing now, oldest first; empty when alerting is off. Each:
    key, rule (name), type, commune, commune_name, severity, started_ms, last_sent_ms,
    cause, summary, devices (as the messages list them), bulletin (broadcast alerts;
    else None), and acknowledged_by / acknowledged_ms (who acknowledged the last of its
    devices on the problems page, and when; None unless every device it lists now is
    acknowledged: its reminders wait meanwhile)."""
    runtime = app.get(ALERTS)
    return runtime.engine.active() if runtime is not None else []


def _metrics(app: web.Application) -> tuple[AlertMetrics, tuple[Gauge, Counter]]:
    registry = app[METRICS].registry
    firing = Gauge(
        "xaso_alert_groups_firing", "Alert groups firing now, by rule", ["rule"], registry=registry
    )
    errors = Counter(
        "xaso_alert_engine_errors",
        "Failed alert evaluations or state saves (see the log)",
        registry=registry,
    )
    return AlertMetrics(registry), (firing, errors)


def alerts_cleanup_ctx(
    config: str | Path | AlertsConfig | None,
    *,
    clock_ms: Callable[[], int] = _wall_ms,
    environ: Mapping[str, str] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """The cleanup context of alerting. ``config`` is the alerts file's path (loaded at
    start; a bad file stops the start with every problem listed), an already loaded
    ``AlertsConfig`` (to report problems before the app starts), or None: no alerting.
    ``clock_ms`` must be the clock of the live state (``Deps.clock_ms``); ``environ``
    is where channel secrets are read (default: the process environment)."""

    async def alerts_ctx(app: web.Application) -> AsyncIterator[None]:
        history = AlertHistory(app[DATABASE].connection)
        app[ALERT_HISTORY] = history
        if config is None:
            log.info("alerting is off: no alerts file given (--alerts)")
            yield
            return
        loaded = config if isinstance(config, AlertsConfig) else _load(config, app, environ)
        channels = build_channels(
            loaded.channels,
            "channels",
            renderer=Renderer(),
            environ=environ,
            database=app[DATABASE].connection,
        )
        alert_metrics, own_metrics = _metrics(app)
        dispatcher = Dispatcher(
            channels,
            alert_metrics,
            queue_size=loaded.queue_size,
            retry=loaded.retry,
            on_outcome=_outcome_recorder(history, clock_ms),
        )
        # While every device of a group is acknowledged, its reminders wait.
        acknowledgements = app.get(ACKNOWLEDGEMENTS)
        acknowledged = acknowledgements.get if acknowledgements is not None else None
        engine = AlertEngine(loaded.rules, app[INDEX], acknowledged)
        store = AlertStateStore.in_dir(app[SETTINGS].data_dir)
        _restore(engine, store)
        people = _people_of(app, loaded.personal, clock_ms) if loaded.personal is not None else None
        runtime = AlertsRuntime(
            loaded,
            engine,
            dispatcher,
            store,
            own_metrics,
            history=history,
            environ=environ,
            people=people,
        )
        app[ALERTS] = runtime
        dispatcher.start()
        task = asyncio.create_task(
            _evaluate_forever(app, runtime, clock_ms, loaded.interval_s), name="alerts-evaluator"
        )
        playout: asyncio.Task[None] | None = None
        if engine.playout_rules():
            playout = asyncio.create_task(
                _check_playout_forever(app, clock_ms, loaded.playout_interval_s),
                name="alerts-playout",
            )
        log.info(
            "alerting: %d rules, channels %s, %d groups firing",
            len(loaded.rules),
            ", ".join(dispatcher.channel_names) or "none",
            len(engine.active()),
        )
        try:
            yield
        finally:
            for running in (task, playout):
                if running is not None:
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await running
            await dispatcher.close()
            store.close()

    return alerts_ctx


def _people_of(
    app: web.Application, routing: PersonalRouting, clock_ms: Callable[[], int]
) -> Callable[[AlertMessage], list[Delivery]]:
    """Whom a message reaches: the enabled accounts (their scope resolved through the
    inventory today, as their pages see it) and their contacts, read at each message
    (alerts are rare; a change on someone's page counts from the next one)."""

    def route(message: AlertMessage) -> list[Delivery]:
        accounts = app.get(ALERT_ACCOUNTS)
        if accounts is None:
            return []
        index = app[INDEX]
        day = index.day_of(clock_ms())
        people = []
        for account in accounts.all():
            if account.disabled_ms is not None:
                continue
            scope = index.scope_on(account.communes, day) if account.communes else None
            people.append(Person(account.id, account.login, _sees(scope)))
        contacts = ContactStore(app[DATABASE].connection).all()
        return deliveries(message, routing, people, contacts)

    return route


def _sees(scope: frozenset[str] | None) -> Callable[[str], bool]:
    """No scope: the whole province (admins and viewers without communes)."""
    return (lambda commune: True) if scope is None else scope.__contains__


def _outcome_recorder(history: AlertHistory, clock_ms: Callable[[], int]) -> OutcomeHook:
    def record(channel: str, message: AlertMessage, outcome: Outcome, detail: str | None) -> None:
        history.record_delivery(message, channel, outcome, clock_ms(), detail)

    return record


def _load(
    path: str | Path, app: web.Application, environ: Mapping[str, str] | None
) -> AlertsConfig:
    return load_alerts_config(path, app[INDEX], environ)


def _restore(engine: AlertEngine, store: AlertStateStore) -> None:
    saved = store.load()
    if saved is None:
        return
    try:
        engine.restore(saved)
    except SnapshotError as exc:
        # Starting empty may miss a "resolved" for an alert sent before; say so loudly.
        log.error("alert state in %s not taken up, starting with none: %s", store.path, exc)


async def _evaluate_forever(
    app: web.Application,
    runtime: AlertsRuntime,
    clock_ms: Callable[[], int],
    interval_s: float,
) -> None:
    while True:
        runtime.step(app[STATE], clock_ms())
        await asyncio.sleep(interval_s)


async def check_playout(app: web.Application, now_ms: int) -> list[Notice]:
    """One check of the playout rules: reconcile the occurrences planned to start in
    their window and evaluate them. Nothing happens when alerting is off, has no
    playout rule, or the store cannot be read (the next check tries again)."""
    runtime = app.get(ALERTS)
    if runtime is None:
        return []
    communes, window_ms = runtime.engine.playout_scope()
    if not communes:
        return []
    # Unsure before the read as well as after: a backlog arriving while the store is
    # read (and reconciled, seconds for a province) is not in what was read.
    unsure_before = _unsure_agents(app, now_ms)
    try:
        outcomes = await playout_for(playout_sources(app), communes, now_ms - window_ms, now_ms + 1)
    except StoreUnavailable as exc:
        log.warning("playout alerts: the store cannot be read now: %s", exc)
        return []
    unsure = unsure_before | _unsure_agents(app, now_ms)
    return runtime.step_playout(outcomes, now_ms, unsure)


def _unsure_agents(app: web.Application, now_ms: int) -> frozenset[str]:
    """Gateways whose broadcast log may still be on its way, so that their clusters'
    problems decide nothing yet: records known missing (a recent sequence gap), or the
    gateway not online now (away, in maintenance, or back but not yet counted as
    recovered). A gateway cut off from the broker plays from its cache and sends its
    log when it is back; while it is away, its own outage is the alert."""
    sequences = app.get(SEQUENCES)
    gaps = sequences.gaps() if sequences is not None else []
    unsure = {agent for agent, gap in gaps if now_ms - gap.seen_ms < GAP_HOLD_MS}
    state = app.get(STATE)
    if state is not None:
        unsure.update(
            agent
            for agent in app[INDEX].agents
            if state.devices[agent].status is not DeviceStatus.ONLINE
        )
    return frozenset(unsure)


async def _check_playout_forever(
    app: web.Application, clock_ms: Callable[[], int], interval_s: float
) -> None:
    while True:
        # First after one interval: at a start, what the broker kept for us while we were
        # down comes in first, so that it is not reported missing.
        await asyncio.sleep(interval_s)
        try:
            await check_playout(app, clock_ms())
        except Exception:  # CancelledError is not an Exception: shutdown still works
            # A bug here must not end the task: the next check may well succeed.
            app[ALERTS].count_error()
            log.exception("the playout check failed; trying again at the next one")
