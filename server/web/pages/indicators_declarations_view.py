"""What the declarations page shows for a commune and a period: each indicator the
commune declares (those of its profile measured by ``declared``, the default
catalogue's N1–N4 and N6 and any a province adds), what was declared for the period
or that nothing was, and the evidence documents behind them.

The entry shown for an indicator is the one the evaluation takes
(``DeclaredStore.value_for``: the newest whose dates cover every day of the commune's
part of the period), so the page and the report never disagree. An entry that covers
only some days of the period does not count; the page says so, since a declaration
dated from the middle of a quarter is an easy mistake to make.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.indicators.gather.declared import DeclaredDocument, DeclaredValue
from xaso.server.indicators.gather.documents import DOCX, JPEG, PDF, PNG, XLSX, DocumentInfo
from xaso.server.indicators.keys import DECLARED, DOCUMENTS, INDICATOR_PROFILES
from xaso.server.indicators.period import period_days
from xaso.server.indicators.profile import Indicator, ProfileSet, load_default_profile
from xaso.server.indicators.reports.text import (
    COMPARISON_SIGNS,
    format_number,
    quantity_text,
    unit_text,
)
from xaso.server.indicators.snapshot import snapshot
from xaso.server.keys import INDEX
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.pages.indicators_shared import IndicatorPlace
from xaso.server.web.pages.maintenance_form import local_text
from xaso.server.web.pages.radio_media import size_text
from xaso.server.words import translator

DOCUMENT_LINK: Final = "/indicators/documents/{sha256}"
# The types an evidence document may be, as people name them.
TYPE_NAMES: Final = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "DOCX", XLSX: "XLSX"}


@dataclass(frozen=True)
class DocumentView:
    sha256: str
    name: str
    href: str
    size: str
    kind: str  # PDF, JPEG, PNG, DOCX, XLSX
    uploaded_by: str
    uploaded: str  # dd/mm/yyyy HH:MM, local
    uploaded_ms: int
    cited_by: tuple[str, ...] = ()  # the indicators whose entries for the period cite it


@dataclass(frozen=True)
class EntryView:
    """One declared entry in words."""

    id: str
    value: str  # "95,5 %", "Có"
    raw_value: float
    ratio: str  # "19/20", or ""
    by: str
    at: str
    applies: str  # "01/07/2026 – 30/09/2026", "từ 01/07/2026"
    note: str
    documents: tuple[DocumentView, ...]
    entry: DeclaredValue


@dataclass
class DeclaredRow:
    """One declared indicator of the commune for the period."""

    indicator: Indicator
    name: str
    unit: str  # "%", "điểm"; "" for a yes/no indicator
    threshold: str  # "≥ 100 %", "Có"
    current: EntryView | None
    verdict: str  # met, not_met, insufficient_data (nothing declared)
    # Entries touching the period without covering all of it: they do not count.
    partial: list[EntryView] = field(default_factory=list)
    # Older entries covering the period, replaced by ``current``.
    replaced: list[EntryView] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.indicator.id

    @property
    def yes_no(self) -> bool:
        return self.indicator.unit == ""

    @property
    def percentage(self) -> bool:
        return self.indicator.unit == "%"


@dataclass(frozen=True)
class DeclarationsView:
    rows: list[DeclaredRow]  # the missing ones first, then in the profile's order
    missing: int
    first_day: dt.date  # the commune's part of the period, as the evaluation takes it
    last_day: dt.date
    exists: bool  # the commune existed in the period
    profile_name: str
    not_applied: list[str]  # declared indicators the commune's profile switches off
    documents: list[DocumentView]  # the period's documents and those not cited yet
    # Per indicator, the documents its form offers (the period's, and those its
    # earlier entries cited, which a new quarter often carries forward).
    choices: dict[str, list[DocumentView]]
    names: dict[str, str]  # each declared indicator's name, by id


def threshold_text(indicator: Indicator, words: Mapping[str, str], lang: str) -> str:
    if indicator.unit == "":
        return words["yes"] if indicator.threshold >= 1 else words["no"]
    sign = COMPARISON_SIGNS.get(indicator.comparison, indicator.comparison)
    number = format_number(indicator.threshold, lang)
    unit = unit_text(indicator.unit, dict(words), lang, indicator.unit_en)
    return f"{sign} {number} %" if unit == "%" else f"{sign} {number} {unit}"


def day_text(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _applies(entry: DeclaredValue, words: Mapping[str, str]) -> str:
    if entry.valid_until is None:
        return words["ind.declarations.applies_from"].format(first=day_text(entry.valid_from))
    return f"{day_text(entry.valid_from)} – {day_text(entry.valid_until)}"


def _touches(entry: DeclaredValue, first: dt.date, last: dt.date) -> bool:
    return entry.valid_from <= last and (entry.valid_until is None or first <= entry.valid_until)


def document_view(
    info: DocumentInfo | DeclaredDocument,
    zone: ZoneInfo,
    lang: str,
    cited_by: Iterable[str] = (),
) -> DocumentView:
    uploaded_ms = info.uploaded_ms if isinstance(info, DocumentInfo) else 0
    return DocumentView(
        sha256=info.sha256,
        name=info.name or info.sha256[:12],
        href=DOCUMENT_LINK.format(sha256=info.sha256),
        size=size_text(info.size, lang),
        kind=TYPE_NAMES.get(info.content_type, info.content_type),
        uploaded_by=(info.uploaded_by if isinstance(info, DocumentInfo) else "") or "—",
        uploaded=local_text(uploaded_ms, zone),
        uploaded_ms=uploaded_ms,
        cited_by=tuple(sorted(set(cited_by))),
    )


def declarations_view(request: web.Request, place: IndicatorPlace, lang: str) -> DeclarationsView:
    assert place.commune is not None
    app = request.app
    index = app[INDEX]
    zone = ZoneInfo(index.inventory.timezone)
    words = translator(lang)
    period = place.period.ref
    snap = snapshot(index, place.commune, period.from_ms, period.to_ms)
    # The commune's part of the period, as the evaluation asks the declared values.
    from_ms, to_ms = (snap.from_ms, snap.to_ms) if snap.exists else (period.from_ms, period.to_ms)
    first, last = period_days(from_ms, to_ms, zone)
    profiles = app.get(INDICATOR_PROFILES) or ProfileSet(load_default_profile())
    # The profile the evaluation uses for the period (the hierarchy of its last day): its
    # declared indicators, those a province added among them.
    profile = profiles.for_commune(place.commune, snap.ancestors)
    declared = profile.declared_indicators()
    store = app[DECLARED]
    known = app[DOCUMENTS].table.items
    scope = request[PRINCIPAL].scope

    def docs_of(entry: DeclaredValue) -> tuple[DocumentView, ...]:
        return tuple(
            document_view(known.get(d.sha256) or d, zone, lang)
            for d in entry.documents
            if (d.sha256 not in known or known[d.sha256].visible_to(scope))
        )

    def entry_view(entry: DeclaredValue, indicator: Indicator) -> EntryView:
        ratio = ""
        if entry.numerator is not None and entry.denominator is not None:
            top, bottom = entry.numerator, entry.denominator
            ratio = f"{format_number(top, lang)}/{format_number(bottom, lang)}"
        return EntryView(
            id=entry.id,
            value=quantity_text(entry.value, indicator.unit, words, lang, indicator.unit_en),
            raw_value=entry.value,
            ratio=ratio,
            by=entry.entered_by or "—",
            at=local_text(entry.entered_ms, zone),
            applies=_applies(entry, words),
            note=entry.note,
            documents=docs_of(entry),
            entry=entry,
        )

    history: dict[str, list[DeclaredValue]] = {}
    for entry in store.entries():  # oldest first
        if entry.commune == place.commune:
            history.setdefault(entry.indicator, []).append(entry)

    rows: list[DeclaredRow] = []
    cited: dict[str, set[str]] = {}  # sha256 -> the indicators citing it this period
    earlier_cited: dict[str, set[str]] = {}  # sha256 -> indicators that ever cited it
    for indicator in declared:
        current = store.value_for(place.commune, indicator.id, from_ms, to_ms)
        entries = history.get(indicator.id, [])
        touching = [e for e in entries if _touches(e, first, last)]
        partial = [e for e in touching if not e.covers(first, last)]
        replaced = [e for e in touching if e.covers(first, last) and e is not current]
        for entry in touching:
            for doc in entry.documents:
                cited.setdefault(doc.sha256, set()).add(indicator.id)
        for entry in entries:
            for doc in entry.documents:
                earlier_cited.setdefault(doc.sha256, set()).add(indicator.id)
        verdict = "insufficient_data"
        if current is not None:
            verdict = "met" if indicator.meets(current.value) else "not_met"
        rows.append(
            DeclaredRow(
                indicator=indicator,
                name=indicator.name if lang == "vi" else indicator.name_en or indicator.name,
                unit=unit_text(indicator.unit, words, lang, indicator.unit_en),
                threshold=threshold_text(indicator, words, lang),
                current=entry_view(current, indicator) if current else None,
                verdict=verdict,
                partial=[entry_view(e, indicator) for e in reversed(partial)],
                replaced=[entry_view(e, indicator) for e in reversed(replaced)],
            )
        )
    # What is missing first: that is what the commune has to do.
    rows.sort(key=lambda row: row.current is not None)

    every_cited = {sha for entries in history.values() for e in entries for sha in _shas(e)}
    commune_docs = [
        info
        for info in known.values()
        # Uploaded for the commune, or by an admin for every commune.
        if info.serves(place.commune) and info.visible_to(scope)
    ]
    listed = {
        info.id: document_view(info, zone, lang, cited.get(info.id, ()))
        for info in commune_docs
        if info.id in cited or info.id not in every_cited
    }
    documents = sorted(listed.values(), key=lambda d: d.uploaded_ms, reverse=True)
    choices: dict[str, list[DocumentView]] = {}
    for row in rows:
        offered = dict(listed)
        for info in commune_docs:
            if row.id in earlier_cited.get(info.id, ()) and info.id not in offered:
                offered[info.id] = document_view(info, zone, lang)
        choices[row.id] = sorted(offered.values(), key=lambda d: d.uploaded_ms, reverse=True)
    return DeclarationsView(
        rows=rows,
        missing=sum(1 for row in rows if row.current is None),
        first_day=first,
        last_day=last,
        exists=snap.exists,
        profile_name=profile.name,
        not_applied=[
            (i.name if lang == "vi" else i.name_en or i.name)
            for i in profile.indicators
            if i.measure == "declared" and not i.enabled
        ],
        documents=documents,
        choices=choices,
        names={row.id: row.name for row in rows},
    )


def _shas(entry: DeclaredValue) -> list[str]:
    return [doc.sha256 for doc in entry.documents]
