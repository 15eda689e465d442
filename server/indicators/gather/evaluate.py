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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xaso.inventory import DeviceEntry, InventoryIndex
from xaso.server.broadcasts.playout_log import PlayoutSources, playout_for
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.indicators.compute import CommuneData, DeclaredLike, data_ranges, evaluate_commune
from xaso.server.indicators.gather.declared import DeclaredStore
from xaso.server.indicators.measures import DeviceHistory, Window
from xaso.server.indicators.profile import IndicatorProfile, ProfileSet, load_default_profile
from xaso.server.indicators.result import CommuneEvaluation, ExclusionChange, ExclusionEntry
from xaso.server.indicators.snapshot import CommuneSnapshot, snapshot
from xaso.server.monitoring.exclusion_history import Version
from xaso.server.monitoring.exclusions import ExclusionStore
from xaso.server.monitoring.maintenance import (
    MaintenanceWindow,
    applies_to,
    occurrences,
    whole_occurrences,
)
from xaso.server.store.base import Store

__all__ = ["IndicatorSources", "evaluate_communes"]


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
    the inventory does not know, ``StoreUnavailable`` when the store cannot answer."""
    index = sources.index
    now = now_ms if now_ms is not None else sources.clock_ms()
    profiles = sources.profiles or ProfileSet(load_default_profile())
    snaps = [snapshot(index, code, from_ms, to_ms) for code in communes]
    chosen = [profiles.for_commune(snap.code, snap.ancestors) for snap in snaps]
    ranges = [data_ranges(snap, profile, now) for snap, profile in zip(snaps, chosen, strict=True)]

    # Which devices each time range needs: usually one range per kind for every commune.
    histories_needed: dict[Window, _Read] = defaultdict(_Read)
    readings_needed: dict[Window, _Read] = defaultdict(_Read)
    for snap, needs in zip(snaps, ranges, strict=True):
        if not snap.exists:
            continue
        installed = [d.entry for d in snap.devices if not d.planned]
        for kind, window in needs.transitions.items():
            histories_needed[window].add(snap, index, [e for e in installed if e.kind == kind])
        if needs.recording is not None:
            readings_needed[needs.recording].add(
                snap, index, [e for e in installed if e.kind in ("camera", "nvr")]
            )
    playout_range = _union([r.playout for s, r in zip(snaps, ranges, strict=True) if s.exists])
    families = sorted({code for snap in snaps for code in index.merge_family(snap.code)})

    store = sources.store
    history_reads = {
        window: asyncio.gather(
            store.transitions_of(read.ids, window.from_ms, window.to_ms, communes=read.hint()),
            store.last_transitions_before(read.ids, window.from_ms, communes=read.hint()),
        )
        for window, read in histories_needed.items()
    }
    reading_reads = {
        window: store.last_readings(read.ids, window.from_ms, window.to_ms, communes=read.hint())
        for window, read in readings_needed.items()
    }
    history_results, reading_results, playout = await asyncio.gather(
        _gather_dict(history_reads),
        _gather_dict(reading_reads),
        _playout(sources.playout, families, playout_range),
    )
    # Per time range, each device's history; a commune's data is the union over the
    # ranges of its kinds (a device has one kind, so one range).
    histories: dict[Window, dict[str, DeviceHistory]] = {
        window: {
            device_id: DeviceHistory(before.get(device_id), inside.get(device_id, []))
            for device_id in histories_needed[window].ids
        }
        for window, (inside, before) in history_results.items()
    }

    exclusions = _Exclusions(sources.exclusions, index, excused)
    broadcasts = _PlayoutIndex(playout)
    declared_store = sources.declared
    inputs: list[tuple[CommuneSnapshot, CommuneData, IndicatorProfile]] = []
    for snap, profile, needs in zip(snaps, chosen, ranges, strict=True):
        declared: dict[str, DeclaredLike | None] = {}
        if declared_store is not None and snap.exists:
            for indicator in profile.declared_indicators():
                declared[indicator.id] = declared_store.value_for(
                    snap.code, indicator.id, snap.from_ms, snap.to_ms
                )
        span = _union(needs.transitions.values())
        data = CommuneData(
            # A view, not a copy: each commune looks up its own devices only.
            histories=ChainMap(*(histories.get(w, {}) for w in set(needs.transitions.values()))),
            exclusions=exclusions.for_snapshot(snap, span),
            readings=reading_results.get(needs.recording, {}) if needs.recording else {},
            playout=broadcasts.for_snapshot(snap),
            declared=declared,
            excused_excluded=excused,
            listed_exclusions=exclusions.listed(snap, span),
        )
        inputs.append((snap, data, profile))
    # The pure core is CPU only, seconds for a province (more with a trend): in a worker
    # thread, so that the loop goes on ingesting heartbeats and answering meanwhile. Its
    # inputs are the gathered copies above, which nothing else changes.
    return await asyncio.to_thread(_evaluate_all, inputs, now)


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
        self._counted: set[str] = set()

    def add(self, snap: CommuneSnapshot, index: InventoryIndex, entries: list[DeviceEntry]) -> None:
        self.ids |= {entry.id for entry in entries}
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


class _Exclusions:
    """Maintenance windows (and excused periods when asked) per device — the approved
    ones, each up to its deletion (server/monitoring/exclusion_history.py) — each window's
    occurrences computed once per range however many devices it covers; and, for the
    report, every window and excused period touching a commune, whatever its state."""

    def __init__(self, store: ExclusionStore | None, index: InventoryIndex, excused: bool) -> None:
        self.index = index
        self.excused_counted = excused
        self.windows = store.counted_windows() if store else []
        self.excused = store.counted_excused() if store and excused else []
        self.tracked_windows = list(store.tracked_windows.values()) if store else []
        self.tracked_excused = list(store.tracked_excused.values()) if store else []
        self._occurrences: dict[tuple[str, int, int], list[tuple[int, int]]] = {}

    def _applies(self, scoped: Any, entry: DeviceEntry) -> bool:
        # A window set on a commune before it merged still covers the devices it had.
        if scoped.scope == "commune":
            listed = self.index.listed_commune.get(entry.id, entry.commune)
            return scoped.target in {m.commune for m in self.index.memberships(listed)}
        return applies_to(scoped, entry)

    def _of(self, window: MaintenanceWindow, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
        key = (window.id, from_ms, to_ms)
        if key not in self._occurrences:
            self._occurrences[key] = occurrences(window, from_ms, to_ms)
        return self._occurrences[key]

    def for_device(self, entry: DeviceEntry, span: Window) -> list[tuple[int, int]]:
        found = [
            interval
            for window, until_ms in self.windows
            if self._applies(window, entry)
            for interval in self._of(window, span.from_ms, min(span.to_ms, until_ms))
        ]
        for period, until_ms in self.excused:
            start, end = max(period.from_ms, span.from_ms), min(period.to_ms, span.to_ms, until_ms)
            if start < end and self._applies(period, entry):
                found.append((start, end))
        return found

    def for_snapshot(
        self, snap: CommuneSnapshot, span: Window | None
    ) -> dict[str, list[tuple[int, int]]]:
        if span is None or (not self.windows and not self.excused):
            return {}
        return {d.entry.id: self.for_device(d.entry, span) for d in snap.devices if not d.planned}

    def listed(self, snap: CommuneSnapshot, span: Window | None) -> list[ExclusionEntry]:
        """The windows and excused periods covering some installed device of the
        commune at some time of its period or of the data its figures read."""
        entries = [d.entry for d in snap.devices if not d.planned]
        if not snap.exists or not entries:
            return []
        low = snap.from_ms if span is None else min(snap.from_ms, span.from_ms)
        high = snap.to_ms if span is None else max(snap.to_ms, span.to_ms)
        # A province is ~170 communes of ~90 devices: look a target up, not every device.
        targets: dict[str, set[str]] = {
            "device": {e.id for e in entries},
            "agent": {e.agent_id for e in entries},
            "kind": {e.kind for e in entries},
        }

        def touches(scoped: Any) -> bool:
            if scoped.scope in targets:
                return scoped.target in targets[scoped.scope]
            return any(self._applies(scoped, e) for e in entries)

        found: list[ExclusionEntry] = []
        for tracked in self.tracked_windows:
            window = tracked.item
            if not touches(window):
                continue
            runs = whole_occurrences(window, low, high)
            if not runs:
                continue
            until_ms = tracked.counts_until_ms
            counted = until_ms is not None and bool(self._of(window, low, min(high, until_ms)))
            found.append(
                ExclusionEntry(
                    kind="maintenance",
                    id=window.id,
                    scope=window.scope,
                    target=window.target,
                    from_ms=runs[0][0],
                    to_ms=max(end for _, end in runs),
                    state=tracked.state,
                    counted=counted,
                    history=_history(tracked.versions),
                    occurrences=len(runs),
                    rrule=window.rrule,
                )
            )
        for excused in self.tracked_excused:
            period = excused.item
            if period.from_ms >= high or period.to_ms <= low or not touches(period):
                continue
            until_ms = excused.counts_until_ms
            found.append(
                ExclusionEntry(
                    kind="excused",
                    id=period.id,
                    scope=period.scope,
                    target=period.target,
                    from_ms=period.from_ms,
                    to_ms=period.to_ms,
                    state=excused.state,
                    # Excused periods count only when the report leaves them out.
                    counted=self.excused_counted
                    and until_ms is not None
                    and period.from_ms < min(high, until_ms),
                    history=_history(excused.versions),
                    cause=period.cause,
                )
            )
        found.sort(key=lambda e: (e.from_ms, e.kind, e.id))
        return found


def _history(versions: Iterable[Version]) -> list[ExclusionChange]:
    return [ExclusionChange(v.version, v.state, v.at_ms, v.by, v.role, v.reason) for v in versions]
