"""A commune officer's morning with the smart radio, in a real browser (Debian's chromium,
driven by Playwright), as the issue tells it: the officer signs in, uploads a WAV made by
sox, schedules it from the library on two villages every weekday at 06:00 and sees the
collision with the commune's morning news before saving, follows the calendar to the
occurrence's proof and back to the schedule, sends a storm warning to one village as an
emergency and silences it, writes a live announcement into the playout log and downloads
the log; every change is in the audit log. Another commune's officer sees none of it,
and the first commune's URLs answer 404. On a desktop, and the editor and the emergency
on a phone; under the Content-Security-Policy, with no request to another host.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.paths import REPO
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.server.broadcasts.keys import CONTENT, PLAYOUT_MANUAL, SCHEDULES
from xaso.server.broadcasts.schedule import Content, Schedule
from xaso.server.keys import CLOCK_MS
from xaso.server.web.audit import AuditQuery
from xaso.server.web.keys import ACCOUNTS, AUDIT
from xaso.server.web.tokens import Role
from xaso.testbed.binaries import require_binary

pytest.importorskip("playwright.async_api")

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER = "cb.xuanhong"
STRANGER = "cb.xuanlai"  # Xuân Lai's officer
TITLE = "Bản tin tiêm phòng"
STORM = "Cảnh báo bão số 3"
MANUAL = "Trưởng thôn đọc thông báo"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any, dt.datetime]]:
    """The real app on a loopback port with Xuân Hồng's morning news every day at 05:50
    for half an hour on every cluster; an officer of Xuân Hồng and one of Xuân Lai."""
    async with (
        app_without_broker(tmp_path, REPO / "devices.yaml") as app,
        served_on_loopback(app) as base_url,
    ):
        now_ms = app[CLOCK_MS]()
        now = dt.datetime.fromtimestamp(now_ms / 1000, ZONE)
        news = Schedule(
            id="thoi-su-sang",
            commune="xuan-hong",
            title="Thời sự buổi sáng",
            content=Content(type="tts", text="Thời sự", duration_s=1800),
            start=dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(5, 50)),
            rrule="FREQ=DAILY",
        )
        app[SCHEDULES].put(news, by="cb.xuanhong")
        accounts = app[ACCOUNTS]
        accounts.create(OFFICER, PASSWORD, Role.OPERATOR, now_ms, "Cán bộ Xuân Hồng", {"xuan-hong"})
        accounts.create(STRANGER, PASSWORD, Role.OPERATOR, now_ms, "Cán bộ Xuân Lai", {"xuan-lai"})
        yield base_url, app, now.replace(tzinfo=None)


async def test_an_officers_morning_and_another_commune_sees_none_of_it(
    served: tuple[str, Any, dt.datetime], tmp_path: Path
) -> None:
    base_url, app, now = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    sox = require_binary("sox", "sox")
    wav = tmp_path / "ban-tin-tiem-phong.wav"
    synth = [sox, "-n", "-r", "8000", "-c", "1", str(wav), "synth", "20", "sine", "440"]
    subprocess.run(synth, check=True)
    tomorrow = now.date() + dt.timedelta(days=1)
    # The bulletin's first day: tomorrow, or the Monday after a weekend.
    first_weekday = tomorrow + dt.timedelta(
        days=7 - tomorrow.weekday() if tomorrow.weekday() >= 5 else 0
    )

    async with chromium() as browser:
        officer = await signed_in(browser, base_url, OFFICER, problems, accept_downloads=True)
        # The file, uploaded in the library.
        await officer.goto(f"{base_url}/radio/media")
        await officer.set_input_files("#media-file", str(wav))
        await officer.locator("#media-list article.just-added").wait_for()
        [sha] = app[CONTENT].table.items
        await check_page(officer, "officer-media-1400", shots, problems)

        # Scheduled from the library: the editor opens with the file chosen.
        await officer.click(f"#f-{sha} a.button")
        await officer.wait_for_url(f"**/radio/schedules/new?*sha256={sha}")
        assert await officer.input_value("select[name=sha256]") == sha
        await officer.fill("input[name=title]", TITLE)
        await officer.fill("input[name=start]", f"{tomorrow.isoformat()}T06:00")
        await officer.check("input[name=repeat][value=workdays]")
        await officer.check("input[name=zone][value='xuan-hong.thon-1']")
        await officer.check("input[name=zone][value='xuan-hong.thon-2']")
        # The collision with the morning news, before anything is saved.
        collision = officer.locator("#sc-preview ul.sc-collisions", has_text="Thời sự")
        await collision.wait_for()
        assert len(app[SCHEDULES].items) == 1
        await check_page(officer, "officer-editor-1400", shots, problems)
        await officer.click("button[value=save]")
        await officer.wait_for_url("**/radio/schedules/*?done=created")
        [schedule] = [s for s in app[SCHEDULES].items.values() if s.title == TITLE]
        assert schedule.content.sha256 == sha and schedule.rrule is not None
        assert "BYDAY=MO,TU,WE,TH,FR" in schedule.rrule
        assert sorted(schedule.targets.zones) == ["xuan-hong.thon-1", "xuan-hong.thon-2"]
        schedule_path = f"/radio/schedules/{schedule.id}"

        # The calendar's occurrence → its proof of play → the schedule's page.
        await officer.goto(f"{base_url}/radio/calendar?view=day&date={first_weekday.isoformat()}")
        occurrence = officer.locator(f"a[href^='/radio/occurrences/{schedule.id}/']").first
        occurrence_path = await occurrence.get_attribute("href")
        await check_page(officer, "officer-calendar-1400", shots, problems)
        await occurrence.click()
        await officer.wait_for_url(f"**{occurrence_path}")
        proof = await officer.inner_text("main")
        # A 20-second bulletin said by its start, as on the schedule's page.
        assert TITLE in proof and "06:00 →" not in proof and "06:00 – 06:00" not in proof
        await check_page(officer, "officer-proof-1400", shots, problems)
        await officer.click(f"main a[href='{schedule_path}']")
        await officer.wait_for_url(f"**{schedule_path}")

        # The editor on a phone: the same collision, nothing sideways.
        await officer.set_viewport_size({"width": 390, "height": 900})
        await officer.goto(f"{base_url}{schedule_path}/edit")
        await collision.wait_for()
        await check_page(officer, "officer-editor-390", shots, problems)

        # A storm warning to Thôn 1, from the phone; confirmed, then silenced.
        await officer.goto(f"{base_url}/radio/now")
        await officer.click("details.now-emergency > summary")
        form = officer.locator("details.now-emergency form")
        await form.locator("input[name=zone][value=villages]").check()
        await form.locator("input[name=village][value='xuan-hong.thon-1']").check()
        await form.locator("textarea[name=text]").fill("Bão số 3 đang vào, bà con sơ tán")
        await form.locator("input[name=title]").fill(STORM)
        await check_page(officer, "officer-emergency-form-390", shots, problems)
        await form.locator("button[value=review]").click()
        await officer.wait_for_load_state()
        assert "Thôn 1" in await officer.inner_text("section.now-confirm h1")
        await check_page(officer, "officer-emergency-confirm-390", shots, problems)
        await officer.click("button[value=send]")
        await officer.wait_for_url("**/radio/now?*done=emergency*")
        [storm] = [s for s in app[SCHEDULES].items.values() if s.title == STORM]
        assert storm.priority == "emergency" and storm.targets.zones == ["xuan-hong.thon-1"]
        await check_page(officer, "officer-emergency-sent-390", shots, problems)
        await officer.set_viewport_size({"width": 1400, "height": 900})
        await officer.locator(f"article#{storm.id} button.now-stop-emergency").click()
        await officer.wait_for_url("**/radio/now?*done=stopped*")

        # A live announcement, written into the log; the log downloaded.
        start = now - dt.timedelta(minutes=40)
        await officer.goto(f"{base_url}/radio/log")
        await officer.click("details.log-entry > summary")
        await officer.fill("input[name=title]", MANUAL)
        await officer.fill("input[name=start]", start.strftime("%Y-%m-%dT%H:%M"))
        await officer.fill(
            "input[name=end]", (start + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
        )
        await officer.click("form.log-entry-form button.primary")
        await officer.wait_for_url("**done=added*")
        [entry] = app[PLAYOUT_MANUAL].items.values()
        assert entry.commune == "xuan-hong"
        # The entry's own day: forty minutes ago may lie in last month.
        day = start.strftime("%Y-%m-%d")
        await officer.goto(f"{base_url}/radio/log?from={day}&to={day}")
        await check_page(officer, "officer-log-1400", shots, problems)
        async with officer.expect_download() as download_info:
            await officer.click("#log-csv")
        download = await download_info.value
        exported = tmp_path / "nhat-ky.csv"
        await download.save_as(str(exported))
        assert MANUAL in exported.read_bytes().decode("utf-8-sig")

        # Every change in the audit log, under the officer's name.
        done = {
            (e.method, e.route, e.status)
            for e in app[AUDIT].find(AuditQuery(who=OFFICER, limit=50))
        }
        for method, route in (
            ("POST", "/api/v1/content"),
            ("POST", "/radio/schedules/new"),
            ("POST", "/radio/now/emergency"),
            ("POST", "/radio/now/emergency/{schedule_id}/stop"),
            ("POST", "/radio/log/manual"),
        ):
            assert any(d[:2] == (method, route) and d[2] < 400 for d in done), (route, done)

        # Xuân Lai's officer: the first commune's URLs are not found, and its own
        # radio shows none of it.
        stranger = await signed_in(browser, base_url, STRANGER, problems, accept_downloads=True)
        for path in (
            schedule_path,
            f"{schedule_path}/edit",
            occurrence_path,
            f"/radio/media/{sha}",
            f"/radio/schedules/new?commune=xuan-hong&sha256={sha}",
            "/radio/calendar?commune=xuan-hong",
            "/radio/now?commune=xuan-hong",
            "/radio/log?commune=xuan-hong",
            "/radio/log/print?commune=xuan-hong",
            "/radio/media?commune=xuan-hong",
        ):
            response = await stranger.request.get(f"{base_url}{path}")
            assert response.status == 404, path
        for path in (
            "/radio/calendar",
            "/radio/schedules",
            "/radio/media",
            "/radio/now",
            "/radio/log",
            f"/radio/calendar?view=day&date={first_weekday.isoformat()}",
        ):
            await stranger.goto(f"{base_url}{path}")
            seen = await stranger.inner_text("main")
            for theirs in (TITLE, STORM, MANUAL, "ban-tin-tiem-phong", "Xuân Hồng"):
                assert theirs not in seen, (path, theirs)
    assert not problems, "\n".join(problems)
