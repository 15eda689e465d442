"""Declared values for the demo: a newcomer opening "Khai báo" or a commune's report sees
what a declaration with its evidence looks like, and one commune that has not finished.

Every commune but the last of the inventory declares each indicator its profile asks of
it (N1–N4, N6 and a province's own, such as Thanh Hóa's T1), valid from the first day of
the quarter before last, with one scanned decision as evidence (a small PDF made here).
The values are plausible and mostly met; the second commune's fibre (N2) falls short, so
the report has a declared "chưa đạt" too. The last commune declares nothing: its page
shows what is missing. Only when nothing was declared yet, so a kept ``--data-dir`` is
left as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

from aiohttp import web
from fpdf import FPDF

from xaso.server.indicators.gather.declared import DeclaredDocument, DeclaredValue
from xaso.server.indicators.gather.documents import DocumentInfo
from xaso.server.indicators.keys import DECLARED, DOCUMENTS, INDICATOR_PROFILES
from xaso.server.indicators.period import local_day
from xaso.server.indicators.profile import Indicator, ProfileSet, load_default_profile
from xaso.server.indicators.reports.period import previous_periods, quarter_of
from xaso.server.keys import INDEX

OFFICER = "Cán bộ xã (demo)"
DOCUMENT_NAME = "quyet-dinh-kiem-ke-ha-tang-so.pdf"

# What a commune declares, by unit: met by default; (numerator, denominator) for a share.
_SHARES = {"N1": (9, 9), "N2": (8, 9), "N4": (12, 12), "N6": (690, 820), "T1": (8, 9)}
_SHORT = {"N2": (5, 9)}  # the second commune's fibre: 56 %, short of 80 %


def _scan() -> bytes:
    """The demo's evidence: one page saying what it stands for. Latin letters only, so
    that it needs no font beyond fpdf2's own."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.multi_cell(
        0,
        8,
        "UY BAN NHAN DAN XA (ban demo)\n\nQuyet dinh ve ket qua kiem ke ha tang so cua xa\n\n"
        "Tai lieu mau cua ban demo xaso: minh chung cho cac so lieu ke khai.",
    )
    return bytes(pdf.output())


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _value(indicator: Indicator, short: bool) -> tuple[float, float | None, float | None]:
    if indicator.unit == "%":
        top, bottom = (_SHORT if short else _SHARES).get(indicator.id, (9, 9))
        return round(100 * top / bottom, 2), top, bottom
    if indicator.unit == "":
        return 1, None, None
    return max(indicator.threshold, 2), None, None


async def seed_declarations(app: web.Application, now_ms: int) -> int:
    """Declarations for every commune but the last, if there are none yet: how many."""
    store = app[DECLARED]
    index = app[INDEX]
    if store.entries():
        return 0
    tz = ZoneInfo(index.inventory.timezone)
    today = local_day(now_ms, tz)
    # From the first day of the quarter before last: the demo's last two full quarters.
    older = previous_periods(quarter_of(now_ms, tz), 2, tz)[0]
    valid_from = local_day(older.from_ms, tz)
    communes = list(index.communes)[:-1]
    pending = await app[DOCUMENTS].receive(
        _one_chunk(await asyncio.to_thread(_scan)),
        name=DOCUMENT_NAME,
        uploaded_by=OFFICER,
        communes=communes,
    )
    info: DocumentInfo = app[DOCUMENTS].keep(pending)
    document = DeclaredDocument(info.name, info.id, info.size, info.content_type)
    profiles = app.get(INDICATOR_PROFILES) or ProfileSet(load_default_profile())
    written = 0
    for position, commune in enumerate(communes):
        profile = profiles.commune_profile(index, commune, today)
        for indicator in profile.declared_indicators():
            value, numerator, denominator = _value(indicator, short=position == 1)
            store.add(
                DeclaredValue(
                    id="",
                    seq=0,
                    commune=commune,
                    indicator=indicator.id,
                    value=value,
                    numerator=numerator,
                    denominator=denominator,
                    valid_from=valid_from,
                    note="Số liệu kiểm kê của xã (bản demo)",
                    documents=[document],
                    entered_by=OFFICER,
                    entered_ms=now_ms,
                )
            )
            written += 1
    return written
