"""The small pieces of a report's text: numbers the Vietnamese way, local dates and
times, quantities with their units. Shared by the report (``report.py``) and the
changes since a sign-off (``report_changes.py``); the words themselves are the caller's
(``report.words``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from xaso.server.indicators.period import period_days, period_label
from xaso.server.words import period_name

COMPARISON_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "=": "="}


def format_number(value: float | None, lang: str) -> str:
    """1234.5 → "1.234,5" in Vietnamese, "1,234.5" in English; at most 2 decimals."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def format_day(day: dt.date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


def format_time(ts_ms: int | None, tz: ZoneInfo, lang: str) -> str:
    if ts_ms is None:
        return "—"
    moment = dt.datetime.fromtimestamp(ts_ms / 1000, tz)
    return moment.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")


def period_text(from_ms: int, to_ms: int, tz: ZoneInfo, lang: str) -> str:
    """The half-open period as the inclusive local days people name it."""
    first, last = period_days(from_ms, to_ms, tz)
    return f"{format_day(first, lang)} – {format_day(last, lang)}"


def named_period(from_ms: int, to_ms: int, tz: ZoneInfo, lang: str) -> str:
    """The period as people name it: "Quý 3/2026" when it is exactly a year, quarter,
    month or day, else its days ("01/07/2026 – 30/09/2026")."""
    label = period_label(from_ms, to_ms, tz)
    return period_name(label, lang) if label else period_text(from_ms, to_ms, tz, lang)


def unit_text(unit: str, w: dict[str, str], lang: str = "vi", unit_en: str = "") -> str:
    """A unit in words: the catalogue's are looked up (``unit.*``); a province's own
    carries its words, the Vietnamese in ``unit`` and the English in ``unit_en``."""
    if lang == "en" and unit_en:
        return unit_en
    return w.get(f"unit.{unit}", unit)


def quantity_text(
    value: float | None, unit: str, w: dict[str, str], lang: str, unit_en: str = ""
) -> str:
    if value is None:
        return "—"
    if unit == "":  # a yes/no indicator
        return w["yes"] if value >= 1 else w["no"]
    shown = unit_text(unit, w, lang, unit_en)
    number = format_number(value, lang)
    return f"{number} %" if shown == "%" else f"{number} {shown}"
