"""The camera pictures of a commune's report in its PDF: each picture with, beside it,
the camera, its key location, when it was taken and the picture's sha256."""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF

from xaso.server.indicators.reports.pdf_layout import heading, nfc, paragraph

PICTURE_MM = 60.0  # width of a picture on the A4 page


def print_camera_pictures(pdf: FPDF, view: dict[str, Any]) -> None:
    pictures = view.get("camera_pictures") or []
    if not pictures:
        return
    w: dict[str, str] = view["w"]
    heading(pdf, w["report.camera_pictures"], keep_with_next=55)
    paragraph(pdf, w["report.camera_pictures_note"], size=8)
    pdf.ln(2)
    for picture in pictures:
        height = PICTURE_MM * picture["height"] / max(1, picture["width"])
        if pdf.will_page_break(height + 4):
            pdf.add_page()
        x, y = pdf.l_margin, pdf.get_y()
        pdf.image(io.BytesIO(picture["jpeg"]), x=x, y=y, w=PICTURE_MM, h=height)
        pdf.set_xy(x + PICTURE_MM + 4, y)
        text_width = pdf.epw - PICTURE_MM - 4
        lines = [
            f"{picture['camera']} · {picture['place']}",
            f"{w['snapshot.taken']}: {picture['taken']} ({picture['indicator']})",
            f"SHA-256 {picture['sha256']}",
        ]
        for number, line in enumerate(lines):
            pdf.set_x(x + PICTURE_MM + 4)
            pdf.set_font(style="B" if number == 0 else "", size=9 if number < 2 else 7)
            pdf.multi_cell(text_width, 4.5, nfc(line), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), y + height) + 3)
