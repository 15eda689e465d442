"""Evaluation periods: a month, a quarter, a year or a day named as people name them,
in the inventory's time zone, as the half-open ``[from_ms, to_ms)`` the stores use.

"2026-10" is October 2026 in Asia/Ho_Chi_Minh: from 2026-10-01 00:00 +07:00 up to, not
including, 2026-11-01 00:00 +07:00. One parser for the API, reports and sign-off, so a
"quarter" is the same three months everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Final
from zoneinfo import ZoneInfo

from xaso.server.time_param import (
    FIRST_DAY,
    LAST_DAY,
    TimeParamError,
    day_start_ms,
    parse_time_param,
)

__all__ = [
    "PeriodError",
    "day_start_ms",
    "local_day",
    "parse_period",
    "period_days",
    "period_from_query",
    "period_label",
]

_YEAR: Final = re.compile(r"(\d{4})")
_MONTH: Final = re.compile(r"(\d{4})-(\d{2})")
_QUARTER: Final = re.compile(r"(\d{4})-[Qq]([1-4])")
_DAY: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
EXAMPLES: Final = "2026 (a year), 2026-Q3 (a quarter), 2026-10 (a month) or 2026-10-05 (a day)"
# A ``from``/``to`` range spans at most five years, so that one request cannot make the
# server read and count decades of records (R8 walks the period day by day); its ends
# lie within the local days every time parameter does (server/time_param.py).
MAX_RANGE_DAYS: Final = 5 * 366


class PeriodError(ValueError):
    """Every problem with the period asked for, one message each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def local_day(ts_ms: int, tz: ZoneInfo) -> dt.date:
    return dt.datetime.fromtimestamp(ts_ms / 1000, tz).date()


def period_days(from_ms: int, to_ms: int, tz: ZoneInfo) -> tuple[dt.date, dt.date]:
    """The first and last local day of the half-open period ``[from_ms, to_ms)``."""
    return local_day(from_ms, tz), local_day(max(from_ms, to_ms - 1), tz)


def _first_days(text: str) -> tuple[dt.date, dt.date]:
    """The first day of the period and the first day after it."""
    # Every form starts with the year: checked first, as the day after 9999-12-31
    # cannot even be computed.
    if (leading := _YEAR.match(text)) and not FIRST_DAY.year <= int(leading[1]) <= LAST_DAY.year:
        raise ValueError(f"period {text!r}: must lie between {FIRST_DAY} and {LAST_DAY}")
    if match := _DAY.fullmatch(text):
        first = dt.date(int(match[1]), int(match[2]), int(match[3]))
        return first, first + dt.timedelta(days=1)
    if match := _MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        first = dt.date(year, month, 1)
        return first, dt.date(year + month // 12, month % 12 + 1, 1)
    if match := _QUARTER.fullmatch(text):
        year, quarter = int(match[1]), int(match[2])
        first = dt.date(year, 3 * quarter - 2, 1)
        after_month = 3 * quarter + 1
        return first, dt.date(year + after_month // 13, (after_month - 1) % 12 + 1, 1)
    if match := _YEAR.fullmatch(text):
        year = int(match[1])
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    raise ValueError(f"period {text!r} is not one of {EXAMPLES}")


def parse_period(text: str, tz: ZoneInfo) -> tuple[int, int]:
    """``[from_ms, to_ms)`` of a named period in ``tz``; ValueError says why not."""
    try:
        first, after = _first_days(text.strip())
    except ValueError as exc:
        # dt.date refuses month 13 or day 32 with its own words; name the period too.
        message = str(exc)
        if not message.startswith("period"):
            message = f"period {text!r}: {message}"
        raise ValueError(message) from None
    if not FIRST_DAY <= first <= LAST_DAY:
        raise ValueError(f"period {text!r}: must lie between {FIRST_DAY} and {LAST_DAY}")
    return day_start_ms(first, tz), day_start_ms(after, tz)


def period_label(from_ms: int, to_ms: int, tz: ZoneInfo) -> str | None:
    """The name of ``[from_ms, to_ms)`` if it is exactly a year, quarter, month or day
    (the inverse of ``parse_period``), else None."""
    if to_ms <= from_ms:
        return None
    first = local_day(from_ms, tz)
    candidates = [
        f"{first.year}",
        f"{first.year}-Q{(first.month - 1) // 3 + 1}",
        f"{first.year}-{first.month:02d}",
        first.isoformat(),
    ]
    for label in candidates:
        if parse_period(label, tz) == (from_ms, to_ms):
            return label
    return None


def _time_ms(value: str, tz: ZoneInfo, name: str, problems: list[str]) -> int | None:
    try:
        return parse_time_param(name, value, tz)
    except TimeParamError as exc:
        problems.append(str(exc))
        return None


def period_from_query(query: Mapping[str, str], tz: ZoneInfo) -> tuple[int, int]:
    """The period of a request's query: ``period=2026-Q3``, or ``from=`` and ``to=``
    (epoch ms or ISO 8601). Raises ``PeriodError`` with every problem."""
    problems: list[str] = []
    period = query.get("period")
    given = [key for key in ("from", "to") if key in query]
    if period is not None:
        if given:
            problems.append(f"give either period or from/to, not both ({', '.join(given)})")
        try:
            from_ms, to_ms = parse_period(period, tz)
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            raise PeriodError(problems)
        return from_ms, to_ms
    if len(given) < 2:
        missing = [key for key in ("from", "to") if key not in query]
        raise PeriodError(
            [f"give period ({EXAMPLES}) or both from and to (missing: {', '.join(missing)})"]
        )
    start = _time_ms(query["from"], tz, "from", problems)
    end = _time_ms(query["to"], tz, "to", problems)
    if problems or start is None or end is None:
        raise PeriodError(problems)
    if start >= end:
        problems.append("'from' must be before 'to'")
    elif end - start > MAX_RANGE_DAYS * 86_400_000:
        problems.append(f"from/to: a range of at most {MAX_RANGE_DAYS} days (five years)")
    if problems:
        raise PeriodError(problems)
    return start, end
