"""The declarations page through the real app: each declared indicator of the commune's
profile with what was declared for the period or that nothing was, the missing ones
first; the form without JavaScript (its CSRF token the first part) that uploads the
evidence and declares through the API's own functions, the value then in the report at
once; the API's refusals in words by field, nothing kept; a viewer's and a verifier's
page without a form and their posts refused; another commune's officer answered 404."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from xaso.server.indicators.gather import documents
from xaso.server.indicators.gather.declared import check_declaration
from xaso.server.indicators.keys import DECLARED, DOCUMENTS, INDICATOR_PROFILES
from xaso.server.indicators.profile import Indicator, IndicatorProfile
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.pages.indicators_declaration_form import _PROBLEMS, problem_words
from xaso.server.web.tokens import Role
from xaso.server.words import translator

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PAGE = "/indicators/declarations?commune=alpha&period=2026-Q2"
Q2 = {"valid_from": "2026-04-01", "valid_until": "2026-06-30"}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


def _form(
    headers: dict[str, str] | None,
    fields: dict[str, str | list[str]],
    *files: tuple[str, bytes],
) -> aiohttp.FormData:
    """The declaration form as a browser without JavaScript posts it: the CSRF token
    first, the fields, the files last."""
    form = aiohttp.FormData()
    if headers is not None:
        form.add_field("csrf_token", headers[CSRF_HEADER])
    for name, value in fields.items():
        for one in [value] if isinstance(value, str) else value:
            form.add_field(name, one)
    for filename, content in files:
        form.add_field("file", content, filename=filename, content_type="application/pdf")
    if not files:  # a file input left empty still sends its part
        form.add_field("file", b"", filename="", content_type="application/octet-stream")
    return form


def _cookie_only(headers: dict[str, str]) -> dict[str, str]:
    """The session's cookie without the header htmx adds: a plain form's request."""
    return {k: v for k, v in headers.items() if k != CSRF_HEADER}


async def _post(
    client: TestClient,
    headers: dict[str, str],
    fields: dict[str, str | list[str]],
    *files: tuple[str, bytes],
    page: str = PAGE,
) -> aiohttp.ClientResponse:
    return await client.post(
        page,
        data=_form(headers, fields, *files),
        headers=_cookie_only(headers),
        allow_redirects=False,
    )


def _article(page: str, indicator: str) -> str:
    """The part of the page about one indicator."""
    found = re.search(rf'<article[^>]* id="ind-{indicator}">(.*?)</article>', page, re.S)
    assert found is not None, f"no article for {indicator}"
    return found.group(1)


def _field_problems(page: str, indicator: str) -> list[str]:
    return re.findall(r'<p class="field-problem">([^<]*)</p>', _article(page, indicator))


async def _report_result(client: TestClient, app: web.Application, indicator: str) -> dict:
    response = await client.get(
        "/api/v1/indicators/report?commune=alpha&period=2026-Q2&format=json",
        headers=bearer(app, Role.VIEWER),
    )
    assert response.status == 200, await response.text()
    results = (await response.json())["evaluation"]["results"]
    return next(r for r in results if r["indicator"] == indicator)


async def test_the_page_shows_each_declared_indicator_missing_first(
    client: TestClient, app: web.Application
) -> None:
    api = bearer(app, Role.OPERATOR, "alpha", name="Cán bộ Alpha")
    uploaded = await client.post(
        "/api/v1/indicators/documents?commune=alpha&name=Quyết định 12.pdf", data=PDF, headers=api
    )
    sha = (await uploaded.json())["documents"][0]["id"]
    body = {"commune": "alpha", "indicator": "N2", "value": 85, "note": "Đủ 17/20 thôn"}
    declared = await client.post(
        "/api/v1/indicators/declared", json={**body, **Q2, "documents": [sha]}, headers=api
    )
    assert declared.status == 201, await declared.text()

    officer = page_cookie(app, Role.OPERATOR, "alpha")
    response = await client.get(PAGE, headers=officer)
    assert response.status == 200
    page = await response.text()
    assert "Còn thiếu 4/5" in page and "Quý 2/2026" in page
    order = re.findall(r'<article class="ind-decl[^"]*" id="ind-(\w+)"', page)
    assert order == ["N1", "N3", "N4", "N6", "N2"]  # the missing first, then the declared
    n2 = _article(page, "N2")
    assert "Tỷ lệ thôn có cáp quang" in n2 and "85 %" in n2 and "≥ 80 %" in n2
    assert "✓ Đạt" in n2 and "Cán bộ Alpha" in n2 and "Đủ 17/20 thôn" in n2
    assert "01/04/2026 – 30/06/2026" in n2
    assert f'href="/indicators/documents/{sha}"' in n2 and "Quyết định 12.pdf" in n2
    assert "Chưa khai báo" in _article(page, "N1")
    # A form per indicator, multipart with the token first; the script and its limits.
    assert page.count("data-declare") == 5
    assert 'enctype="multipart/form-data"' in page and "/static/indicator-declarations.js" in page
    assert "PDF, JPEG, PNG, DOCX, XLSX, tối đa 25 MB" in page
    assert re.search(r'<form [^>]*>\s*<input type="hidden" name="csrf_token"', page)
    # The commune's documents: name, type, size, uploader, time, what it backs.
    row = re.search(rf'<tr id="doc-{sha}">(.*?)</tr>', page, re.S)
    assert row is not None
    for expected in ("Quyết định 12.pdf", "PDF", "KB", "Cán bộ Alpha", "Tỷ lệ thôn có cáp quang"):
        assert expected in row.group(1)
    # The tabs keep the commune and the period.
    assert 'href="/indicators/declarations?commune=alpha&amp;period=2026-Q2"' in page

    english = await (await client.get(f"{PAGE}&lang=en", headers=officer)).text()
    assert "4 of 5 missing" in english and "Villages reached by fibre" in english


async def test_a_province_indicator_is_listed_and_a_yes_no_one_asks_yes_or_no(
    client: TestClient, app: web.Application
) -> None:
    # The communes under "prov" take a profile with one more declared indicator.
    profiles = app[INDICATOR_PROFILES]
    extra = Indicator(
        id="T1",
        name="Xã có tổ công nghệ số cộng đồng",
        name_en="Commune has a community digital team",
        measure="declared",
        unit="",
        threshold=1,
    )
    profiles.by_area["prov"] = IndicatorProfile(
        name="Tỉnh Thử", indicators=[*profiles.default.indicators, extra], area="prov"
    )
    page = await (await client.get(PAGE, headers=page_cookie(app, Role.OPERATOR, "alpha"))).text()
    assert "Còn thiếu 6/6" in page
    t1 = _article(page, "T1")
    assert "Xã có tổ công nghệ số cộng đồng" in t1 and "Khai báo Có/Không" in t1
    assert 'type="radio" name="value" value="1"' in t1 and 'name="numerator"' not in t1
    assert 'name="numerator"' in _article(page, "N1")  # a percentage may give its ratio


async def test_declaring_without_javascript_shows_at_once_here_and_in_the_report(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    fields: dict[str, str | list[str]] = {
        "indicator": "N1",
        "value": "95,5",
        "numerator": "19",
        "denominator": "20",
        **Q2,
        "note": "Theo báo cáo của nhà mạng",
    }
    response = await _post(client, officer, fields, ("Quyết định phủ sóng.pdf", PDF))
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == (
        "/indicators/declarations?commune=alpha&period=2026-Q2&done=N1#ind-N1"
    )
    [entry] = app[DECLARED].entries()
    assert (entry.value, entry.numerator, entry.denominator) == (95.5, 19, 20)
    assert entry.documents[0].name == "Quyết định phủ sóng.pdf"
    [info] = app[DOCUMENTS].table.items.values()
    assert info.communes == ["alpha"]  # kept for this commune, as the API keeps it

    page = await (await client.get(f"{PAGE}&done=N1", headers=officer)).text()
    n1 = _article(page, "N1")
    assert "Đã lưu số liệu khai báo" in n1 and "95,5 %" in n1 and "(19/20)" in n1
    assert "✗ Chưa đạt" in n1  # the target is 100 %
    assert "Còn thiếu 4/5" in page
    result = await _report_result(client, app, "N1")
    assert (result["value"], result["verdict"]) == (95.5, "not_met")

    # A correction: a newer entry, citing the document already uploaded (ticked).
    fields = {"indicator": "N1", "value": "100", **Q2, "documents": [info.id]}
    assert (await _post(client, officer, fields)).status == 303
    result = await _report_result(client, app, "N1")
    assert (result["value"], result["verdict"]) == (100, "met")
    n1 = _article(await (await client.get(PAGE, headers=officer)).text(), "N1")
    assert "100 %" in n1 and "✓ Đạt" in n1
    assert "Khai báo trước đó cho kỳ này (1)" in n1 and "95,5 %" in n1

    # Dates from mid-quarter do not cover it: saved, said not to count.
    fields = {"indicator": "N3", "value": "2", "valid_from": "2026-05-01", "documents": [info.id]}
    response = await _post(client, officer, fields)
    assert response.status == 303
    n3 = _article(await (await client.get(f"{PAGE}&done=N3", headers=officer)).text(), "N3")
    assert "không bao trùm cả kỳ" in n3 and "Chưa khai báo" in n3
    assert "từ 01/05/2026" in n3


async def test_refusals_are_said_in_words_by_field_and_nothing_is_kept(
    client: TestClient, app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    value = {"indicator": "N1", "value": "90", **Q2}

    async def refused(fields: dict[str, str | list[str]], *files: tuple[str, bytes]) -> str:
        response = await _post(client, officer, fields, *files)
        assert response.status == 400
        return await response.text()

    page = await refused(value, ("ghi-chu.txt", b"not evidence"))
    assert _field_problems(page, "N1") == [
        "Tệp ghi-chu.txt không phải PDF, JPEG, PNG, DOCX hay XLSX (kiểm tra theo nội dung)."
    ]
    page = await refused(value, ("anh.pdf", PNG))
    assert "Tệp anh.pdf có đuôi .pdf nhưng nội dung là PNG" in _field_problems(page, "N1")[0]
    page = await refused(value, ("rong.pdf", b""))
    assert _field_problems(page, "N1") == ["Tệp rong.pdf rỗng."]
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 100)
    page = await refused(value, ("lon.pdf", PDF + b"x" * 200))
    assert _field_problems(page, "N1") == ["Tệp lon.pdf lớn hơn 0 MB."]
    monkeypatch.undo()
    assert not app[DOCUMENTS].table.items and not app[DECLARED].entries()
    # The form comes back as typed, open, and the other forms as they were.
    assert 'value="90"' in _article(page, "N1") and '<details class="ind-decl-form" open>' in page

    # Nothing given but the indicator: every problem, each by its field.
    page = await refused({"indicator": "N1", "valid_from": "", "valid_until": ""})
    assert _field_problems(page, "N1") == [
        "Hãy nhập giá trị.",
        "Hãy chọn ngày bắt đầu áp dụng.",
        "Hãy đính kèm ít nhất một tài liệu minh chứng (chọn tệp đã tải lên hoặc thêm tệp mới).",
    ]

    # A good file with an impossible value: the file is kept (as an upload would be)
    # and comes back ticked; the declaration is not.
    fields = {"indicator": "N1", "value": "250", "numerator": "3", **Q2, "note": "x" * 2001}
    page = await refused(fields, ("qd.pdf", PDF))
    assert _field_problems(page, "N1") == [
        "Tỷ lệ 250 % lớn hơn 100 %.",
        "Nhập cả số đạt và tổng số, hoặc bỏ trống cả hai.",
        "Ghi chú dài quá 2.000 ký tự.",
    ]
    [info] = app[DOCUMENTS].table.items.values()
    assert f'value="{info.id}" checked' in _article(page, "N1")
    assert not app[DECLARED].entries()

    # An indicator the page has no form for (a measured one): said above the forms.
    page = await refused({"indicator": "R6", "value": "99", **Q2, "documents": [info.id]})
    assert re.search(r'class="form-problems"[^>]*>\s*<p>Chỉ tiêu này không khai báo được.', page)

    # The same body through the API: the same refusals, which the page put in words.
    body = {
        "commune": "alpha",
        "indicator": "N1",
        "value": 96,
        "numerator": 19,
        "denominator": 20,
        "valid_from": "2026-06-30",
        "valid_until": "2026-04-01",
        "documents": [info.id],
    }
    api = await client.post(
        "/api/v1/indicators/declared", json=body, headers=bearer(app, Role.OPERATOR, "alpha")
    )
    assert api.status == 400
    fields = {
        "indicator": "N1",
        "value": "96",
        "numerator": "19",
        "denominator": "20",
        "valid_from": "2026-06-30",
        "valid_until": "2026-04-01",
        "documents": [info.id],
    }
    page = await refused(fields)
    words = translator("vi")
    expected = [problem_words(p, words, "vi")[1] for p in (await api.json())["problems"]]
    assert (
        _field_problems(page, "N1")
        == expected
        == [
            "Tỷ lệ 96 % không khớp với 19 trên 20 (= 95 %).",
            "Ngày kết thúc ở trước ngày bắt đầu.",
        ]
    )


async def test_viewers_and_verifiers_read_without_a_form_and_scope_is_kept(
    client: TestClient, app: web.Application
) -> None:
    fields: dict[str, str | list[str]] = {"indicator": "N1", "value": "100", **Q2}
    for role in (Role.VIEWER, Role.VERIFIER):
        reader = page_cookie(app, role, "alpha")
        response = await client.get(PAGE, headers=reader)
        assert response.status == 200
        page = await response.text()
        assert "data-declare" not in page and 'type="file"' not in page
        assert "Bạn chỉ được xem" in page and "Còn thiếu 5/5" in page
        assert (await _post(client, reader, fields, ("qd.pdf", PDF))).status == 403
    assert not app[DOCUMENTS].table.items and not app[DECLARED].entries()

    # Another commune's officer: the page and the form do not exist for them.
    beta = page_cookie(app, Role.OPERATOR, "beta")
    assert (await client.get(PAGE, headers=beta)).status == 404
    assert (await _post(client, beta, fields, ("qd.pdf", PDF))).status == 404
    # Without the token as the form's first part (and no header): refused.
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    response = await client.post(
        PAGE, data=_form(None, fields, ("qd.pdf", PDF)), headers=_cookie_only(officer)
    )
    assert response.status == 403
    assert not app[DOCUMENTS].table.items and not app[DECLARED].entries()

    # An admin declares for any commune.
    admin = page_cookie(app, Role.ADMIN)
    assert "data-declare" in await (await client.get(PAGE, headers=admin)).text()
    assert (await _post(client, admin, fields, ("qd.pdf", PDF))).status == 303
    assert [e.indicator for e in app[DECLARED].entries()] == ["N1"]


def test_every_problem_the_api_can_say_has_its_words() -> None:
    for lang in ("vi", "en"):
        words = translator(lang)
        for _, key, _ in _PROBLEMS:
            assert f"ind.declarations.problem.{key}" in words
    # What the API's own check says of a bad body is never left as the API wrote it.
    _, problems = check_declaration(
        {
            "commune": "alpha",
            "indicator": "N1",
            "value": "many",
            "numerator": -1,
            "denominator": 0,
            "valid_from": "soon",
            "valid_until": "later",
            "documents": ["f" * 64],
        },
        ["alpha"],
        {},
        entered_by="x",
        entered_ms=0,
        profile=None,
    )
    assert problems
    for problem in problems:
        where, text = problem_words(problem, translator("vi"), "vi")
        assert where != "other" and text != problem, problem
