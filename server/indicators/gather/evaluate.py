"""Evaluate communes' indicators in the running server: gather the inputs in bulk, then
call the pure core (``server.indicators.compute``) in a worker thread.

A province is 100–170 communes and 5,000–15,000 devices, so the inputs are read a
batch at a time, never a device at a time: per distinct time range, one bulk read of
the devices' transitions and one of their statuses before the range (each a few
chunked queries on InfluxDB, primary-key scans on SQLite), one of the latest readings
when C1 needs recording states, one call for the broadcast outcomes; maintenance
windows, excused periods and declared values are in memory. The broadcast outcomes
come from ``broadcasts.playout_log.playout_for`` (reconciled schedules and logs).
"""

from __future__ import annotations

import asyncio
from collections import ChainMap, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from xaso.inventory import DeviceEntry, InventoryIndex
from xaso.server.broadcasts.playout_log import PlayoutSources, playout_for
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.indicators.compute import CommuneData, data_ranges, evaluate_commune
from xaso.server.indicators.day_pieces import PiecedHistory
from xaso.server.indicators.gather.declared import DeclaredStore
from xaso.server.indicators.gather.evaluated import (
    EvaluatedResults,
    Planned,
    commune_keys,
    declared_for,
    span_of,
)
from xaso.server.indicators.gather.exclusion_lookup import ExclusionLookup
from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.indicators.inputs import PICTURE
from xaso.server.indicators.measures import DeviceHistory, Window
from xaso.server.indicators.profile import IndicatorProfile, ProfileSet, load_default_profile
from xaso.server.indicators.result import CommuneEvaluation
from xaso.server.indicators.snapshot import CommuneSnapshot, snapshot
from xaso.server.monitoring.exclusions import ExclusionStore
from xaso.server.monitoring.picture_state import picture_series
from xaso.server.monitoring.recording_ledger import DayRecording, RecordingLedger
from xaso.server.store.base import Store

__all__ = ["IndicatorSources", "evaluate_communes"]

# A broadcast still to come or on air: its outcome waits on the clock.
_UNSETTLED: Final = frozenset({"upcoming", "playing"})


@dataclass(frozen=True)
class IndicatorSources:
    """What the evaluation reads: the inventory, the time series, the profiles, and
    (where there are some) declared values, maintenance windows and excused periods,
    and the playout log. A running server builds it (``indicators/wiring.py``); a
    benchmark or a script gives its own, with no web application."""

    index: InventoryIndex
    store: Store
    clock_ms: Callable[[], int]
    profiles: ProfileSet | None = None  # None: the built-in default profile
    declared: DeclaredStore | None = None
    exclusions: ExclusionStore | None = None
    playout: PlayoutSources | None = None
    # Closed days rolled up (rollups.py); None: everything from the raw store.
    rollups: DayRollups | None = None
    # Each commune's evaluation of a closed period, kept (evaluated.py); None: none kept.
    # Used with rollups only.
    results: EvaluatedResults | None = None
    # What the recorders said of the cameras, per day (C3's recording rule); None: none.
    recordings: RecordingLedger | None = None


# Communes evaluated in one pass over the stores' data. A pass is CPU on the event loop
# between its reads: a whole province at once (or 7,500 communes, bench/storm.py's) held
# the loop for up to 24 s, so heartbeats waited, the broker link missed its keepalive
# and the server timed nobody out meanwhile. Each pass reads the stores again (a
# province of 150 communes is three passes); with passes of this size the storm's
# warm-up ran in seconds with no hold-up of the loop.
COMMUNES_PER_PASS = 50


async def evaluate_communes(
    sources: IndicatorSources,
    communes: Sequence[str],
    from_ms: int,
    to_ms: int,
    *,
    now_ms: int | None = None,
    excused: bool = False,
) -> list[CommuneEvaluation]:
    """Every indicator of each commune over ``[from_ms, to_ms)`` (its part of it when
    it merged or was created within), in the order asked. ``excused``: leave the
    verifier's excused periods out of availability too. Raises KeyError for a commune
    the inventory does not know, ``StoreUnavailable`` when the store cannot answer.

    With ``sources.results``, a commune whose inputs are what they were when it was
    last evaluated over a closed period is served from there (``evaluated.py``)."""
    index = sources.index
    now = now_ms if now_ms is not None else sources.clock_ms()
    profiles = sources.profiles or ProfileSet(load_default_profile())
    snaps = [snapshot(index, code, from_ms, to_ms) for code in communes]
    planned: list[Planned] = []
    for snap in snaps:
        profile = profiles.for_commune(snap.code, snap.ancestors)
        planned.append((snap, profile, data_ranges(snap, profile, now)))
    kept = sources.results
    if kept is not None and kept.index is not index:
        kept = None  # kept for another inventory
    keys: list[str | None] = [None] * len(planned)
    if kept is not None and sources.rollups is not None:
        keys = commune_keys(
            index=index,
            rollups=sources.rollups,
            declared=sources.declared,
            exclusions=sources.exclusions,
            playout=sources.playout,
            planned=planned,
            from_ms=from_ms,
            to_ms=to_ms,
            now_ms=now,
            excused=excused,
        )
    found: dict[int, CommuneEvaluation] = {}
    if kept is not None:
        for at, key in enumerate(keys):
            served = None if key is None else kept.get((communes[at], from_ms, to_ms, excused), key)
            if served is not None:
                found[at] = msgspec.structs.replace(served, computed_ms=now)
    todo = [at for at in range(len(planned)) if at not in found]
    for start in range(0, len(todo), COMMUNES_PER_PASS):
        part = todo[start : start + COMMUNES_PER_PASS]
        fresh = await _evaluate_planned(sources, [planned[at] for at in part], now, excused)
        for at, (evaluation, settled) in zip(part, fresh, strict=True):
            found[at] = evaluation
            key = keys[at]
            if kept is not None and key is not None and settled:
                kept.put((communes[at], from_ms, to_ms, excused), key, evaluation)
        await asyncio.sleep(0)  # let the intake and the pages in between two passes
    return [found[at] for at in range(len(planned))]


