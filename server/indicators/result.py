"""What evaluating an indicator for a commune and period yields: the columns of the
provincial index tables (value, numerator/denominator, threshold, verdict, method,
source, evidence). Evaluation produces these; reports, sign-off and the overview only
read them, so their shape is the contract between those modules.
"""

from __future__ import annotations

from typing import Literal

import msgspec

# đạt / chưa đạt / không đủ dữ liệu. "not_applicable": the indicator is switched off in
# the profile or the commune has nothing it could apply to by design (no planned VC point).
Verdict = Literal["met", "not_met", "insufficient_data", "not_applicable"]

# Where a result's figures come from (report.py names each in words).
SOURCES = ("telemetry", "broadcast_logs", "declared", "inventory", "profile")

VERDICT_VI = {
    "met": "Đạt",
    "not_met": "Chưa đạt",
    "insufficient_data": "Không đủ dữ liệu",
    "not_applicable": "Không áp dụng",
}


class EvidenceItem(msgspec.Struct, frozen=True, omit_defaults=True):
    """One thing counted: a device with its availability, an outage, a village, a
    broadcast, or an uploaded document (with its sha256)."""

    # "device" | "village" | "key_location" | "outage" | "broadcast" | "declared" | "document"
    kind: str
    id: str
    label: str = ""
    value: float | None = None  # e.g. availability percent
    counted: bool | None = None  # did it count towards the numerator
    note: str = ""  # in words, Vietnamese
    note_en: str = ""  # the same note in English (English second)
    from_ms: int | None = None
    to_ms: int | None = None
    sha256: str | None = None  # documents


class IndicatorResult(msgspec.Struct, frozen=True, omit_defaults=True):
    indicator: str  # "R2"
    name: str  # Vietnamese name from the profile
    commune: str
    from_ms: int
    to_ms: int
    verdict: Verdict
    method: str  # in words, Vietnamese
    source: str  # one of SOURCES
    value: float | None = None
    # "%", "clusters", "days/week", "" for yes/no (report words ``unit.*``); a unit of a
    # province's own: its Vietnamese word, with ``unit_en`` its English.
    unit: str = ""
    numerator: float | None = None
    denominator: float | None = None
    threshold: float | None = None
    comparison: str = ">="  # how value meets threshold
    reason: str = ""  # why insufficient / not applicable
    evidence: list[EvidenceItem] = []
    # English second (docs/domain.md#language-and-time): the same texts for the English
    # report.
    name_en: str = ""
    method_en: str = ""
    reason_en: str = ""
    unit_en: str = ""


class ExclusionChange(msgspec.Struct, frozen=True):
    """One version of a maintenance window or excused period: the state it left the
    item in, when (0: not known, kept before versions were), by whom, why."""

    version: int
    state: str  # "pending" | "approved" | "rejected" | "deleted"
    at_ms: int
    by: str
    role: str
    reason: str


class ExclusionEntry(msgspec.Struct, frozen=True, omit_defaults=True):
    """A maintenance window or excused period that touches the commune in the period,
    whatever its state, and whether it counted (server/monitoring/exclusion_history.py)."""

    kind: str  # "maintenance" | "excused"
    id: str
    scope: str
    target: str
    # A window: from the start of its first occurrence in the period to the end of its
    # last; an excused period: its own bounds.
    from_ms: int
    to_ms: int
    state: str  # its latest version's
    counted: bool  # left out of availability for some of the period
    history: list[ExclusionChange]
    occurrences: int = 1  # a recurring window's occurrences in the period
    rrule: str | None = None
    cause: str = ""  # an excused period's


class CommuneEvaluation(msgspec.Struct, frozen=True):
    """Every indicator of one commune for one period, against the hierarchy as it was:
    ``commune_name`` and ``parent`` are those in force during the period."""

    commune: str
    commune_name: str
    parent: str | None
    profile: str
    from_ms: int
    to_ms: int
    computed_ms: int
    results: list[IndicatorResult]
    # The period asked for; ``from_ms``/``to_ms`` are the commune's part of it when it
    # merged or was created within it (docs/indicators.md, "Mergers").
    requested_from_ms: int | None = None
    requested_to_ms: int | None = None
    merged_into: str | None = None  # the part ends with the commune's merger into this one
    predecessors: list[str] = []  # communes merged into it whose things count in the part
    excused_excluded: bool = False  # excused periods left out of availability too
    # The windows and excused periods touching the commune in the period, by start.
    exclusions: list[ExclusionEntry] = []
