"""What the indicator PDFs share (fpdf2): the embedded font, the page and its footer,
and text set in cells of measured width, so that nothing is ever printed over anything
else, whatever the length of a label, a name or a value.

fpdf2's built-in fonts are Latin-1 only, so Vietnamese needs a Unicode TrueType font
embedded: DejaVu Sans (Debian package ``fonts-dejavu-core``) has every precomposed
Vietnamese letter, and text is normalised to NFC so that a decomposed "ế" (e + two
combining marks) is printed as the single glyph the font has.

The rules that keep text apart: a label beside its value is a two-column table whose
label column is as wide as the widest label (at most a third of the page) and wraps
beyond; every table cell wraps its text, breaking a word longer than its column; the
footer's text wraps beside a column kept for the page number, and the page ends above
the footer's measured height. ``tests/indicators/test_pdf_layout.py`` reads every
glyph's box back from the PDFs and checks that no two overlap.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

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

# The verdicts' fills, as verdicts.css colours them on the pages.
VERDICT_FILL = {
    "met": (216, 245, 222),
    "not_met": (251, 217, 214),
    "insufficient_data": (255, 241, 199),
    "not_applicable": (236, 236, 236),
}
HEADING_FILL = (244, 244, 246)

FOOTER_SIZE = 7  # pt
FOOTER_LINE = 3.5  # mm a line of it
FOOTER_BOTTOM = 8  # mm from the paper's edge to the footer's last line
FOOTER_GAP = 4  # mm between the page's last line and the footer
LABEL_SHARE = 1 / 3  # of the text width, at most, for the labels beside their values


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


def nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


class ReportDocument(FPDF):
    """An A4 document in DejaVu Sans with ``footer_text`` and the page number at the
    foot of every page."""

    def __init__(
        self, footer_text: str, page_word: str, *, orientation: Literal["P", "L"] = "P"
    ) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        folder = font_dir()
        self.add_font(FAMILY, "", str(folder / REGULAR))
        self.add_font(FAMILY, "B", str(folder / BOLD))
        self.set_creator("xaso")
        self._footer_text = nfc(footer_text)
        self._page_word = nfc(page_word)
        # The page number's column fits "Trang 999/999"; the footer's text wraps in the
        # rest, and the page's text stops above however many lines that takes (measured
        # on the first page: fpdf2 measures text on a page).
        self.set_font(FAMILY, size=FOOTER_SIZE)
        self._number_width = self.get_string_width(f"{self._page_word} 999/999") + 2 * self.c_margin
        self._footer_width = self.epw - self._number_width - 2
        self._footer_height = 0.0

    def add_page(self, *args: Any, **kwargs: Any) -> None:
        super().add_page(*args, **kwargs)
        if self._footer_height:
            return
        font = (self.font_family, self.font_style, self.font_size_pt)
        self.set_font(FAMILY, size=FOOTER_SIZE)
        lines = self.multi_cell(
            self._footer_width, FOOTER_LINE, self._footer_text, dry_run=True, output="LINES"
        )
        self.set_font(*font)
        assert isinstance(lines, list)
        self._footer_height = max(1, len(lines)) * FOOTER_LINE
        self.set_auto_page_break(True, margin=FOOTER_BOTTOM + self._footer_height + FOOTER_GAP)

    def footer(self) -> None:
        top = self.h - FOOTER_BOTTOM - self._footer_height
        self.set_font(FAMILY, size=FOOTER_SIZE)
        self.set_text_color(100)
        self.set_xy(self.l_margin, top)
        self.multi_cell(self._footer_width, FOOTER_LINE, self._footer_text, align="L")
        self.set_xy(self.w - self.r_margin - self._number_width, top)
        self.cell(
            self._number_width,
            FOOTER_LINE,
            f"{self._page_word} {self.page_no()}/{{nb}}",
            align="R",
        )
        self.set_text_color(0)


def title(pdf: FPDF, text: str, *, size: float = 14) -> None:
    pdf.set_font(FAMILY, "B", size)
    pdf.multi_cell(0, size * 0.5, nfc(text), align="L", new_x="LMARGIN", new_y="NEXT")


def paragraph(pdf: FPDF, text: str, *, size: float = 9, bold: bool = False) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, nfc(text), align="L", new_x="LMARGIN", new_y="NEXT")


def heading(pdf: FPDF, text: str, *, keep_with_next: float = 25) -> None:
    """A section's heading, on the next page when less than ``keep_with_next`` mm of
    this one would follow it: a heading is not left alone at a page's foot."""
    pdf.ln(3)
    if pdf.will_page_break(keep_with_next):
        pdf.add_page()
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(0, 6, nfc(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def pairs(
    pdf: FPDF,
    rows: Sequence[tuple[str, str]],
    *,
    size: float = 9,
    measure: Sequence[str] = (),
    columns: int = 1,
) -> None:
    """Labels in bold beside their values: the label column as wide as the widest
    label (of ``rows`` and of ``measure``, so that blocks of the same labels line up),
    at most ``LABEL_SHARE`` of its part of the text width (a longer label wraps in it).
    With ``columns`` > 1 the pairs run down that many columns side by side."""
    if not rows:
        return
    pdf.set_font(FAMILY, "B", size)
    widest = max(pdf.get_string_width(nfc(label)) for label in [*(r[0] for r in rows), *measure])
    part = pdf.epw / columns
    # The cells' own margins on both sides, and a gap of 2 mm before the value.
    label_width = min(widest + 2 * pdf.c_margin + 2, part * LABEL_SHARE)
    per_column = -(-len(rows) // columns)
    pdf.set_font(FAMILY, size=size)
    with pdf.table(
        col_widths=(label_width, part - label_width) * columns,
        width=pdf.epw,
        align="LEFT",
        borders_layout="NONE",
        first_row_as_headings=False,
        line_height=size * 0.5,
        text_align="LEFT",
        v_align="TOP",
    ) as table:
        for line in range(per_column):
            row = table.row()
            for column in range(columns):
                at = column * per_column + line
                label, text = rows[at] if at < len(rows) else ("", "")
                row.cell(nfc(label), style=FontFace(emphasis="BOLD"))
                row.cell(nfc(text))
    pdf.ln(1)


def widest_word(pdf: FPDF, texts: Sequence[str], *, size: float, bold: bool = False) -> float:
    """The width (mm) of the longest word of ``texts`` at ``size``: a cell that holds
    it wraps between words, never inside one."""
    words = {word for text in texts for word in nfc(text).split()}
    if not words:
        return 0.0
    pdf.set_font(FAMILY, "B" if bold else "", size)
    return max(pdf.get_string_width(word) for word in words)


def table(
    pdf: FPDF,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    widths: Sequence[float],
    font_size: float = 8,
    fills: Sequence[Sequence[str | None]] | None = None,
    bold_rows: Sequence[int] = (),
) -> None:
    """A table across the text width: ``widths`` are the columns' shares of it; every
    cell wraps. ``fills[row][column]`` names a verdict whose colour fills that cell;
    the rows numbered in ``bold_rows`` are set in bold (a totals row)."""
    pdf.set_font(FAMILY, size=font_size)
    with pdf.table(
        col_widths=tuple(widths),
        width=pdf.epw,
        line_height=font_size * 0.5,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        repeat_headings=1,
        text_align="LEFT",
    ) as built:
        header = built.row()
        for text in headings:
            header.cell(nfc(text))
        for index, values in enumerate(rows):
            row = built.row()
            for column, text in enumerate(values):
                verdict = fills[index][column] if fills is not None else None
                fill = VERDICT_FILL.get(verdict) if verdict else None
                bold = index in bold_rows
                style = (
                    FontFace(emphasis="BOLD" if bold else None, fill_color=fill)
                    if fill or bold
                    else None
                )
                row.cell(nfc(text), style=style)
    pdf.ln(2)