async def _evaluate_planned(
    sources: IndicatorSources, planned: Sequence[Planned], now: int, excused: bool
) -> list[tuple[CommuneEvaluation, bool]]:
    """Evaluate the communes from the stores; with each, whether its broadcasts are all
    settled (none upcoming or playing: its result no longer waits on the clock)."""
    index = sources.index
    snaps = [snap for snap, _, _ in planned]
    chosen = [profile for _, profile, _ in planned]
    ranges = [needs for _, _, needs in planned]

    # Which devices each time range needs: usually one range per kind for every commune.
    histories_needed: dict[Window, _Read] = defaultdict(_Read)
    readings_needed: dict[Window, _Read] = defaultdict(_Read)
    for snap, needs in zip(snaps, ranges, strict=True):
        if not snap.exists:
            continue
        installed = [d.entry for d in snap.devices if not d.planned]
        for kind, window in needs.transitions.items():
            if kind == PICTURE:  # the cameras' picture series
                cameras = [e for e in installed if e.kind == "camera"]
                histories_needed[window].add(snap, index, cameras, picture_series)
            else:
                histories_needed[window].add(snap, index, [e for e in installed if e.kind == kind])
            histories_needed[window].bounds |= needs.bounds.get(kind, set())
        if needs.recording is not None:
            readings_needed[needs.recording].add(
                snap, index, [e for e in installed if e.kind in ("camera", "nvr")]
            )
    playout_range = _union([r.playout for s, r in zip(snaps, ranges, strict=True) if s.exists])
    families = sorted({code for snap in snaps for code in index.merge_family(snap.code)})

    store = sources.store
    reading_reads = {
        window: store.last_readings(read.ids, window.from_ms, window.to_ms, communes=read.hint())
        for window, read in readings_needed.items()
    }
    histories: Mapping[Window, dict[str, DeviceHistory | PiecedHistory]]
    if sources.rollups is None:
        history_reads = {
            window: asyncio.gather(
                store.transitions_of(read.ids, window.from_ms, window.to_ms, communes=read.hint()),
                store.last_transitions_before(read.ids, window.from_ms, communes=read.hint()),
            )
            for window, read in histories_needed.items()
        }
        history_results, reading_results, playout = await asyncio.gather(
            _gather_dict(history_reads),
            _gather_dict(reading_reads),
            _playout(sources.playout, families, playout_range),
        )
        # Per time range, each device's history; a commune's data is the union over the
        # ranges of its kinds (a device has one kind, so one range).
        histories = {
            window: {
                device_id: DeviceHistory(before.get(device_id), inside.get(device_id, []))
                for device_id in histories_needed[window].ids
            }
            for window, (inside, before) in history_results.items()
        }
    else:
        # Closed days from their rollups, the rest raw: the same data, far less to read.
        rollups = sources.rollups
        needed = {
            window: (read.ids, read.hint(), read.bounds)
            for window, read in histories_needed.items()
        }
        histories, reading_results, playout = await asyncio.gather(
            rollups.histories(store, needed, sources.exclusions, excused, now),
            _gather_dict(reading_reads),
            _rolled_playout(rollups, sources.playout, families, playout_range, now),
        )

    exclusions = ExclusionLookup(sources.exclusions, index, excused)
    broadcasts = _PlayoutIndex(playout)
    declared_store = sources.declared
    inputs: list[tuple[CommuneSnapshot, CommuneData, IndicatorProfile]] = []
    settled: list[bool] = []
    for snap, profile, needs in zip(snaps, chosen, ranges, strict=True):
        span = span_of(needs)
        outcomes = broadcasts.for_snapshot(snap)
        data = CommuneData(
            recordings=_recordings(sources.recordings, snap, needs.recorded),
            # A view, not a copy: each commune looks up its own devices only.
            histories=ChainMap(*(histories.get(w, {}) for w in set(needs.transitions.values()))),
            exclusions=exclusions.for_snapshot(snap, span),
            readings=reading_results.get(needs.recording, {}) if needs.recording else {},
            playout=outcomes,
            declared=declared_for(declared_store, snap, profile),
            excused_excluded=excused,
            listed_exclusions=exclusions.listed(snap, span),
        )
        inputs.append((snap, data, profile))
        settled.append(not any(o.status in _UNSETTLED for o in outcomes))
    # The pure core is CPU only, seconds for a province (more with a trend): in a worker
    # thread, so that the loop goes on ingesting heartbeats and answering meanwhile. Its
    # inputs are the gathered copies above, which nothing else changes.
    evaluations = await asyncio.to_thread(_evaluate_all, inputs, now)
    return list(zip(evaluations, settled, strict=True))


