"""A maintenance window or excused period as the report writes it: what, when, who
asked and why, who decided, its state and whether it counted. Used by the report and
by what changed since a sign-off (server/indicators/reports/changes.py)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from xaso.server.indicators.reports.text import format_time
from xaso.server.indicators.result import ExclusionChange, ExclusionEntry
from xaso.server.words import role_name


def change_text(change: ExclusionChange, tz: ZoneInfo, w: dict[str, str], lang: str) -> str:
    """Who, with their role, and when (not known for what was kept before versions)."""
    role = role_name(change.role, w) if change.role else ""
    who = f"{change.by or '—'} ({role})" if role else change.by or "—"
    return f"{who} · {format_time(change.at_ms, tz, lang)}" if change.at_ms else who


def change_reason(change: ExclusionChange, w: dict[str, str]) -> str:
    if change.version == 1 and change.reason == "migrated" and not change.role:
        return w["migrated"]
    return change.reason


def exclusion_row(
    entry: ExclusionEntry, tz: ZoneInfo, w: dict[str, str], lang: str
) -> dict[str, Any]:
    """One window or excused period as the report prints it: what, when, who asked
    and why, who decided and why, its state, and whether it counted."""
    created = entry.history[0]
    decided = next(
        (c for c in reversed(entry.history) if c.state in ("approved", "rejected")), None
    )
    if decided is None:
        decision = "—"
    elif decided.version == 1:  # approved by its author (or migrated)
        # Not in brackets: what changed since a sign-off quotes the row in brackets.
        decision = f"{change_text(decided, tz, w, lang)}, {w['at_creation']}"
    else:
        decision = f"{change_text(decided, tz, w, lang)}: {decided.reason}"
    state = w.get(f"state.{entry.state}", entry.state)
    last = entry.history[-1]
    if entry.state == "deleted":
        state = f"{state} ({change_text(last, tz, w, lang)}: {last.reason})"
    kind = w.get(f"exclusion.{entry.kind}", entry.kind)
    if entry.cause:
        kind = f"{kind}: {w.get(f'cause.{entry.cause}', entry.cause)}"
    when = f"{format_time(entry.from_ms, tz, lang)} – {format_time(entry.to_ms, tz, lang)}"
    if entry.rrule:
        when += f" ({entry.occurrences} {w['times']}, {entry.rrule})"
    return {
        "kind": kind,
        "id": entry.id,
        "scope": f"{w.get(f'scope.{entry.scope}', entry.scope)}: {entry.target}",
        "when": when,
        "author": change_text(created, tz, w, lang),
        "reason": change_reason(created, w),
        "decision": decision,
        "state": state,
        "pending": entry.state == "pending",
        "counted": w["yes"] if entry.counted else w["no"],
    }


def exclusion_summary(row: dict[str, Any], w: dict[str, str]) -> str:
    """A row of ``exclusion_row`` on one line (the CSV's cell)."""
    return (
        f"{row['id']} ({row['kind']}; {row['scope']}; {row['when']}; {row['state']}; "
        f"{w['counted']}: {row['counted']}; {w['author']}: {row['author']} — {row['reason']}; "
        f"{w['decided']}: {row['decision']})"
    )
