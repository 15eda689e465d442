"""What the indicators overview and trend pages show of the API's overview data
(``overview_data`` in server/web/api/reports.py): each verdict as a symbol and a word,
each indicator by its short name, a commune's row of cells, and the verdicts counted per
indicator or per commune. Pure: the data and the words are handed in.

A verdict is never told by colour alone: each has its symbol (✓ ✗ ? –) and its word,
and the colours are those of ``static/verdicts.css``, as on the report.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from xaso.server.indicators.profile import load_default_profile
from xaso.server.indicators.reports.text import quantity_text

# Bottom to top in a chart, left to right in a legend.
VERDICTS: Final = ("met", "not_met", "insufficient_data", "not_applicable")
SYMBOLS: Final = {"met": "✓", "not_met": "✗", "insufficient_data": "?", "not_applicable": "–"}
# What a verifier opens the report for: the cells that link to it.
TO_LOOK_AT: Final = frozenset({"not_met", "insufficient_data"})
COMMUNE_PAGE: Final = "/indicators/commune"
TREND_PAGE: Final = "/indicators/trend"
# A name with no short word of its own is cut to this many characters.
SHORT_LENGTH: Final = 18


@dataclass(frozen=True)
class IndicatorHead:
    """An indicator as a column's header and the legend's line name it."""

    id: str
    short: str  # "Loa các thôn": fits a narrow column
    name: str  # the full name, in the page's language


@dataclass(frozen=True)
class Cell:
    """One commune × indicator in a period."""

    verdict: str | None  # None: not evaluated for the commune in the period
    symbol: str
    word: str
    value: str  # "96,2 %"; "" for a yes/no indicator or no value
    link: str | None  # the commune's report at the indicator, when it needs a look


@dataclass(frozen=True)
class CommuneRow:
    code: str
    name: str
    parent: str  # its area's name in the period, "" when none
    cells: tuple[Cell, ...]
    report: str  # the commune's report page for the period
    trend: str  # the commune's trend page
    state: str  # "all_met", "not_met" or "insufficient" (for the summary line)


@functools.cache
def _catalogue_names() -> dict[str, str]:
    """The default catalogue's Vietnamese names: a short word fits its indicator only
    while a province has not renamed it."""
    return {indicator.id: indicator.name for indicator in load_default_profile().indicators}


def short_name(indicator: Mapping[str, str], w: dict[str, str], lang: str) -> str:
    """The catalogue indicator's short word, else its own name cut at a word."""
    word = w.get(f"ind.short.{indicator['id']}")
    if word is not None and _catalogue_names().get(indicator["id"]) == indicator["name"]:
        return word
    name = full_name(indicator, lang)
    if len(name) <= SHORT_LENGTH:
        return name
    cut = name[:SHORT_LENGTH].rsplit(" ", 1)[0]
    return f"{cut}…"


def full_name(indicator: Mapping[str, str], lang: str) -> str:
    return (indicator.get("name_en") or indicator["name"]) if lang == "en" else indicator["name"]


def indicator_heads(
    indicators: Sequence[Mapping[str, str]], w: dict[str, str], lang: str
) -> list[IndicatorHead]:
    return [IndicatorHead(i["id"], short_name(i, w, lang), full_name(i, lang)) for i in indicators]


def page_link(path: str, period_query: Sequence[tuple[str, str]], **params: str) -> str:
    """A page of the section for the period (``ChosenPeriod.query``), ``params`` first."""
    return f"{path}?{urllib.parse.urlencode([*params.items(), *period_query])}"


def verdict_cell(
    cell: Mapping[str, Any] | None, position: int, w: dict[str, str], lang: str
) -> tuple[str | None, str, str, str]:
    """(verdict, symbol, word, value) of one overview cell at ``position``."""
    verdict = cell["verdicts"][position] if cell is not None else None
    if verdict is None:
        return None, "—", w["ind.overview.not_evaluated"], ""
    value = cell["values"][position] if cell is not None else None
    unit = cell["unit"] if cell is not None else ""
    shown = "" if value is None or unit == "" else quantity_text(value, unit, w, lang)
    return verdict, SYMBOLS[verdict], w[f"verdict.{verdict}"], shown


def commune_rows(
    data: Mapping[str, Any],
    position: int,
    heads: Sequence[IndicatorHead],
    period_query: Sequence[tuple[str, str]],
    area_names: Mapping[str, str],
    w: dict[str, str],
    lang: str,
) -> list[CommuneRow]:
    """The communes listed in the period at ``position``, each with a cell per
    indicator; a cell that needs a look links to the commune's report at it."""
    rows = []
    for row in data["communes"]:
        if row["sha256"][position] is None:
            continue  # not listed in that period
        code = row["commune"]
        report = page_link(COMMUNE_PAGE, period_query, commune=code)
        cells = []
        for head in heads:
            verdict, symbol, word, value = verdict_cell(
                row["indicators"].get(head.id), position, w, lang
            )
            link = f"{report}#{head.id}" if verdict in TO_LOOK_AT else None
            cells.append(Cell(verdict, symbol, word, value, link))
        rows.append(
            CommuneRow(
                code=code,
                name=row["name"],
                parent=area_names.get(row["parent"] or "", row["parent"] or ""),
                cells=tuple(cells),
                report=report,
                trend=page_link(TREND_PAGE, period_query, commune=code),
                state=commune_state(c.verdict for c in cells),
            )
        )
    return rows


def commune_state(verdicts: Any) -> str:
    """ "not_met" when any indicator is not met, else "insufficient" when any lacks
    data, else "all_met"."""
    found = set(verdicts)
    if "not_met" in found:
        return "not_met"
    if "insufficient_data" in found:
        return "insufficient"
    return "all_met"


def indicator_counts(
    summary: Mapping[str, Mapping[str, int]], heads: Sequence[IndicatorHead]
) -> dict[str, list[int]]:
    """Per verdict, the number of communes with it, one number per indicator: the
    API's own ``summary`` of the period."""
    return {
        verdict: [int(summary.get(head.id, {}).get(verdict, 0)) for head in heads]
        for verdict in VERDICTS
    }


def states_counted(rows: Sequence[CommuneRow]) -> Counter[str]:
    return Counter(row.state for row in rows)


def commune_verdicts(row: Mapping[str, Any], periods: int) -> list[Counter[str] | None]:
    """Per period, the commune's indicators counted by verdict; None where the commune
    was not listed."""
    found: list[Counter[str] | None] = []
    for position in range(periods):
        if row["sha256"][position] is None:
            found.append(None)
            continue
        found.append(
            Counter(
                cell["verdicts"][position]
                for cell in row["indicators"].values()
                if cell["verdicts"][position] is not None
            )
        )
    return found


def indicator_verdicts(data: Mapping[str, Any], indicator: str) -> list[Counter[str]]:
    """Per period, the communes counted by their verdict on ``indicator``: the API's
    ``summary``."""
    return [Counter(by_indicator.get(indicator, {})) for by_indicator in data["summary"]]
