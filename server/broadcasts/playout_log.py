"""The playout log of some communes over a period: the adapter between the stores and
the pure reconciliation (``reconcile.py``).

``playout_for(sources, communes, from_ms, to_ms)`` is what the API, the playout alerts
and the indicators (R8, R9) call, with the ``PlayoutSources`` a running server builds
(``broadcasts/wiring.py``) or a benchmark gives: the schedules as they were, the
broadcast events from the store, the silence orders, the uploaded files' lengths, the
manual entries, at its clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.content import ContentStore
from xaso.server.broadcasts.manual_entries import ManualEntry, manual_outcomes
from xaso.server.broadcasts.playout_outcome import STATUS_TEXT, PlayoutOutcome
from xaso.server.broadcasts.reconcile import ReconcileRules, outcome_order, reconcile
from xaso.server.broadcasts.schedule import occurrences_starting
from xaso.server.broadcasts.schedule_table import ScheduleTable
from xaso.server.broadcasts.silence import SilenceOrder, silence_windows
from xaso.server.json_table import JsonTable
from xaso.server.store.base import Store

__all__ = ["PlayoutSources", "playout_for", "summary"]

DAY_MS: Final = 86_400_000  # a standing relay's slot lasts at most a day


@dataclass(frozen=True)
class PlayoutSources:
    """What a playout log is made of: the plan (the schedules as they were), what the
    gateways logged (the store), silences, manual entries, the uploaded files' lengths,
    and the rules and clock to reconcile them with."""

    index: InventoryIndex
    store: Store
    schedules: ScheduleTable
    clock_ms: Callable[[], int]
    rules: ReconcileRules
    silences: JsonTable[SilenceOrder] | None = None
    manual: JsonTable[ManualEntry] | None = None
    content: ContentStore | None = None


async def playout_for(
    sources: PlayoutSources,
    communes: Sequence[str],
    from_ms: int,
    to_ms: int,
    rules: ReconcileRules | None = None,
) -> list[PlayoutOutcome]:
    """Every planned (or reported) occurrence whose planned start is in
    ``[from_ms, to_ms)`` on each cluster of ``communes``, and the manual entries,
    ordered by (planned start, commune, schedule, cluster). Raises
    ``StoreUnavailable`` when the store cannot be read."""
    wanted = sorted(set(communes))
    if not wanted or from_ms >= to_ms:
        return []
    index = sources.index
    # Each schedule as it was when its occurrences were due: a change or a deletion
    # since does not rewrite what was planned (schedule_table.py). Up to a day past the
    # period: a standing relay starting in it may be saved or edited later in its slot.
    versions = [
        (v.schedule, v.from_ms, v.to_ms)
        for v in sources.schedules.versions_between(from_ms, to_ms + DAY_MS, wanted)
        if v.schedule is not None
    ]
    # The "received" events asked for are those of the schedules planned in the period
    # only: every emergency and campaign of past years stays in the table, and asking
    # for all of them at every check would grow without end.
    planned = sorted(
        {
            schedule.id
            for schedule, since_ms, until_ms in versions
            if occurrences_starting(schedule, max(from_ms, since_ms), min(to_ms, until_ms))
        }
    )
    events = await sources.store.broadcast_events(wanted, from_ms, to_ms, planned)
    silences = frozenset(sources.silences.items) if sources.silences is not None else frozenset()
    # When silences held each cluster: time a standing relay was not due on air.
    windows = silence_windows(sources.silences.items.values() if sources.silences else ())
    now_ms = sources.clock_ms()
    rules = rules or sources.rules
    entries = list(sources.manual.items.values()) if sources.manual is not None else []
    # Each uploaded file's length as measured at upload: a file shorter than its slot
    # played in full when it played that long, whatever agent played it.
    lengths = (
        {sha: info.duration_s for sha, info in sources.content.table.items.items()}
        if sources.content is not None
        else {}
    )

    def reconciled() -> list[PlayoutOutcome]:
        found = reconcile(
            (),
            index,
            events,
            from_ms,
            to_ms,
            now_ms,
            rules,
            silences=silences,
            versions=versions,
            content_lengths=lengths,
            silence_windows=windows,
        )
        found += manual_outcomes(entries, index, wanted, from_ms, to_ms)
        found.sort(key=outcome_order)
        return found

    # A province's quarter is seconds of pure computation over copies of the inputs: in
    # a worker thread, so that ingest and the API go on meanwhile.
    return await asyncio.to_thread(reconciled)


def summary(outcomes: Iterable[PlayoutOutcome]) -> dict[str, Any]:
    """Counts per status (every status, zeros included) and per cluster."""
    by_status = dict.fromkeys(STATUS_TEXT["en"], 0)
    by_cluster: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        by_status[outcome.status] += 1
        cluster = by_cluster.setdefault(
            outcome.cluster, {"commune": outcome.commune, "total": 0, "by_status": {}}
        )
        cluster["total"] += 1
        cluster["by_status"][outcome.status] = cluster["by_status"].get(outcome.status, 0) + 1
    return {"by_status": by_status, "by_cluster": dict(sorted(by_cluster.items()))}
