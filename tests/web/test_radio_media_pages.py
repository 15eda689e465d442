"""The media library and the recorder's page through the real app: a commune sees its
files and no other's, with their length, size and the schedules using them; the audio
for the browser's player with its type, ranges and cache; the form that works without
JavaScript (its CSRF token in the form's first part) and its refusals in words; a
viewer's page without a form, and the API refusing its upload."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.audio import wav
from xaso.server.broadcasts.keys import CONTENT
from xaso.server.web.audit import AuditQuery
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.keys import AUDIT
from xaso.server.web.pages.radio_media import clock_text, refusal_text, size_text
from xaso.server.web.tokens import Role
from xaso.server.words import translator


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


async def _upload(client: TestClient, headers: dict[str, str], audio: bytes, name: str) -> str:
    response = await client.post(f"/api/v1/content?name={name}", data=audio, headers=headers)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


def _form(
    token: str | None, audio: bytes, filename: str, token_first: bool = True
) -> aiohttp.FormData:
    """The library's form as a browser without JavaScript posts it."""
    form = aiohttp.FormData()
    if token is not None and token_first:
        form.add_field("csrf_token", token)
    form.add_field("file", audio, filename=filename, content_type="audio/wav")
    if token is not None and not token_first:
        form.add_field("csrf_token", token)
    return form


def _cookie_only(headers: dict[str, str]) -> dict[str, str]:
    """The session's cookie without the header htmx adds: a plain form's request."""
    return {k: v for k, v in headers.items() if k != CSRF_HEADER}


async def test_the_library_lists_the_communes_files_with_their_uses(
    client: TestClient, app: web.Application
) -> None:
    alpha_api = bearer(app, Role.OPERATOR, "alpha", name="Cán bộ Alpha")
    news = await _upload(client, alpha_api, wav(185), "ban-tin-sang.wav")
    await _upload(client, bearer(app, Role.OPERATOR, "beta"), wav(1.5), "beta-only.wav")
    province = await _upload(client, bearer(app, Role.ADMIN), wav(2), "tinh.wav")
    schedule = {
        "commune": "alpha",
        "title": "Bản tin sáng thứ Hai",
        "start": "2030-01-01T06:00:00",
        "content": {"type": "file", "sha256": news, "duration_s": 185},
    }
    created = await client.post("/api/v1/schedules", json=schedule, headers=alpha_api)
    assert created.status == 201, await created.text()
    schedule_id = (await created.json())["schedule"]["id"]

    officer = page_cookie(app, Role.OPERATOR, "alpha")
    response = await client.get("/radio/media?commune=alpha", headers=officer)
    assert response.status == 200
    page = await response.text()
    assert "ban-tin-sang.wav" in page and "tinh.wav" in page
    assert "beta-only.wav" not in page  # another commune's file
    assert "03:05" in page  # 185 s
    assert f'href="/radio/schedules/{schedule_id}"' in page and "Bản tin sáng thứ Hai" in page
    assert "Thông thường" in page and "lúc 01/01/2030 06:00" in page
    assert "Chưa dùng trong lịch phát nào" in page  # the province's file
    assert f"/radio/schedules/new?commune=alpha&amp;sha256={news}" in page
    assert f'src="/radio/media/{news}"' in page and 'preload="none"' in page
    assert "Tải lên bởi Cán bộ Alpha" in page
    assert 'enctype="multipart/form-data"' in page and "/static/radio-media.js" in page
    # The tabs name the section's pages.
    assert 'href="/radio/record?commune=alpha"' in page
    # Newest first: the province's file came after alpha's.
    assert page.index(province) < page.index(news)
    # The part the script asks again after an upload.
    fragment = await (
        await client.get(f"/radio/media?commune=alpha&fragment=1&done={news}", headers=officer)
    ).text()
    assert 'id="media-list"' in fragment
    assert "<html" not in fragment and "Vừa tải lên" in fragment

    english = await (await client.get("/radio/media?commune=alpha&lang=en", headers=officer)).text()
    assert "Audio library" in english and "Used in schedules" in english

    # Beta's officer sees beta's file and the province's, not alpha's; alpha is a 404.
    beta = page_cookie(app, Role.OPERATOR, "beta")
    page = await (await client.get("/radio/media?commune=beta", headers=beta)).text()
    assert "beta-only.wav" in page and "tinh.wav" in page and "ban-tin-sang.wav" not in page
    assert (await client.get("/radio/media?commune=alpha", headers=beta)).status == 404
    assert (await client.get("/radio/record?commune=alpha", headers=beta)).status == 404


