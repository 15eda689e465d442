"""Rollups of closed days for the evaluation: each commune's devices' availability and
each merge family's reconciled broadcasts, per local day that has ended, computed on
first need from the raw store and kept (``rollup_table.py``) for the next evaluation.

A province's quarter is then ~13,000 small rows instead of millions of transitions and
a quarter of broadcast logs to reconcile; only the stretches that are not whole closed
days (a window's first part of a day, today) are read raw. The figures are the raw
ones to the millisecond (``day_pieces.py``); the broadcast outcomes are those
``playout_for`` gives for the day.

A row is reused only while it is still what its inputs give:

- the time series: ``invalidate_for_records`` drops the rows a stored record touches
  (the ingest path calls it once a batch is stored). A transition reaches from its day
  to the device's next day with a transition of its own (each day starts with the status
  the last transition before it left); a reading drops its day; a broadcast event drops
  its family's days from the day before its occurrence or its time, whichever is
  earlier (a ``received`` event and an event's time also weigh on other occurrences of
  its schedule, ``reconcile.py``);
- everything else (maintenance windows and excused periods as approved, changed or
  deleted; schedule versions; silences; manual entries; uploaded files' lengths; the
  inventory): each row carries a fingerprint of what of it fed that day, compared at
  every use, so a change drops exactly the days it touches, whatever path made it.

A day whose broadcasts are not settled yet (one still ``upcoming`` or ``playing``) is
not kept: it is reconciled again at the next evaluation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final
from zoneinfo import ZoneInfo

import msgspec

from xaso.inventory import DeviceEntry, InventoryIndex
from xaso.server.broadcasts.playout_log import PlayoutSources, playout_for
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.broadcasts.reconcile import outcome_order
from xaso.server.broadcasts.schedule import ALWAYS_FROM_MS
from xaso.server.indicators.day_pieces import DeviceDay, PiecedHistory, Summed, device_day, plain
from xaso.server.indicators.gather.exclusion_lookup import ExclusionLookup
from xaso.server.indicators.inputs import PICTURE
from xaso.server.indicators.late_marks import LATE, RECENT, late_marks
from xaso.server.indicators.measures import DeviceHistory, Window
from xaso.server.indicators.period import day_start_ms, local_day
from xaso.server.indicators.rollup_table import RollupRow, RollupTable
from xaso.server.monitoring.exclusions import ExclusionStore
from xaso.server.monitoring.picture_state import is_picture_series, picture_series, series_owner
from xaso.server.records import BroadcastEventRecord, DeviceReadingRecord, TransitionRecord
from xaso.server.store.base import Store

__all__ = ["ROLLED_KINDS", "DayRollups"]

# The kinds whose availability an indicator judges (inputs.py): their days are rolled up;
# the cameras' picture series (``PICTURE``) too, as a kind of their own.
ROLLED_KINDS: Final = frozenset({"radio_cluster", "camera", "vc_endpoint", PICTURE})
# Bumped whenever what a row holds changes: every older row then misses.
FORMAT: Final = "1"
PLAYOUT: Final = "playout"
DAY_MS: Final = 86_400_000
_UNSETTLED: Final = frozenset({"upcoming", "playing"})

_days_decoder = msgspec.msgpack.Decoder(dict[str, DeviceDay | int])
_outcomes_decoder = msgspec.msgpack.Decoder(list[PlayoutOutcome])
_encoder = msgspec.msgpack.Encoder()


def _scope(kind: str) -> str:
    return f"availability:{kind}"


def _series(kind: str, device_id: str) -> str:
    """The stored series a device's history of ``kind`` is read from."""
    return picture_series(device_id) if kind == PICTURE else device_id


def _digest(*parts: object) -> str:
    return hashlib.blake2b(msgspec.msgpack.encode(parts), digest_size=16).hexdigest()


