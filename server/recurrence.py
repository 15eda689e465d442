"""RFC 5545 recurrence on a commune's wall clock: what maintenance windows and broadcast
schedules both repeat by.

"Maintenance windows broken by time zones" is a top complaint about other monitors, and
a bulletin at 06:00 must be 06:00 in the commune, so the rules are stated once here and
tested by hand-checked UTC values:

- ``start`` is the DTSTART as a **wall-clock time in ``timezone``** (Asia/Ho_Chi_Minh by
  default). A naive datetime is that wall time. A datetime with an offset names an
  instant; it is converted to the zone's wall time first (``...T15:00:00Z`` in
  Asia/Ho_Chi_Minh is 22:00 local), and from there the rule recurs by the zone's wall
  clock. So "every Sunday 22:00" is Sunday 22:00 in the commune, Sunday 15:00 UTC, never
  "Saturday" because the server runs in UTC.
- Recurrence follows ``dateutil.rrule`` (RFC 5545), evaluated on naive wall times and
  then placed in the zone. Where a zone has daylight-saving time, a wall time that does
  not exist or occurs twice takes the first offset (``fold=0``); Vietnam has none.
  As in dateutil, ``start`` itself counts only if the rule produces it (RFC 5545 leaves
  an unsynchronised DTSTART undefined).
- A duration is elapsed time: "22:00 for 4 h" ends 02:00 the next local day.
- ``UNTIL`` may be UTC (``...Z``, the RFC 5545 form when DTSTART has a zone), a local
  wall time (``20250731T220000``), or a date (``20250731``), which includes that whole
  local day: the RFC calls UNTIL inclusive, and a person writing a date means the day.
- ``FREQ=SECONDLY`` and ``MINUTELY`` are refused: no maintenance recurs that often, and a
  rule that expands to millions of occurrences per month would let one API call stall
  the server. Rules that can never occur (``BYMONTH=2;BYMONTHDAY=30``) are refused too,
  for the same reason: dateutil searches them up to the year 9999.

All times in and out of the functions are epoch milliseconds UTC, ranges half-open
``[from_ms, to_ms)``, like the store. Nothing here does I/O or
reads the clock; parsed rules are cached per (start, rule, zone).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
import threading
from functools import lru_cache
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser
from dateutil.rrule import rrule, rrulestr

__all__ = ["first_start_ms", "recurrence_problems", "recurring_intervals"]

# Sanity bounds that also keep every datetime computation far from year 1 and 9999.
MIN_START_YEAR: Final = 1970
MAX_START_YEAR: Final = 2999
# A larger INTERVAL describes nothing anyone plans, and overflows date arithmetic.
MAX_INTERVAL: Final = 10_000

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_MS: Final = dt.timedelta(milliseconds=1)
# Query bounds are clamped here so that adding padding never overflows a datetime.
_MIN_MS: Final = (dt.datetime(1900, 1, 1, tzinfo=dt.UTC) - _EPOCH) // _ONE_MS
_MAX_MS: Final = (dt.datetime(9000, 1, 1, tzinfo=dt.UTC) - _EPOCH) // _ONE_MS
# Local wall time is not monotonic in UTC across an offset change (at most 24 h, Samoa
# 2011), so the local search range is widened by this much and the result filtered in UTC.
_LOCAL_PAD: Final = dt.timedelta(days=2)

_REFUSED_FREQS: Final = frozenset({"SECONDLY", "MINUTELY"})
_STEPS: Final = {
    "DAILY": dt.timedelta(days=1),
    "WEEKLY": dt.timedelta(weeks=1),
    "HOURLY": dt.timedelta(hours=1),
}
# How many periods of each FREQ make 400 Gregorian years, after which the calendar
# (weekdays, leap days) repeats exactly; used to bound the "can it ever occur" probe.
_CYCLE_UNITS: Final = {
    "YEARLY": 400,
    "MONTHLY": 4800,
    "WEEKLY": 20_871,
    "DAILY": 146_097,
    "HOURLY": 146_097 * 24,
}
# The longest probe per FREQ: a period costs dateutil about the same whatever its length,
# so hourly and daily rules get one 400-year cycle (about a second when nothing matches).
_PROBE_YEARS: Final = {"YEARLY": 4000, "MONTHLY": 4000, "WEEKLY": 2000}
_DATE_ONLY = re.compile(r"\d{8}")


def recurrence_problems(start: dt.datetime, rule: str | None, timezone: str) -> list[str]:
    """What is wrong with a start, an RRULE and a time zone, each named by its field."""
    if not MIN_START_YEAR <= start.year <= MAX_START_YEAR:
        # The rule cannot be checked without a sane DTSTART.
        return [f"start: year must be between {MIN_START_YEAR} and {MAX_START_YEAR}"]
    try:
        zone = _zone(timezone)
    except ValueError as exc:
        return [f"timezone: {exc}"]
    try:
        local_start = _local_start(start, zone)
        if not MIN_START_YEAR <= local_start.year <= MAX_START_YEAR:
            raise OverflowError
    except OverflowError:
        return [f"start: out of range in {timezone}"]
    if rule is not None:
        try:
            _parse_rule(rule, local_start, zone)
        except (ValueError, OverflowError) as exc:
            return [f"rrule: {exc or 'out of range'}"]
    return []


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        # ValueError: a malformed key such as "../etc" or "".
        raise ValueError(
            f"unknown time zone '{name}' (an IANA name such as 'Asia/Ho_Chi_Minh')"
        ) from None


def _local_start(start: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """``start`` as a naive wall time in ``zone`` (see the module docstring)."""
    if start.tzinfo is None or start.utcoffset() is None:
        return start.replace(tzinfo=None)
    return start.astimezone(zone).replace(tzinfo=None)


class _RuleInfo(NamedTuple):
    rule: rrule
    freq: str
    count_limit: int | None  # COUNT; the field name "count" would hide tuple.count
    interval: int


def _parse_rule(text: str, local_start: dt.datetime, zone: ZoneInfo) -> _RuleInfo:
    """Parse one RRULE value with ``local_start`` as DTSTART; ValueError says why not."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if "DTSTART" in body.upper():
        raise ValueError("must not contain DTSTART: the window's start is the DTSTART")
    if not body or "\n" in body or "\r" in body or ":" in body:
        raise ValueError(
            "must be a single RRULE value such as 'FREQ=WEEKLY;BYDAY=SU' "
            "(no other iCalendar properties)"
        )
    parts = [part for part in body.split(";") if part]
    names = [part.split("=", 1)[0].strip().upper() for part in parts]
    # UNTIL is read here, not by dateutil, because dateutil accepts only the UTC form
    # with a zoned DTSTART and only the local form with a naive one; see the docstring.
    until: dt.datetime | None = None
    rest: list[str] = []
    for part, name in zip(parts, names, strict=True):
        if name == "UNTIL":
            until = _parse_until(part.split("=", 1)[1].strip() if "=" in part else "", zone)
        else:
            rest.append(part)
    if "FREQ" not in names:
        raise ValueError("FREQ is required (e.g. 'FREQ=DAILY')")
    if "COUNT" in names and "UNTIL" in names:
        raise ValueError("COUNT and UNTIL must not both be given (RFC 5545 §3.3.10)")
    try:
        parsed = rrulestr(";".join(rest), dtstart=local_start)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"not a valid RFC 5545 rule: {exc}") from None
    if not isinstance(parsed, rrule):
        raise ValueError("must be a single RRULE value, not a rule set")
    values = dict(
        (name, part.split("=", 1)[1].strip().upper())
        for part, name in zip(parts, names, strict=True)
        if "=" in part
    )
    freq = values.get("FREQ", "")
    if freq in _REFUSED_FREQS:
        raise ValueError(f"FREQ={freq} is not allowed: a maintenance window recurs at most hourly")
    count = int(values["COUNT"]) if "COUNT" in values else None
    if count is not None and count < 1:
        raise ValueError("COUNT must be at least 1")
    interval = int(values.get("INTERVAL", "1"))
    if interval > MAX_INTERVAL:
        raise ValueError(f"INTERVAL must be at most {MAX_INTERVAL}")
    if interval < 1:
        raise ValueError("INTERVAL must be at least 1")
    rule = parsed if until is None else parsed.replace(until=until)
    if not _can_occur(rule, local_start, freq, interval):
        raise ValueError("the rule never produces an occurrence")
    return _RuleInfo(rule, freq, count, interval)


