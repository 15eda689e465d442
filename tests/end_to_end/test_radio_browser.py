"""The smart radio end to end through the browser: a commune officer, in Chromium only,
uploads bulletins made by sox to the media library, schedules one on the whole commune
to start in a few seconds, and finds it in the calendar with its proof of play cluster
by cluster; then schedules a second on one cluster and, while it plays, sends an
emergency from "emergency now", watches the live panel, and finds both outcomes right.

Everything behind the browser is real, as tests/end_to_end/gamma.py sets it up: the
server app, Mosquitto configured as deploy/mosquitto ships it, and an agent process
playing on gamma-rc-1 through sox and on gamma-rc-2 through a player that always fails
(``false``); the gateway of gamma-rc-3 is never started, so it never receives a
schedule.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.apps import PASSWORD
from tests.end_to_end.gamma import ZONE, Gamma, running_agent, running_server
from tests.web.browser import check_page, chromium, shots_folder, signed_in
from xaso.server.keys import CLOCK_MS
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role
from xaso.testbed.binaries import require_binary

pytest.importorskip("playwright.async_api")

OFFICER = "cb.gamma"
# What each cluster makes of a bulletin on the whole commune, by the agent's configuration.
AS_CONFIGURED = {
    "gamma-rc-1": {"played"},  # sox
    "gamma-rc-2": {"failed"},  # a player that always fails
    "gamma-rc-3": {"not_received"},  # its gateway is never started
}


@pytest.fixture
async def radio(tmp_path: Path) -> AsyncIterator[Gamma]:
    async with running_server(tmp_path) as radio:
        app = radio.client.app
        assert app is not None
        app[ACCOUNTS].create(
            OFFICER, PASSWORD, Role.OPERATOR, app[CLOCK_MS](), "Cán bộ xã Gamma", {"gamma"}
        )
        # The clusters are watched (here: the server's own port answers for them), so
        # that their readings, filled with what the playout plays, reach the live panel.
        devices = [
            {"id": cluster, "address": "127.0.0.1", "port": radio.client.port}
            for cluster in ("gamma-rc-1", "gamma-rc-2")
        ]
        with running_agent(tmp_path, radio, collectors={"reachability": {"devices": devices}}):
            yield radio


def _sox_wav(folder: Path, name: str, seconds: int, hz: int) -> Path:
    out = folder / name
    sox = require_binary("sox", "sox")
    command = [sox, "-n", "-r", "8000", "-c", "1", str(out), "synth", str(seconds), "sine", str(hz)]
    subprocess.run(command, check=True)
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _soon(seconds: float) -> str:
    """A datetime-local value ``seconds`` from now, in the commune's time."""
    start = dt.datetime.now(ZONE).replace(tzinfo=None, microsecond=0)
    return (start + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")


async def test_scheduled_in_the_browser_played_by_a_real_agent_then_preempted(
    radio: Gamma, tmp_path: Path
) -> None:
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    base = radio.base_url
    news = _sox_wav(tmp_path, "ban-tin.wav", 3, 440)
    longer = _sox_wav(tmp_path, "ban-tin-dai.wav", 6, 550)
    # Long enough for the live panel, refreshed every 5 s, to see it play.
    alarm = _sox_wav(tmp_path, "bao-dong.wav", 7, 880)

    async with chromium() as browser:
        page = await signed_in(browser, base, OFFICER, problems)

        # 1. The library: three files made by sox.
        await page.goto(f"{base}/radio/media?commune=gamma")
        for wav in (news, longer, alarm):
            await page.set_input_files("#media-file", str(wav))
            added = page.locator("#media-list article.just-added .media-name")
            await added.filter(has_text=wav.name).wait_for()
        await check_page(page, "e2e-media", shots, problems)

        # 2. A bulletin on the whole commune, once, in a few seconds.
        first = await _schedule(page, base, "Bản tin thử", news, _soon(8))
        await check_page(page, "e2e-schedule-page", shots, problems)

        # 3. It plays, cluster by cluster as the agent's configuration has it.
        await radio.settled(first, AS_CONFIGURED)
        [played] = radio.out.glob("gamma-rc-1-*.wav")
        await page.goto(f"{base}/radio/calendar?commune=gamma")  # this week
        item = _calendar_item(page, "Bản tin thử")
        # The calendar shows an occurrence by its worst cluster: one failed.
        outcome = item.locator(".cal-outcome")
        assert await outcome.get_attribute("class") == "cal-outcome outcome-failed"
        assert "1/3 cụm đã phát" in await outcome.inner_text()
        await check_page(page, "e2e-calendar-first", shots, problems)
        await item.click()
        await page.wait_for_url(f"**/radio/occurrences/{first}/*")
        assert await _cluster_outcomes(page) == {
            "gamma-rc-1": ("outcome-played", "Đã phát"),
            "gamma-rc-2": ("outcome-failed", "Lỗi phát"),
            "gamma-rc-3": ("outcome-not_received", "Chưa nhận lịch"),
        }
        assert played.name == f"gamma-rc-1-{page.url.rsplit('/', 1)[1]}.wav"
        await check_page(page, "e2e-proof-first", shots, problems)

        # 4. A longer bulletin on gamma-rc-1 only; while it plays, an emergency on
        # Thôn 1 (gamma-rc-1 and gamma-rc-2) with the alarm from the library.
        second = await _schedule(
            page, base, "Bản tin dài", longer, _soon(6), clusters=["gamma-rc-1"]
        )
        await page.goto(f"{base}/radio/now?commune=gamma")
        await page.click("details.now-emergency > summary")
        form = page.locator("details.now-emergency form")
        await form.locator("input[name=zone][value=villages]").check()
        await form.locator("input[name=village][value='gamma.t1']").check()
        await form.locator("input[name=content][value=file]").check()
        await form.locator("select[name=sha256]").select_option(_sha256(alarm))
        await form.locator("input[name=title]").fill("Cảnh báo lũ")
        await radio.settled(second, {"gamma-rc-1": {"playing"}})
        await form.locator("button[value=review]").click()
        await page.wait_for_load_state()
        heading = await page.inner_text("section.now-confirm h1")
        assert heading == "Phát khẩn cấp tới: Thôn 1 (2 cụm loa)", heading
        await page.click("button[value=send]")
        await page.wait_for_url("**/radio/now?commune=gamma&done=emergency*")
        article = page.locator("article.now-emergency")
        rc1 = article.locator("tbody tr", has_text="Cụm loa Thôn 1")
        await rc1.locator("td", has_text="Đang phát khẩn cấp").wait_for(timeout=15_000)
        assert "Đã nhận, sẵn sàng phát" in await rc1.inner_text()
        await check_page(page, "e2e-now-panel", shots, problems)
        emergency = str(await article.get_attribute("id"))

        alarm_outcomes = await radio.settled(
            emergency, {"gamma-rc-1": {"played"}, "gamma-rc-2": {"failed"}}
        )
        # Pre-empted, then played again from its beginning (docs/playout.md): it
        # takes its resumption's outcome and keeps who pre-empted it
        # (docs/broadcasts.md), on time by its first start.
        resumed = await radio.settled(second, {"gamma-rc-1": {"played"}})
        assert resumed["gamma-rc-1"]["preempted_by"] == emergency
        assert resumed["gamma-rc-1"]["ended_ms"] > alarm_outcomes["gamma-rc-1"]["ended_ms"]

        await page.goto(f"{base}/radio/calendar?commune=gamma")
        item = _calendar_item(page, "Bản tin dài")
        outcome = item.locator(".cal-outcome")
        assert await outcome.get_attribute("class") == "cal-outcome outcome-played"
        assert "1/1 cụm đã phát" in await outcome.inner_text()
        alarm_item = _calendar_item(page, "Cảnh báo lũ")
        assert "prio-emergency" in str(await alarm_item.get_attribute("class")).split()
        assert "1/2 cụm đã phát" in await alarm_item.locator(".cal-outcome").inner_text()
        await check_page(page, "e2e-calendar-second", shots, problems)
        await item.click()
        await page.wait_for_url(f"**/radio/occurrences/{second}/*")
        assert await _cluster_outcomes(page) == {"gamma-rc-1": ("outcome-played", "Đã phát")}
        await check_page(page, "e2e-proof-second", shots, problems)
        # What cut in leads to its own proof of play.
        await page.locator("#cluster-gamma-rc-1 a", has_text="Cảnh báo lũ").click()
        await page.wait_for_url(f"**/radio/occurrences/{emergency}/*")
        assert await _cluster_outcomes(page) == {
            "gamma-rc-1": ("outcome-played", "Đã phát"),
            "gamma-rc-2": ("outcome-failed", "Lỗi phát"),
        }
        await check_page(page, "e2e-proof-emergency", shots, problems)
    assert not problems, "\n".join(problems)


async def _schedule(
    page: Any, base: str, title: str, audio: Path, start: str, clusters: list[str] | None = None
) -> str:
    """Fill the editor and save; the new schedule's id."""
    await page.goto(f"{base}/radio/schedules/new?commune=gamma")
    await page.fill("input[name=title]", title)
    await page.check("input[name=kind][value=file]")
    await page.select_option("select[name=sha256]", _sha256(audio))
    await page.fill("input[name=start]", start)
    await page.check("input[name=repeat][value=once]")
    for cluster in clusters or []:
        await page.check(f"input[name=cluster][value='{cluster}']")
    await page.click("button[value=save]")
    await page.wait_for_url("**/radio/schedules/*?done=created")
    return str(urlsplit(page.url).path.rsplit("/", 1)[1])


def _calendar_item(page: Any, title: str) -> Any:
    """An occurrence in the calendar by its own title (a collision names the other)."""
    return page.locator("a.cal-item").filter(has=page.locator(".cal-title", has_text=title))


async def _cluster_outcomes(page: Any) -> dict[str, tuple[str, str]]:
    """The proof of play's clusters: their outcome's class and word."""
    found: dict[str, tuple[str, str]] = {}
    rows = page.locator("table.occ-clusters tbody tr")
    for n in range(await rows.count()):
        row = rows.nth(n)
        cluster = str(await row.get_attribute("id")).removeprefix("cluster-")
        mark = row.locator(".cal-outcome")
        classes = str(await mark.get_attribute("class")).split()
        [status] = [c for c in classes if c.startswith("outcome-")]
        word = (await mark.inner_text()).split(" ", 1)[1].strip()
        found[cluster] = (status, word)
    return found
