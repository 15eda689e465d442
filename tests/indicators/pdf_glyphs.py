"""A PDF read back glyph by glyph (pdfminer.six, the parser under pdfplumber): where
each glyph was printed, so that a test can tell whether any two overlap or one crosses
a table's rule, and the text in the order it was written, to compare with what went in.

The reports' footer is printed in grey (``pdf_layout.ReportDocument``); it is read
apart from the body, page by page. pdfminer's own objects are read without its layout
analysis (which would reorder the text) and without pdfplumber's dictionaries (which
would double the time a province's reports take to read).
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTLine, LTPage, LTRect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage

# A glyph's box is shrunk by this much (pt) on every side before comparing: glyphs of a
# word touch, edge to edge, and that is no overlap.
TOLERANCE = 0.15
GRID = 12.0  # pt: the cells glyphs are sorted into, so that only neighbours are compared
MARGIN = 28.35  # pt: the pages' 10 mm margins, which text stays within
_SPACE = re.compile(r"\s+")

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in pt, from the top left


def squeezed(text: str) -> str:
    """NFC, without any whitespace: a line break where a cell wraps is not a change of
    text."""
    return _SPACE.sub("", unicodedata.normalize("NFC", text))


@dataclass
class Glyph:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class Page:
    number: int
    width: float
    height: float
    glyphs: list[Glyph]  # the visible glyphs, in the order written
    spaces: list[Glyph]  # the spaces: one across a rule is a line run over it
    rules: list[Box]  # the stroked lines of tables, each a segment
    body: str  # every character of the body, in the order written
    footer: str


@dataclass
class ReadBack:
    pages: list[Page] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "".join(page.body for page in self.pages)


def _is_footer(char: LTChar) -> bool:
    colour = char.graphicstate.ncolor
    value = colour[0] if isinstance(colour, (tuple, list)) and len(colour) == 1 else colour
    return isinstance(value, (int, float)) and 0.3 < float(value) < 0.5  # set_text_color(100)


def _rules(item: LTRect | LTLine, height: float) -> list[Box]:
    x0, y0, x1, y1 = item.bbox
    top, bottom = height - y1, height - y0
    if isinstance(item, LTLine):
        return [(x0, top, x1, bottom)]
    return [
        (x0, top, x1, top),
        (x0, bottom, x1, bottom),
        (x0, top, x0, bottom),
        (x1, top, x1, bottom),
    ]


def _page(number: int, layout: LTPage) -> Page:
    height = float(layout.height)
    glyphs: list[Glyph] = []
    spaces: list[Glyph] = []
    rules: list[Box] = []
    body: list[str] = []
    footer: list[str] = []
    for item in layout:
        if isinstance(item, LTChar):
            text = item.get_text()
            (footer if _is_footer(item) else body).append(text)
            glyph = Glyph(text, item.x0, height - item.y1, item.x1, height - item.y0)
            (glyphs if text.strip() else spaces).append(glyph)
        elif isinstance(item, (LTRect, LTLine)) and item.stroke:
            rules += _rules(item, height)
    return Page(
        number, float(layout.width), height, glyphs, spaces, rules, "".join(body), "".join(footer)
    )


def read_back(pdf: bytes) -> ReadBack:
    resources = PDFResourceManager()
    device = PDFPageAggregator(resources, laparams=None)
    interpreter = PDFPageInterpreter(resources, device)
    found = ReadBack()
    for number, page in enumerate(PDFPage.get_pages(io.BytesIO(pdf)), start=1):
        interpreter.process_page(page)
        found.pages.append(_page(number, device.get_result()))
    return found


def _box(glyph: Glyph) -> Box:
    return (
        glyph.x0 + TOLERANCE,
        glyph.top + TOLERANCE,
        glyph.x1 - TOLERANCE,
        glyph.bottom - TOLERANCE,
    )


def _cells(box: Box) -> itertools.product[tuple[int, int]]:
    x0, top, x1, bottom = box
    return itertools.product(
        range(int(x0 // GRID), int(x1 // GRID) + 1),
        range(int(top // GRID), int(bottom // GRID) + 1),
    )


def _describe(glyph: Glyph, page: Page) -> str:
    """The glyph with the text around it, to find it in the PDF."""
    at = page.glyphs.index(glyph)
    around = "".join(g.text for g in page.glyphs[max(0, at - 12) : at + 12])
    return f"{glyph.text!r} at ({glyph.x0:.1f}, {glyph.top:.1f}) in {around!r}"


def layout_problems(read: ReadBack, *, margin: float = MARGIN) -> list[str]:
    """Every glyph printed over another, across a table's rule, or outside the text
    width of its page, in words."""
    problems: list[str] = []
    for page in read.pages:
        boxes = [_box(g) for g in page.glyphs]
        grid: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
        for index, box in enumerate(boxes):
            for cell in _cells(box):
                grid[cell].append(index)
            x0, top, x1, bottom = box
            if x0 < margin - 1 or x1 > page.width - margin + 1 or top < 0 or bottom > page.height:
                problems.append(
                    f"page {page.number}: {_describe(page.glyphs[index], page)} "
                    "is outside the text width"
                )
        pairs: set[tuple[int, int]] = set()
        for members in grid.values():
            pairs.update(itertools.combinations(members, 2))
        for a, b in sorted(pairs):
            if _intersect(boxes[a], boxes[b]):
                problems.append(
                    f"page {page.number}: {_describe(page.glyphs[a], page)} overlaps "
                    f"{_describe(page.glyphs[b], page)}"
                )
        problems += _rules_crossed(page, [*boxes, *(_box(s) for s in page.spaces)])
    return problems


def _rules_crossed(page: Page, boxes: list[Box]) -> list[str]:
    """The glyphs (and spaces) across a table's rule: a text run out of its cell."""
    grid: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    for index, box in enumerate(boxes):
        for cell in _cells(box):
            grid[cell].append(index)
    everything = [*page.glyphs, *page.spaces]
    problems = []
    for line in page.rules:
        near: set[int] = set()
        for cell in _cells(line):
            near.update(grid.get(cell, ()))
        for index in sorted(near):
            if _crosses(boxes[index], line):
                char = everything[index]
                problems.append(
                    f"page {page.number}: {char.text!r} at ({char.x0:.1f}, {char.top:.1f}) "
                    f"crosses a table's rule at ({line[0]:.1f}, {line[1]:.1f})"
                )
    return problems


