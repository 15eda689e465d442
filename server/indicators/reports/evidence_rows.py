"""An indicator's evidence items as a person reads them: each thing by its name (its
code only beside it, in small print), its figure with its unit, an outage's cause and a
broadcast's outcome in words, the note in the reader's language, and where to look
further — a device's page, a broadcast's proof of play, a document's download.

Pure: the links are the caller's (``EvidenceLinks``), so the report module does not
know the web application's routes, and an export without a session (the API's) may
leave them out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from xaso.server.indicators.reports.text import format_number, format_time, quantity_text
from xaso.server.indicators.result import EvidenceItem, IndicatorResult
from xaso.server.words import cause_text, duration

HOUR_S = 3600.0


class EvidenceLinks(NamedTuple):
    """Where an evidence item leads: each a function of what the item names, or None
    for no link."""

    document: Callable[[str], str]  # a document's sha256
    device: Callable[[str, int | None], str] | None = None  # a device's id, from when
    broadcast: Callable[[str, int], str] | None = None  # a schedule's id, its start


def broadcast_key(item_id: str) -> tuple[str, int] | None:
    """A broadcast item's schedule and planned start (its id is ``schedule@start_ms``)."""
    schedule, at, start = item_id.rpartition("@")
    if not at or not schedule or not start.lstrip("-").isdigit():
        return None
    return schedule, int(start)


def note_text(item: EvidenceItem, lang: str) -> str:
    """The item's note in ``lang``: English where the evaluation wrote it, else the
    Vietnamese (an evaluation kept from before notes were said in both)."""
    return (item.note_en or item.note) if lang == "en" else item.note


def _value_text(
    item: EvidenceItem, result: IndicatorResult, measure: str, w: dict[str, str], lang: str
) -> str:
    """The item's figure with its unit: what it is depends on the kind of item and on
    what the indicator measures."""
    value = item.value
    if value is None:
        return ""
    if item.kind == "outage":
        return duration(value * HOUR_S, lang)  # its length, in hours
    if item.kind == "broadcast":
        return ""  # the clusters that played it: its note says so, of how many
    if item.kind == "declared":
        return quantity_text(value, result.unit, w, lang)
    if item.kind == "device" and measure == "emergency_readiness":
        return w["evidence.delay"].format(seconds=format_number(value, lang))
    if item.kind == "device":
        return quantity_text(value, "%", w, lang)  # its availability
    return format_number(value, lang)


def _counted_state(counted: bool | None) -> str:
    return "" if counted is None else ("yes" if counted else "no")


def evidence_rows(
    result: IndicatorResult,
    measure: str,
    *,
    tz: ZoneInfo,
    w: dict[str, str],
    lang: str,
    links: EvidenceLinks,
) -> list[dict[str, Any]]:
    """One row per evidence item of ``result``, in its order. Keys: ``kind`` (in words),
    ``kind_code``, ``name``, ``code`` (small print, "" when none), ``id`` (as stored),
    ``label`` (an outage: its cause in words), ``label_raw`` (the agent's own text),
    ``value`` (with its unit), ``counted`` (Có/Không), ``counted_state`` (yes/no/""),
    ``note``, ``time``, ``link``, ``sha256``, ``url`` (a document's)."""
    # An outage or a broadcast's cluster names its device by id: its name is on the
    # device's own item, when the indicator lists one.
    names = {e.id: e.label for e in result.evidence if e.kind == "device" and e.label}
    return [_row(item, result, measure, names, tz, w, lang, links) for item in result.evidence]


def _row(
    item: EvidenceItem,
    result: IndicatorResult,
    measure: str,
    names: dict[str, str],
    tz: ZoneInfo,
    w: dict[str, str],
    lang: str,
    links: EvidenceLinks,
) -> dict[str, Any]:
    if item.from_ms is not None and item.to_ms is None and item.kind == "declared":
        span = format_time(item.from_ms, tz, lang)  # when it was entered
    elif item.from_ms is not None or item.to_ms is not None:
        span = f"{format_time(item.from_ms, tz, lang)} – {format_time(item.to_ms, tz, lang)}"
    else:
        span = ""
    # An outage's label is its cause code as stored (and hashed): said in words here,
    # with the agent's own text beside it.
    cause = cause_text(item.label, w) if item.kind == "outage" else None
    name, code, link = item.label or item.id, item.id, ""
    if item.kind in ("device", "outage"):
        name = names.get(item.id, item.label if item.kind == "device" else "") or item.id
        if links.device is not None:
            link = links.device(item.id, item.from_ms)
    elif item.kind == "broadcast":
        key = broadcast_key(item.id)
        code = key[0] if key else item.id
        if key is not None and links.broadcast is not None:
            link = links.broadcast(*key)
    elif item.kind == "document":
        code = ""  # its sha256 is shown as such
        name = item.label or w["kind.document"]
    elif item.kind == "declared":
        name, code = w["kind.declared"], ""
    if item.sha256:
        link = links.document(item.sha256)
    if code == name:
        code = ""
    return {
        "kind": w.get(f"kind.{item.kind}", item.kind),
        "kind_code": item.kind,
        "name": name,
        "code": code,
        "id": item.id,
        "label": cause.text if cause else item.label,
        "label_raw": cause.raw if cause else "",
        "value": _value_text(item, result, measure, w, lang),
        "counted": "" if item.counted is None else (w["yes"] if item.counted else w["no"]),
        "counted_state": _counted_state(item.counted),
        "note": note_text(item, lang),
        "time": span,
        "link": link,
        "sha256": item.sha256 or "",
        "url": links.document(item.sha256) if item.sha256 else "",
    }
