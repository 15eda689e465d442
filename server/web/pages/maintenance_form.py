"""What the maintenance pages' forms mean: the rule builder (once, daily, weekly on
days, monthly, or a raw RFC 5545 RRULE) to and from the API's fields, a rule in words,
the next occurrences of a window, and the API's problems in the user's words. The
broadcast schedules' form (server/web/pages/schedule_form.py) builds its rules with the
same builder (``build_rule``, ``builder_fields``), with weekdays and "N times" added.

Nothing here decides who may do what or what is valid: the API's functions do
(server/web/api/exclusions.py, server/monitoring/maintenance.py); this only turns form
fields into the API's JSON body and its answers back into words. A problem the form
can see before the API (no start, no target) is said here, in words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.inventory import DEVICE_KINDS, InventoryIndex
from xaso.server.monitoring.exclusions import ExcuseCause
from xaso.server.monitoring.maintenance import MaintenanceWindow, whole_occurrences
from xaso.server.words import duration

REPEATS: Final = ("once", "daily", "weekly", "monthly", "advanced")
WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Monday to Friday: "các ngày trong tuần", a bulletin's most common rule.
WORKDAYS: Final = WEEKDAYS[:5]
CAUSES: Final[tuple[ExcuseCause, ...]] = (
    "grid_power_cut",
    "natural_disaster",
    "third_party_network",
    "other",
)
# How many occurrences the form's preview lists, and the list a few.
PREVIEW_COUNT: Final = 10
LISTED_COUNT: Final = 3
# Looked for in growing spans, so an hourly rule costs two days of expansion and a
# yearly one still finds ten (eleven years).
_HORIZONS_MS: Final = tuple(days * 86_400_000 for days in (2, 40, 400, 4_020))
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNTIL_DATE: Final = re.compile(r"\d{8}")


# -- the window form --------------------------------------------------------------------


@dataclass
class WindowForm:
    """The window form's fields as the browser sends them (strings), so that a form with
    problems comes back exactly as it was typed."""

    commune: str = ""
    target: str = ""  # "scope:target", e.g. "device:alpha-cam-1", "commune:alpha"
    start: str = ""  # <input type=datetime-local>: "2027-01-04T22:00", local wall time
    hours: str = "1"
    minutes: str = "0"
    repeat: str = "once"
    weekdays: list[str] = field(default_factory=list)
    until: str = ""  # <input type=date>, optional: the last day it may occur
    rrule: str = ""  # the advanced rule
    reason: str = ""

    @classmethod
    def posted(cls, data: Mapping[str, Any]) -> WindowForm:
        """From a posted form (``request.post()``, a MultiDict)."""
        getall = getattr(data, "getall", None)
        days = [str(d) for d in getall("weekday", [])] if getall else []

        def text(name: str, default: str = "") -> str:
            return str(data.get(name, default)).strip()

        repeat = text("repeat", "once")
        return cls(
            commune=text("commune"),
            target=text("target"),
            start=text("start"),
            hours=text("hours", "0"),
            minutes=text("minutes", "0"),
            repeat=repeat if repeat in REPEATS else "once",
            weekdays=[d for d in WEEKDAYS if d in days],
            until=text("until"),
            rrule=text("rrule"),
            reason=text("reason"),
        )

    @classmethod
    def of_window(cls, window: MaintenanceWindow, index: InventoryIndex) -> WindowForm:
        """A window's own values, to edit it (its reason is for the new version to say)."""
        start = wall_start(window)
        minutes = round(window.duration_s / 60)
        form = cls(
            commune=target_commune(index, window.scope, window.target) or "",
            target=f"{window.scope}:{window.target}",
            start=start.strftime("%Y-%m-%dT%H:%M"),
            hours=str(minutes // 60),
            minutes=str(minutes % 60),
        )
        return replace(form, **builder_fields(window.rrule))

    def rule(self) -> str | None:
        """The RRULE the builder's fields make; None for a window that happens once."""
        return build_rule(self.repeat, self.weekdays, self.until, self.rrule)

    def problems(self, index: InventoryIndex) -> list[str]:
        """What the form itself can tell is missing: word keys (``form.*``)."""
        found = []
        if not self.commune and not self.target.startswith("kind:"):
            found.append("form.commune_missing")
        scope, _, target = self.target.partition(":")
        if not target:
            found.append("form.target_missing")
        elif scope != "kind" and target_commune(index, scope, target) not in (None, self.commune):
            found.append("form.target_elsewhere")
        if parse_local(self.start) is None:
            found.append("form.start_missing")
        if self.duration_s() is None:
            found.append("form.duration_invalid")
        if self.until and not _DATE.fullmatch(self.until) and self.repeat != "advanced":
            found.append("form.until_invalid")
        if self.repeat == "advanced" and not self.rrule:
            found.append("form.rrule_missing")
        if not self.reason:
            found.append("form.reason_missing")
        return found

    def duration_s(self) -> float | None:
        try:
            hours, minutes = int(self.hours or 0), int(self.minutes or 0)
        except ValueError:
            return None
        seconds = hours * 3600 + minutes * 60
        return float(seconds) if hours >= 0 and minutes >= 0 and seconds > 0 else None

    def body(self, timezone: str) -> dict[str, Any]:
        """The API's JSON body (``POST /api/v1/maintenance``); check ``problems`` first."""
        scope, _, target = self.target.partition(":")
        start = parse_local(self.start)
        return {
            "scope": scope,
            "target": target,
            "start": start.isoformat() if start else "",
            "duration_s": self.duration_s() or 0.0,
            "rrule": self.rule(),
            "timezone": timezone,
            "reason": self.reason,
        }


def build_rule(
    repeat: str, weekdays: Sequence[str], until: str, rrule: str, count: str = ""
) -> str | None:
    """The RRULE of the builder's fields (``repeat`` one of REPEATS, or "workdays");
    None for once. ``until`` a yyyy-mm-dd day, ``count`` a number of times: either may
    be given, and one that is not well formed is left out (the form says so)."""
    if repeat == "once":
        return None
    if repeat == "advanced":
        return rrule or None
    if repeat == "workdays":
        parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(WORKDAYS)]
    else:
        parts = [f"FREQ={repeat.upper()}"]
        if repeat == "weekly" and weekdays:
            parts.append("BYDAY=" + ",".join(weekdays))
    if _DATE.fullmatch(until):
        parts.append("UNTIL=" + until.replace("-", ""))
    if count.isdigit():
        parts.append(f"COUNT={int(count)}")
    return ";".join(parts)