def _intersect(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _crosses(box: Box, line: Box) -> bool:
    """A rule is a segment (vertical: x0 == x1; horizontal: top == bottom)."""
    x0, top, x1, bottom = box
    lx0, ltop, lx1, lbottom = line
    if abs(lx1 - lx0) < 0.01:  # vertical
        return x0 < lx0 < x1 and top < lbottom and ltop < bottom
    return top < ltop < bottom and x0 < lx1 and lx0 < x1


def missing_texts(read: ReadBack, texts: list[str]) -> list[str]:
    """The ``texts`` that do not read back from the body as they went in (NFC, the
    order kept, whitespace aside)."""
    body = squeezed(read.body)
    return [text for text in texts if squeezed(text) and squeezed(text) not in body]


def footer_problems(read: ReadBack, footer: str, page_word: str) -> list[str]:
    """Every page's footer must say ``footer`` and "<page_word> n/N"."""
    total = len(read.pages)
    problems = []
    for page in read.pages:
        expected = squeezed(f"{footer}{page_word} {page.number}/{total}")
        if squeezed(page.footer) != expected:
            problems.append(f"page {page.number}: the footer reads {page.footer!r}")
    return problems


def first_page_png(pdf: bytes, path: Path) -> None:
    """Page 1 as a picture, to look at (pypdfium2: PDFium, the PDF engine of Chromium)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        document[0].render(scale=2).to_pil().save(path)
    finally:
        document.close()
