"""Declared indicators (N1–N4, N6): evidence documents by sha256, checked by content;
entries append-only, and the one that covers a period is what the evaluation gets."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.apps import app_without_broker, bearer, page_cookie
from tests.paths import DATA
from xaso.inventory import load_inventory
from xaso.server.database import ServerDatabase
from xaso.server.indicators.compute import CommuneData, evaluate_commune
from xaso.server.indicators.evidence import canonical_bytes, evidence_sha256
from xaso.server.indicators.gather import documents
from xaso.server.indicators.gather.declared import (
    DeclaredDocument,
    DeclaredStore,
    DeclaredValue,
    check_declaration,
)
from xaso.server.indicators.gather.documents import DocumentInfo, clean_name
from xaso.server.indicators.keys import DECLARED, DOCUMENTS
from xaso.server.indicators.profile import IndicatorProfile, load_default_profile, load_profiles
from xaso.server.indicators.reports.report import render_csv, report_view
from xaso.server.indicators.result import CommuneEvaluation, IndicatorResult
from xaso.server.indicators.snapshot import snapshot
from xaso.server.keys import SETTINGS
from xaso.server.web.tokens import Role

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
INDICATORS_INVENTORY = DATA / "indicators-inventory.yaml"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office(part: str) -> bytes:
    """A minimal Office file; the same bytes on every call (a zip entry carries its
    time, and a test that hashes two calls straddling a second would fail)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (("[Content_Types].xml", "<Types/>"), (part, "<document/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def ms(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=TZ).timestamp() * 1000)


# -- pure parts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (PDF, "quyet-dinh.pdf", documents.PDF),
        (PNG, "anh.PNG", documents.PNG),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 16, "anh.jpg", documents.JPEG),
        (office("word/document.xml"), "bao-cao.docx", documents.DOCX),
        (office("xl/workbook.xml"), "so-lieu.xlsx", documents.XLSX),
        (PDF, "", documents.PDF),  # no name: the content decides
    ],
)
def test_types_are_recognised_by_content(
    tmp_path: Path, content: bytes, name: str, expected: str
) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    assert documents.check_type(path, name) == expected


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (b"MZ\x90\x00 a program", "quyet-dinh.pdf", "not a PDF, JPEG, PNG, DOCX or XLSX"),
        (PNG, "quyet-dinh.pdf", "content is PNG"),
        (office("other.xml"), "bao-cao.docx", "not a PDF"),  # a ZIP, not Office
        (b"PK\x03\x04 broken zip", "bao-cao.docx", "not a PDF"),
        (PDF, "quyet-dinh.exe", "named like a .exe file"),
    ],
)
def test_anything_else_is_refused_with_the_reason(
    tmp_path: Path, content: bytes, name: str, says: str
) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    with pytest.raises(documents.DocumentError, match=says):
        documents.check_type(path, name)


def test_names_lose_their_folders() -> None:
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("C:\\Users\\VHXH\\Quyết định.pdf") == "Quyết định.pdf"
    assert clean_name("a\x00b\nc.pdf") == "abc.pdf"


def _doc(sha: str, communes: list[str]) -> DocumentInfo:
    return DocumentInfo(
        id=sha, name="qd.pdf", size=10, content_type=documents.PDF, communes=communes
    )


def test_a_declaration_reports_every_problem_at_once() -> None:
    entry, problems = check_declaration(
        {
            "commune": "nowhere",
            "indicator": "R2",
            "value": "all",
            "numerator": 5,
            "valid_from": "2026-13-01",
            "documents": [],
            "colour": "red",
        },
        ["alpha"],
        {},
        entered_by="x",
        entered_ms=0,
    )
    assert entry is None
    text = "\n".join(problems)
    for expected in (
        "colour: unknown field",
        "commune: no commune 'nowhere'",
        "indicator: must be one of N1, N2, N3, N4, N6",
        "value: must be a number",
        "numerator and denominator: give both or neither",
        "valid_from: must be a date",
        "documents: at least one evidence document",
    ):
        assert expected in text


