"""A commune's report page and its sign-off, through the real app and the real
evaluation (tests/indicators/test_stores.py's September of commune hoa): the figures
with their units and in words, the evidence named and linked, every note in English on
the English page, the exports; a verifier signs off with a comment from the page, an
operator or a viewer cannot, another commune is not there; a change after a sign-off,
or while the verifier looks, says what changed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.apps import bearer, page_cookie
from tests.indicators.test_stores import ADMIN, HISTORY, RC3_MAINTENANCE, SEPT_FROM, H
from tests.web.test_indicators_api import make_app
from xaso.server.indicators.keys import SIGNOFFS
from xaso.server.monitoring.keys import EXCLUSIONS
from xaso.server.records import TransitionRecord
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.audit import AuditQuery
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.keys import AUDIT
from xaso.server.web.tokens import Role

PAGE = "/indicators/commune?commune=hoa&period=2026-09"
SIGN = "/indicators/commune/signoff?commune=hoa&period=2026-09"
_SHA = re.compile(r'name="sha256" value="([0-9a-f]{64})"')
_FORM = 'action="/indicators/commune/signoff?'
# Letters only Vietnamese writes: a note left in Vietnamese has some.
_VIETNAMESE = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


def _outage(device: str, hour: float, status: str, cause: str) -> TransitionRecord:
    return TransitionRecord(
        device_id=device,
        commune="hoa",
        kind="radio_cluster",
        ts_ms=SEPT_FROM + int(hour * H),
        status=status,
        previous="",
        cause=cause,
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    """hoa's September, and one more outage of hoa-rc-1 (300 h–301 h) that a probe's
    timeout caused, evaluated early in October."""
    store = await SqliteStore.open(":memory:")
    await store.write(HISTORY)
    await store.write(
        [
            _outage("hoa-rc-1", 300, "offline", "probe_failed: timeout"),
            _outage("hoa-rc-1", 301, "online", "probe_ok"),
        ]
    )
    async with TestClient(TestServer(make_app(tmp_path, store, None))) as client:
        app = client.server.app
        assert app is not None
        app[EXCLUSIONS].add_window(RC3_MAINTENANCE, state="approved", by=ADMIN, at_ms=0)
        yield client
    await store.close()


def app_of(client: TestClient) -> web.Application:
    app = client.server.app
    assert app is not None
    return app


async def page(client: TestClient, headers: dict[str, str], path: str = PAGE) -> str:
    response = await client.get(path, headers=headers)
    assert response.status == 200, await response.text()
    return await response.text()


def text_of(html: str) -> str:
    """What the page says: its text, without the markup."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, indicator: str) -> str:
    start = html.index(f'<section class="ind-card" id="{indicator}">')
    return html[start : html.index("</section>", start)]


def sha_of(html: str) -> str:
    found = _SHA.search(html)
    assert found is not None, "no sign-off form"
    return found.group(1)


async def sign(
    client: TestClient, headers: dict[str, str], sha: str, note: str = "", path: str = SIGN
) -> Any:
    """The form as the browser posts it: the CSRF token as a field, not the header."""
    return await client.post(
        path,
        data={"csrf_token": headers[CSRF_HEADER], "sha256": sha, "note": note},
        headers={"Cookie": headers["Cookie"]},
        allow_redirects=False,
    )


async def declare_n1(client: TestClient, value: float = 100) -> str:
    """An officer of hoa uploads a document and declares N1 with it, through the API."""
    officer = bearer(app_of(client), Role.OPERATOR, "hoa")
    response = await client.post(
        "/api/v1/indicators/documents?name=bien-ban-4g.pdf",
        data=b"%PDF-1.4\n% 4G\n%%EOF\n",
        headers=officer,
    )
    assert response.status == 201, await response.text()
    document: str = (await response.json())["documents"][0]["id"]
    declaration = {
        "commune": "hoa",
        "indicator": "N1",
        "value": value,
        "valid_from": "2026-01-01",
        "documents": [document],
    }
    response = await client.post("/api/v1/indicators/declared", json=declaration, headers=officer)
    assert response.status == 201, await response.text()
    return document


