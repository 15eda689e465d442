"""The indicator PDFs read back glyph by glyph: for every commune of the demo's province,
its 2026-Q3 report as the API gives it, and the province summary in both languages, no
glyph is printed over another or across a table's rule or outside the text width, every
page's footer says what the report is and its page, and every text the view gave reads
back as it went in (NFC, in order). The same for views stretched far beyond the demo's
(labels three times as long, a commune name over several lines, ids no line can hold),
so that the layout holds at any length rather than at today's.

``XASO_SCREENSHOTS=folder`` keeps each PDF's first page as a PNG there, to look at.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.apps import bearer
from tests.indicators.demo_quarter import (
    NOW,
    QUARTER,
    demo_communes,
    demo_quarter_app,
    seed_compliance,
)
from tests.indicators.pdf_glyphs import (
    ReadBack,
    first_page_png,
    footer_problems,
    layout_problems,
    missing_texts,
    read_back,
)
from xaso.server.indicators.reports.pdf import render_pdf
from xaso.server.indicators.reports.summary_pdf import render_summary_pdf
from xaso.server.keys import INDEX
from xaso.server.monitoring.exclusion_history import Author
from xaso.server.monitoring.exclusions import MaintenanceWindow
from xaso.server.monitoring.keys import EXCLUSIONS
from xaso.server.web.api import reports as reports_api
from xaso.server.web.api import summary as summary_api
from xaso.server.web.tokens import Role

SIGNED_COMMUNE = "xuan-hong"  # signed off, then changed: its report lists what changed


@dataclass
class Printed:
    """A PDF and the view it printed."""

    pdf: bytes
    view: dict[str, Any]
    kind: str  # "report" or "summary"


def _spy(printed: list[tuple[dict[str, Any], bytes]], render: Callable[..., bytes]) -> Any:
    def spied(view: dict[str, Any], at_ms: int) -> bytes:
        pdf = render(view, at_ms)
        printed.append((view, pdf))
        return pdf

    return spied


async def _print_everything(data_dir: Path) -> dict[str, Printed]:
    """Every commune's report (Vietnamese) and the summary (both languages), through
    the API, with the views the PDFs were made from."""
    reports: list[tuple[dict[str, Any], bytes]] = []
    summaries: list[tuple[dict[str, Any], bytes]] = []
    found: dict[str, Printed] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reports_api, "render_pdf", _spy(reports, render_pdf))
        patch.setattr(summary_api, "render_summary_pdf", _spy(summaries, render_summary_pdf))
        async with demo_quarter_app(data_dir) as app, TestClient(TestServer(app)) as client:
            await seed_compliance(app)
            admin = bearer(app, Role.ADMIN)
            await _sign_off_then_change(client, app, admin)
            for commune in app[INDEX].communes:
                response = await client.get(
                    f"/api/v1/indicators/report?commune={commune}&period={QUARTER}&format=pdf",
                    headers=admin,
                )
                assert response.status == 200, await response.text()
                view, pdf = reports[-1]
                assert pdf == await response.read()
                found[f"report-{commune}"] = Printed(pdf, view, "report")
            for lang in ("vi", "en"):
                response = await client.get(
                    f"/api/v1/indicators/summary?period={QUARTER}&format=pdf&lang={lang}",
                    headers=admin,
                )
                assert response.status == 200, await response.text()
                view, pdf = summaries[-1]
                found[f"summary-{lang}"] = Printed(pdf, view, "summary")
    return found


async def _sign_off_then_change(client: TestClient, app: Any, admin: dict[str, str]) -> None:
    """A verifier signs the report off, then a maintenance window is approved that
    changes its figures: the report prints its sign-off, what changed and the window."""
    verifier = bearer(app, Role.VERIFIER, name="Nguyễn Thị Thẩm Định")
    seen = await client.get(
        f"/api/v1/indicators/report?commune={SIGNED_COMMUNE}&period={QUARTER}&format=json",
        headers=admin,
    )
    body = {
        "commune": SIGNED_COMMUNE,
        "period": QUARTER,
        "sha256": (await seen.json())["sha256"],
        "note": "Đã đối chiếu với biên bản kiểm tra thực tế tại xã ngày 02/10/2026.",
    }
    signed = await client.post("/api/v1/indicators/signoff", json=body, headers=verifier)
    assert signed.status == 201, await signed.text()
    window = MaintenanceWindow(
        id="mw-thay-loa",
        scope="device",
        target=f"{SIGNED_COMMUNE}-rc-01",
        start=dt.datetime(2026, 9, 10, 7, 0),
        duration_s=3 * 86_400.0,
        reason="Thay bộ khuếch đại và dây tín hiệu cụm loa Thôn 1 sau giông lốc",
    )
    app[EXCLUSIONS].add_window(
        window, state="approved", by=Author("quan-tri", "admin"), at_ms=NOW - 86_400_000
    )


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    found = asyncio.run(_print_everything(tmp_path_factory.mktemp("demo")))
    found["report-stretched"] = _stretched_report(found[f"report-{SIGNED_COMMUNE}"].view)
    found["summary-stretched"] = _stretched_summary(found["summary-vi"].view)
    shots = os.environ.get("XASO_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        for name, item in found.items():
            first_page_png(item.pdf, Path(shots) / f"pdf-{name}.png")
    return found


# -- views far longer than the demo's ---------------------------------------------------

LONG_ID = "thiet-bi-" + "x" * 140  # no line of any column holds it: it must break


def _longer(text: str) -> str:
    return f"{text} {text} {text}" if text else text


def _stretched_report(view: dict[str, Any]) -> Printed:
    """The signed-off commune's view with every label and name three times as long, a
    commune name over several lines, ids that must break; a few evidence rows per
    indicator (their length is what matters, not their number)."""
    stretched = copy.deepcopy(view)
    stretched["w"] = {key: _longer(text) for key, text in view["w"].items()}
    stretched["commune_name"] = "Xã " + "Xuân Hồng Thượng " * 9
    stretched["parent"] = _longer(view["parent"])
    stretched["profile"] = _longer(view["profile"])
    for result in stretched["results"]:
        result["name"] = _longer(result["name"])
        result["method"] = _longer(result["method"])
        result["source"] = _longer(result["source"])
        result["evidence"] = result["evidence"][:3]
        for item in result["evidence"]:
            item["code"] = LONG_ID
            item["note"] = _longer(item["note"])
    for row in stretched["exclusions"]:
        row["scope"] = _longer(row["scope"])
        row["id"] = LONG_ID
    for row in stretched["signoffs"]:
        row["verifier"] = _longer(row["verifier"])
        row["note"] = _longer(row["note"])
    return Printed(render_pdf(stretched, NOW), stretched, "report")


def _stretched_summary(view: dict[str, Any]) -> Printed:
    """The summary with long words, long commune names, and the remediation columns."""
    stretched = copy.deepcopy(view)
    stretched["w"] = {key: _longer(text) for key, text in view["w"].items()}
    stretched["area"] = _longer("Tỉnh Thanh Hóa và các huyện miền núi phía Tây")
    stretched["remediation"] = True
    stretched["remediation_totals"] = {"open": 123, "overdue": 45}
    for row in stretched["rows"]:
        row["name"] = "Xã " + "Xuân Hồng Thượng " * 4
        row["remediation"] = {"open": 12, "overdue": 3}
        row["signoff"]["detail"] = f"{LONG_ID} · 05/10/2026 09:00"
    for indicator in stretched["indicators"]:
        indicator["name"] = _longer(indicator["name"])
    return Printed(render_summary_pdf(stretched, NOW), stretched, "summary")


# -- what each PDF must say -------------------------------------------------------------


def _strings(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> Iterator[str]:
    for row in rows:
        for key in keys:
            if row.get(key):
                yield str(row[key])


REPORT_WORDS = (
    "report.title", "commune", "parent", "period", "profile", "computed", "times_in",
    "excused", "sha256", "signoff", "hash_note", "summary", "indicator", "value", "ratio",
    "threshold", "verdict", "source", "method", "exclusions", "exclusions.note",
)  # fmt: skip
REPORT_FIELDS = (
    "commune_name", "commune", "parent", "period", "profile", "computed", "excused",
    "sha256", "signoff_text",
)  # fmt: skip
RESULT_FIELDS = (
    "indicator", "name", "value", "ratio", "threshold", "verdict_text", "method", "source",
    "reason",
)  # fmt: skip
# An item by its name and code, as the HTML report shows it (its raw id is not printed);
# an outage's cause in words and as the agent said it.
EVIDENCE_FIELDS = ("kind", "name", "code", "value", "counted", "time", "note", "sha256")
OUTAGE_FIELDS = ("label", "label_raw")
EXCLUSION_FIELDS = (
    "kind", "id", "scope", "when", "author", "reason", "decision", "state", "counted",
)  # fmt: skip
SIGNOFF_FIELDS = ("verifier", "role", "signed_at", "sha256", "matches_text", "note")
CHANGE_FIELDS = ("indicator", "name", "what", "signed", "current")


def report_texts(view: dict[str, Any]) -> list[str]:
    """What a commune's PDF prints of its view."""
    w = view["w"]
    texts = [w[key] for key in REPORT_WORDS]
    texts += [str(view[key]) for key in REPORT_FIELDS]
    texts += _strings(view["results"], RESULT_FIELDS)
    for result in view["results"]:
        texts += _strings(result["evidence"], EVIDENCE_FIELDS)
        outages = [e for e in result["evidence"] if e["kind_code"] == "outage"]
        texts += _strings(outages, OUTAGE_FIELDS)
    texts += _strings(view["exclusions"], EXCLUSION_FIELDS)
    texts += _strings(view["documents"], ("indicator", "name", "sha256"))
    texts += _strings(view["signoffs"], SIGNOFF_FIELDS)
    texts += _strings(view["changes"], CHANGE_FIELDS)
    if view["changes_state"] == "listed":
        texts += [w["changes"], view["changes_against"]]
    return texts