def test_a_document_backs_only_the_communes_it_was_uploaded_for() -> None:
    alpha_doc, province_doc = "a" * 64, "b" * 64
    known = {alpha_doc: _doc(alpha_doc, ["alpha"]), province_doc: _doc(province_doc, [])}
    body = {"commune": "beta", "indicator": "N1", "value": 100, "valid_from": "2026-01-01"}
    _, problems = check_declaration(
        {**body, "documents": [alpha_doc]}, ["alpha", "beta"], known, entered_by="", entered_ms=0
    )
    assert problems == [f"documents[0]: no uploaded document {alpha_doc} for this commune"]
    entry, problems = check_declaration(
        {**body, "documents": [province_doc], "value": 75, "numerator": 3, "denominator": 4},
        ["alpha", "beta"],
        known,
        entered_by="",
        entered_ms=0,
    )
    assert problems == [] and entry is not None
    assert entry.documents[0].sha256 == province_doc and entry.numerator == 3.0


def _entry(
    value: float, valid_from: str, valid_until: str | None, entered_ms: int
) -> DeclaredValue:
    return DeclaredValue(
        id="",
        seq=0,
        commune="alpha",
        indicator="N1",
        value=value,
        valid_from=dt.date.fromisoformat(valid_from),
        valid_until=dt.date.fromisoformat(valid_until) if valid_until else None,
        entered_ms=entered_ms,
    )


def test_value_for_is_the_newest_entry_covering_the_whole_period(tmp_path: Path) -> None:
    database = ServerDatabase(tmp_path / "x.db")
    store = DeclaredStore(database.connection, TZ)
    try:
        store.add(_entry(60, "2026-01-01", None, entered_ms=1))
        store.add(_entry(80, "2026-07-01", "2026-09-30", entered_ms=2))
        q3 = (ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))
        q4 = (ms("2026-10-01T00:00"), ms("2027-01-01T00:00"))
        found = store.value_for("alpha", "N1", *q3)
        assert found is not None and found.value == 80
        # Q4 is beyond the second entry's dates: the open-ended first one applies.
        found = store.value_for("alpha", "N1", *q4)
        assert found is not None and found.value == 60
        # A correction entered later wins for the days it covers.
        store.add(_entry(75, "2026-07-01", "2026-12-31", entered_ms=3))
        found = store.value_for("alpha", "N1", *q3)
        assert found is not None and found.value == 75
        # Local days: the period's last instant is 30/09 23:59 in Hanoi, not UTC's.
        found = store.value_for("alpha", "N1", ms("2025-12-01T00:00"), q3[1])
        assert found is None  # nothing covers December 2025
        assert store.value_for("beta", "N1", *q3) is None
        assert store.value_for("alpha", "N2", *q3) is None
    finally:
        database.close()
    database = ServerDatabase(tmp_path / "x.db")
    reopened = DeclaredStore(database.connection, TZ)
    try:
        assert [e.value for e in reopened.entries()] == [60, 80, 75]
        found = reopened.value_for("alpha", "N1", *q3)
        assert found is not None and found.value == 75
    finally:
        database.close()


# -- through the API ------------------------------------------------------------------


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


