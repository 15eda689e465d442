"""The playout log of some communes over a period: the adapter between the stores and
the pure reconciliation (``server/reconcile.py``).

``playout_for(app, communes, from_ms, to_ms)`` is what the API, the playout alerts and
the indicators (R8, R9) call: the schedules as they were, the broadcast events from the
store, the silence orders, the uploaded files' lengths, the manual entries, at the
app's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from aiohttp import web

from xaso.server.broadcasts.keys import CONTENT, PLAYOUT_MANUAL, SCHEDULES, SILENCES
from xaso.server.broadcasts.manual_entries import TABLE, ManualEntry, manual_outcomes
from xaso.server.broadcasts.playout_outcome import STATUS_TEXT, PlayoutOutcome
from xaso.server.broadcasts.reconcile import ReconcileRules, outcome_order, reconcile
from xaso.server.broadcasts.schedule import occurrences_starting
from xaso.server.json_table import JsonTable, open_db
from xaso.server.keys import CLOCK_MS, INDEX, SETTINGS, STORE

__all__ = ["manual_entries_ctx", "playout_for", "summary"]


async def playout_for(
    app: web.Application,
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
    index = app[INDEX]
    # Each schedule as it was when its occurrences were due: a change or a deletion
    # since does not rewrite what was planned (server/schedule_table.py).
    versions = [
        (v.schedule, v.from_ms, v.to_ms)
        for v in app[SCHEDULES].versions_between(from_ms, to_ms, wanted)
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
    events = await app[STORE].broadcast_events(wanted, from_ms, to_ms, planned)
    silences = frozenset(app[SILENCES].items) if SILENCES in app else frozenset()
    now_ms = app[CLOCK_MS]()
    if rules is None:
        settings = app[SETTINGS]
        rules = ReconcileRules(
            on_time_s=settings.playout_on_time_s, grace_s=settings.playout_grace_s
        )
    entries = list(app[PLAYOUT_MANUAL].items.values()) if PLAYOUT_MANUAL in app else []
    # Each uploaded file's length as measured at upload: a file shorter than its slot
    # played in full when it played that long, whatever agent played it.
    lengths = (
        {sha: info.duration_s for sha, info in app[CONTENT].table.items.items()}
        if CONTENT in app
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


async def manual_entries_ctx(app: web.Application) -> AsyncIterator[None]:
    """The manual entries' table, in the server's own SQLite file."""
    db = open_db(app[SETTINGS].tokens_path)
    app[PLAYOUT_MANUAL] = JsonTable(db, TABLE, ManualEntry)
    yield
    db.close()
