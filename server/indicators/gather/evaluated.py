"""Each commune's evaluation of a closed period, kept in memory under a key of exactly
what it was computed from, so that evaluating a province again costs the communes whose
inputs changed and a cheap check of the others: after one late record, one commune.

The key of a commune's evaluation over a period digests:

- the period, ``excused``, and the profile the commune is evaluated with (the
  inventory is the server's one: the keeper is bound to it);
- the epochs of the communes whose records it reads (``indicators/late_marks.py``):
  where its devices are listed and its merge family, moved on by every stored record
  reaching the period, whichever process stored it. They are read before the store
  is, so a record stored meanwhile makes the kept result miss, never go stale;
- what it reads from the server's own tables: its declared values (with their
  documents), the maintenance windows and excused periods of its devices over the data
  it reads (both with and without excused periods, as approved now, up to their
  deletions) and the list the report prints, and for its merge family's broadcasts,
  per local day its playout window touches, the plan the rollups fingerprint (the
  schedules as they were, silences, manual entries, uploaded files' lengths, the
  reconciliation rules, the inventory of its clusters and gateways).

A result is kept only for a period that ended by today's start (nothing of today can
reach it, and what ``now`` decides for it is over) and only when none of its broadcasts
is still upcoming or playing (their outcome waits on the clock). Served, it says it
was computed now: it is what a fresh evaluation now gives, which the property test
``tests/indicators/test_evaluated.py`` checks against the raw store.

Memory is bounded: at most ``limit`` results (least recently used go first), one per
commune, period and ``excused``; a new key for the same replaces the old.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final

import msgspec

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.playout_log import PlayoutSources
from xaso.server.indicators.gather.declared import DeclaredStore
from xaso.server.indicators.gather.exclusion_lookup import ExclusionLookup
from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.indicators.inputs import DataRanges, DeclaredLike
from xaso.server.indicators.late_marks import scopes_for_period
from xaso.server.indicators.measures import Window
from xaso.server.indicators.profile import IndicatorProfile
from xaso.server.indicators.result import CommuneEvaluation
from xaso.server.indicators.snapshot import CommuneSnapshot
from xaso.server.monitoring.exclusions import ExclusionStore

__all__ = ["EvaluatedResults", "Planned", "commune_keys", "declared_for", "span_of"]

# Bumped whenever what a key digests changes.
FORMAT: Final = "1"
# A province's quarter is ~170 communes; both ways (excused or not) and a few periods.
DEFAULT_LIMIT: Final = 2000

Planned = tuple[CommuneSnapshot, IndicatorProfile, DataRanges]
_Slot = tuple[str, int, int, bool]


class EvaluatedResults:
    """The kept evaluations of one server (one inventory)."""

    def __init__(self, index: InventoryIndex, limit: int = DEFAULT_LIMIT) -> None:
        self.index = index
        self.limit = limit
        self._kept: OrderedDict[_Slot, tuple[str, CommuneEvaluation]] = OrderedDict()
        self.served = 0  # how many evaluations were served from here (for the bench)

    def get(self, slot: _Slot, key: str) -> CommuneEvaluation | None:
        kept = self._kept.get(slot)
        if kept is None or kept[0] != key:
            return None
        self._kept.move_to_end(slot)
        self.served += 1
        return kept[1]

    def put(self, slot: _Slot, key: str, evaluation: CommuneEvaluation) -> None:
        self._kept[slot] = (key, evaluation)
        self._kept.move_to_end(slot)
        while len(self._kept) > self.limit:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)


def declared_for(
    store: DeclaredStore | None, snap: CommuneSnapshot, profile: IndicatorProfile
) -> dict[str, DeclaredLike | None]:
    """The commune's declared values for its part of the period, by indicator."""
    declared: dict[str, DeclaredLike | None] = {}
    if store is not None and snap.exists:
        for indicator in profile.declared_indicators():
            declared[indicator.id] = store.value_for(
                snap.code, indicator.id, snap.from_ms, snap.to_ms
            )
    return declared