def _form(*files: tuple[str, bytes]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, content in files:
        form.add_field("file", content, filename=name, content_type="application/octet-stream")
    return form


def _stored(app: web.Application) -> list[str]:
    folder = Path(app[SETTINGS].data_dir) / "evidence"
    return sorted(p.name for p in folder.iterdir())


async def test_upload_declare_and_the_evaluation_finds_it(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    response = await client.post(
        "/api/v1/indicators/documents",
        data=_form(("Quyết định số 12.pdf", PDF), ("hợp đồng.docx", office("word/document.xml"))),
        headers=officer,
    )
    assert response.status == 201, await response.text()
    uploaded = (await response.json())["documents"]
    assert [d["id"] for d in uploaded] == [
        hashlib.sha256(PDF).hexdigest(),
        hashlib.sha256(office("word/document.xml")).hexdigest(),
    ]
    assert uploaded[0]["name"] == "Quyết định số 12.pdf"
    assert uploaded[0]["content_type"] == "application/pdf"
    assert uploaded[0]["communes"] == ["alpha"]

    body = {
        "commune": "alpha",
        "indicator": "N1",
        "value": 80,
        "numerator": 4,
        "denominator": 5,
        "valid_from": "2026-07-01",
        "note": "4/5 thôn có cáp quang",
        "documents": [d["id"] for d in uploaded],
    }
    response = await client.post("/api/v1/indicators/declared", json=body, headers=officer)
    assert response.status == 201, await response.text()
    entry = await response.json()
    assert entry["entered_by"] == "operator" and entry["documents"][1]["name"] == "hợp đồng.docx"

    found = app[DECLARED].value_for("alpha", "N1", ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))
    assert found is not None and found.value == 80 and found.id == entry["id"]

    listed = await (await client.get("/api/v1/indicators/declared", headers=officer)).json()
    assert listed["count"] == 1 and listed["declared"][0]["current"] is True

    # The document itself, byte for byte, with its Vietnamese name.
    response = await client.get(
        f"/api/v1/indicators/documents/{uploaded[0]['id']}", headers=officer
    )
    assert response.status == 200 and await response.read() == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert "Quy%E1%BA%BFt" in response.headers["Content-Disposition"]
    # From the page (login cookie), where the printable report links to it.
    response = await client.get(
        f"/indicators/documents/{uploaded[0]['id']}",
        headers=page_cookie(app, Role.OPERATOR, "alpha"),
    )
    assert response.status == 200 and await response.read() == PDF


async def test_roles_and_commune_scope(client: TestClient, app: web.Application) -> None:
    alpha = bearer(app, Role.OPERATOR, "alpha")
    response = await client.post(
        "/api/v1/indicators/documents?name=qd.pdf", data=PDF, headers=alpha
    )
    assert response.status == 201
    sha = (await response.json())["documents"][0]["id"]
    body = {
        "commune": "alpha",
        "indicator": "N2",
        "value": 100,
        "valid_from": "2026-01-01",
        "documents": [sha],
    }
    # Another commune's officer may neither declare for alpha nor see its evidence.
    beta = bearer(app, Role.OPERATOR, "beta")
    assert (await client.post("/api/v1/indicators/declared", json=body, headers=beta)).status == 403
    response = await client.post(
        "/api/v1/indicators/documents?commune=alpha", data=PDF, headers=beta
    )
    assert response.status == 403
    beta_viewer = bearer(app, Role.VIEWER, "beta")
    assert (
        await client.get(f"/api/v1/indicators/documents/{sha}", headers=beta_viewer)
    ).status == 404
    listed = await (await client.get("/api/v1/indicators/documents", headers=beta_viewer)).json()
    assert listed["count"] == 0
    # Viewers and verifiers read; they do not declare or upload.
    for role in (Role.VIEWER, Role.VERIFIER):
        token = bearer(app, role)
        assert (
            await client.post("/api/v1/indicators/declared", json=body, headers=token)
        ).status == 403
        assert (
            await client.post("/api/v1/indicators/documents", data=PDF, headers=token)
        ).status == 403
        assert (
            await client.get(f"/api/v1/indicators/documents/{sha}", headers=token)
        ).status == 200
    admin = bearer(app, Role.ADMIN)
    assert (
        await client.post("/api/v1/indicators/declared", json=body, headers=admin)
    ).status == 201
    # beta's officer cannot cite alpha's document for beta either.
    response = await client.post(
        "/api/v1/indicators/declared", json={**body, "commune": "beta"}, headers=beta
    )
    assert response.status == 400
    assert "no uploaded document" in (await response.json())["problems"][0]
    listed = await (await client.get("/api/v1/indicators/declared", headers=beta_viewer)).json()
    assert listed["count"] == 0


async def test_a_bad_upload_is_refused_and_nothing_is_kept(
    client: TestClient, app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    # One good file and one program renamed to .pdf: neither is kept.
    response = await client.post(
        "/api/v1/indicators/documents",
        data=_form(("tot.pdf", PDF), ("virus.pdf", b"MZ\x90\x00 program")),
        headers=officer,
    )
    assert response.status == 400
    answer = await response.json()
    assert answer["error"] == "evidence refused; nothing was kept"
    assert answer["problems"] == [
        "file 1: 'virus.pdf' is not a PDF, JPEG, PNG, DOCX or XLSX file (checked by its content)"
    ]
    assert _stored(app) == [] and app[DOCUMENTS].table.items == {}

    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 100)
    response = await client.post(
        "/api/v1/indicators/documents?name=big.pdf", data=PDF + b"x" * 200, headers=officer
    )
    assert response.status == 400
    assert "larger than" in (await response.json())["problems"][0]
    response = await client.post("/api/v1/indicators/documents", data=b"", headers=officer)
    assert response.status == 400
    assert _stored(app) == [] and app[DOCUMENTS].table.items == {}

    # A declaration with problems stores nothing either.
    response = await client.post(
        "/api/v1/indicators/declared",
        json={"commune": "alpha", "indicator": "N1", "value": -1, "valid_from": "2026-01-01"},
        headers=officer,
    )
    assert response.status == 400
    assert len((await response.json())["problems"]) == 2  # value, documents
    assert app[DECLARED].entries() == []


async def test_declared_values_and_documents_survive_a_restart(tmp_path: Path) -> None:
    async with app_without_broker(tmp_path) as first, TestClient(TestServer(first)) as client:
        officer = bearer(first, Role.OPERATOR, "alpha")
        response = await client.post("/api/v1/indicators/documents", data=PNG, headers=officer)
        sha = (await response.json())["documents"][0]["id"]
        body = {
            "commune": "alpha",
            "indicator": "N6",
            "value": 100,
            "valid_from": "2026-01-01",
            "documents": [sha],
        }
        assert (
            await client.post("/api/v1/indicators/declared", json=body, headers=officer)
        ).status == 201
    async with app_without_broker(tmp_path) as second, TestClient(TestServer(second)) as client:
        found = second[DECLARED].value_for(
            "alpha", "N6", ms("2026-02-01T00:00"), ms("2026-03-01T00:00")
        )
        assert found is not None and found.value == 100 and found.documents[0].sha256 == sha
        response = await client.get(
            f"/api/v1/indicators/documents/{sha}", headers=bearer(second, Role.VIEWER)
        )
        assert await response.read() == PNG


def test_a_declared_percentage_is_at_most_100_and_matches_its_ratio() -> None:
    sha = "a" * 64
    known = {sha: _doc(sha, ["alpha"])}
    base = {"commune": "alpha", "valid_from": "2026-01-01", "documents": [sha]}

    def problems_of(**body: object) -> list[str]:
        _, problems = check_declaration(
            {**base, **body}, ["alpha"], known, entered_by="", entered_ms=0
        )
        return problems

    assert problems_of(indicator="N1", value=250) == ["value: 250 is a percentage above 100"]
    [problem] = problems_of(indicator="N1", value=100, numerator=3, denominator=4)
    assert "3 ÷ 4 = 75.00 %" in problem
    # Rounded to a whole percent is the same share; a count is no percentage.
    assert problems_of(indicator="N1", value=67, numerator=2, denominator=3) == []
    assert problems_of(indicator="N3", value=250, numerator=3, denominator=4) == []


async def test_the_api_refuses_an_impossible_percentage(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    response = await client.post("/api/v1/indicators/documents", data=PDF, headers=officer)
    sha = (await response.json())["documents"][0]["id"]
    body = {"commune": "alpha", "indicator": "N2", "valid_from": "2026-07-01", "documents": [sha]}
    response = await client.post(
        "/api/v1/indicators/declared", json={**body, "value": 180}, headers=officer
    )
    assert response.status == 400 and "above 100" in await response.text()
    assert app[DECLARED].entries() == []


# -- indicators a province adds -------------------------------------------------------

PROVINCE_ADDS = """\
schema: 1
name: Tỉnh Thử 2026
area: prov
added:
  T1:
    name: Tỷ lệ thôn có tổ công nghệ số cộng đồng
    name_en: Villages with a community digital technology team
    unit: "%"
    threshold: 80
    method: Số thôn có tổ ÷ tổng số thôn
    method_en: Villages with a team ÷ all villages
  QR:
    name: Số hộ kinh doanh thanh toán bằng mã QR
    unit: {vi: hộ, en: households}
    threshold: 20
    evidence_required: false
"""
Q3 = (ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))


def province_profile(tmp_path: Path) -> IndicatorProfile:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "prov.yaml").write_text(PROVINCE_ADDS, encoding="utf-8")
    return load_profiles(folder, load_inventory(INDICATORS_INVENTORY).index()).for_ancestors(
        ["prov"]
    )


