"""What the playout log page shows, as plain data: the question asked (period, zone,
statuses, schedule), the zones a commune offers, each line in words and the lines grouped by
occurrence, and the manual-entry problems the API names, in words.

Pure: functions of the query, the outcomes, the inventory and the words. Who may see or
write, and what an entry must be, are the API's functions' (server/web/api/playout.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from xaso.inventory import InventoryIndex
from xaso.protocol import is_valid_id
from xaso.server.broadcasts.playout_outcome import (
    CONTENT_TEXT,
    PRIORITY_TEXT,
    STATUS_TEXT,
    PlayoutOutcome,
)
from xaso.server.broadcasts.schedule import Targets, clusters_of
from xaso.server.time_param import FIRST_DAY, LAST_DAY, day_start_ms
from xaso.server.web.api.playout import MAX_PERIOD_MS, ZONE_KINDS

STATUSES: Final = tuple(STATUS_TEXT["en"])
# Occurrences a screen shows at a time: a commune's month is a few hundred of them, each
# with its clusters folded beneath (thousands of lines unfolded).
PAGE_SIZE: Final = 50
# Lines the printable page lists at most: beyond, the period or the filters are narrowed.
MAX_PRINTED_LINES: Final = 5000
MANUAL_PREFIX: Final = "manual:"
# An occurrence whose clusters include one of these shows them unfolded.
UNFOLDED_STATUSES: Final = frozenset({"failed", "missed", "not_received", "partial"})
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class LogQuery:
    """The log asked for: local days ``first``..``last`` (both included), a zone
    (None: the whole commune), some statuses (empty: all), a page of occurrences, one
    schedule's id (None: every schedule and the manual entries). ``problems`` are word
    keys of what could not be read (the defaults are used)."""

    first: dt.date
    last: dt.date
    zone: tuple[str, str] | None = None
    statuses: frozenset[str] = frozenset()
    page: int = 1
    problems: tuple[str, ...] = ()
    schedule: str | None = None

    def span_ms(self, tz: ZoneInfo) -> tuple[int, int]:
        """``[from, to)`` in epoch ms: local midnight of ``first`` to the one after ``last``."""
        return day_start_ms(self.first, tz), day_start_ms(self.last + dt.timedelta(days=1), tz)

    @property
    def zone_value(self) -> str:
        return f"{self.zone[0]}:{self.zone[1]}" if self.zone else ""

    def params(self, commune: str, **changed: object) -> list[tuple[str, str]]:
        """The page's own query (``?commune=&from=&to=&zone=&schedule=&status=``), with
        changes (``schedule=""`` drops the schedule)."""
        values: dict[str, object] = {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "zone": self.zone_value,
            "schedule": self.schedule or "",
            "status": sorted(self.statuses),
            **changed,
        }
        found = [("commune", commune)]
        for name, value in values.items():
            if isinstance(value, list):
                found += [(name, str(v)) for v in value]
            elif value not in ("", None):
                found.append((name, str(value)))
        return found

    def href(self, path: str, commune: str, **changed: object) -> str:
        return f"{path}?{urlencode(self.params(commune, **changed))}"

    def api_href(self, commune: str, lang: str) -> str:
        """The same lines as the API's CSV file (``GET /api/v1/playout``): its ``to`` is
        the midnight ending the last day."""
        params = [
            ("commune", commune),
            ("from", f"{self.first.isoformat()}T00:00:00"),
            ("to", f"{(self.last + dt.timedelta(days=1)).isoformat()}T00:00:00"),
        ]
        if self.zone:
            params.append(("zone", self.zone_value))
        if self.schedule:
            params.append(("schedule", self.schedule))
        params += [("status", s) for s in sorted(self.statuses)]
        params += [("format", "csv"), ("lang", lang)]
        return f"/api/v1/playout?{urlencode(params)}"


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last days of ``day``'s month."""
    first = day.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return first, after - dt.timedelta(days=1)


def schedule_log_href(commune: str, schedule_id: str, day: dt.date) -> str:
    """The log of one schedule over ``day``'s month: what a schedule's page and its
    proofs of play link to."""
    first, last = month_of(day)
    return LogQuery(first, last, schedule=schedule_id).href("/radio/log", commune)


