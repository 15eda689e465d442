"""Maintenance windows and excused periods as the evaluation counts them, per device
and per commune: the approved ones, each up to its deletion
(``server/monitoring/exclusion_history.py``), each window's occurrences computed once per
range however many devices it covers; and, for the report, every window and excused
period touching a commune, whatever its state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xaso.inventory import DeviceEntry, InventoryIndex
from xaso.server.indicators.measures import Window
from xaso.server.indicators.result import ExclusionChange, ExclusionEntry
from xaso.server.indicators.snapshot import CommuneSnapshot
from xaso.server.monitoring.exclusion_history import Version
from xaso.server.monitoring.exclusions import ExclusionStore
from xaso.server.monitoring.maintenance import (
    MaintenanceWindow,
    applies_to,
    occurrences,
    whole_occurrences,
)

__all__ = ["ExclusionLookup"]


class ExclusionLookup:
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
        """What counts as available for the device within ``span``: its maintenance,
        and its excused periods when asked."""
        return self.maintenance_for(entry, span) + self.excused_for(entry, span)

    def maintenance_for(self, entry: DeviceEntry, span: Window) -> list[tuple[int, int]]:
        return [
            interval
            for window, until_ms in self.windows
            if self._applies(window, entry)
            for interval in self._of(window, span.from_ms, min(span.to_ms, until_ms))
        ]

    def excused_for(self, entry: DeviceEntry, span: Window) -> list[tuple[int, int]]:
        """The excused periods (none unless asked for, ``excused``)."""
        found = []
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
