"""The broadcast schedules' pages through the real app: the list, the editor and its
preview, a schedule's page with its versions, pause, resume and delete, each role within
its scope, and listening to a text with the gateway's voice."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.audio import wav
from tests.paths import REPO
from xaso.server.broadcasts.keys import CONTENT, SCHEDULES
from xaso.server.keys import CLOCK_MS
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.tokens import Role
from xaso.testbed.binaries import require_binary

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
HTMX = {"HX-Request": "true"}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, REPO / "devices.yaml") as application:
        yield application


def tomorrow(app: web.Application, at: str = "06:00") -> str:
    now = dt.datetime.fromtimestamp(app[CLOCK_MS]() / 1000, ZONE)
    return f"{(now.date() + dt.timedelta(days=1)).isoformat()}T{at}"


def cookie_only(headers: dict[str, str]) -> dict[str, str]:
    return {"Cookie": headers["Cookie"]}


def schedule_form(app: web.Application, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A posted editor: a text read out on weekdays at 06:00 in two villages."""
    form: dict[str, Any] = {
        "csrf_token": headers[CSRF_HEADER],
        "commune": "xuan-hong",
        "title": "Bản tin sáng",
        "kind": "tts",
        "text": "Kính thưa bà con nhân dân, sau đây là bản tin buổi sáng.",
        "voice": "vi",
        "start": tomorrow(app),
        "repeat": "workdays",
        "ends": "never",
        "zone": ["xuan-hong.thon-1", "xuan-hong.thon-2"],
        "priority": "normal",
        "action": "save",
    }
    form.update(fields)
    return form


def posted(form: dict[str, Any]) -> list[tuple[str, str]]:
    """The form as a browser posts it: one pair per value of a list."""
    pairs = []
    for name, value in form.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, str(one)))
    return pairs


