"""A commune's report as a PDF, printing exactly what ``report_view`` says.

The layout (font, footer, labels beside values, tables that wrap) is
``pdf_layout.py``'s, shared with the province summary: no text is printed over another
at any length of label or value. The evidence hash is on every page, in the footer, so
a printed page on its own still names what it belongs to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fpdf import FPDF

from xaso.server.camera_snapshots.report_pdf import print_camera_pictures
from xaso.server.indicators.reports.pdf_layout import (
    FontMissing,
    ReportDocument,
    heading,
    nfc,
    pairs,
    paragraph,
    table,
    title,
)

__all__ = ["FontMissing", "render_pdf"]

_RESULT_LABELS = ("value", "ratio", "threshold", "method", "source", "reason")


def render_pdf(view: dict[str, Any], computed_ms: int) -> bytes:
    """A4 portrait; fixed creation date (the evaluation's), so the same view gives the
    same bytes."""
    w: dict[str, str] = view["w"]
    pdf = ReportDocument(
        f"{view['commune_name']} · {view['period']} · SHA-256 {view['sha256']}", w["page"]
    )
    pdf.set_creation_date(dt.datetime.fromtimestamp(computed_ms / 1000, dt.UTC))
    pdf.set_title(nfc(f"{w['report.title']} — {view['commune_name']} — {view['period']}"))
    pdf.set_subject(nfc(f"SHA-256 {view['sha256']}"))
    pdf.set_lang(view["lang"])
    pdf.add_page()

    title(pdf, f"{w['report.title']} — {view['commune_name']} — {view['period']}")
    pdf.ln(2)
    pairs(
        pdf,
        [
            (w["commune"], f"{view['commune_name']} ({view['commune']})"),
            (w["parent"], view["parent"]),
            (w["period"], view["period"]),
            (w["profile"], view["profile"]),
            # The zone's words carry their own brackets: "Giờ Việt Nam (UTC+7)".
            (w["computed"], f"{view['computed']} · {w['times_in']}"),
            (w["excused"], view["excused"]),
            (w["sha256"], view["sha256"]),
            (w["signoff"], view["signoff_text"]),
        ],
    )
    paragraph(pdf, w["hash_note"], size=7)
    pdf.ln(2)
    _changes(pdf, view)

    heading(pdf, w["summary"])
    table(
        pdf,
        [w["indicator"], w["value"], w["ratio"], w["threshold"], w["verdict"], w["source"]],
        [
            [
                f"{r['indicator']} {r['name']}",
                r["value"],
                r["ratio"],
                r["threshold"],
                r["verdict_text"],
                r["source"],
            ]
            for r in view["results"]
        ],
        widths=(58, 24, 26, 22, 28, 32),
        fills=[[None, None, None, None, r["verdict"], None] for r in view["results"]],
    )

    for r in view["results"]:
        heading(pdf, f"{r['indicator']} — {r['name']}: {r['verdict_text']}")
        rows = [
            (w["value"], r["value"]),
            (w["ratio"], r["ratio"]),
            (w["threshold"], r["threshold"]),
            (w["method"], r["method"]),
            (w["source"], r["source"]),
        ]
        if r["reason"]:
            rows.append((w["reason"], r["reason"]))
        # Every indicator's block with its labels in the same column.
        pairs(pdf, rows, measure=[w[k] for k in _RESULT_LABELS])
        if r["evidence"]:
            table(
                pdf,
                [w["kind"], w["label"], w["value"], w["counted"], w["time"], w["note"]],
                [
                    [
                        e["kind"],
                        # As the HTML report: the thing by its name, its code after it,
                        # a document's hash under it; an outage's cause goes with the note.
                        "\n".join(x for x in (e["name"], e["code"], e["sha256"]) if x),
                        e["value"],
                        e["counted"],
                        e["time"],
                        "\n".join(_outage_cause(e) + ([e["note"]] if e["note"] else [])),
                    ]
                    for e in r["evidence"]
                ],
                widths=(20, 50, 18, 14, 36, 52),
                font_size=7,
            )

    heading(pdf, w["exclusions"])
    paragraph(pdf, w["exclusions.note"], size=7)
    pdf.ln(1)
    if view["exclusions"]:
        table(
            pdf,
            [
                w["kind"],
                w["scope"],
                w["time"],
                f"{w['author']} — {w['why']}",
                w["decided"],
                w["state"],
                w["counted"],
            ],
            [
                [
                    f"{x['kind']}\n{x['id']}",
                    x["scope"],
                    x["when"],
                    f"{x['author']}\n{x['reason']}",
                    x["decision"],
                    x["state"],
                    x["counted"],
                ]
                for x in view["exclusions"]
            ],
            widths=(26, 24, 30, 38, 36, 22, 14),
            font_size=7,
        )
    else:
        paragraph(pdf, w["exclusions.none"])

    if view["documents"]:
        heading(pdf, w["documents"])
        table(
            pdf,
            [w["indicator"], w["label"], "SHA-256"],
            [[d["indicator"], d["name"], d["sha256"]] for d in view["documents"]],
            widths=(20, 70, 100),
            font_size=7,
        )

    print_camera_pictures(pdf, view)

    heading(pdf, w["signoff"])
    if view["signoffs"]:
        table(
            pdf,
            [w["verifier"], w["signed_at"], w["signed_hash"], w["matches"], w["note"]],
            [
                [
                    f"{s['verifier']} ({s['role']})",
                    s["signed_at"],
                    s["sha256"],
                    s["matches_text"],
                    s["note"],
                ]
                for s in view["signoffs"]
            ],
            widths=(38, 28, 70, 20, 34),
            font_size=7,
        )
    else:
        paragraph(pdf, w["signoff.none"])
    return bytes(pdf.output())


def _changes(pdf: FPDF, view: dict[str, Any]) -> None:
    """What changed since the latest sign-off, right under its status."""
    w: dict[str, str] = view["w"]
    if view["changes_state"] == "unknown":
        paragraph(pdf, w["changes.unknown"], size=8)
        pdf.ln(2)
    if view["changes_state"] != "listed":
        return
    heading(pdf, w["changes"])
    paragraph(pdf, f"{w['changes.against']} {view['changes_against']}", size=8)
    pdf.ln(1)
    rows = [
        [f"{c['indicator']} {c['name']}".strip(), c["what"], c["signed"], c["current"]]
        for c in view["changes"]
    ] or [["", w["changes.none_found"], "", ""]]
    table(
        pdf,
        [w["indicator"], w["changes.what"], w["changes.signed"], w["changes.current"]],
        rows,
        widths=(40, 50, 50, 50),
        font_size=7,
    )


def _outage_cause(item: dict[str, str]) -> list[str]:
    """An outage's cause in words, and what the agent said, as the HTML report shows."""
    if item["kind_code"] != "outage":
        return []
    return [x for x in (item["label"], item["label_raw"]) if x]