def builder_fields(rule: str | None, *, schedules: bool = False) -> dict[str, Any]:
    """The builder's fields for an RRULE it can show, else the advanced field. With
    ``schedules``, also weekdays ("workdays") and a number of times ("count")."""
    if rule is None:
        return {"repeat": "once"}
    parts = _rule_parts(rule)
    freq = parts.pop("FREQ", "")
    until = parts.pop("UNTIL", None)
    days = parts.pop("BYDAY", None)
    count = parts.pop("COUNT", None) if schedules else None
    simple = (
        freq in ("DAILY", "WEEKLY", "MONTHLY")
        and not parts
        and (until is None or _UNTIL_DATE.fullmatch(until))
        and (count is None or count.isdigit())
        and (days is None or (freq == "WEEKLY" and set(days.split(",")) <= set(WEEKDAYS)))
    )
    if not simple:
        return {"repeat": "advanced", "rrule": rule}
    chosen = [d for d in WEEKDAYS if days and d in days.split(",")]
    fields: dict[str, Any] = {
        "repeat": "workdays" if schedules and tuple(chosen) == WORKDAYS else freq.lower(),
        "weekdays": chosen,
        "until": f"{until[:4]}-{until[4:6]}-{until[6:]}" if until else "",
    }
    if schedules:
        fields["count"] = count or ""
    return fields


def _rule_parts(rule: str) -> dict[str, str]:
    body = rule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, _, value = part.partition("=")
        if name.strip():
            parts[name.strip().upper()] = value.strip().upper()
    return parts