def _declared(indicator: str, value: float, papers: int = 1) -> DeclaredValue:
    return DeclaredValue(
        id=f"dv-{indicator}",
        seq=1,
        commune="hoa",
        indicator=indicator,
        value=value,
        numerator=value / 10 if indicator == "T1" else None,
        denominator=10 if indicator == "T1" else None,
        valid_from=dt.date(2026, 7, 1),
        documents=[
            DeclaredDocument(f"quyet-dinh-{n}.pdf", f"{n:x}" * 64, 100, documents.PDF)
            for n in range(papers)
        ],
        entered_by="VH-XH Hòa",
        entered_ms=Q3[0],
    )


def evaluate_hoa(profile: IndicatorProfile, *entries: DeclaredValue) -> CommuneEvaluation:
    index = load_inventory(INDICATORS_INVENTORY).index()
    snap = snapshot(index, "hoa", *Q3)
    data = CommuneData({}, {}, {}, None, {e.indicator: e for e in entries})
    return evaluate_commune(snap, data, profile, now_ms=Q3[1] + 86_400_000)


def results_of(evaluation: CommuneEvaluation) -> dict[str, IndicatorResult]:
    return {r.indicator: r for r in evaluation.results}


def test_an_added_indicator_is_judged_as_the_catalogues_declared_ones(tmp_path: Path) -> None:
    profile = province_profile(tmp_path)
    nothing = results_of(evaluate_hoa(profile))["T1"]
    assert (nothing.verdict, nothing.reason) == (
        "insufficient_data",
        "Chưa kê khai số liệu (kèm minh chứng) cho toàn bộ kỳ",
    )
    assert (nothing.name, nothing.threshold, nothing.source) == (
        "Tỷ lệ thôn có tổ công nghệ số cộng đồng",
        80,
        "declared",
    )
    t1 = results_of(evaluate_hoa(profile, _declared("T1", 90)))["T1"]
    assert (t1.verdict, t1.value, t1.numerator, t1.denominator) == ("met", 90, 9, 10)
    assert [(e.kind, e.id) for e in t1.evidence] == [("declared", "dv-T1"), ("document", "0" * 64)]
    # The profile's method first, then the rule of every declared value.
    assert t1.method.startswith("Số thôn có tổ ÷ tổng số thôn. Số liệu do xã kê khai kèm")
    assert t1.method_en.startswith("Villages with a team ÷ all villages. A value declared")
    low = results_of(evaluate_hoa(profile, _declared("T1", 70)))["T1"]
    assert low.verdict == "not_met"


