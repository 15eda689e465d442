"""Reports of a commune's period: one evidence hash for every format; CSV with a BOM
and Vietnamese headers; a printable HTML page; a PDF whose Vietnamese reads back."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pypdf
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.indicator_fakes import TZ, FakeEvaluation, ms, small_fake
from xaso.server.indicators.evidence import canonical_bytes, evidence_sha256
from xaso.server.indicators.keys import EVALUATE
from xaso.server.indicators.reports.report import format_number
from xaso.server.web.tokens import Role

Q3 = "period=2026-Q3"


def test_the_hash_ignores_when_and_how_a_figure_was_computed() -> None:
    fake = small_fake()
    q3 = (ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))
    first, second = fake.evaluation("alpha", *q3), fake.evaluation("alpha", *q3)
    assert first.computed_ms != second.computed_ms
    assert evidence_sha256(first) == evidence_sha256(second)
    # 0.1 + 0.2 and 0.3, 75 and 75.0: the same figure, the same hash.
    fake.r2_value["alpha"] = 0.1 + 0.2
    summed = fake.evaluation("alpha", *q3)
    fake.r2_value["alpha"] = 0.3
    assert evidence_sha256(fake.evaluation("alpha", *q3)) == evidence_sha256(summed)
    fake.r2_value["alpha"] = 75
    as_int = fake.evaluation("alpha", *q3)
    fake.r2_value["alpha"] = 75.0
    assert evidence_sha256(fake.evaluation("alpha", *q3)) == evidence_sha256(as_int)
    # Any real change of the data changes it.
    fake.r2_value["alpha"] = 75.5
    assert evidence_sha256(fake.evaluation("alpha", *q3)) != evidence_sha256(as_int)
    # JSON, sorted keys, no computed_ms, UTF-8.
    text = canonical_bytes(as_int).decode()
    assert "computed_ms" not in text and "Tỷ lệ thôn" in text
    assert text.index('"commune"') < text.index('"from_ms"') < text.index('"results"')
    assert msgspec.json.decode(text)["commune"] == "alpha"


def test_numbers_are_written_the_vietnamese_way() -> None:
    assert format_number(1234.5, "vi") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(95.0, "vi") == "95"
    assert format_number(None, "vi") == "—"


@pytest.fixture
def fake() -> FakeEvaluation:
    return small_fake()


@pytest.fixture
async def app(tmp_path: Path, fake: FakeEvaluation) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        application[EVALUATE] = fake
        yield application


async def _json_report(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    response = await client.get(
        f"/api/v1/indicators/report?commune=alpha&{Q3}&format=json", headers=headers
    )
    assert response.status == 200, await response.text()
    body: dict[str, object] = await response.json()
    return body


async def test_every_format_carries_the_same_hash(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    viewer = bearer(app, Role.VIEWER, "alpha")
    body = await _json_report(client, viewer)
    sha = body["sha256"]
    assert isinstance(sha, str) and len(sha) == 64
    assert fake.calls[-1] == (["alpha"], ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))

    response = await client.get(
        f"/api/v1/indicators/report?commune=alpha&{Q3}&format=csv", headers=viewer
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "bao-cao-chi-tieu_alpha_2026-Q3.csv" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã xã", "Tên xã", "Đơn vị cấp trên"]
    header = rows[0]
    r2 = dict(zip(header, rows[1], strict=True))
    assert r2["Mã chỉ tiêu"] == "R2" and r2["Kết quả"] == "Đạt"
    assert r2["Đơn vị cấp trên"] == "Tỉnh Thử"  # the area's name, not its code
    assert r2["Từ ngày"] == "01/07/2026" and r2["Đến ngày"] == "30/09/2026"
    assert r2["Mã băm báo cáo (SHA-256)"] == sha
    assert r2["Phê duyệt"] == "Chưa phê duyệt"
    n1 = dict(zip(header, rows[2], strict=True))
    assert n1["Kết quả"] == "Không đủ dữ liệu" and n1["Giá trị"] == ""

    response = await client.get(
        f"/api/v1/indicators/report?commune=alpha&{Q3}&format=csv&lang=en", headers=viewer
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    en = dict(zip(rows[0], rows[1], strict=True))
    assert en["verdict"] == "met" and en["report_sha256"] == sha and en["from"] == "2026-07-01"

    response = await client.get(f"/api/v1/indicators/report?commune=alpha&{Q3}", headers=viewer)
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    for expected in (
        sha,
        "Xã Alpha",
        "Đạt",
        "Không đủ dữ liệu",
        "Chưa có số liệu kê khai cho kỳ này",
        "01/07/2026 – 30/09/2026",
        "≥ 100 %",
        "Mất điện lưới",
        "Chưa phê duyệt",
    ):
        assert expected in html, expected


async def test_the_pdf_reads_back_in_vietnamese(client: TestClient, app: web.Application) -> None:
    viewer = bearer(app, Role.VIEWER)
    sha = (await _json_report(client, viewer))["sha256"]
    response = await client.get(
        f"/api/v1/indicators/report?commune=alpha&{Q3}&format=pdf", headers=viewer
    )
    assert response.status == 200, await response.text()
    assert response.content_type == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(await response.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for expected in (
        "Báo cáo chỉ tiêu hạ tầng số — Xã Alpha — Quý 3/2026",
        "Tỷ lệ thôn có cụm loa truyền thanh hoạt động",
        "Không đủ dữ liệu",
        "Đạt",
        "Kỳ báo cáo Quý 3/2026 (01/07/2026 – 30/09/2026)",
        "Chưa phê duyệt",
    ):
        assert expected in flat, expected
    assert str(sha) in text.replace("\n", "").replace(" ", "")
    assert reader.metadata is not None and str(sha) in str(reader.metadata.subject)


async def test_reports_follow_the_commune_scope(client: TestClient, app: web.Application) -> None:
    beta = bearer(app, Role.VIEWER, "beta")
    response = await client.get(f"/api/v1/indicators/report?commune=alpha&{Q3}", headers=beta)
    assert response.status == 404
    response = await client.get(f"/api/v1/indicators/report?commune=nowhere&{Q3}", headers=beta)
    assert response.status == 404
    admin = bearer(app, Role.ADMIN)
    response = await client.get(
        "/api/v1/indicators/report?commune=alpha&period=2026-Q5", headers=admin
    )
    assert response.status == 400 and "2026-Q5" in (await response.json())["error"]
    response = await client.get(
        f"/api/v1/indicators/report?commune=alpha&{Q3}&format=docx", headers=admin
    )
    assert response.status == 400
    assert (await client.get(f"/api/v1/indicators/report?commune=alpha&{Q3}")).status == 401


async def test_the_page_opens_reports_with_the_login_cookie(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.VIEWER, "alpha")
    response = await client.get(f"/indicators/report?commune=alpha&{Q3}&lang=en", headers=cookie)
    assert response.status == 200
    html = await response.text()
    assert "Digital infrastructure indicators" in html and "Met" in html
    response = await client.get(
        f"/indicators/report?commune=alpha&{Q3}", headers=cookie, allow_redirects=False
    )
    assert response.status == 200
    response = await client.get(f"/indicators/report?commune=alpha&{Q3}", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login?next=")


async def test_the_language_links_switch_the_language(
    client: TestClient, app: web.Application
) -> None:
    viewer = bearer(app, Role.VIEWER)
    html = await (
        await client.get(f"/api/v1/indicators/report?commune=alpha&{Q3}&lang=en", headers=viewer)
    ).text()
    links = {
        text: href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]*)">([^<]*)</a>', html)
    }
    vietnamese = links["Tiếng Việt"]
    assert vietnamese.count("lang=") == 1 and "lang=vi" in vietnamese
    response = await client.get(vietnamese, headers=viewer)
    assert '<html lang="vi">' in await response.text()
    assert links["PDF"].count("format=") == 1


async def test_an_unknown_excused_setting_is_a_400_not_quietly_no(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    viewer = bearer(app, Role.VIEWER)
    for path in (
        f"/api/v1/indicators/report?commune=alpha&{Q3}&excused=2",
        f"/api/v1/indicators/overview?{Q3}&excused=on",
    ):
        response = await client.get(path, headers=viewer)
        assert response.status == 400, path
        assert "excused" in await response.text()
    assert fake.calls == []


def test_every_data_source_is_named_in_vietnamese() -> None:
    from xaso.server.indicators.reports.report import report_view
    from xaso.server.indicators.result import SOURCES

    fake = small_fake()
    evaluation = fake.evaluation("alpha", ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))
    results = [msgspec.structs.replace(evaluation.results[0], source=s) for s in SOURCES]
    view = report_view(
        msgspec.structs.replace(evaluation, results=results), "0" * 64, [], tz=TZ, lang="vi"
    )
    shown = [r["source"] for r in view["results"]]
    assert not set(shown) & set(SOURCES), shown  # no code left untranslated


def test_every_unit_of_the_default_profile_is_named_in_vietnamese() -> None:
    from xaso.server.indicators.profile import load_default_profile
    from xaso.server.words import translator

    vi = translator("vi")
    for indicator in load_default_profile().indicators:
        if indicator.unit not in ("", "%"):
            assert f"unit.{indicator.unit}" in vi, indicator.id  # N3 counts "điểm"


def test_the_english_report_uses_the_english_texts() -> None:
    from xaso.server.indicators.reports.report import render_csv, report_view

    fake = small_fake()
    evaluation = fake.evaluation("alpha", ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))
    r2 = msgspec.structs.replace(
        evaluation.results[0],
        name_en="Villages with a working cluster",
        method_en="Villages with a working cluster ÷ all villages",
        reason_en="Not enough data",
        reason="Không đủ dữ liệu",
    )
    evaluation = msgspec.structs.replace(evaluation, results=[r2])
    [english] = report_view(evaluation, "0" * 64, [], tz=TZ, lang="en")["results"]
    assert (english["name"], english["method"], english["reason"]) == (
        r2.name_en,
        r2.method_en,
        r2.reason_en,
    )
    [vietnamese] = report_view(evaluation, "0" * 64, [], tz=TZ, lang="vi")["results"]
    assert (vietnamese["name"], vietnamese["reason"]) == (r2.name, r2.reason)
    row = next(
        csv.DictReader(
            io.StringIO(render_csv(evaluation, "0" * 64, [], tz=TZ, lang="en").decode("utf-8-sig"))
        )
    )
    assert (row["name"], row["method"]) == (r2.name_en, r2.method_en)


async def test_a_store_that_cannot_answer_is_a_503(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    from xaso.server.store.base import StoreUnavailable

    fake.error = StoreUnavailable("influxd is down")
    admin = bearer(app, Role.ADMIN)
    for path in (
        f"/api/v1/indicators/report?commune=alpha&{Q3}&format=json",
        f"/api/v1/indicators/overview?{Q3}",
    ):
        response = await client.get(path, headers=admin)
        assert response.status == 503, path
        assert "influxd is down" in (await response.json())["error"]


def test_the_report_names_its_period_roles_and_outage_causes_in_words() -> None:
    from xaso.server.indicators.gather.signoff import SignOff, SignOffStatus
    from xaso.server.indicators.reports.report import render_csv, render_html, report_view
    from xaso.server.indicators.result import EvidenceItem

    q3_from, q3_to = ms("2026-07-01T00:00"), ms("2026-10-01T00:00")
    evaluation = small_fake().evaluation("alpha", q3_from, q3_to)
    outage = EvidenceItem(
        kind="outage", id="alpha-cam-1", label="probe_failed: tcp 554: connection refused"
    )
    first = msgspec.structs.replace(evaluation.results[0], evidence=[outage])
    evaluation = msgspec.structs.replace(evaluation, results=[first])
    signoff = SignOff(
        id="s1",
        commune="alpha",
        from_ms=q3_from,
        to_ms=q3_to,
        period="2026-Q3",
        sha256="0" * 64,
        profile="default",
        verifier="Sở TT&TT",
        token_id="t1",
        role="verifier",
        signed_ms=q3_to,
    )
    statuses = [SignOffStatus(signoff, "0" * 64, True)]
    vi = report_view(evaluation, "0" * 64, statuses, tz=TZ, lang="vi")
    en = report_view(evaluation, "0" * 64, statuses, tz=TZ, lang="en")
    assert vi["period"] == "Quý 3/2026 (01/07/2026 – 30/09/2026)"
    assert en["period"] == "Q3 2026 (2026-07-01 – 2026-09-30)"
    assert vi["signoffs"][0]["role"] == "Cán bộ thẩm định"
    assert en["signoffs"][0]["role"] == "Verifier"
    [row] = vi["results"][0]["evidence"]
    assert row["label"].startswith("Không phản hồi: cổng 554: bị từ chối kết nối")
    assert row["label_raw"] == "tcp 554: connection refused"  # the agent's words kept
    html = render_html(vi)
    assert "Xã Alpha — Quý 3/2026" in html and "tcp 554: connection refused" in html
    # A commune created within the period: the period asked, then the days evaluated.
    part = msgspec.structs.replace(
        evaluation,
        from_ms=ms("2026-08-15T00:00"),
        requested_from_ms=q3_from,
        requested_to_ms=q3_to,
    )
    assert report_view(part, "0" * 64, [], tz=TZ, lang="vi")["period"] == (
        "Quý 3/2026 (15/08/2026 – 30/09/2026)"
    )
    # A range that is no named period: its days. The CSV keeps its day columns.
    custom = msgspec.structs.replace(evaluation, to_ms=ms("2026-08-16T00:00"))
    assert report_view(custom, "0" * 64, [], tz=TZ, lang="vi")["period"] == (
        "01/07/2026 – 15/08/2026"
    )
    row = next(
        csv.DictReader(
            io.StringIO(render_csv(evaluation, "0" * 64, [], tz=TZ, lang="en").decode("utf-8-sig"))
        )
    )
    assert (row["from"], row["to"]) == ("2026-07-01", "2026-09-30")


def test_every_measure_says_its_numerator_and_denominator_in_words() -> None:
    from xaso.server.indicators.profile import MEASURES
    from xaso.server.words import translator

    for lang in ("vi", "en"):
        words = translator(lang)
        missing = [m for m in MEASURES if f"ratio.{m}" not in words]
        assert missing == [], lang


def test_the_evidence_is_named_with_its_unit_linked_and_in_the_readers_language() -> None:
    from xaso.server.indicators.reports.report import render_csv, report_view
    from xaso.server.indicators.result import EvidenceItem

    q3_from = ms("2026-07-01T00:00")
    evaluation = small_fake().evaluation("alpha", q3_from, ms("2026-10-01T00:00"))
    r2 = msgspec.structs.replace(
        evaluation.results[0],
        numerator=2082.0,
        denominator=2160.0,
        evidence=[
            EvidenceItem(
                kind="device",
                id="alpha-rc-1",
                label="Cụm loa Thôn 1",
                value=96.5,
                counted=True,
                note="đạt; hoạt động 700 h (Thôn 1)",
                note_en="working; up 700 h (Thôn 1)",
            ),
            EvidenceItem(
                kind="outage",
                id="alpha-rc-1",
                label="probe_failed: timeout",
                value=6.0,
                from_ms=q3_from + 3_600_000,
                to_ms=q3_from + 25_200_000,
            ),
            EvidenceItem(
                kind="broadcast",
                id=f"ban-tin-sang@{q3_from + 21_600_000}",
                label="Bản tin sáng",
                value=2.0,
                counted=True,
                note="2/2 cụm xác nhận đã phát",
                note_en="2 of 2 clusters confirmed played",
            ),
        ],
    )
    evaluation = msgspec.structs.replace(evaluation, results=[r2])

    def view(lang: str) -> dict[str, object]:
        return report_view(
            evaluation,
            "0" * 64,
            [],
            tz=TZ,
            lang=lang,
            device_url=lambda device, since: f"/devices/{device}?since={since}",
            broadcast_url=lambda schedule, start: f"/radio/occurrences/{schedule}/{start}",
            measures={"R2": "radio_availability"},
        )

    vi = view("vi")
    [result] = vi["results"]  # type: ignore[index]
    assert result["ratio"] == "2.082 giờ hoạt động trên 2.160 giờ đã biết trạng thái"
    assert result["verdict_symbol"] == "✓"
    device, outage, bulletin = result["evidence"]
    assert (device["name"], device["code"], device["value"]) == (
        "Cụm loa Thôn 1",
        "alpha-rc-1",
        "96,5 %",
    )
    assert outage["name"] == "Cụm loa Thôn 1"  # the device's name, from its own item
    assert outage["link"] == f"/devices/alpha-rc-1?since={q3_from + 3_600_000}"
    assert (outage["value"], outage["label"]) == ("6 giờ", "Không phản hồi: quá thời gian chờ")
    assert (bulletin["name"], bulletin["code"]) == ("Bản tin sáng", "ban-tin-sang")
    assert bulletin["link"] == f"/radio/occurrences/ban-tin-sang/{q3_from + 21_600_000}"
    [english] = view("en")["results"]  # type: ignore[index]
    assert english["ratio"] == "2,082 hours up of 2,160 hours with a known status"
    assert english["evidence"][0]["note"] == "working; up 700 h (Thôn 1)"
    assert english["evidence"][2]["note"] == "2 of 2 clusters confirmed played"
    # The API's export has no session for the pages: no link but the documents'.
    assert (
        report_view(evaluation, "0" * 64, [], tz=TZ, lang="vi")["results"][0]["evidence"][1]["link"]
        == ""
    )
    row = next(
        csv.DictReader(
            io.StringIO(
                render_csv(
                    evaluation,
                    "0" * 64,
                    [],
                    tz=TZ,
                    lang="vi",
                    measures={"R2": "radio_availability"},
                ).decode("utf-8-sig")
            )
        )
    )
    assert row["Tử số"] == "2082"
    assert row["Tử số / mẫu số (diễn giải)"] == (
        "2.082 giờ hoạt động trên 2.160 giờ đã biết trạng thái"
    )


def test_what_changed_is_said_once_in_the_readers_language() -> None:
    from xaso.server.indicators.changes import changes
    from xaso.server.indicators.reports.changes import change_rows
    from xaso.server.words import translator

    q3 = (ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))
    signed = small_fake().evaluation("alpha", *q3)
    n1 = msgspec.structs.replace(
        signed.results[1], reason="Đã kê khai", reason_en="Declared", verdict="met"
    )
    current = msgspec.structs.replace(signed, results=[signed.results[0], n1])
    found = changes(signed, current)
    for lang, shown, hidden in (("vi", "Đã kê khai", "Declared"), ("en", "Declared", "Đã kê khai")):
        rows = change_rows(found, w=translator(lang), lang=lang, tz=TZ)
        said = [row["current"] for row in rows]
        assert shown in said and hidden not in said, (lang, said)
