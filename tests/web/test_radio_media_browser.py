"""The media library and the recorder in a real browser (Debian's chromium, driven by
Playwright): an officer uploads a WAV made by sox with the file input and sees the
progress end and the file appear with its length, drops another on the drop zone, is
told in Vietnamese that a text file is not audio, plays a file in the page's player,
and uploads without JavaScript too; then records two seconds with Chromium's fake
microphone, listens, keeps the recording in the library and broadcasts it now, once of
the priority class on the whole commune and once as an emergency on a village. Under
the Content-Security-Policy, with no request to another host and no page wider than a
phone; a viewer sees neither form.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import PASSWORD, app_without_broker
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.server.broadcasts.keys import CONTENT, SCHEDULES
from xaso.server.keys import CLOCK_MS
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role
from xaso.testbed.binaries import require_binary

pytest.importorskip("playwright.async_api")

# Chromium's stand-in microphone (a beep) and camera, allowed without asking.
FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# A browser whose user clicked "Block" when asked for the microphone.
REFUSE_MICROPHONE = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
"""
# A file that is not audio is refused with a 400, and the browser says so, as it should.
REFUSED_UPLOAD = ("status of 400",)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """The real app on a loopback port, with an officer and a viewer of alpha."""
    async with app_without_broker(tmp_path) as app, served_on_loopback(app) as base_url:
        now_ms = app[CLOCK_MS]()
        accounts = app[ACCOUNTS]
        accounts.create("cb.alpha", PASSWORD, Role.OPERATOR, now_ms, "Cán bộ xã Alpha", {"alpha"})
        accounts.create("xem.alpha", PASSWORD, Role.VIEWER, now_ms, "Người xem Alpha", {"alpha"})
        yield base_url, app


def _sox_wav(folder: Path, name: str, seconds: int, hz: int) -> Path:
    out = folder / name
    sox = require_binary("sox", "sox")
    command = [sox, "-n", "-r", "8000", "-c", "1", str(out), "synth", str(seconds), "sine", str(hz)]
    subprocess.run(command, check=True)
    return out