def test_without_its_document_a_declared_value_is_not_met_but_insufficient(
    tmp_path: Path,
) -> None:
    profile = province_profile(tmp_path)
    results = results_of(
        evaluate_hoa(profile, _declared("T1", 90, papers=0), _declared("QR", 25, papers=0))
    )
    t1 = results["T1"]
    assert (t1.verdict, t1.value) == ("insufficient_data", 90)
    assert "chưa kèm tài liệu minh chứng" in t1.reason and "no evidence document" in t1.reason_en
    assert [e.kind for e in t1.evidence] == ["declared"]
    # QR needs no document: judged as it stands, in its own unit.
    qr = results["QR"]
    assert (qr.verdict, qr.value, qr.unit, qr.unit_en) == ("met", 25, "hộ", "households")
    assert "tài liệu minh chứng không bắt buộc" in qr.method


def test_the_evidence_hash_covers_added_indicators(tmp_path: Path) -> None:
    profile = province_profile(tmp_path)
    default = load_default_profile()
    undeclared = evaluate_hoa(profile)
    declared = evaluate_hoa(profile, _declared("T1", 90))
    another_document = evaluate_hoa(profile, _declared("T1", 90, papers=2))
    hashes = {evidence_sha256(e) for e in (undeclared, declared, another_document)}
    assert len(hashes) == 3
    assert b'"indicator":"T1"' in canonical_bytes(declared)
    # The catalogue's evaluation is as it was: no new field, the same bytes.
    plain = evaluate_hoa(default)
    assert b"unit_en" not in canonical_bytes(plain) and b"T1" not in canonical_bytes(plain)