def _parse_until(value: str, zone: ZoneInfo) -> dt.datetime:
    """UNTIL as a naive wall time in ``zone``."""
    if _DATE_ONLY.fullmatch(value):
        day = dt.datetime.strptime(value, "%Y%m%d")
        return day.replace(hour=23, minute=59, second=59)
    try:
        parsed = date_parser.parse(value)
    except (ValueError, OverflowError):
        raise ValueError(f"UNTIL '{value}' is not a date or date-time") from None
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(zone).replace(tzinfo=None)


def _can_occur(rule: rrule, local_start: dt.datetime, freq: str, interval: int) -> bool:
    """Whether the rule's pattern ever matches, in bounded time.

    dateutil looks for an impossible rule's next occurrence until the year 9999 (seconds
    for a daily rule, never yielding). The Gregorian calendar repeats every 400 years, so
    the same rule is probed from a start shifted by whole 400-year cycles to just before
    the last such cycle that fits: the search then stops at 9999 after one to two full
    cycles (about a second, and only for a rule that never occurs). When INTERVAL does
    not divide the cycle the shift is a multiple of both; if that is too long for the
    FREQ, the probe drops INTERVAL: a superset, so it still catches every rule whose
    dates never match, though not one whose dates never fall on its INTERVAL.
    """
    cycle_units = _CYCLE_UNITS.get(freq, 400)
    years = 400 * (interval // math.gcd(cycle_units, interval))
    probe_interval = interval
    if years > _PROBE_YEARS.get(freq, 400):
        years, probe_interval = 400, 1
    steps = (9998 - years - local_start.year) // years
    shifted = local_start.replace(year=local_start.year + steps * years)
    probe = rule.replace(dtstart=shifted, until=None, count=None, interval=probe_interval)
    return probe.after(shifted, inc=True) is not None


# -- evaluation -------------------------------------------------------------------------


class _Anchor(NamedTuple):
    """A place to start iterating: ``rule`` yields the occurrences of the window's rule
    from ``at`` on, the first of them having index ``seq_index`` in the full sequence."""

    at: dt.datetime
    seq_index: int
    rule: rrule


# Iterating from DTSTART makes every query cost as much as the window's whole history
# (a daily window a year old: 365 steps). Each compiled rule therefore keeps anchors,
# later DTSTARTs that give the same tail of occurrences:
# - for DAILY, WEEKLY and HOURLY rules without COUNT, DTSTART moved by whole periods
#   (INTERVAL x one day/week/hour) keeps its time of day and weekday, the only things
#   dateutil derives from DTSTART for those frequencies, and the period alignment;
# - for any rule, a past occurrence as DTSTART (with COUNT reduced by its index) gives
#   the rest of the sequence, because every default dateutil derives from DTSTART
#   (month, day, weekday, hour, minute, second) is shared by all occurrences.
# tests/monitoring/test_maintenance.py checks both against plain iteration.
_JUMP_PERIODS: Final = 64
_MAX_ANCHORS: Final = 64


class _Compiled:
    __slots__ = ("_anchors", "_lock", "count", "last_query", "local_start", "rule", "step", "zone")

    def __init__(self, zone: ZoneInfo, local_start: dt.datetime, info: _RuleInfo | None) -> None:
        self.zone = zone
        self.local_start = local_start
        self.rule = info.rule if info else None
        self.count = info.count_limit if info else None
        step = _STEPS.get(info.freq) if info and info.count_limit is None else None
        self.step = step * info.interval if info and step is not None else None
        self._anchors: tuple[_Anchor, ...] = (_Anchor(local_start, 0, info.rule),) if info else ()
        # Queries may come from worker threads; anchors are copied on write under a lock
        # and read as an immutable snapshot.
        self._lock = threading.Lock()
        # The last (from_ms, to_ms, duration_ms) asked and its answer: a report or a
        # fleet view asks the same range for every device a commune-wide window covers.
        self.last_query: tuple[tuple[int, int, int], list[tuple[int, int]]] | None = None

    def _add(self, anchor: _Anchor) -> None:
        with self._lock:
            anchors = list(self._anchors)
            position = bisect.bisect_left([a.at for a in anchors], anchor.at)
            if position < len(anchors) and anchors[position].at == anchor.at:
                return
            anchors.insert(position, anchor)
            if len(anchors) > _MAX_ANCHORS:
                del anchors[1]  # never the DTSTART anchor
            self._anchors = tuple(anchors)

    def local_starts(self, low: dt.datetime, high: dt.datetime) -> list[dt.datetime]:
        """Occurrence starts (naive wall times) in ``[low, high]``."""
        assert self.rule is not None
        anchors = self._anchors
        position = bisect.bisect_right([a.at for a in anchors], low) - 1
        anchor = anchors[max(position, 0)]
        if self.step is not None and low > anchor.at + _JUMP_PERIODS * self.step:
            jumped = self.local_start + ((low - self.local_start) // self.step) * self.step
            anchor = _Anchor(jumped, 0, self.rule.replace(dtstart=jumped))
            self._add(anchor)
        found: list[dt.datetime] = []
        index = anchor.seq_index
        last_before: tuple[dt.datetime, int] | None = None
        for occurrence in anchor.rule:
            if occurrence > high:
                break
            if occurrence >= low:
                found.append(occurrence)
            else:
                last_before = (occurrence, index)
            index += 1
        if (
            self.step is None
            and last_before is not None
            and last_before[1] - anchor.seq_index >= _JUMP_PERIODS
        ):
            at, at_index = last_before
            count = self.count - at_index if self.count is not None else None
            self._add(_Anchor(at, at_index, self.rule.replace(dtstart=at, count=count)))
        return found


@lru_cache(maxsize=16_384)
def _compiled(start: dt.datetime, rule_text: str | None, timezone: str) -> _Compiled:
    zone = _zone(timezone)
    local_start = _local_start(start, zone)
    if rule_text is None:
        return _Compiled(zone, local_start, None)
    return _Compiled(zone, local_start, _parse_rule(rule_text, local_start, zone))


def _to_ms(local: dt.datetime, zone: ZoneInfo) -> int:
    return (local.replace(tzinfo=zone) - _EPOCH) // _ONE_MS


def _to_local(ms: int, zone: ZoneInfo) -> dt.datetime:
    return (_EPOCH + ms * _ONE_MS).astimezone(zone).replace(tzinfo=None)


def recurring_intervals(
    start: dt.datetime,
    rule: str | None,
    timezone: str,
    duration_ms: int,
    from_ms: int,
    to_ms: int,
) -> list[tuple[int, int]]:
    """Whole (unclipped) occurrences of ``start`` repeated by ``rule`` (an RFC 5545
    RRULE, None: once) in ``timezone``'s wall clock, each ``duration_ms`` long, that
    overlap ``[from_ms, to_ms)``, by start. Shared by maintenance windows and broadcast
    schedules."""
    from_ms, to_ms = max(from_ms, _MIN_MS), min(to_ms, _MAX_MS)
    if to_ms <= from_ms:
        return []
    compiled = _compiled(start, rule, timezone)
    key = (from_ms, to_ms, duration_ms)
    last = compiled.last_query  # one read: another thread may replace it
    if last is not None and last[0] == key:
        return list(last[1])
    if compiled.rule is None:
        starts = [_to_ms(compiled.local_start, compiled.zone)]
    else:
        # An occurrence that began up to one duration before the range still runs into it.
        low = _to_local(from_ms - duration_ms, compiled.zone) - _LOCAL_PAD
        high = _to_local(to_ms, compiled.zone) + _LOCAL_PAD
        starts = [_to_ms(local, compiled.zone) for local in compiled.local_starts(low, high)]
    found = [
        (begin, begin + duration_ms)
        for begin in starts
        if begin < to_ms and begin + duration_ms > from_ms
    ]
    found.sort()
    compiled.last_query = (key, found)
    return list(found)


def first_start_ms(start: dt.datetime, rule: str | None, timezone: str) -> int | None:
    """When the first occurrence starts (the rule's first, which is not always
    ``start``: see the module docstring); None when the rule never produces one."""
    compiled = _compiled(start, rule, timezone)
    if compiled.rule is None:
        return _to_ms(compiled.local_start, compiled.zone)
    first = next(iter(compiled.rule), None)
    return None if first is None else _to_ms(first, compiled.zone)