async def test_uploads_with_progress_refusals_in_words_and_the_player(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    tone = _sox_wav(tmp_path, "ban-tin-3s.wav", 3, 440)
    dropped = _sox_wav(tmp_path, "keo-tha.wav", 1, 660)
    text = tmp_path / "ghi-chu.txt"
    text.write_text("Không phải âm thanh\n", encoding="utf-8")
    library = f"{base_url}/radio/media?commune=alpha"

    async with chromium() as browser:
        officer = await signed_in(
            browser, base_url, "cb.alpha", problems, ignore_console=REFUSED_UPLOAD
        )
        await officer.goto(library)
        assert "Xã chưa có tệp âm thanh nào" in await officer.inner_text("#media-list")
        await officer.set_input_files("#media-file", str(tone))
        row = officer.locator("#media-list article.just-added")
        await row.wait_for()
        assert await row.locator(".media-duration").inner_text() == "00:03"
        assert "ban-tin-3s.wav" in await row.inner_text()
        assert await officer.eval_on_selector("#upload-progress", "bar => bar.value") == 100
        assert await officer.is_hidden("#upload-state")
        assert "Đã tải lên: ban-tin-3s.wav (00:03)" in await officer.inner_text("#upload-message")
        [sha] = app[CONTENT].table.items
        # The player loads it: its type and its ranges as a browser asks them.
        duration = await officer.evaluate(
            """async (sha) => {
                  const player = document.querySelector(`#f-${sha} audio`);
                  player.preload = "metadata";
                  const loaded = new Promise((done) =>
                    player.addEventListener("loadedmetadata", done, { once: true }));
                  player.load();
                  await loaded;
                  return player.duration;
                }""",
            sha,
        )
        assert duration == pytest.approx(3, abs=0.05)
        await check_page(officer, "media-uploaded-1400", shots, problems)

        # Dropped on the drop zone.
        await _drop(officer, dropped)
        await officer.locator(
            "#media-list article.just-added .media-name", has_text="keo-tha.wav"
        ).wait_for()
        assert len(app[CONTENT].table.items) == 2

        # Not audio: refused, said in Vietnamese, the server's words beneath.
        await officer.set_input_files("#media-file", str(text))
        refusal = officer.locator("#upload-message p.media-refusal")
        await refusal.wait_for()
        assert "không phải tệp âm thanh" in await refusal.inner_text()
        assert "not an audio file" in (await officer.text_content("#upload-message details") or "")
        assert len(app[CONTENT].table.items) == 2
        await check_page(officer, "media-refused-1400", shots, problems)
        await officer.goto(f"{library}&lang=en")
        await check_page(officer, "media-en-1400", shots, problems)
        await officer.goto(f"{library}&lang=vi")

        # On a phone, and without JavaScript: the plain form does the same.
        phone = await signed_in(
            browser,
            base_url,
            "cb.alpha",
            problems,
            width=390,
            java_script_enabled=False,
            ignore_console=REFUSED_UPLOAD,
        )
        await phone.goto(library)
        assert await phone.is_visible("#media-submit")
        await phone.set_input_files("#media-file", str(_sox_wav(tmp_path, "no-js.wav", 2, 880)))
        await phone.click("#media-submit")
        await phone.wait_for_url("**/radio/media?commune=alpha&done=*")
        row = phone.locator("#media-list article.just-added")
        assert await row.locator(".media-duration").inner_text() == "00:02"
        await check_page(phone, "media-nojs-390", shots, problems)
        await phone.set_input_files("#media-file", str(text))
        await phone.click("#media-submit")
        assert "không phải tệp âm thanh" in await phone.inner_text("p.media-refusal")

        # A viewer on a phone: the files and players, no form.
        viewer = await signed_in(browser, base_url, "xem.alpha", problems, width=390)
        await viewer.goto(library)
        assert await viewer.locator("#media-upload").count() == 0
        assert await viewer.locator("#media-list article").count() == 3
        await check_page(viewer, "media-viewer-390", shots, problems)
    assert not problems, "\n".join(problems)


async def test_record_listen_keep_and_broadcast_now(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, app = served
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with chromium(*FAKE_MICROPHONE) as browser:
        officer = await signed_in(browser, base_url, "cb.alpha", problems, width=1400)
        await officer.context.grant_permissions(["microphone"], origin=base_url)
        await officer.goto(f"{base_url}/radio/record?commune=alpha")
        await check_page(officer, "record-start-1400", shots, problems)
        await officer.click("#rec-start")
        await officer.wait_for_selector("#rec-stop", state="visible")
        await officer.wait_for_timeout(2100)
        await officer.click("#rec-stop")
        await officer.wait_for_selector("#rec-audio[src^='blob:']", state="attached")
        assert await officer.is_visible("#rec-result")
        assert "00:02" in await officer.inner_text("#rec-facts")
        # What the page will upload plays in the page: a WAV of about two seconds.
        listened = await officer.evaluate(
            """async () => {
                  const player = document.getElementById("rec-audio");
                  if (!(player.duration > 0)) {
                    await new Promise((done) =>
                      player.addEventListener("loadedmetadata", done, { once: true }));
                  }
                  return player.duration;
                }"""
        )
        assert listened == pytest.approx(2.1, abs=0.4)
        await officer.fill("#rec-title", "Cúp điện chiều nay")
        await check_page(officer, "record-recorded-1400", shots, problems)

        await officer.click("#rec-save")
        saved = officer.locator("#rec-outcome p.media-ok")
        await saved.wait_for()
        assert "Đã lưu vào thư viện: Cúp điện chiều nay" in await saved.inner_text()
        [info] = app[CONTENT].table.items.values()
        assert info.mime.startswith("audio/") and "wav" in info.mime
        assert info.duration_s == pytest.approx(2.1, abs=0.4)

        # Now, priority class, the whole commune: confirmed first.
        await officer.click("#rec-broadcast")
        confirm = await officer.inner_text("#rec-confirm-text")
        assert "toàn Xã Alpha" in confirm and "Ưu tiên" in confirm, confirm
        await officer.click("#rec-confirm-yes")
        await officer.locator("#rec-outcome p.media-ok", has_text="Đã gửi lệnh phát").wait_for()
        [priority] = app[SCHEDULES].items.values()
        assert priority.priority == "priority" and priority.targets.zones == []
        assert priority.content.sha256 == info.id and priority.title == "Cúp điện chiều nay"
        link = officer.locator("#rec-outcome a")
        assert await link.get_attribute("href") == f"/radio/schedules/{priority.id}"

        # As an emergency on Thôn 1, on a phone's width.
        await officer.set_viewport_size({"width": 390, "height": 900})
        await officer.check("input[name=where][value=zones]")
        await officer.check("input[name=zone][value='alpha.t1']")
        await officer.check("input[name=class][value=emergency]")
        await officer.click("#rec-broadcast")
        confirm = await officer.inner_text("#rec-confirm-text")
        assert "Thôn 1" in confirm and "Khẩn cấp" in confirm, confirm
        await check_page(officer, "record-confirm-390", shots, problems)
        await officer.click("#rec-confirm-yes")
        await officer.locator("#rec-outcome p", has_text="Chưa gửi được").wait_for()
        emergency = next(s for s in app[SCHEDULES].items.values() if s.id != priority.id)
        assert emergency.priority == "emergency" and emergency.targets.zones == ["alpha.t1"]
        # No broker in this test: the page says the gateway did not get it yet.
        assert "Chưa gửi được tới 1 gateway" in await officer.inner_text("#rec-outcome")
        assert len(app[CONTENT].table.items) == 1  # uploaded once
        await check_page(officer, "record-sent-390", shots, problems)

        # The library lists it with its length and both schedules.
        await officer.goto(f"{base_url}/radio/media?commune=alpha")
        row = officer.locator(f"#f-{info.id}")
        assert await row.locator(".media-duration").inner_text() == "00:02"
        assert await row.locator(".media-uses li").count() == 2
        await check_page(officer, "media-with-recording-390", shots, problems)
        await officer.goto(f"{base_url}/radio/record?commune=alpha&lang=en")
        await check_page(officer, "record-en-390", shots, problems)

        # A browser that refuses the microphone: the page says what to do, in words.
        refused = await signed_in(browser, base_url, "cb.alpha", problems, width=390)
        await refused.add_init_script(REFUSE_MICROPHONE)
        await refused.goto(f"{base_url}/radio/record?commune=alpha")
        await refused.click("#rec-start")
        said = refused.locator("#rec-problem p.media-refusal")
        await said.wait_for()
        assert "đã chặn micro" in await said.inner_text()
        assert "ổ khoá" in await said.inner_text()
        assert "NotAllowedError" in (await refused.text_content("#rec-problem details") or "")
        assert await refused.is_hidden("#rec-result") and await refused.is_visible("#rec-start")
        await check_page(refused, "record-refused-390", shots, problems)
    assert not problems, "\n".join(problems)


async def _drop(page: Any, path: Path) -> None:
    """A file dropped on the drop zone, as the browser delivers it."""
    await page.evaluate(
        """([name, data]) => {
          const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const moved = new DataTransfer();
          moved.items.add(new File([bytes], name, { type: "audio/wav" }));
          const zone = document.getElementById("drop-zone");
          const how = { dataTransfer: moved, bubbles: true, cancelable: true };
          zone.dispatchEvent(new DragEvent("dragover", how));
          zone.dispatchEvent(new DragEvent("drop", how));
        }""",
        [path.name, base64.b64encode(path.read_bytes()).decode()],
    )
