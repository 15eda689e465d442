"""Screenshots of every page, as the demo shows them, into docs/screenshots/.

Starts ``xaso demo`` on a free port (its simulated fleet and year of history), signs in
with the logins it prints, and photographs each page in Chromium (Debian's ``chromium``,
driven by Playwright) at a desktop's width (1400 px) and a phone's (390 px), in
Vietnamese, and the main ones in English too. The README shows some of them.

    .venv/bin/python docs/screenshots.py [--out docs/screenshots] [--only overview,device]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image
from playwright.async_api import Page, async_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (1400, 390)
# name -> (path, who signs in, also in English). A {commune} or {device} in the path is
# filled from the demo's inventory.
PAGES: dict[str, tuple[str, str, bool]] = {
    "overview": ("/", "admin", True),
    "problems": ("/problems", "admin", False),
    "communes": ("/communes", "admin", False),
    "commune": ("/communes/{commune}", "admin", True),
    "device": ("/devices/{device}", "admin", True),
    "gateways": ("/gateways", "admin", False),
    "map": ("/map", "admin", True),
    "map-commune": ("/map?commune={commune}", "canbo-{commune}", False),
    "maintenance": ("/maintenance", "admin", False),
    "alerts": ("/alerts", "admin", False),
    "help": ("/help", "admin", False),
    "admin-users": ("/admin/users", "admin", False),
    "admin-audit": ("/admin/audit", "admin", False),
    "indicators-commune": ("/indicators/commune?commune={commune}", "thamdinh", True),
    "ind-declarations": ("/indicators/declarations?commune={commune}", "canbo-{commune}", True),
    "remediation": ("/indicators/remediation", "thamdinh", True),
    "indicators": ("/indicators", "thamdinh", True),
    "indicators-trend": ("/indicators/trend", "thamdinh", True),
    "indicators-commune-trend": ("/indicators/trend?commune={commune}", "thamdinh", False),
    "indicators-summary": ("/indicators/summary", "thamdinh", True),
    "officer-overview": ("/", "canbo-{commune}", False),
    "radio-calendar": ("/radio/calendar?commune={commune}", "canbo-{commune}", True),
    "radio-month": ("/radio/calendar?commune={commune}&view=month", "canbo-{commune}", False),
    "radio-day": ("/radio/calendar?commune={commune}&view=day", "canbo-{commune}", False),
    "radio-schedules": ("/radio/schedules?commune={commune}", "canbo-{commune}", False),
    "radio-editor": ("/radio/schedules/new?commune={commune}", "canbo-{commune}", True),
    "radio-media": ("/radio/media?commune={commune}", "canbo-{commune}", False),
    "radio-record": ("/radio/record?commune={commune}", "canbo-{commune}", False),
    "radio-now": ("/radio/now?commune={commune}", "canbo-{commune}", True),
    "radio-log": ("/radio/log?commune={commune}", "canbo-{commune}", False),
    "radio-log-print": ("/radio/log/print?commune={commune}", "canbo-{commune}", False),
    "radio-gateways": ("/radio/gateways?commune={commune}", "canbo-{commune}", False),
    "radio-settings": ("/radio/settings?commune={commune}", "canbo-{commune}", False),
}
COMMUNE = "xuan-hong"
DEVICE = "xuan-hong-cam-01"


def _shrink(shot: Path) -> None:
    """256 colours are plenty for a page, and a third of the bytes in the repository."""
    with Image.open(shot) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(shot, optimize=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_demo(port: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The demo, and the password it printed once it serves. Its output goes to a file:
    a pipe nobody reads would fill and stall it."""
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "xaso", "demo", "--listen", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and demo.poll() is None:
        found = re.search(r"password (\S+)", log.read_text(errors="replace"))
        if found:
            return demo, found.group(1)
        time.sleep(0.5)
    demo.kill()
    raise RuntimeError(f"the demo did not print its password: see {log}")


async def _sign_in(page: Page, base: str, login: str, password: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    await page.click("form[action='/login'] button")
    await page.wait_for_load_state()


async def shoot(out: Path, only: set[str]) -> list[Path]:
    port = _free_port()
    demo, password = _start_demo(port, out / "demo.log")
    base = f"http://127.0.0.1:{port}"
    made: list[Path] = []
    try:
        time.sleep(12)  # the gateways' first heartbeats, and their cameras' first pictures
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, (path, login, english) in PAGES.items():
                if only and name not in only:
                    continue
                path = path.format(commune=COMMUNE, device=DEVICE)
                login = login.format(commune=COMMUNE)
                for width in WIDTHS:
                    # A Vietnamese browser: its date inputs read dd/mm/yyyy.
                    context = await browser.new_context(
                        viewport={"width": width, "height": 900}, locale="vi-VN"
                    )
                    page = await context.new_page()
                    await _sign_in(page, base, login, password)
                    for lang in ("vi", "en") if english else ("vi",):
                        joiner = "&" if "?" in path else "?"
                        response = await page.goto(f"{base}{path}{joiner}lang={lang}")
                        if response is None or response.status != 200:
                            print(f"{name}: {path} answered {response and response.status}")
                            break
                        await page.wait_for_timeout(300)  # charts draw after load
                        if await page.locator("#map").count():
                            # The map draws once its data has come, then settles.
                            await page.wait_for_selector("#map[data-loaded]")
                            await page.wait_for_timeout(700)
                        shot = out / f"{name}-{width}-{lang}.png"
                        await page.screenshot(path=str(shot))
                        _shrink(shot)
                        made.append(shot)
                    await context.close()
            await browser.close()
    finally:
        demo.terminate()
        demo.wait(timeout=30)
        (out / "demo.log").unlink(missing_ok=True)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "screenshots")
    parser.add_argument("--only", default="", help="page names, comma-separated")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    only = {name for name in args.only.split(",") if name}
    for shot in asyncio.run(shoot(args.out, only)):
        print(shot)


if __name__ == "__main__":
    main()