class DayRollups:
    """The rollups of one server (one inventory), over its table."""

    def __init__(self, table: RollupTable, index: InventoryIndex) -> None:
        self.table = table
        self.index = index
        self.tz = ZoneInfo(index.inventory.timezone)
        by_unit: dict[tuple[str, str], list[DeviceEntry]] = defaultdict(list)
        for entry in index.devices.values():
            if entry.kind in ROLLED_KINDS and not entry.planned:
                by_unit[(entry.kind, index.listed_commune[entry.id])].append(entry)
                if entry.kind == "camera":
                    by_unit[(PICTURE, index.listed_commune[entry.id])].append(entry)
        # The devices one availability row holds: a commune's listed devices of a kind.
        self._unit_devices = {
            key: sorted(entries, key=lambda e: e.id) for key, entries in by_unit.items()
        }
        self._family_keys: dict[str, str] = {}
        self._family_inventory: dict[str, str] = {}
        # commune listed -> its clusters and gateways, built on first use: looking them up
        # over every device per family cost 24 s for 7,500 communes.
        self._reconciled_devices: dict[str, list[tuple[object, ...]]] | None = None

    # -- days ----------------------------------------------------------------------------

    def _day_start(self, day: dt.date) -> int:
        return day_start_ms(day, self.tz)

    def closed_days(self, window: Window, now_ms: int) -> list[Window]:
        """The local days wholly within ``window`` that ended by ``now_ms``."""
        day = local_day(window.from_ms, self.tz)
        if self._day_start(day) < window.from_ms:
            day += dt.timedelta(days=1)
        found: list[Window] = []
        limit = min(window.to_ms, now_ms)
        start = self._day_start(day)
        while True:
            end = self._day_start(day + dt.timedelta(days=1))
            if end > limit:
                return found
            found.append(Window(start, end))
            day, start = day + dt.timedelta(days=1), end

    def _day_of(self, ts_ms: int) -> int:
        return self._day_start(local_day(ts_ms, self.tz))

    def today_ms(self, now_ms: int) -> int:
        """The start of the local day of ``now_ms``."""
        return self._day_of(now_ms)

    def days_touching(self, window: Window) -> list[Window]:
        """The whole local days that ``window`` touches, and the day after it."""
        day = local_day(window.from_ms, self.tz)
        last = local_day(max(window.from_ms, window.to_ms - 1), self.tz) + dt.timedelta(days=1)
        found = []
        while day <= last:
            found.append(Window(self._day_start(day), self._day_start(day + dt.timedelta(days=1))))
            day += dt.timedelta(days=1)
        return found

    def family_key(self, code: str) -> str:
        """The unit a merge family's broadcasts are kept under: its communes, joined."""
        return self._family_key(code)

    # -- availability --------------------------------------------------------------------

    async def histories(
        self,
        store: Store,
        needed: Mapping[Window, tuple[Collection[str], Collection[str], Collection[int]]],
        exclusions: ExclusionStore | None,
        excused: bool,
        now_ms: int,
    ) -> dict[Window, dict[str, DeviceHistory | PiecedHistory]]:
        """Per window, each device's history (of ``needed``: the device ids and the
        communes hint of the raw reads, where the windows judging them start and end):
        closed days from the rollups, the rest raw (a day a window starts or ends within
        included)."""
        lookup = ExclusionLookup(exclusions, self.index, excused=True)
        found: dict[Window, dict[str, DeviceHistory | PiecedHistory]] = {}
        for window, (ids, hint, bounds) in needed.items():
            histories: dict[str, DeviceHistory | PiecedHistory] = {}
            by_kind: dict[str, list[str]] = defaultdict(list)
            for device_id in ids:
                kind = PICTURE if is_picture_series(device_id) else None
                by_kind[kind or self.index.devices[device_id].kind].append(device_id)
            for kind, kind_ids in by_kind.items():
                histories.update(
                    await self._kind_histories(
                        store, kind, kind_ids, hint, window, bounds, lookup, excused, now_ms
                    )
                )
            found[window] = histories
        return found

    async def _kind_histories(
        self,
        store: Store,
        kind: str,
        ids: list[str],
        hint: Collection[str],
        window: Window,
        bounds: Collection[int],
        lookup: ExclusionLookup,
        excused: bool,
        now_ms: int,
    ) -> Mapping[str, DeviceHistory | PiecedHistory]:
        days = self.closed_days(window, now_ms) if kind in ROLLED_KINDS else []
        # A day some window starts or ends within is cut: read raw, not taken whole.
        days = [d for d in days if not any(d.from_ms < b < d.to_ms for b in bounds)]
        if not days:
            return await _raw(store, ids, window, hint)
        span = Window(days[0].from_ms, days[-1].to_ms)
        units = sorted({self.index.listed_commune[series_owner(i)] for i in ids})
        scope = _scope(kind)
        fingerprints = self._availability_fingerprints(kind, units, days, span, lookup)
        stored = self.table.rows(scope, units, span.from_ms, span.to_ms)
        rows: dict[tuple[str, int], dict[str, Summed]] = {}
        missing: dict[str, list[Window]] = defaultdict(list)
        for unit in units:
            for day in days:
                key = (unit, day.from_ms)
                row = stored.get(key)
                if row is not None and row[0] == fingerprints[key]:
                    rows[key] = _days_decoder.decode(row[1])
                else:
                    missing[unit].append(day)
        if missing:
            rows.update(await self._roll_availability(store, kind, missing, fingerprints, lookup))
        raw = {w: await _raw(store, ids, w, hint) for w in _gaps(window, days)}
        found: dict[str, DeviceHistory | PiecedHistory] = {}
        starts = [day.from_ms for day in days]
        for device_id in ids:
            unit = self.index.listed_commune[series_owner(device_id)]
            found[device_id] = PiecedHistory(
                days=days,
                starts=starts,
                summed=[rows[(unit, start)][device_id] for start in starts],
                raw=[(w, histories.get(device_id, _EMPTY)) for w, histories in raw.items()],
                excused=excused,
            )
        return found

    def _availability_fingerprints(
        self,
        kind: str,
        units: Sequence[str],
        days: Sequence[Window],
        span: Window,
        lookup: ExclusionLookup,
    ) -> dict[tuple[str, int], str]:
        """Per (commune, day): its devices, and their maintenance and excused time that
        day (as approved now, up to their deletions)."""
        found = {}
        any_windows = bool(lookup.windows or lookup.excused)
        for unit in units:
            entries = self._unit_devices.get((kind, unit), [])
            ids = [e.id for e in entries]
            by_day: dict[int, list[object]] = defaultdict(list)
            if any_windows:
                for entry in entries:
                    maintenance = lookup.maintenance_for(entry, span)
                    excused = lookup.excused_for(entry, span)
                    if not maintenance and not excused:
                        continue
                    for day in days:
                        clipped = (_clip(maintenance, day), _clip(excused, day))
                        if clipped[0] or clipped[1]:
                            by_day[day.from_ms].append((entry.id, clipped))
            base = _digest(FORMAT, kind, unit, ids)
            for day in days:
                extra = by_day.get(day.from_ms)
                found[(unit, day.from_ms)] = _digest(base, extra) if extra else base
        return found

    async def _roll_availability(
        self,
        store: Store,
        kind: str,
        missing: Mapping[str, Sequence[Window]],
        fingerprints: Mapping[tuple[str, int], str],
        lookup: ExclusionLookup,
    ) -> dict[tuple[str, int], dict[str, Summed]]:
        """Compute and keep the missing rows, from one raw read over their days."""
        low = min(day.from_ms for days in missing.values() for day in days)
        high = max(day.to_ms for days in missing.values() for day in days)
        entries = [e for unit in missing for e in self._unit_devices.get((kind, unit), [])]
        hint = {c for unit in missing for c in self.index.merge_family(unit)}
        hint |= {e.commune for e in entries}
        scope = _scope(kind)
        epochs = {(scope, unit): epoch for unit, epoch in self.table.epochs(scope, missing).items()}
        series = {e.id: _series(kind, e.id) for e in entries}
        histories = await _raw(store, list(series.values()), Window(low, high), hint)
        span = Window(low, high)
        found: dict[tuple[str, int], dict[str, Summed]] = {}
        rows = []
        for unit, days in missing.items():
            unit_entries = self._unit_devices.get((kind, unit), [])
            maintenance = {e.id: lookup.maintenance_for(e, span) for e in unit_entries}
            excused = {e.id: lookup.excused_for(e, span) for e in unit_entries}
            for day in days:
                summed_days = {
                    series[e.id]: device_day(
                        histories.get(series[e.id], _EMPTY), day, maintenance[e.id], excused[e.id]
                    )
                    for e in unit_entries
                }
                summed = {i: plain(d, day) for i, d in summed_days.items()}
                found[(unit, day.from_ms)] = summed
                changed = " ".join(i for i, d in summed_days.items() if d.changes)
                rows.append(
                    RollupRow(
                        _scope(kind),
                        unit,
                        day.from_ms,
                        fingerprints[(unit, day.from_ms)],
                        changed,
                        _encoder.encode(summed),
                    )
                )
        self.table.put(rows, epochs)
        return found

    # -- broadcasts ----------------------------------------------------------------------

    def _family_key(self, code: str) -> str:
        key = self._family_keys.get(code)
        if key is None:
            key = ",".join(sorted(self.index.merge_family(code)))
            self._family_keys[code] = key
        return key

    async def playout(
        self,
        sources: PlayoutSources,
        communes: Sequence[str],
        window: Window,
        now_ms: int,
    ) -> list[PlayoutOutcome]:
        """What ``playout_for(sources, communes, ...)`` gives over ``window`` (communes
        whole merge families): closed, settled days from the rollups."""
        days = self.closed_days(window, now_ms)
        if not days:
            return await playout_for(sources, communes, window.from_ms, window.to_ms)
        span = Window(days[0].from_ms, days[-1].to_ms)
        families = sorted({self._family_key(code) for code in communes})
        fingerprints = self.plan_fingerprints(sources, families, days)
        stored = self.table.rows(PLAYOUT, families, span.from_ms, span.to_ms)
        found: list[PlayoutOutcome] = []
        missing: dict[str, list[Window]] = defaultdict(list)
        for family in families:
            for day in days:
                key = (family, day.from_ms)
                row = stored.get(key)
                if row is not None and row[0] == fingerprints[key]:
                    found += _outcomes_decoder.decode(row[1])
                else:
                    missing[family].append(day)
        if missing:
            found += await self._roll_playout(sources, missing, fingerprints)
        for edge in (Window(window.from_ms, span.from_ms), Window(span.to_ms, window.to_ms)):
            if edge.to_ms > edge.from_ms:
                found += await playout_for(sources, communes, edge.from_ms, edge.to_ms)
        found.sort(key=outcome_order)
        return found

    async def _roll_playout(
        self,
        sources: PlayoutSources,
        missing: Mapping[str, Sequence[Window]],
        fingerprints: Mapping[tuple[str, int], str],
    ) -> list[PlayoutOutcome]:
        """Reconcile the missing days in one go, keep those settled; the outcomes of the
        missing days."""
        low = min(day.from_ms for days in missing.values() for day in days)
        high = max(day.to_ms for days in missing.values() for day in days)
        codes = sorted({code for family in missing for code in family.split(",")})
        epochs = {
            (PLAYOUT, family): epoch
            for family, epoch in self.table.epochs(PLAYOUT, missing).items()
        }
        outcomes = await playout_for(sources, codes, low, high)
        by_key: dict[tuple[str, int], list[PlayoutOutcome]] = defaultdict(list)
        for outcome in outcomes:
            family = self._outcome_family(outcome)
            if family is not None:
                by_key[(family, self._day_of(outcome.planned_start_ms))].append(outcome)
        found: list[PlayoutOutcome] = []
        rows = []
        for family, days in missing.items():
            for day in days:
                day_outcomes = by_key.get((family, day.from_ms), [])
                found += day_outcomes
                if any(o.status in _UNSETTLED for o in day_outcomes):
                    continue  # not over yet: reconciled again next time
                rows.append(
                    RollupRow(
                        PLAYOUT,
                        family,
                        day.from_ms,
                        fingerprints[(family, day.from_ms)],
                        "",
                        _encoder.encode(day_outcomes),
                    )
                )
        self.table.put(rows, epochs)
        return found

    def _outcome_family(self, outcome: PlayoutOutcome) -> str | None:
        """The family an outcome is kept under: of the commune it names (a cluster's
        commune, a removed cluster's record's, a manual entry's), else of where its
        cluster or gateway is listed."""
        for code in (
            outcome.commune,
            self.index.listed_commune.get(outcome.cluster),
            self.index.listed_commune.get(outcome.agent or ""),
        ):
            if code and code in self.index.communes:
                return self._family_key(code)
        return None

    def plan_fingerprints(
        self, sources: PlayoutSources, families: Sequence[str], days: Sequence[Window]
    ) -> dict[tuple[str, int], str]:
        """Per (family, day): what of the plan fed the day's reconciliation."""
        first, last = days[0].from_ms, days[-1].to_ms
        codes = sorted({code for family in families for code in family.split(",")})
        # Schedules as they were: each version's part in the day (a standing relay's
        # slot reaches into the next day, so it weighs on the day before too).
        per_day: dict[tuple[str, int], list[object]] = defaultdict(list)
        for version in sources.schedules.versions_between(first, last + DAY_MS, codes):
            schedule = version.schedule
            if schedule is None:
                continue
            family = self._family_key(schedule.commune)
            reach = DAY_MS if schedule.priority == "background" else 0
            body = msgspec.json.encode(schedule)
            for day in _touching(days, version.from_ms - reach, version.to_ms):
                per_day[(family, day.from_ms)].append(
                    (
                        version.schedule_id,
                        body,
                        max(version.from_ms, day.from_ms),
                        min(version.to_ms, day.to_ms + reach),
                        version.from_ms > ALWAYS_FROM_MS,
                    )
                )
        if sources.silences is not None:
            for order in sources.silences.items.values():
                if order.commune not in self.index.communes:
                    continue
                end = order.to_ms if order.lifted_ms is None else min(order.to_ms, order.lifted_ms)
                # A silence holds a standing relay that started the day before.
                for day in _touching(days, order.from_ms - DAY_MS, end + DAY_MS):
                    key = (self._family_key(order.commune), day.from_ms)
                    per_day[key].append(msgspec.json.encode(order))
        if sources.manual is not None:
            for entry in sources.manual.items.values():
                if entry.commune not in self.index.communes:
                    continue
                for day in _touching(days, entry.start_ms, entry.start_ms + 1):
                    key = (self._family_key(entry.commune), day.from_ms)
                    per_day[key].append(msgspec.json.encode(entry))
        lengths = self._content_by_day(sources, days)
        rules = msgspec.json.encode(sources.rules)
        found = {}
        for family in families:
            inventory = self._inventory_of(family)
            for day in days:
                key = (family, day.from_ms)
                plan = sorted(per_day.get(key, []), key=repr)
                found[key] = _digest(FORMAT, rules, inventory, lengths[day.from_ms], plan)
        return found

    def _content_by_day(self, sources: PlayoutSources, days: Sequence[Window]) -> dict[int, str]:
        """Per day, the lengths of the files uploaded before it ended (a file's length
        never changes; one uploaded later cannot have played that day)."""
        files: list[tuple[int, str, float]] = []
        if sources.content is not None:
            for sha, info in sources.content.table.items.items():
                uploaded = min((u.uploaded_ms for u in info.uploads), default=0)
                files.append((uploaded, sha, info.duration_s))
        files.sort()
        hasher = hashlib.blake2b(digest_size=16)
        found = {}
        at = 0
        for day in days:
            while at < len(files) and files[at][0] < day.to_ms:
                hasher.update(msgspec.msgpack.encode(files[at][1:]))
                at += 1
            found[day.from_ms] = hasher.copy().hexdigest()
        return found

    def _inventory_of(self, family: str) -> str:
        """What of the inventory reconciling a family reads: its clusters and gateways,
        and when its communes held what."""
        found = self._family_inventory.get(family)
        if found is None:
            codes = family.split(",")
            by_commune = self._reconciled_by_commune()
            devices = sorted(row for code in codes for row in by_commune.get(code, ()))
            index = self.index
            held = [(c, repr(index.memberships(c)), repr(index.members(c))) for c in codes]
            found = _digest(devices, held)
            self._family_inventory[family] = found
        return found

    def _reconciled_by_commune(self) -> dict[str, list[tuple[object, ...]]]:
        """Per commune listed, what of its clusters and gateways a reconciliation reads."""
        if self._reconciled_devices is None:
            found: dict[str, list[tuple[object, ...]]] = defaultdict(list)
            for e in self.index.devices.values():
                commune = self.index.listed_commune.get(e.id)
                if commune is not None and e.kind in ("radio_cluster", "gateway"):
                    row = (e.id, e.kind, e.commune, e.village, e.agent_id, e.planned)
                    found[commune].append((*row, str(e.installed_on)))
            self._reconciled_devices = dict(found)
        return self._reconciled_devices

    # -- invalidation --------------------------------------------------------------------

    def invalidate_for_records(self, records: Iterable[object], now_ms: int) -> int:
        """Drop the rows that records just stored weigh on, and move on the epochs the
        evaluations kept in memory are keyed on (``late_marks.py``). Call it once a
        batch is in the store, whatever the records are; how many rows were dropped."""
        records = list(records)
        today = self._day_of(now_ms)
        transitions: dict[tuple[str, str, str], int] = {}
        readings: dict[tuple[str, str], set[int]] = defaultdict(set)
        broadcasts: dict[str, int] = {}
        for record in records:
            if isinstance(record, TransitionRecord | DeviceReadingRecord):
                if record.ts_ms >= today:
                    continue  # today is never rolled up
                entry = self.index.devices.get(series_owner(record.device_id))
                if entry is None or entry.kind not in ROLLED_KINDS:
                    continue
                unit = self.index.listed_commune[entry.id]
                day = self._day_of(record.ts_ms)
                if isinstance(record, TransitionRecord):
                    # A camera's picture series is rolled up as a kind of its own.
                    kind = PICTURE if is_picture_series(record.device_id) else entry.kind
                    key = (_scope(kind), unit, record.device_id)
                    transitions[key] = min(transitions.get(key, day), day)
                else:
                    readings[(_scope(entry.kind), unit)].add(day)
            elif isinstance(record, BroadcastEventRecord):
                if record.commune not in self.index.communes:
                    continue
                family = self._family_key(record.commune)
                day = self._day_of(min(record.ts_ms, record.occurrence_ms)) - DAY_MS
                broadcasts[family] = min(broadcasts.get(family, day), day)
        dropped = 0
        for (scope, unit), days in readings.items():
            dropped += self.table.drop(scope, unit, days)
        for (scope, unit, device_id), day in transitions.items():
            # Its day, and every later day up to the first with a change of its own.
            reach = []
            for row_day, changed in self.table.changes_after(scope, unit, day):
                reach.append(row_day)
                if row_day > day and device_id in changed:
                    break
            dropped += self.table.drop(scope, unit, reach)
        for family, day in broadcasts.items():
            dropped += self.table.drop_from(PLAYOUT, family, day)
        # The evaluations kept whole (gather/evaluated.py) of the communes reached.
        for scope, units in late_marks(records, self.index, self._day_of, today).items():
            self.table.move_on(scope, units)
        return dropped

    def invalidate_for_recording(self, changed: Iterable[tuple[str, int]], now_ms: int) -> None:
        """Camera-days whose recording the recorders told differently now (the
        recording ledger, ``monitoring/recording_ledger.py``): the evaluations kept of
        periods holding them are dropped. No availability row is: recording is read
        from the ledger's own day rows, never rolled up here."""
        today = self._day_of(now_ms)
        scopes: dict[str, set[str]] = defaultdict(set)
        for device_id, day_ms in changed:
            unit = self.index.listed_commune.get(device_id)
            if unit is not None and day_ms < today:
                scopes[LATE if day_ms < today - DAY_MS else RECENT].add(unit)
        for scope, units in scopes.items():
            self.table.move_on(scope, units)