async def test_the_audio_is_served_with_its_type_ranges_and_scope(
    client: TestClient, app: web.Application
) -> None:
    audio = wav(3)
    sha = await _upload(client, bearer(app, Role.OPERATOR, "alpha"), audio, "a.wav")
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    response = await client.get(f"/radio/media/{sha}", headers=officer)
    assert response.status == 200 and await response.read() == audio
    assert response.headers["Content-Type"] == app[CONTENT].table.items[sha].mime
    assert response.headers["Content-Type"].startswith("audio/")
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers.get("Accept-Ranges") == "bytes"
    ranged = await client.get(f"/radio/media/{sha}", headers={**officer, "Range": "bytes=100-199"})
    assert ranged.status == 206
    assert await ranged.read() == audio[100:200]
    assert ranged.headers["Content-Range"] == f"bytes 100-199/{len(audio)}"
    # Another commune's users, and a hash nobody uploaded: 404.
    beta = page_cookie(app, Role.VIEWER, "beta")
    assert (await client.get(f"/radio/media/{sha}", headers=beta)).status == 404
    assert (await client.get("/radio/media/" + "0" * 64, headers=officer)).status == 404
    # Without a session: to the login.
    anonymous = await client.get(f"/radio/media/{sha}", allow_redirects=False)
    assert anonymous.status == 303