def summary_texts(view: dict[str, Any]) -> list[str]:
    """What the summary's PDF prints of its view."""
    w = view["w"]
    texts = [view[key] for key in ("title", "area", "period", "made", "signed_text")]
    texts += [w[key] for key in ("area", "period", "signoff", "legend", "ind.summary.total")]
    texts += [f"{x['symbol']} {x['text']}" for x in view["legend"]]
    texts += _strings(view["indicators"], ("id", "name"))
    for row in view["rows"]:
        texts += [row["name"], row["parent"], row["signoff"]["text"], row["signoff"]["detail"]]
        texts += [f"{c['symbol']} {c['text']}" for c in row["cells"] if c]
    return [t for t in texts if t]


def footer_of(item: Printed) -> tuple[str, str]:
    view = item.view
    if item.kind == "report":
        footer = f"{view['commune_name']} · {view['period']} · SHA-256 {view['sha256']}"
    else:
        footer = f"{view['title']} — {view['area']} — {view['period']}"
    return footer, view["w"]["page"]


NAMES = [
    *(f"report-{c}" for c in ("xuan-hong", "xuan-lai", "xuan-sinh", "xuan-phu")),
    *(f"report-{c}" for c in ("tt-tho-xuan", "tt-sao-vang", "tt-lam-son")),
    "report-stretched",
    "summary-vi",
    "summary-en",
    "summary-stretched",
]


