"""The province summary as a PDF to print and file: A4 landscape, a row per commune,
a column per indicator, printing exactly what ``summary.summary_view`` says.

Laid out by ``pdf_layout.py`` as the commune report is (DejaVu Sans, cells that wrap,
the footer beside the page number), so that no text is printed over another however
long a commune's name or however many indicators the profile has.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from xaso.server.indicators.reports.pdf_layout import (
    ReportDocument,
    nfc,
    pairs,
    paragraph,
    table,
    title,
    widest_word,
)

TYPE_SIZE = 6.5  # pt, the table's, made smaller only if its words cannot fit
SMALLEST_TYPE = 5.0
WIDE_MINIMUM = 24.0  # mm, the commune's and the sign-off's columns at least
SPARE = 0.6  # mm beside a column's longest word: one exactly as wide is broken by rounding


def column_widths(
    pdf: ReportDocument, headings: list[str], rows: list[list[str]], wide: tuple[int, ...]
) -> tuple[list[float], float]:
    """The columns' widths (mm) and the table's type size. Every other column than the
    ``wide`` ones (the verdicts, counts, plans) is as wide as its longest word — bold in
    the headings and the totals row, the last — so that it wraps between words; the
    wide ones (the commune, the sign-off) share what is left. While that would leave
    them less than ``WIDE_MINIMUM``, the type is made smaller, down to
    ``SMALLEST_TYPE`` (below which a word too long breaks rather than run over)."""

    def needs(size: float) -> list[float]:
        found = []
        for column, heading in enumerate(headings):
            if column in wide:
                found.append(0.0)
                continue
            body = [row[column] for row in rows[:-1]]
            bold = [heading, rows[-1][column]] if rows else [heading]
            longest = max(
                widest_word(pdf, body, size=size), widest_word(pdf, bold, size=size, bold=True)
            )
            found.append(longest + 2 * pdf.c_margin + SPARE)
        return found

    size = TYPE_SIZE
    narrow = needs(size)
    room = pdf.epw - WIDE_MINIMUM * len(wide)
    if sum(narrow) > room:
        # A word's width is proportional to the type size; the cells' margins are not.
        margins = sum(2 * pdf.c_margin + SPARE for w in narrow if w)
        size = max(SMALLEST_TYPE, size * (room - margins) / (sum(narrow) - margins))
        narrow = needs(size)
    left = max(0.0, pdf.epw - sum(narrow))
    widths = [left / len(wide) if column in wide else w for column, w in enumerate(narrow)]
    return widths, size


def render_summary_pdf(view: dict[str, Any], made_ms: int) -> bytes:
    """Fixed creation date (when the summary was made), so the same view gives the
    same bytes."""
    w: dict[str, str] = view["w"]
    heading = f"{view['title']} — {view['area']} — {view['period_name']}"
    footer = f"{view['title']} — {view['area']} — {view['period']}"
    pdf = ReportDocument(footer, w["page"], orientation="L")
    pdf.set_creation_date(dt.datetime.fromtimestamp(made_ms / 1000, dt.UTC))
    pdf.set_title(nfc(heading))
    pdf.set_lang(view["lang"])
    pdf.add_page()

    title(pdf, heading)
    pdf.ln(2)
    pairs(
        pdf,
        [
            (w["area"], view["area"]),
            (w["period"], view["period"]),
            (w["ind.summary.made"], f"{view['made']} · {w['times_in']}"),
            (w["signoff"], view["signed_text"]),
            (w["legend"], "   ".join(f"{x['symbol']} {x['text']}" for x in view["legend"])),
        ],
    )
    pdf.ln(1)
    if not view["rows"]:
        paragraph(pdf, w["no_communes"])
        return bytes(pdf.output())

    plans = view["remediation"]
    headings = [w["commune"], *(i["id"] for i in view["indicators"])]
    headings += [w[f"verdict.{c['verdict']}"] for c in view["rows"][0]["counts"]]
    headings.append(w["signoff"])
    if plans:
        headings += [w["ind.summary.plans_open"], w["ind.summary.plans_overdue"]]
    rows: list[list[str]] = []
    fills: list[list[str | None]] = []
    for r in view["rows"]:
        cells = [f"{c['symbol']} {c['text']}" if c else "—" for c in r["cells"]]
        row = [f"{r['name']}\n{r['parent']}", *cells]
        row += [str(c["count"]) for c in r["counts"]]
        row.append("\n".join(x for x in (r["signoff"]["text"], r["signoff"]["detail"]) if x))
        if plans:
            row += [str(r["remediation"]["open"]), str(r["remediation"]["overdue"])]
        rows.append(row)
        fills.append([None, *(c["verdict"] if c else None for c in r["cells"])])
    total = [w["ind.summary.total"]]
    total += ["\n".join(f"{c['symbol']} {c['count']}" for c in t["counts"]) for t in view["totals"]]
    total += [str(c["count"]) for c in view["count_totals"]]
    total.append(view["signed_text"])
    if plans:
        total += [
            str(view["remediation_totals"]["open"]),
            str(view["remediation_totals"]["overdue"]),
        ]
    rows.append(total)
    fills.append([])
    signoff = 1 + len(view["indicators"]) + 3
    widths, size = column_widths(pdf, headings, rows, wide=(0, signoff))
    table(
        pdf,
        headings,
        rows,
        widths=widths,
        font_size=size,
        fills=[f + [None] * (len(headings) - len(f)) for f in fills],
        bold_rows=[len(rows) - 1],
    )

    # What the columns' codes stand for.
    paragraph(pdf, w["ind.summary.indicators"], size=9, bold=True)
    pdf.ln(1)
    pairs(pdf, [(i["id"], i["name"]) for i in view["indicators"]], size=8, columns=2)
    return bytes(pdf.output())
