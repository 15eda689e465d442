"""The playout thread: ticks, asks the planner what each cluster should do, runs the
plays, and logs every step as a broadcast event through the agent's on-disk outbox.

One thread (``playout``) owns all the state; other threads only hand things over: paho's
thread a new schedule set (``offer``), the play threads their reports (a queue). Each
tick, in this order:

1. take a newly offered schedule set (and render its speech ahead of time);
2. apply the plays' reports (started, ended);
3. emit ``received`` for the revisions whose content is ready;
4. plan and apply the decisions;
5. write the events to the outbox, then the ledger, and only then start or stop
   players: a play is on disk as started before it makes a sound, and a proof of
   play is in the outbox before the ledger forgets the play.

A crash between 5's two writes can log a step twice (a ``finished`` then a ``failed``
with ``agent_restarted``), never lose one. Restarts and outages: docs/playout.md.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple

from xaso.agent.content_cache import ContentCache
from xaso.agent.playout.config import PlayoutConfig
from xaso.agent.playout.ledger import Ledger, ReceivedKey
from xaso.agent.playout.now_playing import playing_status
from xaso.agent.playout.plan import (
    LOOKBACK_MS,
    READY,
    Close,
    Decision,
    Fail,
    Key,
    Occurrence,
    Readiness,
    Record,
    Rules,
    Skip,
    Start,
    State,
    Status,
    Stop,
    Timetable,
    Wait,
    plan,
    play_seconds,
)
from xaso.agent.playout.players import CommandPlay, Play, PlayReport, PlayRequest, SimulatedPlay
from xaso.agent.playout.speech import SpeechRenderer
from xaso.protocol import (
    SCHEMA_VERSION,
    BroadcastEvent,
    BroadcastEventKind,
    RadioStatus,
    ScheduledContent,
    ScheduleSet,
)

log = logging.getLogger("xaso.agent.playout")

TICK_S: Final = 0.2
_PRUNE_EVERY_MS: Final = 3_600_000
_UNSUPPORTED: Final = Readiness(
    False,
    "unsupported_content",
    "live content is spoken at the microphone, not played by the gateway",
    final=True,
)

Emit = Callable[[BroadcastEvent], None]


class _StopOrder(NamedTuple):
    cause: Literal["emergency", "bulletin", "silence", "withdrawn", "changed", "shutdown"]
    by: str | None = None
    for_key: Key | None = None


class Playout:
    def __init__(
        self,
        config: PlayoutConfig,
        state_dir: Path,
        content: ContentCache,
        emit: Emit,
        *,
        agent_id: str,
        clock_ms: Callable[[], int],
        tick_s: float = TICK_S,
    ) -> None:
        self.config = config
        self._folder = state_dir / "playout"
        self._folder.mkdir(parents=True, exist_ok=True)
        self._content = content
        self._emit = emit
        self._agent_id = agent_id
        self._clock_ms = clock_ms
        self._tick_s = tick_s
        self._rules = Rules(
            late_start_ms=round(config.late_start_s * 1000),
            content_wait_ms=round(config.content_wait_s * 1000),
        )
        self._speech = (
            None
            if config.simulated is not None
            else SpeechRenderer(self._folder / "speech", config.tts_argv, config.tts_timeout_s)
        )
        self._ledger = Ledger(self._folder / "ledger.db")
        records, self._received = self._ledger.load()
        # Open occurrences by cluster; those done only as keys (a week of them).
        self._open: dict[str, dict[Key, Record]] = {}
        self._done: set[tuple[str, str, int]] = set()
        for cluster_records in records.values():
            for record in cluster_records.values():
                self._remember(record)
        self._since_ms: int | None = None  # see plan(): None after a new set
        self._timetable = Timetable(None)
        self._offer_lock = threading.Lock()
        self._offered: tuple[ScheduleSet | None] | None = None
        self._reports: queue.SimpleQueue[PlayReport] = queue.SimpleQueue()
        self._plays: dict[str, Play] = {}
        self._launched: dict[str, Start] = {}
        self._stop_orders: dict[str, _StopOrder] = {}
        # cluster -> (the emergency's key, the schedule it stopped): for its `started`.
        self._handover: dict[str, tuple[Key, str]] = {}
        self._received_removed: set[ReceivedKey] = set()
        self._received_added: set[ReceivedKey] = set()
        self._dirty: dict[tuple[str, Key], Record] = {}
        self._events: list[BroadcastEvent] = []
        # The clusters playing now (now_playing.py), read by the heartbeat's thread:
        # replaced whole, never changed in place.
        self._playing_now: Mapping[str, RadioStatus] = {}
        self._pruned_ms = 0
        self.ticks = 0  # ticks done: for tests and diagnostics
        self._restarted = False
        self._power_cut = False
        self._closed = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="playout", daemon=True)

    # -- called from other threads -------------------------------------------------------

    def playing_now(self) -> Mapping[str, RadioStatus]:
        """The clusters a player runs on now, with what it plays (any thread)."""
        return self._playing_now

    def offer(self, schedule: ScheduleSet | None) -> None:
        """A schedule set the agent now holds (paho's thread: hand over, nothing else)."""
        with self._offer_lock:
            self._offered = (schedule,)
        self._wake.set()

    def _report(self, report: PlayReport) -> None:
        self._reports.put(report)
        self._wake.set()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        if self._speech is not None:
            self._speech.start()
        self._thread.start()

    def stop(self) -> None:
        """A clean stop: what plays is stopped and logged ``failed`` (agent_stopped),
        to be resumed after the restart if still in time."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        elif not self._closed:
            self._shutdown()
        if self._speech is not None:
            self._speech.stop()

    def cut_power(self) -> None:
        """Stop as a power cut would: players die, nothing more is logged or saved; the
        restart logs what was playing ``failed`` (agent_restarted). Demo and tests."""
        self._power_cut = True
        self.stop()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:  # playout must outlive any one bad tick
                    log.exception("%s: playout tick failed", self._agent_id)
                self._wake.wait(self._tick_s)
                self._wake.clear()
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        self._closed = True
        for cluster, play in self._plays.items():
            self._stop_orders[cluster] = _StopOrder("shutdown")
            play.stop()
        join_s = self.config.stop_grace_s + 2 * self.config.command_timeout_s + 1
        for play in list(self._plays.values()):
            play.join(join_s)
        if self._power_cut:
            self._ledger.close()
            return
        try:
            self._drain_reports()
            self._write()
        except Exception:
            log.exception("%s: playout could not log its stop", self._agent_id)
        finally:
            self._ledger.close()

    # -- one tick ------------------------------------------------------------------------

    def tick(self) -> None:
        now_ms = self._clock_ms()
        self._take_offer()
        if not self._restarted:
            self._restarted = True
            self._log_interrupted_by_restart(now_ms)
        self._drain_reports()
        readiness = {
            item.id: self._readiness(item.content)
            for item in (self._timetable.schedule.items if self._timetable.schedule else [])
        }
        self._log_received(readiness)
        starts: list[Start] = []
        stops: list[Stop] = []
        state = State(self._open, self._done)
        for decision in plan(
            self._timetable, state, readiness, now_ms, self._rules, since_ms=self._since_ms
        ):
            self._apply(decision, starts, stops)
        self._since_ms = now_ms
        try:
            self._write()
        finally:
            # Whatever the disk did, a decided start is launched: a record left
            # "playing" without a player would hold its cluster for ever.
            for stop in stops:
                play = self._plays.get(stop.occurrence.cluster)
                if play is not None:
                    play.stop()
            for start in starts:
                self._launch(start)
        if now_ms - self._pruned_ms > _PRUNE_EVERY_MS:
            self._prune(now_ms)
        self.ticks += 1

    def _take_offer(self) -> None:
        with self._offer_lock:
            offered, self._offered = self._offered, None
        if offered is None:
            return
        (schedule,) = offered
        self._timetable = Timetable(schedule)
        self._since_ms = None
        items = schedule.items if schedule else []
        if self._speech is not None:
            self._speech.want(item.content for item in items)
        current = {(item.id, item.revision) for item in items}
        # Revisions no longer held are forgotten: the set is the only source of them.
        gone = {key for key in self._received if key[:2] not in current}
        self._received -= gone
        self._received_removed |= gone

    def _readiness(self, content: ScheduledContent) -> Readiness:
        if content.type == "live":
            return _UNSUPPORTED
        if self.config.simulated is not None:
            return READY  # nothing is fetched nor rendered: the simulated player needs none
        if content.type == "file":
            if not content.sha256:
                return Readiness(False, "content_missing", "the schedule names no file", True)
            if self._content.has(content.sha256):
                return READY
            return Readiness(False, "content_missing", f"audio {content.sha256} not fetched yet")
        if content.type == "tts":
            if not content.text or self._speech is None:
                return Readiness(False, "content_missing", "the schedule gives no text", True)
            return self._speech.readiness(content.text, content.voice)
        if not content.url:
            return Readiness(False, "content_missing", "the schedule gives no stream url", True)
        return READY

    def _log_received(self, readiness: dict[str, Readiness]) -> None:
        """One ``received`` per (schedule, revision, cluster), once its content is ready:
        the proof that the gateway could have played it."""
        schedule = self._timetable.schedule
        for item in schedule.items if schedule else []:
            if not readiness[item.id].ready:
                continue
            for cluster in item.clusters:
                key = (item.id, item.revision, cluster)
                if key in self._received:
                    continue
                self._received.add(key)
                self._received_added.add(key)
                self._received_removed.discard(key)
                self._event(
                    "received",
                    Occurrence(cluster, item.id, 0, item.revision, item.priority, item.content),
                    occurrence_ms=0,
                    planned_end_ms=0,
                )

    def _log_interrupted_by_restart(self, now_ms: int) -> None:
        for cluster_records in self._open.values():
            for record in list(cluster_records.values()):
                if record.status in ("playing", "stopping"):
                    self._set(record.occurrence, "interrupted", started_ms=record.started_ms)
                    self._event(
                        "failed",
                        record.occurrence,
                        started_ms=record.started_ms,
                        reason="agent_restarted",
                        error="the agent stopped while this played",
                    )

    # -- decisions and reports ---------------------------------------------------------------

    def _apply(self, decision: Decision, starts: list[Start], stops: list[Stop]) -> None:
        occurrence = decision.occurrence
        if isinstance(decision, Wait):
            self._set(occurrence, "due")
        elif isinstance(decision, Close):
            self._set(occurrence, "done")
        elif isinstance(decision, Skip):
            self._set(occurrence, "done")
            self._event("skipped", occurrence, reason=decision.reason, by=decision.by)
        elif isinstance(decision, Fail):
            self._set(occurrence, "done")
            self._event("failed", occurrence, reason=decision.reason, error=decision.error)
        elif isinstance(decision, Stop):
            self._stop_orders[occurrence.cluster] = _StopOrder(
                decision.cause, decision.by, decision.for_key
            )
            record = self._open[occurrence.cluster][occurrence.key]
            self._set(occurrence, "stopping", started_ms=record.started_ms)
            stops.append(decision)
            log.info(
                "%s: stopping %s for %s %s",
                occurrence.cluster,
                occurrence.schedule,
                decision.cause,
                decision.by,
            )
        elif isinstance(decision, Start):
            previous = self._open.get(occurrence.cluster, {}).get(occurrence.key)
            self._set(occurrence, "playing", started_ms=previous.started_ms if previous else None)
            starts.append(decision)

    def _launch(self, start: Start) -> None:
        occurrence = start.occurrence
        cluster = occurrence.cluster
        self._launched[cluster] = start
        try:
            content = occurrence.content
            request = PlayRequest(
                occurrence,
                self._media(content),
                self._length_s(content),
                play_seconds(occurrence, self._clock_ms()),
            )
            play: Play
            commands = self.config.for_cluster(cluster)
            if occurrence.volume is not None:
                # The server's volume (the schedule's, else the cluster's) before the
                # gateway's own configuration.
                commands = commands._replace(volume=occurrence.volume)
            if self.config.simulated is not None:
                fails = cluster in self.config.simulated.fail_clusters
                play = SimulatedPlay(request, fails, self._clock_ms, self._report, commands.volume)
            else:
                play = CommandPlay(
                    request,
                    commands,
                    self.config,
                    self._folder / f"{cluster}.stderr",
                    self._clock_ms,
                    self._report,
                )
        except Exception as exc:  # the cluster must not stay "playing" for ever
            log.exception("%s: cannot start %s", cluster, occurrence.schedule)
            self._report(
                PlayReport(
                    "ended",
                    occurrence,
                    self._clock_ms(),
                    outcome="failed",
                    reason="player_error",
                    error=str(exc),
                )
            )
            return
        self._plays[cluster] = play

    def _media(self, content: ScheduledContent) -> str:
        if content.type == "relay":
            return content.url or ""
        if content.type == "tts" and self._speech is not None and content.text:
            return str(self._speech.path(content.text, content.voice))
        if content.type == "file" and content.sha256:
            return str(self._content.folder / content.sha256)
        return ""

    def _length_s(self, content: ScheduledContent) -> float | None:
        """The real length of what will play, when the agent knows it: the rendered
        speech's (a file's is the server's to know, measured at upload; a stream has
        only its slot)."""
        if content.type == "tts" and self._speech is not None and content.text:
            return self._speech.length_s(content.text, content.voice)
        return None

    def _drain_reports(self) -> None:
        while True:
            try:
                report = self._reports.get_nowait()
            except queue.Empty:
                return
            self._on_report(report)

    def _on_report(self, report: PlayReport) -> None:
        occurrence = report.occurrence
        cluster = occurrence.cluster
        launched = self._launched.get(cluster)
        common: dict[str, Any] = {
            "relay_on": report.relay_on,
            "volume": report.volume,
            "content_s": report.content_s,
        }
        if report.kind == "started":
            status_now = playing_status(occurrence, report.volume, report.relay_on)
            self._playing_now = {**self._playing_now, cluster: status_now}
            record = self._open.get(cluster, {}).get(occurrence.key)
            status: Status = record.status if record is not None else "playing"
            self._set(occurrence, status, started_ms=report.at_ms)
            handover = self._handover.pop(cluster, None)
            self._event(
                "started",
                occurrence,
                started_ms=report.at_ms,
                resumed=bool(launched and launched.resumed),
                preempted=handover[1] if handover and handover[0] == occurrence.key else None,
                **common,
            )
            return
        self._plays.pop(cluster, None)
        self._launched.pop(cluster, None)
        self._playing_now = {c: s for c, s in self._playing_now.items() if c != cluster}
        order = self._stop_orders.pop(cluster, None)
        started_ms = report.started_ms
        played: dict[str, Any] = {
            "started_ms": started_ms,
            "played_s": (
                round((report.at_ms - started_ms) / 1000, 3) if started_ms is not None else None
            ),
            **common,
        }
        resumed = bool(launched and launched.resumed)
        if report.outcome != "stopped" or order is None:
            if report.outcome == "finished":
                self._event("finished", occurrence, error=report.error, **played)
            else:
                self._event(
                    "failed", occurrence, reason=report.reason, error=report.error, **played
                )
            if occurrence.priority == "background" and report.at_ms < occurrence.end_ms - 2_000:
                # The station's stream dropped inside the slot: try it again (plan.py
                # says when), the time of this attempt as its latest start.
                self._set(occurrence, "retry", started_ms=started_ms or report.at_ms)
            else:
                self._set(occurrence, "done", started_ms=started_ms)
            return
        # A standing relay stopped by a silence comes back after it; a bulletin does not.
        background = occurrence.priority == "background"
        # A standing relay edited while it played: the set's revision of the same
        # occurrence takes the rest of its slot (resumed); a moved slot ends this one.
        edited: Status = "preempted" if order.for_key == occurrence.key else "done"
        if started_ms is None:
            # Stopped before its player ran: it never played, so nothing was pre-empted.
            if order.cause == "changed" and edited == "done":
                self._set(occurrence, "done")  # its slot moved: the set plans another
            elif order.cause == "withdrawn":
                self._event("skipped", occurrence, reason="withdrawn")
                self._set(occurrence, "done")
            elif order.cause == "silence" and not background:
                self._event("skipped", occurrence, reason="silenced", by=order.by)
                self._set(occurrence, "done")
            else:
                self._set(occurrence, "preempted" if resumed else "due")
            return
        if order.cause == "shutdown":
            self._event("failed", occurrence, reason="agent_stopped", error=report.error, **played)
            self._set(occurrence, "interrupted", started_ms=started_ms)
        elif order.cause in ("emergency", "bulletin"):
            self._event("preempted", occurrence, by=order.by, **played)
            self._set(occurrence, "preempted", started_ms=started_ms)
            if order.for_key is not None:
                self._handover[cluster] = (order.for_key, occurrence.schedule)
        elif order.cause == "withdrawn":  # a standing relay switched off
            self._event("preempted", occurrence, reason="withdrawn", **played)
            self._set(occurrence, "done", started_ms=started_ms)
        elif order.cause == "changed":
            self._event("preempted", occurrence, reason="changed", **played)
            self._set(occurrence, edited, started_ms=started_ms)
        else:  # a silence: the operator wants quiet, not the bulletin back afterwards
            self._event("preempted", occurrence, by=order.by, reason="silenced", **played)
            self._set(occurrence, "preempted" if background else "done", started_ms=started_ms)

    # -- state and events ----------------------------------------------------------------

    def _set(self, occurrence: Occurrence, status: Status, started_ms: int | None = None) -> None:
        record = Record(occurrence, status, started_ms)
        self._remember(record)
        self._dirty[(occurrence.cluster, occurrence.key)] = record

    def _remember(self, record: Record) -> None:
        occurrence = record.occurrence
        cluster, key = occurrence.cluster, occurrence.key
        if record.status == "done":
            self._open.get(cluster, {}).pop(key, None)
            self._done.add((cluster, *key))
        else:
            self._open.setdefault(cluster, {})[key] = record
            self._done.discard((cluster, *key))

    def _event(self, kind: BroadcastEventKind, occurrence: Occurrence, **fields: Any) -> None:
        base: dict[str, Any] = {
            "occurrence_ms": occurrence.start_ms,
            "planned_end_ms": occurrence.end_ms,
        }
        base.update({k: v for k, v in fields.items() if v is not None})
        event = BroadcastEvent(
            v=SCHEMA_VERSION,
            agent=self._agent_id,
            session=0,  # session, seq and ts_ms are the outbox's to give
            seq=0,
            ts_ms=0,
            event=kind,
            cluster=occurrence.cluster,
            schedule=occurrence.schedule,
            revision=occurrence.revision,
            priority=occurrence.priority,
            content=occurrence.content,
            **base,
        )
        self._events.append(event)
        log.info(
            "%s: %s %s@%d%s",
            occurrence.cluster,
            kind,
            occurrence.schedule,
            occurrence.start_ms,
            f" ({event.reason or event.error})" if event.reason or event.error else "",
        )

    def _write(self) -> None:
        events, self._events = self._events, []
        for event in events:
            try:
                self._emit(event)
            except Exception:  # the runner reports queue trouble itself; go on
                log.exception("%s: broadcast event not recorded: %s", self._agent_id, event)
        if not (self._dirty or self._received_added or self._received_removed):
            return
        try:
            self._ledger.save(self._dirty.values(), self._received_added, self._received_removed)
        except sqlite3.Error as exc:
            # Play on regardless (a full disk must not silence an emergency); the
            # changes stay queued and are written at the next tick that can.
            log.error("%s: playout ledger not written: %s", self._agent_id, exc)
            return
        self._dirty.clear()
        self._received_added.clear()
        self._received_removed.clear()

    def _prune(self, now_ms: int) -> None:
        self._pruned_ms = now_ms
        for cluster, key in self._ledger.prune(now_ms - LOOKBACK_MS - 86_400_000):
            self._done.discard((cluster, *key))

    # -- for the heartbeat and tests -------------------------------------------------------

    def status_of(self, cluster: str, key: Key) -> Status | None:
        """Where one occurrence stands (tests, diagnostics)."""
        if (cluster, *key) in self._done:
            return "done"
        record = self._open.get(cluster, {}).get(key)
        return record.status if record is not None else None