async def test_each_figure_has_its_unit_and_words(client: TestClient) -> None:
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    html = await page(client, verifier)
    said = text_of(section(html, "R6"))
    # 78 h down of the 2,160 known (tests/indicators/test_stores.py), and 1 h more.
    assert "2.081 giờ hoạt động trên 2.160 giờ đã biết trạng thái" in said
    assert "≥ 95 %" in said and "96,34 %" in said
    assert "✓ Đạt" in said
    assert "Khả dụng tính theo thời gian" in said  # how it is computed
    r2 = text_of(section(html, "R2"))
    assert "✗ Chưa đạt" in r2 and "1 thôn có cụm loa hoạt động trên 4 thôn" in r2
    r8 = text_of(section(html, "R8"))
    assert "23 ngày có phát trên 30 ngày" in r8 and "≥ 5 ngày/tuần" in r8
    r9 = text_of(section(html, "R9"))
    assert "Đã phát" in r9 and "phát sau 90 giây" in r9 and "Khẩn cấp, Đọc văn bản (TTS)" in r9
    # Causes and outcomes in words; no code where a name belongs.
    assert "Không phản hồi: quá thời gian chờ" in said
    everything = text_of(html)
    for code in ("ban-tin-sang@", "khan-cap@", "(played/late)", "emergency, tts", "hoa.t1)"):
        assert code not in everything, code
    assert "Cụm loa Thôn 1 số 1 hoa-rc-1" in said  # the name, its code in small print


async def test_the_evidence_links_to_where_it_shows_more(client: TestClient) -> None:
    document = await declare_n1(client)
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    html = await page(client, verifier)
    r6 = section(html, "R6")
    # The outage of 5 September: the device page's 90 days reach back to it.
    device = re.search(r'href="(/devices/hoa-rc-1\?period=\w+)"', r6)
    assert device is not None and device.group(1).endswith("period=90d")
    device_page = await client.get(unescape(device.group(1)), headers=verifier)
    assert device_page.status == 200
    assert "Không phản hồi: quá thời gian chờ" in text_of(await device_page.text())
    bulletin = SEPT_FROM + 6 * H
    assert f'href="/radio/occurrences/ban-tin-sang/{bulletin}"' in section(html, "R8")
    n1 = section(html, "N1")
    assert f'href="/indicators/documents/{document}"' in n1 and "bien-ban-4g.pdf" in n1
    download = await client.get(f"/indicators/documents/{document}", headers=verifier)
    assert download.status == 200 and (await download.read()).startswith(b"%PDF")


async def test_a_long_list_is_folded_with_its_counts_what_failed_open(client: TestClient) -> None:
    html = await page(client, page_cookie(app_of(client), Role.VERIFIER))
    r8 = section(html, "R8")  # met: its 24 broadcasts folded
    assert '<details class="ind-evidence">' in r8
    assert "Buổi phát: 24" in text_of(r8) and '<details class="ind-group">' in r8
    r2 = section(html, "R2")  # not met: open, what did not count first
    assert '<details class="ind-evidence" open>' in r2
    villages = re.findall(r'<li class="ind-item counted-(\w+)">', r2)[:4]
    assert villages == ["no", "unknown", "unknown", "yes"]


