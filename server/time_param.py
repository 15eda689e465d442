"""Times given in requests: epoch milliseconds or ISO 8601, within the years the server
handles; one parser for every time parameter of the API, the pages and the reports.

The bounds keep every later step safe: Python's calendar ends in year 9999 and starts in
year 1, InfluxDB's nanosecond timestamps end in 2262, and periods are named from 1970
on. A time outside them is a mistake in the request, answered with its name (a 400),
never carried on to fail deep inside as a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final
from zoneinfo import ZoneInfo

# Local days, in the inventory's zone: the first and the last a time may fall on.
FIRST_DAY: Final = dt.date(1970, 1, 1)
LAST_DAY: Final = dt.date(2100, 12, 31)

_EPOCH_MS: Final = re.compile(r"-?[0-9]+")  # ASCII digits only: "²".isdigit() is True


class TimeParamError(ValueError):
    """A time parameter that is no time, or outside the years handled; the message
    starts with the parameter's name."""


def day_start_ms(day: dt.date, tz: ZoneInfo) -> int:
    """Epoch ms of local midnight starting ``day``."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp() * 1000)


def time_bounds_ms(tz: ZoneInfo) -> tuple[int, int]:
    """The half-open ``[first, after)`` range of epoch ms a time parameter may take."""
    return day_start_ms(FIRST_DAY, tz), day_start_ms(LAST_DAY + dt.timedelta(days=1), tz)


def check_time_ms(name: str, value_ms: int, tz: ZoneInfo) -> int:
    """``value_ms`` if it lies within the years handled; else ``TimeParamError``."""
    first_ms, after_ms = time_bounds_ms(tz)
    if not first_ms <= value_ms <= after_ms:  # "to" may be the end of the last day
        raise TimeParamError(f"{name}: must lie between {FIRST_DAY} and {LAST_DAY} (local days)")
    return value_ms


def parse_time_param(name: str, value: str, tz: ZoneInfo) -> int:
    """Epoch ms of ``value``: epoch milliseconds, or ISO 8601 where a time without an
    offset is local to ``tz`` (the inventory's zone, what users in the communes mean)."""
    if _EPOCH_MS.fullmatch(value):
        return check_time_ms(name, int(value), tz)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise TimeParamError(
            f"{name}: {value!r} is neither epoch milliseconds nor ISO 8601"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return check_time_ms(name, int(moment.timestamp() * 1000), tz)