def _day(value: str) -> dt.date | None:
    if not _DATE.fullmatch(value):
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def log_query(query: Mapping[str, str], statuses: Sequence[str], today: dt.date) -> LogQuery:
    """The page's query string read leniently: what cannot be read is named in
    ``problems`` and replaced by this month, the whole commune, every status, every
    schedule."""
    problems: list[str] = []
    asked_first, asked_last = query.get("from", ""), query.get("to", "")
    first, last = _day(asked_first), _day(asked_last)
    if (asked_first and first is None) or (asked_last and last is None):
        problems.append("log.problem.date")
    if first is None and last is None:
        first, last = month_of(today)
    elif first is None:
        assert last is not None
        first = month_of(last)[0]
    elif last is None:
        last = month_of(first)[1]
    if last < first:
        problems.append("log.problem.order")
        first, last = month_of(today)
    elif (last - first).days + 1 > MAX_PERIOD_MS // 86_400_000:
        problems.append("log.problem.too_long")
        first, last = month_of(today)
    zone = None
    kind, _, code = query.get("zone", "").partition(":")
    if kind in ZONE_KINDS and code:
        zone = (kind, code)
    elif query.get("zone"):
        problems.append("log.problem.zone")
    schedule = query.get("schedule", "") or None
    if schedule is not None and not is_valid_id(schedule):
        problems.append("log.problem.schedule")
        schedule = None
    wanted = {s for value in statuses for s in value.split(",") if s}
    if wanted - set(STATUSES):
        problems.append("log.problem.status")
    page = query.get("page", "1")
    return LogQuery(
        first=first,
        last=last,
        zone=zone,
        statuses=frozenset(wanted & set(STATUSES)),
        page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
        problems=tuple(problems),
        schedule=schedule,
    )


# -- the zones of a commune ---------------------------------------------------------------


@dataclass(frozen=True)
class ZoneOption:
    value: str  # "village:<code>", "cluster:<id>"
    label: str
    code: str  # the village's code or the cluster's id, as the entry form sends them


def zone_options(index: InventoryIndex, commune: str, day: dt.date) -> dict[str, list[ZoneOption]]:
    """The villages and installed loudspeaker clusters ``commune`` holds on ``day`` (after
    a merger, its predecessors' too), each by name: what the filter and the entry form
    offer, what ``target_problems`` accepts."""
    villages = [
        v for listed in index.held_on(commune, day) for v in index.communes[listed].villages
    ]
    clusters = [index.devices[c] for c in clusters_of(commune, Targets(), index, day)]
    names = {v.code: v.name for v in villages}
    return {
        "village": [
            ZoneOption(f"village:{v.code}", v.name, v.code)
            for v in sorted(villages, key=lambda v: (v.name, v.code))
        ],
        "cluster": [
            ZoneOption(
                f"cluster:{c.id}",
                f"{c.name} ({names[c.village]})" if c.village in names else c.name,
                c.id,
            )
            for c in sorted(clusters, key=lambda c: (c.name, c.id))
        ],
    }


# -- lines and occurrences -----------------------------------------------------------------


def local_text(ts_ms: int | None, tz: ZoneInfo, seconds: bool = False) -> str:
    if ts_ms is None:
        return ""
    moment = dt.datetime.fromtimestamp(ts_ms / 1000, tz)
    return moment.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def error_words(error: str | None, words: Mapping[str, str]) -> tuple[str, str]:
    """A line's error as (words, the agent's own text): "player_failed: exit 1" is
    ("Trình phát bị lỗi", "exit 1"); an unknown code is shown as written."""
    if not error:
        return "", ""
    code, _, detail = error.partition(": ")
    said = words.get(f"log.error.{code}")
    return (said, detail) if said is not None else ("", error)


@dataclass(frozen=True)
class LineView:
    """One outcome (an occurrence on one cluster) in words."""

    planned: str
    planned_end: str
    title: str
    priority: str
    priority_text: str
    content_text: str
    cluster: str
    village: str
    status: str
    status_text: str
    started: str
    ended: str
    played_s: str
    preempted_by: str
    error: str
    error_detail: str
    operator: str
    note: str


