"""The overseeing level's view: communes × indicators, for a period and the ones before.

Which communes belong to an area is asked per period, against the hierarchy as it was
then (``xaso.inventory``: effective-dated parents, mergers): the overview of a district
for Q2 2025 lists the communes it had then, though districts ended on 1 July 2025. A
commune is listed for a period if it existed and sat under the area on at least one day
of it. Pure: the evaluations are handed in.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from xaso.inventory import InventoryIndex
from xaso.server.indicators.evidence import evidence_sha256
from xaso.server.indicators.period import period_days
from xaso.server.indicators.result import CommuneEvaluation

MAX_TREND = 12


class PeriodRef(msgspec.Struct, frozen=True):
    label: str  # "2026-Q3", or "" for an explicit from/to
    from_ms: int
    to_ms: int


def _existed(index: InventoryIndex, code: str, first: dt.date, last: dt.date) -> bool:
    commune = index.communes[code]
    return (commune.valid_from is None or commune.valid_from <= last) and (
        commune.valid_until is None or first <= commune.valid_until
    )


def communes_under(
    index: InventoryIndex, area: str | None, from_ms: int, to_ms: int, tz: ZoneInfo
) -> list[str]:
    """The communes that existed during the period and sat under ``area`` (any level
    above them) on at least one of its days; every commune that existed when ``area``
    is None. In inventory order."""
    first, last = period_days(from_ms, to_ms, tz)
    found = []
    for code, commune in index.communes.items():
        if not _existed(index, code, first, last):
            continue
        if area is None:
            found.append(code)
            continue
        # The parent can only change on a link's first day: checking the period's first
        # day and every link start inside it sees each parent the commune had.
        days = {first} | {
            link.valid_from
            for link in commune.parents
            if link.valid_from is not None and first < link.valid_from <= last
        }
        if any(area in index.ancestors(code, day) for day in days):
            found.append(code)
    return found


def overview(
    periods: list[PeriodRef],
    evaluations: list[list[CommuneEvaluation]],
    *,
    commune_order: Sequence[str] = (),
) -> dict[str, Any]:
    """``evaluations[i]`` are those of ``periods[i]``; periods oldest first. Each
    commune's figures are aligned with ``periods`` (null where it was not listed)."""
    if len(periods) != len(evaluations):
        raise ValueError("one list of evaluations per period")
    indicators: dict[str, tuple[str, str]] = {}  # id: its name, and in English
    communes: dict[str, dict[str, Any]] = {}
    summary: list[dict[str, Counter[str]]] = [{} for _ in periods]
    for position, found in enumerate(evaluations):
        for evaluation in found:
            row = communes.setdefault(
                evaluation.commune,
                {
                    "commune": evaluation.commune,
                    "name": evaluation.commune_name,
                    "parent": evaluation.parent,
                    "sha256": [None] * len(periods),
                    "profile": [None] * len(periods),
                    "indicators": {},
                },
            )
            # The name and parent of the latest period listing the commune.
            row["name"], row["parent"] = evaluation.commune_name, evaluation.parent
            row["sha256"][position] = evidence_sha256(evaluation)
            row["profile"][position] = evaluation.profile
            for result in evaluation.results:
                indicators.setdefault(result.indicator, (result.name, result.name_en))
                cell = row["indicators"].setdefault(
                    result.indicator,
                    {
                        "verdicts": [None] * len(periods),
                        "values": [None] * len(periods),
                        "unit": result.unit,
                        # A province's own unit in English ("" for the catalogue's).
                        "unit_en": result.unit_en,
                    },
                )
                cell["verdicts"][position] = result.verdict
                cell["values"][position] = result.value
                summary[position].setdefault(result.indicator, Counter())[result.verdict] += 1
    order = {code: i for i, code in enumerate(commune_order)}
    rows = sorted(communes.values(), key=lambda r: (order.get(r["commune"], len(order)), r["name"]))
    return {
        "periods": [{"period": p.label, "from_ms": p.from_ms, "to_ms": p.to_ms} for p in periods],
        "indicators": [
            {"id": key, "name": name, "name_en": name_en}
            for key, (name, name_en) in indicators.items()
        ],
        "communes": rows,
        "summary": [
            {indicator: dict(counts) for indicator, counts in by_indicator.items()}
            for by_indicator in summary
        ],
    }
