"""The map page in a real browser (Debian's chromium, driven by Playwright): Leaflet draws
the markers in their status colours with their kind's letter, groups them when zoomed
out, outlines the communes, follows the filter form, shows a device's card on a click
and follows a change of status on its own; under the Content-Security-Policy with no
violation. Without a tile source nothing is asked of another host; with one (a tile
server on loopback that counts what it serves) the tiles come from there alone.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.apps import PASSWORD
from tests.messages import payload, status
from tests.web.browser import (
    WIDTHS,
    check_page,
    chromium,
    new_page,
    served_on_loopback,
    shots_folder,
    sign_in,
)
from tests.web.map_fleet import STATUSES, bring_up, map_app
from xaso.protocol import status_topic
from xaso.server.keys import CLOCK_MS
from xaso.server.monitoring.keys import INGEST
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

pytest.importorskip("playwright.async_api")

# The status colours of static/map.css, as the browser computes them.
COLOURS = {"online": "rgb(45, 164, 78)", "offline": "rgb(207, 34, 46)"}


def small_png() -> bytes:
    """A 256 × 256 pale-green PNG: a tile as a tile server sends it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xd8\xf0\xd0" * 256 for _ in range(256))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def tile_server() -> AsyncIterator[tuple[str, list[str]]]:
    """A tile server on loopback (``/{z}/{x}/{y}.png``): its URL template, and the paths
    it was asked for."""
    asked: list[str] = []
    tile = small_png()

    async def serve(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(body=tile, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{z}/{x}/{y}.png", serve)
    async with served_on_loopback(app) as base_url:
        yield base_url + "/{z}/{x}/{y}.png", asked


async def _open_map(page: Any, base_url: str, query: str = "") -> None:
    await page.goto(f"{base_url}/map{query}")
    await page.wait_for_selector("#map[data-loaded]", timeout=10_000)
    await _settled(page)


async def _settled(page: Any) -> None:
    """The clustering's animations over (0.3 s each): what is drawn stays put."""
    await page.wait_for_function("() => !document.querySelector('.leaflet-cluster-anim')")
    await page.wait_for_timeout(400)


async def _markers(page: Any) -> dict[str, tuple[str, str]]:
    """Each single marker drawn: its title's name -> (its class, its colour)."""
    return await page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll(".leaflet-marker-icon.mk-icon")]
             .map((icon) => {
               const shape = icon.querySelector(".mk");
               return [icon.title, [shape.className, getComputedStyle(shape).backgroundColor]];
             }))"""
    )


async def test_the_map_draws_the_fleet_offline(tmp_path: Path) -> None:
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    async with map_app(tmp_path, page_refresh_s=1.0) as app, served_on_loopback(app) as base_url:
        bring_up(app)
        app[ACCOUNTS].create("so.tttt", PASSWORD, Role.ADMIN, app[CLOCK_MS](), "Sở TT&TT")
        async with chromium() as browser:
            for width in WIDTHS:
                page = await new_page(browser, f"{width}px", base_url, problems, width=width)
                await sign_in(page, base_url, "so.tttt")
                menu = "nav.menu-wide" if width > 720 else "details.menu nav"
                if width <= 720:
                    await page.click("details.menu summary")
                await page.click(f"{menu} a[href='/map']")
                await _open_map(page, base_url)
                # Both communes outlined: alpha's boundary from the inventory, beta's
                # drawn around its points (dashed); gamma has nothing to outline.
                await page.wait_for_selector("path.outline-inventory")
                assert await page.locator("path.outline-points").count() == 1
                labels = await page.locator(".commune-label").all_inner_texts()
                assert sorted(labels) == ["Xã Alpha", "Xã Beta"]
                message = await page.locator("#map-message").inner_text()
                assert "3 thiết bị chưa có tọa độ" in message
                await check_page(page, f"map-{width}", shots, problems)
                # Zoomed out, the eight devices are grouped; a group containing an
                # offline device takes its colour.
                for _ in range(4):
                    await page.locator(".leaflet-control-zoom-out").click()
                    await _settled(page)
                    if await page.locator(".mk-cluster").count():
                        break
                # Once the animation has ended, the groups and the markers left on their
                # own add up to the eight devices.
                await page.wait_for_function(
                    """(total) => {
                      const counts = [...document.querySelectorAll(".mk-cluster span")];
                      const singles = document.querySelectorAll(".leaflet-marker-icon.mk-icon");
                      const grouped = counts.reduce((sum, n) => sum + Number(n.textContent), 0);
                      return counts.length > 0 && grouped + singles.length === total
                        && !document.querySelector(".leaflet-cluster-anim");
                    }""",
                    arg=len(STATUSES),
                )
                assert await page.locator(".mk-cluster.st-offline").count() >= 1
                await _settled(page)
                await check_page(page, f"map-grouped-{width}", shots, problems)
                await page.context.close()

            # A desktop: every device on its own, in its colour, with its kind's letter.
            page = await new_page(browser, "filter", base_url, problems)
            await sign_in(page, base_url, "so.tttt")
            await _open_map(page, base_url)
            drawn = await _markers(page)
            assert len(drawn) == len(STATUSES)
            for title, (classes, colour) in drawn.items():
                word = title.partition(" · ")[2]
                expected = "offline" if word == "Mất kết nối" else "online"
                assert f"st-{expected}" in classes and colour == COLOURS[expected], title
            assert "k-camera" in drawn["Camera UBND <cổng> · Hoạt động"][0]
            clusters = page.locator(".leaflet-marker-icon .k-radio_cluster b")
            assert set(await clusters.all_inner_texts()) == {"L"}

            # A click shows the device's card, with a way to its page.
            await page.locator(".leaflet-marker-icon[title^='Cụm loa Thôn 2']").click()
            card = page.locator(".leaflet-popup .map-popup")
            await card.wait_for()
            await _settled(page)  # the card fades in
            text = await card.inner_text()
            assert "Cụm loa Thôn 2" in text and "Mất kết nối" in text
            assert "Cụm loa truyền thanh" in text and "Xã Alpha" in text
            link = card.locator("a")
            assert await link.get_attribute("href") == "/devices/alpha-rc-2"
            await check_page(page, "map-popup-1400", shots, problems)
            # A name is text wherever it shows, never markup.
            await page.locator(".leaflet-marker-icon[title^='Camera UBND']").click()
            await page.wait_for_selector(".map-popup .mk-name:text('Camera UBND <cổng>')")

            # The filter is the form: a link that works without the script.
            await page.select_option("select[name=commune]", "beta")
            await page.select_option("select[name=kind]", "radio_cluster")
            await page.click("form.map-filter button")
            await page.wait_for_url(f"{base_url}/map?commune=beta&kind=radio_cluster")
            await page.wait_for_selector("#map[data-loaded]")
            drawn = await _markers(page)
            assert sorted(drawn) == ["Cụm loa Beta 1 · Hoạt động", "Cụm loa Beta 2 · Mất kết nối"]
            assert await page.locator("path.commune-outline").count() == 1
            await check_page(page, "map-filtered-1400", shots, problems)

            # The page follows the fleet on its own: beta's gateway goes (its will).
            await page.goto(f"{base_url}/map?commune=beta")
            await page.wait_for_selector("#map[data-loaded]")
            gateway = page.locator(".leaflet-marker-icon[title^='Gateway Beta'] .mk")
            assert "st-online" in (await gateway.get_attribute("class") or "")
            will = payload(status("beta-gw", "offline", session=3))
            app[INGEST].handle(status_topic("beta-gw"), will, app[CLOCK_MS]())
            await page.wait_for_selector(
                ".leaflet-marker-icon[title^='Gateway Beta'] .mk.st-offline", timeout=10_000
            )
            await page.context.close()
    assert not problems, "\n".join(problems)


async def test_with_a_tile_source_the_tiles_come_from_it_alone(
    tmp_path: Path, tile_server: tuple[str, list[str]]
) -> None:
    template, asked = tile_server
    tile_host = template.split("/{z}")[0]
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    settings = {"map_tiles": template, "map_attribution": "© Bản đồ nền thử nghiệm"}
    async with map_app(tmp_path, **settings) as app, served_on_loopback(app) as base_url:
        bring_up(app)
        app[ACCOUNTS].create("so.tttt", PASSWORD, Role.ADMIN, app[CLOCK_MS](), "Sở TT&TT")
        async with chromium() as browser:
            for width in WIDTHS:
                page = await new_page(browser, f"tiles {width}px", base_url, problems, width=width)
                await sign_in(page, base_url, "so.tttt")
                await _open_map(page, base_url)
                await page.wait_for_function(
                    "() => [...document.querySelectorAll('img.leaflet-tile')]"
                    ".some((tile) => tile.complete && tile.naturalWidth === 256)"
                )
                attribution = await page.locator(".leaflet-control-attribution").inner_text()
                assert "© Bản đồ nền thử nghiệm" in attribution
                assert await page.locator("path.commune-outline").count() == 2
                assert await page.locator(".leaflet-marker-icon").count() >= 1
                await check_page(page, f"map-tiles-{width}", shots, problems)
                await page.context.close()
    assert asked and all(path.endswith(".png") for path in asked)
    # The tile server is the one other host asked, as the policy allows.
    others = [p for p in problems if not (p.endswith(".png") and tile_host in p)]
    assert not others, "\n".join(others)
    assert len(others) < len(problems)  # the tiles were seen leaving, to it alone