def test_the_report_names_them_from_the_profile(tmp_path: Path) -> None:
    profile = province_profile(tmp_path)
    evaluation = evaluate_hoa(profile, _declared("T1", 90), _declared("QR", 25, papers=0))
    rows = {}
    for lang in ("vi", "en"):
        view = report_view(evaluation, evidence_sha256(evaluation), [], tz=TZ, lang=lang)
        rows[lang] = {row["indicator"]: row for row in view["results"]}
    assert rows["vi"]["T1"]["name"] == "Tỷ lệ thôn có tổ công nghệ số cộng đồng"
    assert rows["en"]["T1"]["name"] == "Villages with a community digital technology team"
    assert (rows["vi"]["T1"]["value"], rows["vi"]["T1"]["threshold"]) == ("90 %", "≥ 80 %")
    # No English name: the Vietnamese; a unit of its own in each language.
    assert rows["en"]["QR"]["name"] == "Số hộ kinh doanh thanh toán bằng mã QR"
    assert (rows["vi"]["QR"]["value"], rows["vi"]["QR"]["threshold"]) == ("25 hộ", "≥ 20 hộ")
    assert (rows["en"]["QR"]["value"], rows["en"]["QR"]["threshold"]) == (
        "25 households",
        "≥ 20 households",
    )
    csv_en = render_csv(evaluation, "x", [], tz=TZ, lang="en").decode("utf-8-sig")
    assert ",households," in csv_en and ",T1,Villages with a community" in csv_en


def test_a_commune_declares_what_its_profile_has(tmp_path: Path) -> None:
    profile = province_profile(tmp_path)
    sha = "a" * 64
    known = {sha: _doc(sha, ["alpha"])}
    body = {"commune": "alpha", "indicator": "T1", "value": 90, "valid_from": "2026-07-01"}

    def check(profile: IndicatorProfile | None, **extra: object) -> list[str]:
        _, problems = check_declaration(
            {**body, **extra}, ["alpha"], known, entered_by="", entered_ms=0, profile=profile
        )
        return problems

    assert check(profile, documents=[sha]) == []
    assert check(profile, indicator="QR", value=3) == []  # no document needed
    assert check(profile, documents=[sha], value=120) == ["value: 120 is a percentage above 100"]
    assert check(profile) == [
        "documents: at least one evidence document, by the sha256 that "
        "POST /api/v1/indicators/documents answered"
    ]
    [problem] = check(None, documents=[sha])
    assert problem == (
        "indicator: must be one of N1, N2, N3, N4, N6: 'T1' is not an indicator of this "
        "commune's profile (Mặc định (default))"
    )
    [problem] = check(profile, indicator="R6", documents=[sha])
    assert problem.endswith("R6 is measured, not declared")
    off = msgspec.structs.replace(
        profile,
        indicators=[
            msgspec.structs.replace(i, enabled=False) if i.id == "T1" else i
            for i in profile.indicators
        ],
    )
    [problem] = check(off, documents=[sha])
    assert problem.endswith("T1 is switched off in this commune's profile (Tỉnh Thử 2026)")