async def test_the_form_without_javascript_uploads_with_its_token_in_the_first_part(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    token = officer[CSRF_HEADER]
    plain = _cookie_only(officer)
    audio = wav(2)
    # No token, a wrong one, or the token after the file: refused, nothing kept.
    for form in (
        _form(None, audio, "x.wav"),
        _form("not-the-token", audio, "x.wav"),
        _form(token, audio, "x.wav", token_first=False),
    ):
        response = await client.post(
            "/radio/media?commune=alpha", data=form, headers=plain, allow_redirects=False
        )
        assert response.status == 403, await response.text()
    assert app[CONTENT].table.items == {}
    # The url-encoded field alone is not the multipart's (the middleware still reads it).
    response = await client.post(
        "/radio/media?commune=alpha",
        data={"csrf_token": "nope"},
        headers=plain,
        allow_redirects=False,
    )
    assert response.status == 403

    response = await client.post(
        "/radio/media?commune=alpha",
        data=_form(token, audio, "Thông báo họp.wav"),
        headers=plain,
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    sha = hashlib.sha256(audio).hexdigest()
    assert response.headers["Location"] == f"/radio/media?commune=alpha&done={sha}#f-{sha}"
    info = app[CONTENT].table.items[sha]
    assert info.name == "Thông báo họp.wav" and info.communes == ["alpha"]
    page = await (
        await client.get(f"/radio/media?commune=alpha&done={sha}", headers=officer)
    ).text()
    assert "Vừa tải lên" in page and "just-added" in page

    # Only a route marked so reads the token from a multipart body: another refuses it.
    documents = await client.post(
        "/api/v1/indicators/documents?commune=alpha",
        data=_form(token, audio, "x.wav"),
        headers=plain,
    )
    assert documents.status == 403
    # A first part far longer than a token is not one.
    response = await client.post(
        "/radio/media?commune=alpha",
        data=_form(token + "x" * 5000, audio, "x.wav"),
        headers=plain,
        allow_redirects=False,
    )
    assert response.status == 403
    # The upload is in the audit log, with what was kept.
    [entry] = app[AUDIT].find(AuditQuery(route="/radio/media"))
    assert entry.detail["sha256"] == sha and entry.detail["name"] == "Thông báo họp.wav"

    # With the header (the script's way), the token part is skipped.
    response = await client.post(
        "/radio/media?commune=alpha",
        data=_form(token, wav(1), "b.wav"),
        headers=officer,
        allow_redirects=False,
    )
    assert response.status == 303


async def test_refusals_are_said_in_words(client: TestClient, app: web.Application) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    plain = _cookie_only(officer)
    response = await client.post(
        "/radio/media?commune=alpha",
        data=_form(officer[CSRF_HEADER], b"just some text\n", "ghi-chu.txt"),
        headers=plain,
    )
    assert response.status == 400
    page = await response.text()
    assert "không phải tệp âm thanh" in page
    assert "not an audio file" in page  # the server's own text, under "Chi tiết kỹ thuật"
    assert "Chi tiết kỹ thuật" in page
    assert app[CONTENT].table.items == {}

    vi, en = translator("vi"), translator("en")
    assert refusal_text("larger than 200 MiB", vi) == vi["radio.media.refused.too_large"]
    not_audio = refusal_text("not a readable audio file: bad header", vi)
    assert not_audio == vi["radio.media.refused.not_audio"]
    assert refusal_text("this token may not upload", en) == en["radio.media.refused.forbidden"]
    assert refusal_text("something new", vi) == vi["radio.media.refused.other"]
    # radio-media.js maps the same texts with the same patterns.
    script = (Path(__file__).parents[2] / "server/web/static/radio-media.js").read_text()
    assert "/^larger than/" in script and "/^not (a readable |an )audio file/" in script


async def test_a_viewer_sees_no_form_and_may_not_upload(
    client: TestClient, app: web.Application
) -> None:
    viewer = page_cookie(app, Role.VIEWER, "alpha")
    for path in ("/radio/media?commune=alpha", "/radio/record?commune=alpha"):
        response = await client.get(path, headers=viewer)
        assert response.status == 200
        page = await response.text()
        assert '<form method="post" action="/radio/media' not in page
        assert 'id="recorder"' not in page and 'id="media-upload"' not in page
        assert "chỉ được xem" in page
    response = await client.post("/api/v1/content?name=x.wav", data=wav(1), headers=viewer)
    assert response.status == 403
    response = await client.post(
        "/radio/media?commune=alpha",
        data=_form(viewer[CSRF_HEADER], wav(1), "x.wav"),
        headers=_cookie_only(viewer),
    )
    assert response.status == 403
    # A verifier may see alpha but not upload either.
    verifier = page_cookie(app, Role.VERIFIER, "alpha")
    page = await (await client.get("/radio/media?commune=alpha", headers=verifier)).text()
    assert 'id="media-upload"' not in page
    assert app[CONTENT].table.items == {}


async def test_the_recorder_page_gives_its_script_the_commune_and_villages(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    response = await client.get("/radio/record?commune=alpha", headers=officer)
    assert response.status == 200
    page = await response.text()
    assert 'id="recorder"' in page and "/static/radio-record.js" in page
    assert 'data-commune="alpha"' in page and 'data-timezone="Asia/Ho_Chi_Minh"' in page
    assert re.search(r'data-now-ms="\d{13}"', page)
    # Thôn 1 has an installed cluster; the choice of class and the microphone's help.
    assert 'value="alpha.t1"' in page and 'value="emergency"' in page
    assert "ổ khoá" in page and "https://" in page
    english = await (
        await client.get("/radio/record?commune=alpha&lang=en", headers=officer)
    ).text()
    assert "Record and broadcast" in english and "Save to the library" in english


def test_lengths_and_sizes_in_words() -> None:
    assert (
        clock_text(0) == "00:00" and clock_text(59.6) == "01:00" and clock_text(3725) == "1:02:05"
    )
    assert size_text(500, "vi") == "1 KB" and size_text(48_000, "vi") == "47 KB"
    assert size_text(3_355_443, "vi") == "3,2 MB" and size_text(3_355_443, "en") == "3.2 MB"
