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
)

# The columns' shares of the page's width: the commune, each indicator, the three
# counts, the sign-off, the two remediation columns.
_COMMUNE, _INDICATOR, _COUNT, _SIGNOFF, _PLANS = 34, 12, 11, 30, 12


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
    widths = [_COMMUNE, *[_INDICATOR] * len(view["indicators"]), *[_COUNT] * 3, _SIGNOFF]
    if plans:
        widths += [_PLANS, _PLANS]
    table(
        pdf,
        headings,
        rows,
        widths=widths,
        font_size=6.5,
        fills=[f + [None] * (len(headings) - len(f)) for f in fills],
        bold_rows=[len(rows) - 1],
    )

    # What the columns' codes stand for.
    paragraph(pdf, w["ind.summary.indicators"], size=9, bold=True)
    pdf.ln(1)
    pairs(pdf, [(i["id"], i["name"]) for i in view["indicators"]], size=8, columns=2)
    return bytes(pdf.output())