def span_of(needs: DataRanges) -> Window | None:
    """The stretch of time the commune's device histories cover."""
    windows = list(needs.transitions.values())
    if not windows:
        return None
    return Window(min(w.from_ms for w in windows), max(w.to_ms for w in windows))


def commune_keys(
    *,
    index: InventoryIndex,
    rollups: DayRollups,
    declared: DeclaredStore | None,
    exclusions: ExclusionStore | None,
    playout: PlayoutSources | None,
    planned: Sequence[Planned],
    from_ms: int,
    to_ms: int,
    now_ms: int,
    excused: bool,
) -> list[str | None]:
    """Each commune's key (None: not to be kept, the period is not over)."""
    scopes = scopes_for_period(to_ms, rollups.today_ms(now_ms))
    if scopes is None:
        return [None] * len(planned)
    # The epochs first: before any of the store is read for the evaluation.
    units = [_units(index, snap) for snap, _, _ in planned]
    wanted = sorted(set().union(*units)) if units else []
    epochs = {scope: rollups.table.epochs(scope, wanted) for scope in scopes}
    plans = _plans(rollups, playout, planned)
    days_of: dict[Window, list[int]] = {}  # most communes share one playout window
    every = ExclusionLookup(exclusions, index, excused=True)
    asked = ExclusionLookup(exclusions, index, excused)
    profile_digests: dict[int, bytes] = {}
    keys: list[str | None] = []
    for (snap, profile, needs), communes in zip(planned, units, strict=True):
        digest = profile_digests.get(id(profile))
        if digest is None:
            digest = hashlib.blake2b(msgspec.msgpack.encode(profile), digest_size=16).digest()
            profile_digests[id(profile)] = digest
        span = span_of(needs)
        windows: list[object] = []
        if span is not None and (every.windows or every.excused):
            for device in snap.devices:
                if device.planned:
                    continue
                maintenance = every.maintenance_for(device.entry, span)
                excused_for = every.excused_for(device.entry, span)
                if maintenance or excused_for:
                    windows.append((device.entry.id, maintenance, excused_for))
        parts = (
            FORMAT,
            snap.code,
            from_ms,
            to_ms,
            excused,
            digest,
            [(scope, unit, epochs[scope][unit]) for scope in scopes for unit in sorted(communes)],
            sorted(declared_for(declared, snap, profile).items()),
            windows,
            asked.listed(snap, span),
            [plans.get((rollups.family_key(snap.code), d)) for d in _days(rollups, needs, days_of)],
        )
        keys.append(hashlib.blake2b(msgspec.msgpack.encode(parts), digest_size=16).hexdigest())
    return keys


def _units(index: InventoryIndex, snap: CommuneSnapshot) -> set[str]:
    """The communes whose epochs a late record of this commune's evaluation moves."""
    found = set(index.merge_family(snap.code))
    for device in snap.devices:
        found.add(index.listed_commune.get(device.entry.id, device.entry.commune))
    return found


def _days(rollups: DayRollups, needs: DataRanges, known: dict[Window, list[int]]) -> list[int]:
    window = needs.playout
    if window.to_ms <= window.from_ms:
        return []
    if window not in known:
        known[window] = [day.from_ms for day in rollups.days_touching(window)]
    return known[window]


def _plans(
    rollups: DayRollups, playout: PlayoutSources | None, planned: Sequence[Planned]
) -> dict[tuple[str, int], str]:
    """The plan's fingerprint per (merge family, day) over every day a commune's
    playout window touches: computed once for the province."""
    if playout is None:
        return {}
    windows = [n.playout for _, _, n in planned if n.playout.to_ms > n.playout.from_ms]
    if not windows:
        return {}
    union = Window(min(w.from_ms for w in windows), max(w.to_ms for w in windows))
    families = sorted({rollups.family_key(snap.code) for snap, _, _ in planned})
    return rollups.plan_fingerprints(playout, families, rollups.days_touching(union))
