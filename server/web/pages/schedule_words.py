"""A broadcast schedule in words, as the radio pages show it: when it plays ("06:00 các
ngày trong tuần (T2–T6)"), where (villages and loudspeaker clusters), what (a file and
its length, a text spoken), its class, and what changed from one version to the next.

Pure functions of a schedule, the inventory and the words; the rule in words is the
maintenance windows' (server/web/pages/maintenance_form.py ``rule_text``).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.playout_outcome import PRIORITY_TEXT
from xaso.server.broadcasts.schedule import Content, Schedule, Targets
from xaso.server.web.pages.maintenance_form import rule_text
from xaso.server.web.pages.schedule_form import wall_start
from xaso.server.words import duration

# Skipped days named in a line before "and N more".
_SKIPS_SHOWN: Final = 4
# A spoken text is quoted up to this many characters in a list or a version.
_QUOTED: Final = 80


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def when_text(schedule: Schedule, words: dict[str, str], today: dt.date | None = None) -> str:
    """When it plays: "06:00 các ngày trong tuần (T2–T6)", "06:00 ngày 12/03/2027";
    from which day when that is after ``today``, and the days skipped."""
    start = wall_start(schedule)
    at = start.strftime("%H:%M")
    if schedule.rrule is None:
        said = words["sched.when_once"].format(at=at, date=start.strftime("%d/%m/%Y"))
    else:
        rule = rule_text(schedule.rrule, start, words)
        said = words["sched.when"].format(
            at=at, rule=_lower_first(rule) if rule else f"RRULE {schedule.rrule}"
        )
        if today is not None and start.date() > today:
            said += ", " + words["sched.from_day"].format(date=start.strftime("%d/%m/%Y"))
    if schedule.skip_dates:
        days = sorted(schedule.skip_dates)
        named = ", ".join(d.strftime("%d/%m/%Y") for d in days[:_SKIPS_SHOWN])
        if len(days) > _SKIPS_SHOWN:
            named += " " + words["sched.and_more"].format(n=len(days) - _SKIPS_SHOWN)
        said += ", " + words["sched.skipping"].format(days=named)
    return said


def targets_text(
    commune: str, targets: Targets, index: InventoryIndex, words: dict[str, str]
) -> str:
    """Where it plays: "Cả xã Xuân Hồng", or the villages and clusters named."""
    if not targets.zones and not targets.clusters:
        name = index.communes[commune].name if commune in index.communes else commune
        return words["sched.whole_commune"].format(name=name)
    villages = {v.code: v.name for c in index.communes.values() for v in c.villages}
    named = [villages.get(z, z) for z in targets.zones]
    for cluster in targets.clusters:
        entry = index.devices.get(cluster)
        named.append(entry.name if entry is not None else cluster)
    return ", ".join(named)


def content_text(content: Content, names: dict[str, str], lang: str, words: dict[str, str]) -> str:
    """What plays: the file's name (``names``: by sha256), the text spoken or the
    stream; with the slot's length."""
    if content.type == "file":
        sha = content.sha256 or ""
        what = names.get(sha) or words["sched.file_unnamed"].format(id=sha[:12])
    elif content.type == "tts":
        text = content.text or ""
        quoted = text if len(text) <= _QUOTED else text[: _QUOTED - 1] + "…"
        what = words["sched.spoken"].format(text=quoted)
    else:
        what = words["sched.relayed"].format(url=content.url or "")
    return f"{what} ({duration(content.duration_s, lang)})"


def priority_text(priority: str, lang: str) -> str:
    return PRIORITY_TEXT.get(lang, PRIORITY_TEXT["vi"]).get(priority, priority)


def changes_text(
    before: Schedule | None,
    after: Schedule | None,
    index: InventoryIndex,
    names: dict[str, str],
    lang: str,
    words: dict[str, str],
) -> list[str]:
    """What a version changed from the one before it, in words: "Giờ phát: 06:00 hằng
    ngày", "Tạm dừng", …; the first version is "Tạo mới", a deletion "Đã xóa"."""
    if after is None:
        return [words["sched.change.deleted"]]
    if before is None:
        return [words["sched.change.created"]]
    found: list[str] = []

    def said(key: str, value: str) -> None:
        found.append(f"{words[key]}: {value}")

    if before.title != after.title:
        said("sched.change.title", after.title)
    if before.content != after.content:
        said("sched.change.content", content_text(after.content, names, lang, words))
    timing = ("start", "rrule", "skip_dates", "timezone")
    if any(getattr(before, f) != getattr(after, f) for f in timing):
        said("sched.change.when", when_text(after, words))
    if before.targets != after.targets:
        said("sched.change.targets", targets_text(after.commune, after.targets, index, words))
    if before.priority != after.priority:
        said("sched.change.priority", priority_text(after.priority, lang))
    if before.volume != after.volume:
        said("sched.change.volume", volume_text(after.volume, words))
    if before.paused != after.paused:
        found.append(words["sched.change.paused" if after.paused else "sched.change.resumed"])
    return found or [words["sched.change.nothing"]]


def volume_text(volume: int | None, words: dict[str, str]) -> str:
    """A schedule's volume in words: "70 %", or each cluster's own when unset."""
    return words["sched.volume.cluster"] if volume is None else f"{volume} %"