def line_view(
    outcome: PlayoutOutcome,
    index: InventoryIndex,
    tz: ZoneInfo,
    lang: str,
    words: Mapping[str, str],
    titles: Mapping[str, str],
) -> LineView:
    """``titles``: schedule ids to titles, for what pre-empted a line."""
    device = index.devices.get(outcome.cluster)
    commune = index.communes.get(outcome.commune)
    villages = {v.code: v.name for v in commune.villages} if commune is not None else {}
    error, detail = error_words(outcome.error, words)
    by = outcome.preempted_by or ""
    return LineView(
        planned=local_text(outcome.planned_start_ms, tz),
        planned_end=local_text(outcome.planned_end_ms, tz)[-5:],
        title=outcome.title,
        priority=outcome.priority,
        priority_text=PRIORITY_TEXT[lang].get(outcome.priority, outcome.priority),
        content_text=CONTENT_TEXT[lang].get(outcome.content_type, outcome.content_type),
        cluster=device.name if device is not None else outcome.cluster,
        village=villages.get(outcome.village or "", outcome.village or ""),
        status=outcome.status,
        status_text=STATUS_TEXT[lang][outcome.status],
        started=local_text(outcome.started_ms, tz, seconds=True),
        ended=local_text(outcome.ended_ms, tz, seconds=True),
        played_s="" if outcome.played_s is None else str(round(outcome.played_s)),
        preempted_by=titles.get(by, by),
        error=error,
        error_detail=detail,
        operator=outcome.operator or "",
        note=outcome.note or "",
    )


@dataclass
class OccurrenceView:
    """One planned occurrence (or one manual entry) and its clusters' lines."""

    key: str  # the element's id: "o-<schedule>-<planned start ms>"
    schedule: str
    planned_start_ms: int
    first: LineView
    lines: list[LineView] = field(default_factory=list)
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # status, words, n
    entry_id: str = ""  # a manual entry's id
    proof_href: str = ""

    @property
    def unfolded(self) -> bool:
        return any(line.status in UNFOLDED_STATUSES for line in self.lines)


def occurrences_of(
    outcomes: Iterable[PlayoutOutcome],
    commune: str,
    index: InventoryIndex,
    tz: ZoneInfo,
    lang: str,
    words: Mapping[str, str],
    titles: Mapping[str, str],
) -> list[OccurrenceView]:
    """The outcomes grouped by occurrence, in the log's order (by planned start)."""
    groups: dict[tuple[str, int], OccurrenceView] = {}
    for outcome in outcomes:
        line = line_view(outcome, index, tz, lang, words, titles)
        key = (outcome.schedule, outcome.planned_start_ms)
        group = groups.get(key)
        if group is None:
            manual = outcome.schedule.startswith(MANUAL_PREFIX)
            safe = re.sub(r"[^A-Za-z0-9_-]", "-", outcome.schedule)
            group = groups[key] = OccurrenceView(
                key=f"o-{safe}-{outcome.planned_start_ms}",
                schedule=outcome.schedule,
                planned_start_ms=outcome.planned_start_ms,
                first=line,
                entry_id=outcome.schedule[len(MANUAL_PREFIX) :] if manual else "",
                proof_href=""
                if manual
                else f"/radio/occurrences/{outcome.schedule}/{outcome.planned_start_ms}"
                f"?{urlencode({'commune': commune})}",
            )
        group.lines.append(line)
    for group in groups.values():
        found = [line.status for line in group.lines]
        group.counts = [(s, STATUS_TEXT[lang][s], found.count(s)) for s in STATUSES if s in found]
    return list(groups.values())


def status_counts(by_status: Mapping[str, int], lang: str) -> list[tuple[str, str, int]]:
    """``summary()``'s counts as (status, words, n), every status in the log's order."""
    return [(s, STATUS_TEXT[lang][s], by_status.get(s, 0)) for s in STATUSES]


# -- a manual entry's problems in words ------------------------------------------------------

# (the start of the API's problem, word key); the first that matches says it.
_ENTRY_PROBLEMS: Final = (
    ("commune:", "log.problem.commune"),
    ("zones", "log.problem.zones"),
    ("clusters", "log.problem.clusters"),
    ("end: must be after start", "log.problem.end_before_start"),
    ("end: an announcement lasts at most", "log.problem.too_long_entry"),
    ("end:", "log.problem.end"),
    ("start: an entry records", "log.problem.future"),
    ("start:", "log.problem.start"),
    ("title: must not be empty", "log.problem.title_empty"),
    ("title: at most", "log.problem.title_long"),
    ("note: at most", "log.problem.note_long"),
)


def entry_problem_text(problem: str, words: Mapping[str, str]) -> str:
    """One of the API's problems of a manual entry in the user's words (as written when
    the words do not know it)."""
    for start, key in _ENTRY_PROBLEMS:
        if problem.startswith(start):
            return words[key]
    return problem