async def test_the_english_page_says_every_note_in_english(client: TestClient) -> None:
    await declare_n1(client)
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    html = await page(client, verifier, f"{PAGE}&lang=en")
    notes = [unescape(n) for n in re.findall(r'<span class="ind-note">([^<]*)</span>', html)]
    assert notes
    # Places and devices keep their names (each an item of the evidence too); what is
    # said around them is English.
    names = {
        unescape(n).strip()
        for n in re.findall(r'class="ind-item-name">(?:<a [^>]*>)?([^<]+)', html)
    }
    assert {"Thôn 1", "Cụm loa Thôn 1 số 1", "UBND xã"} <= names
    for note in notes:
        for name in sorted(names, key=len, reverse=True):
            note = note.replace(name, "")
        assert not _VIETNAMESE & set(note.lower()), note
    said = text_of(html)
    for english in (
        "2,081 hours up of 2,160 hours with a known status",
        "clusters confirmed played",
        "Played",
        "Emergency, Text to speech",
        "declared by",
        "Not answering: timed out",
    ):
        assert english in said, english


async def test_the_exports_are_a_link_away(client: TestClient) -> None:
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    html = unescape(await page(client, verifier))
    for fmt in ("pdf", "csv", "html"):
        href = f"/indicators/report?commune=hoa&period=2026-09&format={fmt}"
        assert f'href="{href}"' in html, fmt
    csv_text = await (
        await client.get(
            "/indicators/report?commune=hoa&period=2026-09&format=csv", headers=verifier
        )
    ).text()
    assert "2.081 giờ hoạt động trên 2.160 giờ đã biết trạng thái" in csv_text


async def test_a_not_met_links_to_remediation_an_undeclared_to_the_declarations(
    client: TestClient,
) -> None:
    operator = page_cookie(app_of(client), Role.OPERATOR, "hoa")
    html = unescape(await page(client, operator))
    remediation = 'href="/indicators/remediation?commune=hoa&period=2026-09"'
    assert remediation in section(html, "R2") and remediation not in section(html, "R6")
    declarations = 'href="/indicators/declarations?commune=hoa&period=2026-09"'
    assert "Chưa khai báo" in text_of(section(html, "N2")) and declarations in section(html, "N2")
    # A verifier reads, it does not declare.
    verifier = unescape(await page(client, page_cookie(app_of(client), Role.VERIFIER)))
    assert "Chưa khai báo" in text_of(section(verifier, "N2"))
    assert declarations not in section(verifier, "N2")


async def test_a_verifier_signs_off_with_a_comment(client: TestClient) -> None:
    app = app_of(client)
    verifier = page_cookie(app, Role.VERIFIER)
    html = await page(client, verifier)
    assert "Chưa có lần phê duyệt nào" in text_of(html)
    response = await sign(client, verifier, sha_of(html), "Đã đối chiếu biên bản")
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == f"{PAGE}&done=signed#signoff"
    [signed] = app[SIGNOFFS].find("hoa")
    assert signed.note == "Đã đối chiếu biên bản" and signed.period == "2026-09"
    assert signed.sha256 == sha_of(html) and signed.role == "verifier"
    [audited] = [e for e in app[AUDIT].find(AuditQuery(limit=10)) if "signoff" in e.action]
    assert audited.detail["signoff"] == signed.id and audited.detail["commune"] == "hoa"
    after = text_of(await page(client, verifier, f"{PAGE}&done=signed"))
    assert "Đã ghi nhận phê duyệt của bạn" in after
    history = after[after.index("Các lần phê duyệt") :]
    assert "Đã đối chiếu biên bản" in history and "✓ Khớp với dữ liệu hiện nay" in history
    assert f'href="/indicators/signoff/{signed.id}?format=html"' in await page(client, verifier)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER])
async def test_an_operator_or_a_viewer_has_no_form_and_is_refused(
    client: TestClient, role: Role
) -> None:
    app = app_of(client)
    reader = page_cookie(app, role, "hoa")
    html = await page(client, reader)
    assert _FORM not in html and "tài khoản của bạn chỉ xem" in text_of(html)
    sha = sha_of(await page(client, page_cookie(app, Role.VERIFIER)))
    response = await sign(client, reader, sha, "thử")
    assert response.status == 403
    assert app[SIGNOFFS].find() == []


