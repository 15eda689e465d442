"""The report as a PDF (fpdf2), printing exactly what ``report_view`` says.

fpdf2's built-in fonts are Latin-1 only, so Vietnamese needs a Unicode TrueType font
embedded: DejaVu Sans (Debian package ``fonts-dejavu-core``) has every precomposed
Vietnamese letter, and text is normalised to NFC so that a decomposed "ế" (e + two
combining marks) is printed as the single glyph the font has. The evidence hash is on
every page, in the footer, so a printed page on its own still names what it belongs to.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

# Where distributions put DejaVu Sans: Debian/Ubuntu, Fedora/RHEL, Alpine, Arch.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu"

_VERDICT_FILL = {
    "met": (216, 245, 222),
    "not_met": (251, 217, 214),
    "insufficient_data": (255, 241, 199),
    "not_applicable": (236, 236, 236),
}


class FontMissing(RuntimeError):
    pass


def font_dir() -> Path:
    for folder in FONT_DIRS:
        if (folder / REGULAR).is_file() and (folder / BOLD).is_file():
            return folder
    raise FontMissing(
        "PDF reports need the DejaVu Sans font (Debian/Ubuntu: apt-get install "
        "fonts-dejavu-core); HTML and CSV reports work without it"
    )


def _nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


class _Report(FPDF):
    def __init__(self, footer_text: str, page_word: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text
        self._page_word = page_word

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=7)
        self.set_text_color(100)
        self.cell(0, 5, self._footer_text, align="L")
        self.cell(0, 5, f"{self._page_word} {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0)


def render_pdf(view: dict[str, Any], computed_ms: int) -> bytes:
    """A4 portrait; fixed creation date (the evaluation's), so the same view gives the
    same bytes."""
    w: dict[str, str] = view["w"]
    folder = font_dir()
    footer = _nfc(f"{view['commune_name']} · {view['period']} · SHA-256 {view['sha256']}")
    pdf = _Report(footer, w["page"])
    pdf.add_font(FAMILY, "", str(folder / REGULAR))
    pdf.add_font(FAMILY, "B", str(folder / BOLD))
    pdf.set_creation_date(dt.datetime.fromtimestamp(computed_ms / 1000, dt.UTC))
    pdf.set_title(_nfc(f"{w['report.title']} — {view['commune_name']} — {view['period']}"))
    pdf.set_subject(_nfc(f"SHA-256 {view['sha256']}"))
    pdf.set_creator("xaso")
    pdf.set_lang(view["lang"])
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()

    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(0, 7, _nfc(f"{w['report.title']} — {view['commune_name']} — {view['period']}"))
    pdf.ln(2)
    _pairs(
        pdf,
        [
            (w["commune"], f"{view['commune_name']} ({view['commune']})"),
            (w["parent"], view["parent"]),
            (w["period"], view["period"]),
            (w["profile"], view["profile"]),
            (w["computed"], f"{view['computed']} ({w['times_in']})"),
            (w["excused"], view["excused"]),
            (w["sha256"], view["sha256"]),
            (w["signoff"], view["signoff_text"]),
        ],
    )
    pdf.set_font(FAMILY, size=7)
    pdf.multi_cell(0, 3.5, _nfc(w["hash_note"]))
    pdf.ln(2)
    _changes(pdf, view)

    _heading(pdf, w["summary"])
    _table(
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
        verdict_column=4,
        verdicts=[r["verdict"] for r in view["results"]],
    )

    for r in view["results"]:
        _heading(pdf, f"{r['indicator']} — {r['name']}: {r['verdict_text']}")
        pairs = [
            (w["value"], r["value"]),
            (w["ratio"], r["ratio"]),
            (w["threshold"], r["threshold"]),
            (w["method"], r["method"]),
            (w["source"], r["source"]),
        ]
        if r["reason"]:
            pairs.append((w["reason"], r["reason"]))
        _pairs(pdf, pairs)
        if r["evidence"]:
            _table(
                pdf,
                [w["kind"], w["id"], w["label"], w["value"], w["counted"], w["time"], w["note"]],
                [
                    [
                        e["kind"],
                        e["id"],
                        "\n".join(x for x in (e["label"], e["label_raw"], e["sha256"]) if x),
                        e["value"],
                        e["counted"],
                        e["time"],
                        e["note"],
                    ]
                    for e in r["evidence"]
                ],
                widths=(20, 30, 40, 16, 14, 36, 34),
                font_size=7,
            )

    _heading(pdf, w["exclusions"])
    pdf.set_font(FAMILY, size=7)
    pdf.multi_cell(0, 3.5, _nfc(w["exclusions.note"]))
    pdf.ln(1)
    if view["exclusions"]:
        _table(
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
        pdf.set_font(FAMILY, size=9)
        pdf.multi_cell(0, 5, _nfc(w["exclusions.none"]))

    if view["documents"]:
        _heading(pdf, w["documents"])
        _table(
            pdf,
            [w["indicator"], w["label"], "SHA-256"],
            [[d["indicator"], d["name"], d["sha256"]] for d in view["documents"]],
            widths=(20, 70, 100),
            font_size=7,
        )

    _heading(pdf, w["signoff"])
    if view["signoffs"]:
        _table(
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
        pdf.set_font(FAMILY, size=9)
        pdf.multi_cell(0, 5, _nfc(w["signoff.none"]))
    return bytes(pdf.output())


def _changes(pdf: FPDF, view: dict[str, Any]) -> None:
    """What changed since the latest sign-off, right under its status."""
    w: dict[str, str] = view["w"]
    if view["changes_state"] == "unknown":
        pdf.set_font(FAMILY, size=8)
        pdf.multi_cell(0, 4, _nfc(w["changes.unknown"]))
        pdf.ln(2)
    if view["changes_state"] != "listed":
        return
    _heading(pdf, w["changes"])
    pdf.set_font(FAMILY, size=8)
    pdf.multi_cell(0, 4, _nfc(f"{w['changes.against']} {view['changes_against']}"))
    pdf.ln(1)
    rows = [
        [f"{c['indicator']} {c['name']}".strip(), c["what"], c["signed"], c["current"]]
        for c in view["changes"]
    ] or [["", w["changes.none_found"], "", ""]]
    _table(
        pdf,
        [w["indicator"], w["changes.what"], w["changes.signed"], w["changes.current"]],
        rows,
        widths=(40, 50, 50, 50),
        font_size=7,
    )


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(0, 6, _nfc(text))
    pdf.ln(1)


def _pairs(pdf: FPDF, pairs: list[tuple[str, str]]) -> None:
    for label, text in pairs:
        pdf.set_font(FAMILY, "B", 9)
        pdf.cell(48, 5, _nfc(label))
        pdf.set_font(FAMILY, size=9)
        pdf.multi_cell(0, 5, _nfc(text), new_x="LMARGIN", new_y="NEXT")


def _table(
    pdf: FPDF,
    headings: list[str],
    rows: list[list[str]],
    *,
    widths: tuple[int, ...],
    font_size: float = 8,
    verdict_column: int | None = None,
    verdicts: list[str] | None = None,
) -> None:
    pdf.set_font(FAMILY, size=font_size)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        line_height=font_size * 0.5,
        headings_style=FontFace(emphasis="BOLD", fill_color=(244, 244, 246)),
        repeat_headings=1,
        text_align="LEFT",
    ) as table:
        header = table.row()
        for text in headings:
            header.cell(_nfc(text))
        for index, values in enumerate(rows):
            row = table.row()
            for column, text in enumerate(values):
                style = None
                if column == verdict_column and verdicts is not None:
                    style = FontFace(fill_color=_VERDICT_FILL.get(verdicts[index]))
                row.cell(_nfc(text), style=style)
    pdf.ln(2)
