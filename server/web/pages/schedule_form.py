"""What the schedule editor's form means: its fields to and from the API's JSON body
(``POST /api/v1/schedules``), what the form itself can tell is missing, and the API's
problems in the user's words, each next to the field it is about.

The rule is built by the maintenance windows' builder (server/web/pages/maintenance_form.py
``build_rule``, ``builder_fields``) with what bulletins need besides: weekdays (T2–T6),
an end after a number of times, and days skipped (holidays, ``skip_dates``). Nothing here
decides what is valid: the API's checks do (server/web/api/schedules.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo

from xaso.server.broadcasts.schedule import Schedule
from xaso.server.web.pages.maintenance_form import (
    WEEKDAYS,
    WINDOW_PROBLEMS,
    ProblemWords,
    build_rule,
    builder_fields,
    problem_text,
)

REPEATS: Final = ("once", "daily", "workdays", "weekly", "monthly", "advanced")
ENDS: Final = ("never", "until", "count")
# What the form offers to play; a relayed stream (made through the API) keeps its URL.
KINDS: Final = ("file", "tts")
PRIORITIES: Final = ("normal", "priority", "emergency")
# espeak-ng voices the form offers (the gateway speaks with the same program).
VOICES: Final = ("vi", "en")
# espeak-ng speaks about 175 words a minute; a Vietnamese word is one syllable. The
# estimate is rounded up with a margin: a slot cut short stops the gateway's speech.
_WORDS_PER_S: Final = 175 / 60
_SPEECH_MARGIN_S: Final = 3
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")

# The form's sections, where its problems are shown.
SECTIONS: Final = ("title", "content", "when", "targets", "priority", "other")


@dataclass
class ScheduleForm:
    """The editor's fields as the browser sends them (strings), so that a form with
    problems comes back exactly as it was typed."""

    commune: str = ""
    title: str = ""
    kind: str = "file"  # file, tts (relay: one made through the API)
    sha256: str = ""
    text: str = ""
    voice: str = "vi"
    url: str = ""
    minutes: str = ""  # the slot; both blank: from the file, or estimated from the text
    seconds: str = ""
    start: str = ""  # <input type=datetime-local step=1>, the commune's wall time
    repeat: str = "once"
    weekdays: list[str] = field(default_factory=list)
    ends: str = "never"
    until: str = ""  # <input type=date>
    count: str = ""
    rrule: str = ""  # the advanced rule
    skip: list[str] = field(default_factory=list)  # yyyy-mm-dd days it does not play
    zones: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)
    priority: str = "normal"
    volume: str = ""  # 0-100; blank: each cluster's own volume

    @classmethod
    def posted(cls, data: Mapping[str, Any]) -> ScheduleForm:
        """From a posted form (``request.post()``, a MultiDict)."""

        def text(name: str, default: str = "") -> str:
            return str(data.get(name, default)).strip()

        def every(name: str) -> list[str]:
            getall = getattr(data, "getall", None)
            values = [str(v).strip() for v in getall(name, [])] if getall else []
            return list(dict.fromkeys(v for v in values if v))

        repeat, ends, kind = text("repeat", "once"), text("ends", "never"), text("kind", "file")
        priority = text("priority", "normal")
        days = every("weekday")
        return cls(
            commune=text("commune"),
            title=text("title"),
            kind=kind if kind in (*KINDS, "relay") else "file",
            sha256=text("sha256"),
            text=text("text"),
            voice=text("voice", "vi") or "vi",
            url=text("url"),
            minutes=text("minutes"),
            seconds=text("seconds"),
            start=text("start"),
            repeat=repeat if repeat in REPEATS else "once",
            weekdays=[d for d in WEEKDAYS if d in days],
            ends=ends if ends in ENDS else "never",
            until=text("until"),
            count=text("count"),
            rrule=text("rrule"),
            skip=sorted(every("skip")),
            zones=every("zone"),
            clusters=every("cluster"),
            priority=priority if priority in PRIORITIES else "normal",
            volume=text("volume"),
        )

    @classmethod
    def of_schedule(cls, schedule: Schedule) -> ScheduleForm:
        """A schedule's own values, to edit it."""
        content = schedule.content
        start = wall_start(schedule)
        seconds = round(content.duration_s)
        rule = builder_fields(schedule.rrule, schedules=True)
        ends = "count" if rule.get("count") else "until" if rule.get("until") else "never"
        return cls(
            commune=schedule.commune,
            title=schedule.title,
            kind=content.type,
            sha256=content.sha256 or "",
            text=content.text or "",
            voice=content.voice,
            url=content.url or "",
            minutes=str(seconds // 60),
            seconds=str(seconds % 60),
            start=local_input(start),
            repeat=rule["repeat"],
            weekdays=rule.get("weekdays", []),
            ends=ends,
            until=rule.get("until", ""),
            count=rule.get("count", ""),
            rrule=rule.get("rrule", ""),
            skip=[d.isoformat() for d in sorted(schedule.skip_dates)],
            zones=list(schedule.targets.zones),
            clusters=list(schedule.targets.clusters),
            priority=schedule.priority,
            volume="" if schedule.volume is None else str(schedule.volume),
        )

    def rule(self) -> str | None:
        """The RRULE the builder's fields make; None for once."""
        return build_rule(
            self.repeat,
            self.weekdays,
            self.until if self.ends == "until" else "",
            self.rrule,
            self.count if self.ends == "count" else "",
        )

    def skip_dates(self) -> list[str]:
        """The well-formed days skipped (the others are a problem of the form)."""
        return [d for d in self.skip if _is_date(d)]

    def given_duration_s(self) -> float | None:
        """The slot typed in; None when both fields are blank; -1 when not a length."""
        if not self.minutes and not self.seconds:
            return None
        try:
            minutes, seconds = int(self.minutes or 0), int(self.seconds or 0)
        except ValueError:
            return -1.0
        total = minutes * 60 + seconds
        return float(total) if minutes >= 0 and seconds >= 0 and total > 0 else -1.0

    def duration_s(self, file_s: float | None) -> float:
        """The slot: as typed, else the file's length (whole seconds up), else the
        text's estimated speaking time; 0 when none is known."""
        given = self.given_duration_s()
        if given is not None:
            return max(given, 0.0)
        if self.kind == "file" and file_s is not None:
            return float(math.ceil(file_s))
        if self.kind == "tts" and self.text:
            return speech_estimate_s(self.text)
        return 0.0

    def problems(self) -> list[tuple[str, str]]:
        """What the form itself can tell is missing: (section, word key)."""
        found: list[tuple[str, str]] = []
        if self.kind == "file" and not self.sha256:
            found.append(("content", "sched.form.file_missing"))
        if self.kind == "tts" and not self.text:
            found.append(("content", "sched.form.text_missing"))
        if self.given_duration_s() == -1.0:
            found.append(("content", "sched.form.duration_invalid"))
        if parse_start(self.start) is None:
            found.append(("when", "form.start_missing"))
        if self.repeat == "weekly" and not self.weekdays:
            found.append(("when", "sched.form.weekdays_missing"))
        repeats = self.repeat not in ("once", "advanced")
        if repeats and self.ends == "until" and not _is_date(self.until):
            found.append(("when", "form.until_invalid"))
        if repeats and self.ends == "count" and not (self.count.isdigit() and int(self.count) > 0):
            found.append(("when", "sched.form.count_invalid"))
        if self.repeat == "advanced" and not self.rrule:
            found.append(("when", "form.rrule_missing"))
        if len(self.skip_dates()) != len(self.skip):
            found.append(("when", "sched.form.skip_invalid"))
        if self.volume and self.given_volume() is None:
            found.append(("priority", "sched.form.volume_invalid"))
        return found

    def given_volume(self) -> int | None:
        """The volume typed in, when it is one (0-100); None when blank or not."""
        if not self.volume.isdigit() or int(self.volume) > 100:
            return None
        return int(self.volume)

    def body(self, timezone: str, file_s: float | None) -> dict[str, Any]:
        """The API's JSON body; check ``problems`` first. ``file_s``: the chosen file's
        length, when known."""
        start = parse_start(self.start)
        content: dict[str, Any] = {"type": self.kind, "duration_s": self.duration_s(file_s)}
        if self.kind == "file":
            content["sha256"] = self.sha256
        elif self.kind == "tts":
            content.update(text=self.text, voice=self.voice)
        else:
            content["url"] = self.url
        return {
            "commune": self.commune,
            "title": self.title,
            "content": content,
            "start": start.isoformat() if start else "",
            "rrule": self.rule(),
            "skip_dates": self.skip_dates(),
            "timezone": timezone,
            "targets": {"zones": self.zones, "clusters": self.clusters},
            "priority": self.priority,
            "volume": self.given_volume(),
        }


def _is_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def parse_start(value: str) -> dt.datetime | None:
    """The start typed: a naive wall time, or None. Seconds are kept (the input steps by
    the second): an officer may start a bulletin in a moment, not at the next minute."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None, microsecond=0)


def local_input(start: dt.datetime) -> str:
    """A wall time as a datetime-local value: its seconds only when it has some."""
    return start.strftime("%Y-%m-%dT%H:%M:%S" if start.second else "%Y-%m-%dT%H:%M")


def speech_estimate_s(text: str) -> float:
    """How long espeak-ng takes to say ``text``, rounded up with a margin."""
    return float(math.ceil(len(text.split()) / _WORDS_PER_S) + _SPEECH_MARGIN_S)


def wall_start(schedule: Schedule) -> dt.datetime:
    """The schedule's start as a wall time in its zone (server/recurrence.py's rule)."""
    start = schedule.start
    if start.tzinfo is not None and start.utcoffset() is not None:
        return start.astimezone(ZoneInfo(schedule.timezone)).replace(tzinfo=None)
    return start


# -- the API's problems in words, by section ---------------------------------------------

_SCHEDULE_PROBLEMS: Final[ProblemWords] = tuple(
    (re.compile(pattern), key, keep)
    for pattern, key, keep in (
        (r"^title:", "sched.problem.title", False),
        (r"^content\.duration_s: the file lasts", "sched.problem.shorter_than_file", True),
        (r"^content\.duration_s:", "sched.problem.duration", False),
        (r"^content\.sha256: no uploaded", "sched.problem.file_unknown", False),
        (r"^content\.sha256:", "sched.form.file_missing", False),
        (r"^content\.text:", "sched.form.text_missing", False),
        (r"^content\.url:", "sched.problem.url", False),
        (r"^targets\.zones:", "sched.problem.zone", True),
        (r"^targets\.clusters: .* planned", "sched.problem.cluster_planned", True),
        (r"^targets\.clusters:", "sched.problem.cluster", True),
        (r"^targets: no installed", "sched.problem.no_clusters", False),
        (r"^commune:", "sched.problem.commune", True),
        (r"^skip_dates:", "sched.problem.skip_many", False),
        (r"^volume:", "sched.form.volume_invalid", False),
        (r"^rrule: FREQ=\w+ is not allowed", "sched.problem.too_often", False),
    )
) + tuple(WINDOW_PROBLEMS)

_SECTION_OF: Final = (
    ("title", "title"),
    ("content", "content"),
    ("targets", "targets"),
    ("commune", "targets"),
    ("priority", "priority"),
    ("volume", "priority"),
    ("start", "when"),
    ("rrule", "when"),
    ("timezone", "when"),
    ("skip_dates", "when"),
)


def api_problem(problem: str, words: dict[str, str]) -> tuple[str, str]:
    """One of the API's problems: (the form's section, in words)."""
    section = next((s for prefix, s in _SECTION_OF if problem.startswith(prefix)), "other")
    return section, problem_text(problem, words, _SCHEDULE_PROBLEMS)


def by_section(problems: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Problems (section, text) grouped for the template: every section present."""
    grouped: dict[str, list[str]] = {section: [] for section in SECTIONS}
    for section, text in problems:
        grouped.setdefault(section, []).append(text)
    return grouped
