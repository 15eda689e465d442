"""Silence orders ("silence now"): nothing plays on some loudspeaker clusters for a while.

An officer silences a commune, some villages or some clusters (a funeral next to a
loudspeaker, a wrong bulletin on air) for up to a day. The clusters are resolved when
the order is given and stored with it, so the order keeps meaning what it meant even if
the inventory changes later. Each radio gateway receives the orders in force on its
clusters in its schedule set (``xaso.protocol.Silence``); lifting an order early takes
it out of the set. Orders are kept after they end, with who gave and who lifted them:
they explain the broadcasts that did not play.

Pure functions of the orders and the time (no I/O).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

import msgspec

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.schedule import Targets, clusters_of, target_problems

DEFAULT_MINUTES: Final = 60.0
# Longer than a day is not "silence now" but a change of programme (pause the schedules).
MAX_MINUTES: Final = 24 * 60.0
MAX_REASON_CHARS: Final = 500


class SilenceOrder(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    commune: str
    clusters: list[str]  # resolved from ``targets`` when the order was given
    from_ms: int
    to_ms: int
    targets: Targets = Targets()  # as asked: zones and clusters (both empty: the commune)
    created_by: str = ""
    reason: str = ""
    lifted_ms: int | None = None  # lifted before ``to_ms`` (DELETE)
    lifted_by: str | None = None


def in_force(order: SilenceOrder, now_ms: int) -> bool:
    return order.lifted_ms is None and order.from_ms <= now_ms < order.to_ms


def orders_in_force(orders: Iterable[SilenceOrder], now_ms: int) -> list[SilenceOrder]:
    return sorted((o for o in orders if in_force(o, now_ms)), key=lambda o: (o.from_ms, o.id))


def silence_windows(orders: Iterable[SilenceOrder]) -> dict[str, list[tuple[int, int]]]:
    """By cluster, the times orders held it: ``[from_ms, to_ms)``, a lifted order up to
    when it was lifted."""
    found: dict[str, list[tuple[int, int]]] = {}
    for order in orders:
        end_ms = order.to_ms if order.lifted_ms is None else min(order.to_ms, order.lifted_ms)
        for cluster in order.clusters:
            found.setdefault(cluster, []).append((order.from_ms, end_ms))
    return found


def silence_problems(
    commune: str,
    targets: Targets,
    minutes: float,
    reason: str,
    index: InventoryIndex,
    day: dt.date,
) -> list[str]:
    """Every problem of a request to silence given on ``day``, each starting with its
    field."""
    found = target_problems(commune, targets, index, day, field="")
    if not 0 < minutes <= MAX_MINUTES:
        found.append(f"minutes: must be above 0 and at most {MAX_MINUTES:.0f} (a day)")
    if len(reason) > MAX_REASON_CHARS:
        found.append(f"reason: at most {MAX_REASON_CHARS} characters")
    return found


def new_order(
    order_id: str,
    commune: str,
    targets: Targets,
    index: InventoryIndex,
    *,
    now_ms: int,
    minutes: float,
    created_by: str,
    reason: str = "",
) -> SilenceOrder:
    """An order from now for ``minutes``, on the clusters ``targets`` name today (the
    request must have been checked with ``silence_problems``)."""
    return SilenceOrder(
        id=order_id,
        commune=commune,
        clusters=sorted(clusters_of(commune, targets, index, index.day_of(now_ms))),
        from_ms=now_ms,
        to_ms=now_ms + round(minutes * 60_000),
        targets=targets,
        created_by=created_by,
        reason=reason,
    )


def lifted(order: SilenceOrder, now_ms: int, by: str) -> SilenceOrder:
    """The order lifted now; an order already over stays as it was."""
    if not in_force(order, now_ms):
        return order
    return msgspec.structs.replace(order, lifted_ms=now_ms, lifted_by=by)