def _recordings(
    ledger: RecordingLedger | None, snap: CommuneSnapshot, window: Window | None
) -> Mapping[str, Sequence[DayRecording]]:
    """The commune's cameras' days as the recorders told them, over ``window`` (from
    the local day it starts in): one small read of the server's own file."""
    if ledger is None or window is None or not snap.exists:
        return {}
    cameras = [d.entry.id for d in snap.devices if d.entry.kind == "camera" and not d.planned]
    return ledger.days(cameras, ledger.day_start(window.from_ms), window.to_ms)


def _evaluate_all(
    inputs: list[tuple[CommuneSnapshot, CommuneData, IndicatorProfile]], now_ms: int
) -> list[CommuneEvaluation]:
    return [evaluate_commune(snap, data, profile, now_ms=now_ms) for snap, data, profile in inputs]


class _Read:
    """The devices one bulk read asks for, and the communes whose records hold them."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.communes: set[str] = set()
        self.whole = 0  # how many devices those communes have in all
        # Where the windows read over this range start and end (inputs.DataRanges).
        self.bounds: set[int] = set()
        self._counted: set[str] = set()

    def add(
        self,
        snap: CommuneSnapshot,
        index: InventoryIndex,
        entries: list[DeviceEntry],
        series: Callable[[str], str] | None = None,
    ) -> None:
        """``series``: the id of the series read for each device (a camera's picture
        series), if not its own."""
        self.ids |= {entry.id if series is None else series(entry.id) for entry in entries}
        family = index.merge_family(snap.code)
        # A record carries the commune its device had when it was written: the device's
        # listed commune, its successors (the merge family) or today's.
        self.communes |= family | {entry.commune for entry in entries}
        self.communes |= {index.listed_commune.get(entry.id, entry.commune) for entry in entries}
        if snap.code not in self._counted:
            self._counted.add(snap.code)
            self.whole += len(snap.devices)

    def hint(self) -> frozenset[str]:
        """The communes to read whole, when most of their devices are wanted (cameras,
        clusters); none for a few devices per commune (conference points), which are
        cheaper to name one by one."""
        return frozenset(self.communes) if 4 * len(self.ids) >= self.whole else frozenset()


async def _gather_dict(reads: dict[Window, Any]) -> dict[Window, Any]:
    results = await asyncio.gather(*reads.values())
    return dict(zip(reads, results, strict=True))


def _union(windows: Iterable[Window]) -> Window | None:
    found = list(windows)
    if not found:
        return None
    return Window(min(w.from_ms for w in found), max(w.to_ms for w in found))


async def _rolled_playout(
    rollups: DayRollups,
    sources: PlayoutSources | None,
    communes: list[str],
    window: Window | None,
    now_ms: int,
) -> list[PlayoutOutcome]:
    if sources is None or window is None or window.to_ms <= window.from_ms:
        return []
    return await rollups.playout(sources, communes, window, now_ms)


async def _playout(
    sources: PlayoutSources | None, communes: list[str], window: Window | None
) -> list[PlayoutOutcome]:
    """The reconciled broadcasts of ``communes`` planned in ``window`` (none without a
    playout log to read)."""
    if sources is None or window is None or window.to_ms <= window.from_ms:
        return []
    return await playout_for(sources, communes, window.from_ms, window.to_ms)


class _PlayoutIndex:
    """The province's broadcast outcomes by cluster and by gateway (and, for those the
    inventory cannot place, by the commune their record names), so that each commune's
    evaluation is handed its own outcomes: R8 and R9 scan what they are given, and a
    province's months of outcomes scanned once per commune would take minutes. The
    pure core still decides which of them count (membership over time)."""

    def __init__(self, outcomes: Sequence[PlayoutOutcome]) -> None:
        self.outcomes = outcomes
        self.by_device: dict[str, list[int]] = defaultdict(list)
        self.unplaced: dict[str, list[int]] = defaultdict(list)
        for position, outcome in enumerate(outcomes):
            self.by_device[outcome.cluster].append(position)
            if outcome.agent is None:
                self.unplaced[outcome.commune].append(position)
            elif outcome.agent != outcome.cluster:
                self.by_device[outcome.agent].append(position)

    def for_snapshot(self, snap: CommuneSnapshot) -> list[PlayoutOutcome]:
        positions = set(self.unplaced.get(snap.code, ()))
        for device in snap.devices:
            if device.entry.kind in ("radio_cluster", "gateway"):
                positions.update(self.by_device.get(device.entry.id, ()))
        # In the order given: the core's sort keeps ties in it.
        return [self.outcomes[position] for position in sorted(positions)]