_EMPTY: Final = DeviceHistory(None, ())


def _clip(windows: Sequence[tuple[int, int]], day: Window) -> list[tuple[int, int]]:
    return [
        (max(start, day.from_ms), min(end, day.to_ms))
        for start, end in windows
        if start < day.to_ms and end > day.from_ms
    ]


def _gaps(window: Window, days: Sequence[Window]) -> list[Window]:
    """The stretches of ``window`` outside ``days`` (in order, disjoint)."""
    found = []
    cursor = window.from_ms
    for day in days:
        if day.from_ms > cursor:
            found.append(Window(cursor, day.from_ms))
        cursor = day.to_ms
    if window.to_ms > cursor:
        found.append(Window(cursor, window.to_ms))
    return found


def _touching(days: Sequence[Window], from_ms: int, to_ms: int) -> list[Window]:
    return [d for d in days if d.from_ms < to_ms and from_ms < d.to_ms]


async def _raw(
    store: Store, ids: Collection[str], window: Window, hint: Collection[str]
) -> dict[str, DeviceHistory]:
    """The devices' raw histories over ``window``: what the evaluation reads without
    rollups."""
    if not ids:
        return {}
    inside = await store.transitions_of(ids, window.from_ms, window.to_ms, communes=hint)
    before = await store.last_transitions_before(ids, window.from_ms, communes=hint)
    return {i: DeviceHistory(before.get(i), inside.get(i, [])) for i in ids}