async def test_another_commune_is_not_there(client: TestClient) -> None:
    app = app_of(client)
    vang_verifier = page_cookie(app, Role.VERIFIER, "vang")
    assert (await client.get(PAGE, headers=vang_verifier)).status == 404
    sha = sha_of(await page(client, page_cookie(app, Role.VERIFIER)))
    assert (await sign(client, vang_verifier, sha)).status == 404
    assert app[SIGNOFFS].find() == []


async def test_a_period_still_running_cannot_be_signed_and_says_when(client: TestClient) -> None:
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    october = "/indicators/commune?commune=hoa&period=2026-10"
    html = await page(client, verifier, october)
    assert _FORM not in html
    assert "Tháng 10/2026 chưa kết thúc" in text_of(html) and "từ ngày 01/11/2026" in text_of(html)
    response = await sign(
        client, verifier, "a" * 64, path="/indicators/commune/signoff?commune=hoa&period=2026-10"
    )
    assert response.status == 400
    assert "từ ngày 01/11/2026" in text_of(await response.text())
    assert app_of(client)[SIGNOFFS].find() == []


async def test_a_change_after_sign_off_shows_what_changed_and_the_approved_report(
    client: TestClient,
) -> None:
    app = app_of(client)
    verifier = page_cookie(app, Role.VERIFIER)
    response = await sign(client, verifier, sha_of(await page(client, verifier)), "Quý ổn")
    assert response.status == 303
    await declare_n1(client)
    html = await page(client, verifier)
    said = text_of(html)
    assert "Dữ liệu đã thay đổi sau khi phê duyệt" in said
    history = html[html.index('<ol class="ind-history">') :]
    assert "Không còn khớp" in text_of(history)
    changed = text_of(history)
    assert "N1" in changed and "Không đủ dữ liệu" in changed and "Đạt" in changed
    assert "bien-ban-4g.pdf" in changed  # the document added, by its name
    [signed] = app[SIGNOFFS].find("hoa")
    snapshot = f"/indicators/signoff/{signed.id}?format=html"
    assert f'href="{snapshot}"' in history
    approved = await client.get(snapshot, headers=verifier)
    assert approved.status == 200 and "Quý ổn" in await approved.text()


async def test_data_that_moved_while_the_verifier_looked_is_refused_with_what_moved(
    client: TestClient,
) -> None:
    app = app_of(client)
    verifier = page_cookie(app, Role.VERIFIER)
    seen = sha_of(await page(client, verifier))
    await declare_n1(client, value=80)
    response = await sign(client, verifier, seen, "Xem lúc sáng")
    assert response.status == 409
    html = await response.text()
    said = text_of(html)
    assert "Phê duyệt chưa được ghi nhận: dữ liệu đã thay đổi" in said
    banner = text_of(html[html.index('<div class="banner" role="alert">') :])
    assert "N1" in banner and "80 %" in banner and "Thêm minh chứng" in banner
    assert "Xem lúc sáng" in html  # the comment kept for the next try
    assert "Phê duyệt nội dung hiện nay" in said
    assert app[SIGNOFFS].find() == []
    now = sha_of(html)
    assert now != seen
    response = await sign(client, verifier, now, "Xem lại")
    assert response.status == 303
    assert [s.sha256 for s in app[SIGNOFFS].find("hoa")] == [now]


async def test_a_refusal_for_data_no_longer_kept_still_says_it_changed(
    client: TestClient,
) -> None:
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    await page(client, verifier)
    response = await sign(client, verifier, "b" * 64)  # a hash this server never showed
    assert response.status == 409
    assert "không liệt kê được thay đổi" in text_of(await response.text())


async def test_the_sign_off_address_opened_leads_back_to_the_page(client: TestClient) -> None:
    verifier = page_cookie(app_of(client), Role.VERIFIER)
    response = await client.get(f"{SIGN}&lang=en", headers=verifier, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == f"{PAGE}&lang=en"