@pytest.fixture(scope="module")
def read(printed: dict[str, Printed]) -> dict[str, ReadBack]:
    return {name: read_back(item.pdf) for name, item in printed.items()}


def test_every_demo_commune_has_a_report(printed: dict[str, Printed]) -> None:
    assert {f"report-{c}" for c in demo_communes()} <= set(printed)
    assert set(NAMES) == set(printed)


@pytest.mark.parametrize("name", NAMES)
def test_no_text_is_printed_over_other_text(name: str, read: dict[str, ReadBack]) -> None:
    assert layout_problems(read[name]) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_text_reads_back_as_it_went_in(
    name: str, printed: dict[str, Printed], read: dict[str, ReadBack]
) -> None:
    item = printed[name]
    texts = report_texts(item.view) if item.kind == "report" else summary_texts(item.view)
    assert missing_texts(read[name], texts) == []
    assert footer_problems(read[name], *footer_of(item)) == []


def test_the_signed_off_report_prints_its_sign_off_changes_and_window(
    printed: dict[str, Printed],
) -> None:
    view = printed[f"report-{SIGNED_COMMUNE}"].view
    assert view["signoff_state"] == "mismatch"
    assert view["changes_state"] == "listed" and view["changes"]
    assert [x["id"] for x in view["exclusions"]] == ["mw-thay-loa"]
    assert view["signoffs"][0]["verifier"] == "Nguyễn Thị Thẩm Định"


def test_long_labels_sit_beside_their_values_not_over_them(read: dict[str, ReadBack]) -> None:
    """The labels the first page ran over its values with: each on its own, whole."""
    page = read["report-xuan-hong"].pages[0]
    for label in ("Loại trừ thời gian được miễn trừ", "Mã băm minh chứng (SHA-256)"):
        assert label.replace(" ", "") in page.body.replace(" ", "")
    # The zone's words carry their own brackets: none around them.
    assert "· Giờ Việt Nam (UTC+7)" in page.body
    assert "(Giờ Việt Nam (UTC+7))" not in page.body