def parse_local(value: str) -> dt.datetime | None:
    """A <input type=datetime-local> value: a naive wall time, or None."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None, second=0, microsecond=0)


def local_ms(value: str, zone: ZoneInfo) -> int | None:
    """A datetime-local value in ``zone`` as epoch ms, or None."""
    parsed = parse_local(value)
    return None if parsed is None else int(parsed.replace(tzinfo=zone).timestamp() * 1000)


# -- targets ------------------------------------------------------------------------------


def target_commune(index: InventoryIndex, scope: str, target: str) -> str | None:
    """The commune a target is listed under (None for a kind, or one not in the
    inventory)."""
    if scope in ("device", "agent"):
        return index.listed_commune.get(target)
    if scope == "commune":
        return target if target in index.communes else None
    return None


def target_options(
    index: InventoryIndex, commune: str, words: dict[str, str]
) -> list[dict[str, str]]:
    """What a window or period in ``commune`` may cover, as the API's scopes: the
    commune, each gateway with everything behind it, each device."""
    if commune not in index.communes:
        return []
    options = [
        {
            "value": f"commune:{commune}",
            "label": words["mw.target_commune"].format(name=index.communes[commune].name),
        }
    ]
    for agent_id, entry in index.agents.items():
        if index.listed_commune[agent_id] != commune:
            continue
        options.append(
            {
                "value": f"agent:{agent_id}",
                "label": words["mw.target_agent"].format(name=entry.name),
            }
        )
        for device_id in sorted(index.devices_of_agent[agent_id]):
            device = index.devices[device_id]
            options.append(
                {
                    "value": f"device:{device_id}",
                    "label": f"{device.name} ({words[device.kind]}, {device_id})",
                }
            )
    return options


def kind_options(words: dict[str, str]) -> list[dict[str, str]]:
    """A kind everywhere: an admin's window or period."""
    return [
        {"value": f"kind:{kind}", "label": words["mw.target_kind"].format(kind=words[kind])}
        for kind in DEVICE_KINDS
    ]


def target_text(index: InventoryIndex, scope: str, target: str, words: dict[str, str]) -> str:
    """A target in words: "Cả Xã Alpha", "Camera UBND (Camera an ninh)", …"""
    if scope == "commune":
        name = index.communes[target].name if target in index.communes else target
        return words["mw.target_commune"].format(name=name)
    if scope == "agent":
        name = index.agents[target].name if target in index.agents else target
        return words["mw.target_agent"].format(name=name)
    if scope == "kind":
        return words["mw.target_kind"].format(kind=words.get(target, target))
    device = index.devices.get(target)
    return f"{device.name} ({words[device.kind]})" if device else target


# -- rules and occurrences in words ---------------------------------------------------------


def rule_text(rule: str | None, start: dt.datetime, words: dict[str, str]) -> str | None:
    """An RRULE in words ("Hằng tuần vào Thứ Hai, Thứ Tư, đến hết ngày 31/03/2027"); None
    for one the words do not cover (the page shows it as written)."""
    if rule is None:
        return words["rule.once"]
    parts = _rule_parts(rule)
    freq = parts.pop("FREQ", "")
    interval = parts.pop("INTERVAL", "1")
    count = parts.pop("COUNT", None)
    until = parts.pop("UNTIL", None)
    days = parts.pop("BYDAY", None)
    month_day = parts.pop("BYMONTHDAY", None)
    if parts or freq not in ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        return None
    if not interval.isdigit() or (count is not None and not count.isdigit()):
        return None
    n = int(interval)
    said = (
        words[f"rule.{freq.lower()}"] if n == 1 else words[f"rule.every_{freq.lower()}"].format(n=n)
    )
    if freq == "WEEKLY":
        chosen = days.split(",") if days else [WEEKDAYS[start.weekday()]]
        if not set(chosen) <= set(WEEKDAYS):
            return None
        if n == 1 and set(chosen) == set(WORKDAYS):
            said = words["rule.workdays"]
        else:
            names = ", ".join(words[f"weekday.{d}"] for d in WEEKDAYS if d in chosen)
            said += " " + words["rule.on_days"].format(days=names)
    elif days is not None:
        return None
    if freq == "MONTHLY":
        if month_day is not None and not month_day.isdigit():
            return None
        said += " " + words["rule.on_month_day"].format(day=int(month_day or start.day))
    elif month_day is not None:
        return None
    if freq == "YEARLY":
        said += " " + words["rule.on_date"].format(date=start.strftime("%d/%m"))
    if count is not None:
        said += ", " + words["rule.count"].format(n=int(count))
    if until is not None:
        if not _UNTIL_DATE.fullmatch(until[:8]):
            return None
        day = dt.date(int(until[:4]), int(until[4:6]), int(until[6:8]))
        said += ", " + words["rule.until"].format(date=day.strftime("%d/%m/%Y"))
    return said


def when_text(window: MaintenanceWindow, lang: str, words: dict[str, str]) -> str:
    """When each occurrence starts and how long it lasts: "lúc 22:00, trong 4 giờ"."""
    start = wall_start(window)
    at = start.strftime("%d/%m/%Y %H:%M") if window.rrule is None else start.strftime("%H:%M")
    key = "rule.at_once" if window.rrule is None else "rule.at"
    return words[key].format(at=at, duration=duration(window.duration_s, lang))