async def create(
    client: TestClient, app: web.Application, headers: dict[str, str], **fields: Any
) -> str:
    response = await client.post(
        "/radio/schedules/new",
        data=posted(schedule_form(app, headers, **fields)),
        headers=cookie_only(headers),
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    location = response.headers["Location"]
    assert location.endswith("?done=created")
    return location.split("/")[-1].split("?")[0]


async def test_an_officer_schedules_weekdays_in_two_villages(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    listing = await client.get("/radio/schedules?commune=xuan-hong", headers=cookie_only(officer))
    assert listing.status == 200
    html = await listing.text()
    assert 'href="/radio/schedules?commune=xuan-hong" aria-current="page"' in html
    assert "/radio/schedules/new?commune=xuan-hong" in html
    editor = await (await client.get("/radio/schedules/new", headers=cookie_only(officer))).text()
    assert 'value="xuan-hong.thon-1"' in editor and 'value="xuan-hong-rc-01"' in editor
    assert "xuan-lai" not in editor  # its commune's villages only

    schedule_id = await create(client, app, officer)
    schedule = app[SCHEDULES].items[schedule_id]
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert schedule.targets.zones == ["xuan-hong.thon-1", "xuan-hong.thon-2"]
    # The slot is estimated from the text: twelve words and a margin.
    assert schedule.content.type == "tts" and 5 <= schedule.content.duration_s <= 15
    html = await (await client.get("/radio/schedules", headers=cookie_only(officer))).text()
    assert "06:00 các ngày trong tuần (T2–T6)" in html and "Thôn 1, Thôn 2" in html
    page = await client.get(
        f"/radio/schedules/{schedule_id}?done=created", headers=cookie_only(officer)
    )
    html = await page.text()
    assert "Đã lưu lịch phát mới." in html and "Các lần phát tới" in html
    # The next occurrences, by weekday, each linked to its proof of play; the calendar's
    # week of the first.
    assert html.count(f'<li><a href="/radio/occurrences/{schedule_id}/') == 10
    first = schedule.start.date()
    first += dt.timedelta(days=7 - first.weekday() if first.weekday() >= 5 else 0)
    calendar = f"/radio/calendar?commune=xuan-hong&amp;view=week&amp;date={first.isoformat()}"
    assert f'href="{calendar}"' in html


async def test_every_problem_is_named_next_to_its_field(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    form = schedule_form(app, officer, kind="file", start="", repeat="weekly")
    response = await client.post(
        "/radio/schedules/new", data=posted(form), headers=cookie_only(officer)
    )
    assert response.status == 400
    html = await response.text()
    assert "Hãy chọn một tệp." in html
    assert "Hãy chọn ít nhất một ngày trong tuần." in html
    # The API's own checks, in words.
    form = schedule_form(app, officer, title=" ", repeat="advanced", rrule="FREQ=MINUTELY")
    response = await client.post(
        "/radio/schedules/new", data=posted(form), headers=cookie_only(officer)
    )
    assert response.status == 400
    html = await response.text()
    assert "Hãy nhập tiêu đề." in html and "Lịch phát lặp nhiều nhất mỗi giờ một lần." in html
    assert not app[SCHEDULES].items


async def test_the_preview_shows_a_collision_before_saving(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    existing = {
        "commune": "xuan-hong",
        "title": "Thông báo lịch tiêm phòng",
        "priority": "priority",
        "content": {"type": "tts", "text": "Thông báo", "duration_s": 900},
        "start": tomorrow(app, "05:55") + ":00",
        "rrule": "FREQ=DAILY",
    }
    api = bearer(app, Role.OPERATOR, "xuan-hong")
    assert (await client.post("/api/v1/schedules", json=existing, headers=api)).status == 201
    form = schedule_form(app, officer, action="preview")
    # Live, as htmx asks as the officer types.
    fragment = await client.post(
        "/radio/schedules/preview", data=posted(form), headers={**officer, **HTMX}
    )
    assert fragment.status == 200
    html = await fragment.text()
    assert "Thông báo lịch tiêm phòng" in html and "Lịch kia phát trước." in html
    assert "3 cụm loa" in html  # the clusters of Thôn 1 and Thôn 2 they share
    # Without JavaScript: the "Xem trước" button posts the form, nothing is saved.
    page = await client.post(
        "/radio/schedules/new", data=posted(form), headers=cookie_only(officer)
    )
    assert page.status == 200 and "Lịch kia phát trước." in await page.text()
    assert len(app[SCHEDULES].items) == 1


async def test_versions_say_who_changed_what_and_when(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    schedule_id = await create(client, app, officer)
    editor = await client.get(f"/radio/schedules/{schedule_id}/edit", headers=cookie_only(officer))
    html = await editor.text()
    assert 'value="workdays" checked' in html and 'value="xuan-hong.thon-2" checked' in html
    form = schedule_form(app, officer, title="Bản tin chiều", start=tomorrow(app, "17:00"))
    response = await client.post(
        f"/radio/schedules/{schedule_id}/edit",
        data=posted(form),
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert response.status == 303
    assert app[SCHEDULES].items[schedule_id].revision == 2
    html = await (
        await client.get(f"/radio/schedules/{schedule_id}", headers=cookie_only(officer))
    ).text()
    assert "Tạo mới" in html and "Tiêu đề: Bản tin chiều" in html
    assert "Thời gian phát: 17:00 các ngày trong tuần (T2–T6)" in html
    assert "Nơi phát:" not in html  # unchanged fields are not listed


async def test_pause_resume_and_delete_with_a_confirmation(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    schedule_id = await create(client, app, officer)
    token = {"csrf_token": officer[CSRF_HEADER]}
    base = f"/radio/schedules/{schedule_id}"
    paused = await client.post(
        f"{base}/pause", data=token, headers=cookie_only(officer), allow_redirects=False
    )
    assert paused.status == 303 and app[SCHEDULES].items[schedule_id].paused
    html = await (await client.get(base, headers=cookie_only(officer))).text()
    assert "Lịch đang tạm dừng" in html and f"{base}/resume" in html
    resumed = await client.post(
        f"{base}/resume", data=token, headers=cookie_only(officer), allow_redirects=False
    )
    assert resumed.status == 303 and not app[SCHEDULES].items[schedule_id].paused
    unconfirmed = await client.post(f"{base}/delete", data=token, headers=cookie_only(officer))
    assert unconfirmed.status == 400 and schedule_id in app[SCHEDULES].items
    deleted = await client.post(
        f"{base}/delete",
        data={**token, "confirm": "yes"},
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert deleted.status == 303 and schedule_id not in app[SCHEDULES].items
    assert deleted.headers["Location"] == "/radio/schedules?commune=xuan-hong&done=deleted"
    html = await (await client.get(base, headers=cookie_only(officer))).text()
    assert "Lịch này đã bị xóa" in html
    for change in ("Tạo mới", "Tạm dừng", "Tiếp tục phát", "Đã xóa"):
        assert change in html


async def test_a_viewer_reads_but_may_not_change(client: TestClient, app: web.Application) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    schedule_id = await create(client, app, officer)
    viewer = page_cookie(app, Role.VIEWER, "xuan-hong")
    html = await (
        await client.get("/radio/schedules?commune=xuan-hong", headers=cookie_only(viewer))
    ).text()
    assert "Bản tin sáng" in html and "/radio/schedules/new" not in html
    html = await (
        await client.get(f"/radio/schedules/{schedule_id}", headers=cookie_only(viewer))
    ).text()
    assert "/pause" not in html and "/edit" not in html and "/delete" not in html
    assert (await client.get("/radio/schedules/new", headers=cookie_only(viewer))).status == 403
    token = {"csrf_token": viewer[CSRF_HEADER]}
    for action in ("pause", "delete", "edit"):
        response = await client.post(
            f"/radio/schedules/{schedule_id}/{action}", data=token, headers=cookie_only(viewer)
        )
        assert response.status == 403
    form = schedule_form(app, viewer)
    response = await client.post(
        "/radio/schedules/new", data=posted(form), headers=cookie_only(viewer)
    )
    assert response.status == 403 and len(app[SCHEDULES].items) == 1


async def test_another_communes_schedules_are_not_found(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    schedule_id = await create(client, app, officer)
    other = page_cookie(app, Role.OPERATOR, "xuan-lai")
    for path in (
        f"/radio/schedules/{schedule_id}",
        f"/radio/schedules/{schedule_id}/edit",
        "/radio/schedules?commune=xuan-hong",
    ):
        assert (await client.get(path, headers=cookie_only(other))).status == 404, path
    token = {"csrf_token": other[CSRF_HEADER]}
    response = await client.post(
        f"/radio/schedules/{schedule_id}/pause", data=token, headers=cookie_only(other)
    )
    assert response.status == 404 and not app[SCHEDULES].items[schedule_id].paused


async def test_a_file_from_the_library_and_its_length(
    client: TestClient, app: web.Application
) -> None:
    api = bearer(app, Role.OPERATOR, "xuan-hong")
    uploaded = await client.post(
        "/api/v1/content?name=ban-tin-thang-9.wav", data=wav(95.4), headers=api
    )
    sha = (await uploaded.json())["id"]
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    editor = await (await client.get("/radio/schedules/new", headers=cookie_only(officer))).text()
    assert "ban-tin-thang-9.wav (1 phút 35 giây)" in editor
    schedule_id = await create(client, app, officer, kind="file", sha256=sha, text="")
    assert app[SCHEDULES].items[schedule_id].content.duration_s == 96  # the file, rounded up
    html = await (
        await client.get(f"/radio/schedules/{schedule_id}", headers=cookie_only(officer))
    ).text()
    assert f'src="/radio/media/{sha}"' in html
    # A slot shorter than the file is the API's problem, in words.
    form = schedule_form(app, officer, kind="file", sha256=sha, minutes="1", seconds="0")
    response = await client.post(
        "/radio/schedules/new", data=posted(form), headers=cookie_only(officer)
    )
    assert response.status == 400 and "Thời lượng ngắn hơn tệp" in await response.text()


async def test_the_librarys_link_opens_the_editor_with_its_file_chosen(
    client: TestClient, app: web.Application
) -> None:
    for name in ("mot.wav", "hai.wav"):
        uploaded = await client.post(
            f"/api/v1/content?name={name}",
            data=wav(2),
            headers=bearer(app, Role.OPERATOR, "xuan-hong"),
        )
        assert uploaded.status in (200, 201), await uploaded.text()
    first = next(i for i in app[CONTENT].table.items.values() if i.name == "mot.wav")
    officer = cookie_only(page_cookie(app, Role.OPERATOR, "xuan-hong"))
    library = await (await client.get("/radio/media?commune=xuan-hong", headers=officer)).text()
    link = f"/radio/schedules/new?commune=xuan-hong&amp;sha256={first.id}"
    assert link in library
    editor = await (await client.get(link.replace("&amp;", "&"), headers=officer)).text()
    assert f'<option value="{first.id}" selected>' in editor
    assert editor.count(" selected>") == editor.count('<option value="vi" selected>') + 1
    # A file this commune may not play, or none: nothing chosen.
    stranger = await (
        await client.get(
            "/radio/schedules/new?commune=xuan-hong&sha256=" + "0" * 64, headers=officer
        )
    ).text()
    assert f'<option value="{first.id}" selected>' not in stranger


async def test_listen_renders_the_gateways_voice_as_wav(
    client: TestClient, app: web.Application
) -> None:
    require_binary("espeak-ng", "espeak-ng")  # missing: skipped, or failed where required
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    text = {"text": "Kính thưa bà con", "voice": "vi"}
    response = await client.post("/radio/speech", data=text, headers=officer)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["length_s"] > 0.3
    audio = await client.get(answer["src"], headers=cookie_only(officer))
    assert audio.status == 200 and audio.content_type == "audio/wav"
    assert (await audio.read())[:4] == b"RIFF"
    again = await (await client.post("/radio/speech", data=text, headers=officer)).json()
    assert again["src"] == answer["src"]  # rendered once, by its hash
    too_long = await client.post(
        "/radio/speech", data={"text": "a " * 3000, "voice": "vi"}, headers=officer
    )
    assert too_long.status == 413 and "quá dài" in await too_long.text()
    viewer = page_cookie(app, Role.VIEWER, "xuan-hong")
    assert (await client.post("/radio/speech", data=text, headers=viewer)).status == 403


async def test_listen_without_espeak_says_so(
    client: TestClient, app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    response = await client.post(
        "/radio/speech", data={"text": "Xin chào", "voice": "vi"}, headers=officer
    )
    assert response.status == 503 and "chưa cài espeak-ng" in await response.text()


async def test_a_volume_is_set_checked_and_its_change_listed(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "xuan-hong")
    form = schedule_form(app, officer, volume="130")
    response = await client.post(
        "/radio/schedules/new", data=posted(form), headers=cookie_only(officer)
    )
    assert response.status == 400
    assert "Âm lượng phải là một số nguyên từ 0 đến 100." in await response.text()
    assert not app[SCHEDULES].items

    schedule_id = await create(client, app, officer, volume="70")
    assert app[SCHEDULES].items[schedule_id].volume == 70
    editor = await client.get(f"/radio/schedules/{schedule_id}/edit", headers=cookie_only(officer))
    assert 'name="volume" min="0" max="100" step="1" inputmode="numeric" value="70"' in (
        await editor.text()
    )
    # Blank again: each cluster's own volume, and the change is said in the versions.
    response = await client.post(
        f"/radio/schedules/{schedule_id}/edit",
        data=posted(schedule_form(app, officer, volume="")),
        headers=cookie_only(officer),
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    assert app[SCHEDULES].items[schedule_id].volume is None
    page = await (
        await client.get(f"/radio/schedules/{schedule_id}", headers=cookie_only(officer))
    ).text()
    assert "Âm lượng: theo cài đặt của từng cụm loa" in page
