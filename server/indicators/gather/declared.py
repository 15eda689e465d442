"""Declared indicators (N1–N4, N6, and those a province profile adds): a value a
commune enters, backed by evidence.

Fibre and 4G coverage, Wi-Fi at cultural houses and officials with computers cannot be
measured by our agents; the commune declares them, uploads its evidence (minh chứng),
and the verifier checks the documents. Which indicators a commune declares is its
profile's (``IndicatorProfile.declared_indicators``). Each entry applies to a span of local dates
(``valid_from``..``valid_until``, inclusive at both ends like the inventory's parent
links), and entries are never changed or removed: a correction is a newer entry, so an
evaluation signed off earlier can always be traced to what was declared then.

``DeclaredStore.value_for`` is what the evaluation asks: the newest entry whose dates
cover the whole period.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from xaso.server.indicators.gather.documents import DocumentInfo, is_sha256
from xaso.server.indicators.period import period_days
from xaso.server.indicators.profile import Indicator, IndicatorProfile, load_default_profile
from xaso.server.json_table import JsonTable

# The catalogue's declared indicators (docs/domain.md#indicators); a commune declares
# those of its profile, which may switch some off and add its own
# (``IndicatorProfile.declared_indicators``).
DECLARED_INDICATORS = ("N1", "N2", "N3", "N4", "N6")
MAX_DOCUMENTS = 20
MAX_NOTE_CHARS = 2000


class DeclaredDocument(msgspec.Struct, frozen=True):
    """An evidence document as the entry cites it (a copy: the entry stays readable
    even if the document's own record is widened later)."""

    name: str
    sha256: str
    size: int
    content_type: str


class DeclaredValue(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    seq: int  # entry order: the newest wins when entered within the same millisecond
    commune: str
    indicator: str
    value: float
    valid_from: dt.date  # local dates (the inventory's time zone), inclusive
    valid_until: dt.date | None = None  # None: until a newer entry says otherwise
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""
    documents: list[DeclaredDocument] = []
    entered_by: str = ""
    entered_ms: int = 0

    def covers(self, first_day: dt.date, last_day: dt.date) -> bool:
        return self.valid_from <= first_day and (
            self.valid_until is None or last_day <= self.valid_until
        )


class DeclaredStore:
    """Every declared entry, append-only, in the server's SQLite file."""

    def __init__(self, db: sqlite3.Connection, tz: ZoneInfo) -> None:
        self.tz = tz
        self._db = db
        self._table = JsonTable(self._db, "declared_value", DeclaredValue)
        self._by_key: dict[tuple[str, str], list[DeclaredValue]] = {}
        for entry in sorted(self._table.items.values(), key=_order):
            self._by_key.setdefault((entry.commune, entry.indicator), []).append(entry)

    def entries(self) -> list[DeclaredValue]:
        """All entries, oldest first."""
        return sorted(self._table.items.values(), key=_order)

    def add(self, entry: DeclaredValue) -> DeclaredValue:
        """Record a new entry; its ``id`` and ``seq`` are assigned here."""
        seq = max((e.seq for e in self._table.items.values()), default=0) + 1
        entry = msgspec.structs.replace(entry, id=f"dv-{secrets.token_hex(6)}", seq=seq)
        self._table.put(entry)
        self._by_key.setdefault((entry.commune, entry.indicator), []).append(entry)
        return entry

    def value_for(
        self, commune: str, indicator: str, from_ms: int, to_ms: int
    ) -> DeclaredValue | None:
        """The newest entry for the commune and indicator whose dates cover every
        local day of ``[from_ms, to_ms)``, or None."""
        first, last = period_days(from_ms, to_ms, self.tz)
        for entry in reversed(self._by_key.get((commune, indicator), [])):
            if entry.covers(first, last):
                return entry
        return None


def _order(entry: DeclaredValue) -> tuple[int, int]:
    return (entry.entered_ms, entry.seq)


# -- checking what the API receives ---------------------------------------------------


def _number(body: Mapping[str, Any], key: str, problems: list[str]) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{key}: must be a number")
        return None
    if value < 0:
        problems.append(f"{key}: must not be negative")
        return None
    return float(value)


def _date(body: Mapping[str, Any], key: str, problems: list[str]) -> dt.date | None:
    value = body.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"{key}: must be a date YYYY-MM-DD, not {value!r}")
        return None


def check_declaration(
    body: Mapping[str, Any],
    communes: Iterable[str],
    documents: Mapping[str, DocumentInfo],
    *,
    entered_by: str,
    entered_ms: int,
    profile: IndicatorProfile | None = None,
) -> tuple[DeclaredValue | None, list[str]]:
    """The entry a request body describes, or every problem with it (the body of
    ``POST /api/v1/indicators/declared``, docs/api.md). ``profile``: the commune's
    (None: the default); it says which indicators the commune declares, their units (a
    percentage is at most 100 and, with a numerator and a denominator, is their ratio)
    and whether a value needs a document."""
    problems: list[str] = []
    known = {
        "commune",
        "indicator",
        "value",
        "numerator",
        "denominator",
        "valid_from",
        "valid_until",
        "note",
        "documents",
    }
    problems += [f"{key}: unknown field" for key in sorted(set(body) - known)]
    commune = body.get("commune")
    if not isinstance(commune, str) or commune not in set(communes):
        problems.append(f"commune: no commune {commune!r} in the inventory")
    indicator = body.get("indicator")
    declared = _declared_indicator(indicator, profile or load_default_profile(), problems)
    if "value" not in body:
        problems.append("value: required")
    value = _number(body, "value", problems)
    numerator = _number(body, "numerator", problems)
    denominator = _number(body, "denominator", problems)
    if ("numerator" in body) != ("denominator" in body):
        problems.append("numerator and denominator: give both or neither")
    if denominator is not None and denominator == 0:
        problems.append("denominator: must be more than 0")
    if numerator is not None and denominator is not None and numerator > denominator:
        problems.append("numerator: must not be more than the denominator")
    if declared is not None and declared.unit == "%":
        _check_percentage(value, numerator, denominator, problems)
    if "valid_from" not in body:
        problems.append("valid_from: required (the first day the value applies to)")
    valid_from = _date(body, "valid_from", problems)
    valid_until = _date(body, "valid_until", problems)
    if valid_from and valid_until and valid_until < valid_from:
        problems.append(f"valid_until: {valid_until} is before valid_from {valid_from}")
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        problems.append(f"note: must be text of at most {MAX_NOTE_CHARS} characters")
    # An unknown indicator is taken to need evidence, as the catalogue's all do.
    required = declared is None or declared.evidence_required
    cited = _documents(body.get("documents"), commune, documents, problems, required=required)
    if problems or value is None or valid_from is None:
        return None, problems
    assert isinstance(commune, str) and isinstance(indicator, str) and isinstance(note, str)
    entry = DeclaredValue(
        id="",
        seq=0,
        commune=commune,
        indicator=indicator,
        value=value,
        numerator=numerator,
        denominator=denominator,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note,
        documents=cited,
        entered_by=entered_by,
        entered_ms=entered_ms,
    )
    return entry, []


# A share entered rounded to a whole percent still matches its numerator and denominator.
PERCENT_TOLERANCE = 0.5


def _check_percentage(
    value: float | None, numerator: float | None, denominator: float | None, problems: list[str]
) -> None:
    # Without these checks a declared 4G coverage of 250 %, or 100 % of 3 villages out
    # of 4, would be "met" and signed off as such.
    if value is None:
        return
    if value > 100:
        problems.append(f"value: {value:g} is a percentage above 100")
    elif numerator is not None and denominator:
        share = 100 * numerator / denominator
        if abs(value - share) > PERCENT_TOLERANCE:
            problems.append(
                f"value: {value:g} % is not numerator ÷ denominator "
                f"({numerator:g} ÷ {denominator:g} = {share:.2f} %)"
            )


def _declared_indicator(
    indicator: object, profile: IndicatorProfile, problems: list[str]
) -> Indicator | None:
    """The profile's declared indicator ``indicator`` names, or None (and why not)."""
    declarable = profile.declared_indicators()
    found = profile.get(indicator) if isinstance(indicator, str) else None
    if found is not None and found in declarable:
        return found
    if found is None:
        why = f"{indicator!r} is not an indicator of this commune's profile ({profile.name})"
    elif found.measure != "declared":
        why = f"{indicator} is measured, not declared"
    else:
        why = f"{indicator} is switched off in this commune's profile ({profile.name})"
    problems.append(f"indicator: must be one of {', '.join(i.id for i in declarable)}: {why}")
    return None


def _documents(
    given: object,
    commune: object,
    documents: Mapping[str, DocumentInfo],
    problems: list[str],
    *,
    required: bool,
) -> list[DeclaredDocument]:
    if given is None and not required:
        return []
    # Evidence is what makes a declared value more than a claim: at least one document
    # (unless the profile says this indicator does without).
    if not isinstance(given, list) or (required and not given):
        problems.append(
            ("documents: at least one evidence document" if required else "documents: a list")
            + ", by the sha256 that POST /api/v1/indicators/documents answered"
        )
        return []
    if len(given) > MAX_DOCUMENTS:
        problems.append(f"documents: at most {MAX_DOCUMENTS}")
    cited: list[DeclaredDocument] = []
    for position, sha256 in enumerate(given):
        where = f"documents[{position}]"
        if not isinstance(sha256, str) or not is_sha256(sha256):
            problems.append(f"{where}: must be a sha256 (64 lower-case hex digits)")
            continue
        info = documents.get(sha256)
        if info is None or not (isinstance(commune, str) and info.serves(commune)):
            problems.append(f"{where}: no uploaded document {sha256} for this commune")
            continue
        if any(d.sha256 == sha256 for d in cited):
            problems.append(f"{where}: {sha256} is cited twice")
            continue
        cited.append(DeclaredDocument(info.name, info.id, info.size, info.content_type))
    return cited