def wall_start(window: MaintenanceWindow) -> dt.datetime:
    """The window's start as a wall time in its zone (server/recurrence.py's rule)."""
    start = window.start
    if start.tzinfo is not None and start.utcoffset() is not None:
        return start.astimezone(ZoneInfo(window.timezone)).replace(tzinfo=None)
    return start


def next_occurrences(window: MaintenanceWindow, from_ms: int, count: int) -> list[tuple[int, int]]:
    """The window's next ``count`` occurrences: the one running at ``from_ms`` first,
    if any, then those after it."""
    return soonest(lambda a, b: whole_occurrences(window, a, b), from_ms, count)


def soonest(
    expand: Callable[[int, int], list[tuple[int, int]]], from_ms: int, count: int
) -> list[tuple[int, int]]:
    """The first ``count`` of what ``expand(from_ms, to_ms)`` gives, looked for in
    growing spans (a window's or a schedule's occurrences)."""
    found: list[tuple[int, int]] = []
    for span in _HORIZONS_MS:
        found = expand(from_ms, from_ms + span)
        if len(found) >= count:
            break
    return found[:count]


def occurrence_text(start_ms: int, end_ms: int, zone: ZoneInfo, words: dict[str, str]) -> str:
    """ "T2 04/01/2027 22:00 → 05/01 02:00", in the commune's wall time."""
    start = dt.datetime.fromtimestamp(start_ms / 1000, zone)
    end = dt.datetime.fromtimestamp(end_ms / 1000, zone)
    day = words[f"weekday_short.{WEEKDAYS[start.weekday()]}"]
    ends = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%d/%m/%Y %H:%M")
    return f"{day} {start.strftime('%d/%m/%Y %H:%M')} → {ends}"


def local_text(ts_ms: int | None, zone: ZoneInfo) -> str:
    if not ts_ms:
        return "—"
    return dt.datetime.fromtimestamp(ts_ms / 1000, zone).strftime("%d/%m/%Y %H:%M")


# -- the API's problems in words --------------------------------------------------------------

# (pattern, word key, whether the API's own text follows the words): generic problems
# are said in words alone; a specific one (which part of a rule is wrong) keeps the
# API's text after them, for the person who wrote the rule.
WINDOW_PROBLEMS: Final[Sequence[tuple[re.Pattern[str], str, bool]]] = tuple(
    (re.compile(pattern), key, keep)
    for pattern, key, keep in (
        (r"^reason: at most", "problem.reason_long", False),
        (r"^reason:", "problem.reason", False),
        (r"^duration_s:", "problem.duration", False),
        (r"^start: year must be", "problem.start_year", False),
        (r"^start:", "problem.start", True),
        (r"^timezone:", "problem.timezone", True),
        (r"^rrule: FREQ is required", "problem.rrule_freq", False),
        (r"^rrule: FREQ=\w+ is not allowed", "problem.rrule_too_often", False),
        (r"^rrule: COUNT and UNTIL", "problem.rrule_count_until", False),
        (r"^rrule: the rule never produces", "problem.rrule_never", False),
        (r"^rrule: must not contain DTSTART", "problem.rrule_dtstart", False),
        (r"^rrule: must be a single", "problem.rrule_single", False),
        (r"^rrule:", "problem.rrule", True),
        (r"^target:", "problem.target", True),
        (r"^no \w+ '.*' in the inventory", "problem.no_target", False),
        (r"^to_ms must be after from_ms", "problem.to_before_from", False),
        (r"^(only a pending|this .* is deleted already)", "problem.conflict", True),
        (r"may not change that", "problem.forbidden", False),
    )
)


ProblemWords = Sequence[tuple[re.Pattern[str], str, bool]]


def problem_text(problem: str, words: dict[str, str], table: ProblemWords = WINDOW_PROBLEMS) -> str:
    """One of the API's problems in the user's words (as written when unknown); another
    API's ``table`` of (pattern, word key, keep the API's text) may be given."""
    for pattern, key, keep in table:
        if pattern.search(problem):
            detail = problem.split(": ", 1)[1] if keep and ": " in problem else problem
            return f"{words[key]} ({detail})" if keep else words[key]
    return problem


def api_problems(exc: web.HTTPException) -> list[str]:
    """The problems an API function raised, as its JSON says them."""
    try:
        body = msgspec.json.decode(exc.text or "")
    except msgspec.DecodeError:
        return [exc.text or str(exc.status)]
    if not isinstance(body, dict):
        return [str(body)]
    problems = body.get("problems")
    if isinstance(problems, list) and problems:
        return [str(p) for p in problems]
    return [str(body.get("error", exc.status))]
