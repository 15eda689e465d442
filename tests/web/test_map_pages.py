"""The map page and its JSON (/map, /map/data): the user's scope, the filter as query
parameters (a bad one refused clearly), the outlines (given or drawn around the points),
the tile setting checked at start and widening the Content-Security-Policy only when set.
The drawing itself is tested in the browser (test_map_browser.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import page_cookie
from tests.web.map_fleet import STATUSES, bring_up, map_app
from xaso.server.settings import Settings
from xaso.server.web.map_outlines import convex_hull
from xaso.server.web.map_tiles import OSM_ATTRIBUTION, tile_source
from xaso.server.web.tokens import Role


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with map_app(tmp_path) as application:
        yield application


@pytest.fixture
async def client(app: web.Application, aiohttp_client: Any) -> TestClient:
    """A client on the started app, its fleet in the states of ``STATUSES``."""
    started = await aiohttp_client(app)
    bring_up(app)
    return started


async def _data(client: TestClient, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    response = await client.get(f"/map/data{query}", headers={**headers, "Accept-Encoding": "gzip"})
    assert response.status == 200, await response.text()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Encoding"] == "gzip"  # every 15 s, over 4G
    return await response.json()


async def test_an_admin_sees_every_placed_device_with_its_live_status(
    client: TestClient, app: web.Application
) -> None:
    data = await _data(client, page_cookie(app, Role.ADMIN))
    shown = {m["id"]: m["status"] for m in data["markers"]}
    assert shown == STATUSES  # every placed device; the camera by its key location
    camera = next(m for m in data["markers"] if m["id"] == "alpha-cam-1")
    assert (camera["lat"], camera["lon"]) == (19.93, 105.33)
    assert camera["name"] == "Camera UBND <cổng>"  # as text: the script never reads HTML
    # alpha-rc-3 and gamma's gateway and cluster have no place: counted, not drawn.
    assert data["unplaced"] == 3
    outlines = {c["code"]: c for c in data["communes"]}
    assert outlines["alpha"]["drawn"] == "inventory" and len(outlines["alpha"]["outline"]) == 4
    # beta's is the hull of its gateway, two clusters and the market (its camera's place).
    assert outlines["beta"]["drawn"] == "points"
    assert sorted(map(tuple, outlines["beta"]["outline"])) == sorted(
        [(19.885, 105.40), (19.87, 105.43), (19.895, 105.435), (19.86, 105.41)]
    )
    assert outlines["gamma"]["outline"] == []  # nothing to outline
    assert data["words"]["offline"] == "Mất kết nối" and data["words"]["letter.camera"] == "C"
    assert data["severity"][0] == "offline"


async def test_an_officer_sees_their_commune_only(client: TestClient, app: web.Application) -> None:
    officer = page_cookie(app, Role.OPERATOR, "beta")
    data = await _data(client, officer)
    assert {m["commune"] for m in data["markers"]} == {"beta"}
    assert [c["code"] for c in data["communes"]] == ["beta"]
    assert data["unplaced"] == 0
    # Another commune is not there for them, as its own page is not.
    assert (await client.get("/map/data?commune=alpha", headers=officer)).status == 404
    assert (await client.get("/map?commune=alpha", headers=officer)).status == 404
    html = await (await client.get("/map", headers=officer)).text()
    assert 'value="beta"' in html and 'value="alpha"' not in html


async def test_the_filter_is_the_query(client: TestClient, app: web.Application) -> None:
    admin = page_cookie(app, Role.ADMIN)
    data = await _data(client, admin, "?commune=alpha&kind=radio_cluster")
    assert [m["id"] for m in data["markers"]] == ["alpha-rc-1", "alpha-rc-2"]
    assert [c["code"] for c in data["communes"]] == ["alpha"]
    assert data["unplaced"] == 1  # alpha-rc-3
    cameras = await _data(client, admin, "?kind=camera&commune=")
    assert [m["id"] for m in cameras["markers"]] == ["alpha-cam-1", "beta-cam-1"]
    # The outlines stay whole whatever kind is shown.
    beta = next(c for c in cameras["communes"] if c["code"] == "beta")
    assert len(beta["outline"]) == 4

    # The page carries the same query to its script, and keeps the choices selected.
    html = await (await client.get("/map?commune=alpha&kind=camera", headers=admin)).text()
    assert 'data-source="/map/data?commune=alpha&amp;kind=camera"' in html
    assert '<option value="alpha" selected>' in html
    assert '<option value="camera" selected>' in html
    assert 'href="/map" aria-current="page"' in html

    response = await client.get("/map/data?kind=toaster", headers=admin)
    assert response.status == 400
    assert "unknown kind" in (text := await response.text()) and "toaster" in text
    assert (await client.get("/map?commune=nowhere", headers=admin)).status == 404


async def test_without_a_tile_source_the_page_says_so_and_images_stay_here(
    client: TestClient, app: web.Application
) -> None:
    response = await client.get("/map", headers=page_cookie(app, Role.VIEWER))
    html = await response.text()
    assert "Chưa cấu hình nền bản đồ" in html and "data-tiles" not in html
    assert "img-src 'self';" in response.headers["Content-Security-Policy"]


async def test_a_tile_source_is_named_in_the_page_and_the_policy(
    tmp_path: Path, aiohttp_client: Any
) -> None:
    tiles = "https://tiles.thanhhoa.example/{z}/{x}/{y}.png"
    async with map_app(tmp_path, map_tiles=tiles, map_attribution="© Sở TT&TT") as app:
        client = await aiohttp_client(app)
        response = await client.get("/map", headers=page_cookie(app, Role.VIEWER))
        html = await response.text()
        assert f'data-tiles="{tiles}"' in html and 'data-attribution="© Sở TT&amp;TT"' in html
        policy = response.headers["Content-Security-Policy"]
        assert "img-src 'self' https://tiles.thanhhoa.example data:;" in policy
        # Every answer carries the same policy, the static files and errors too.
        static = await client.get("/static/map.js")
        assert static.headers["Content-Security-Policy"] == policy


def test_tile_templates_are_checked() -> None:
    def source(url: str, attribution: str | None = None):  # type: ignore[no-untyped-def]
        return tile_source(Settings(map_tiles=url, map_attribution=attribution))

    assert source("") is None
    osm = source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert osm is not None
    assert osm.origin == "https://*.tile.openstreetmap.org"
    assert osm.attribution == OSM_ATTRIBUTION
    own = source("http://10.0.0.5:8080/tiles/{z}/{x}/{y}{r}.png")
    assert own is not None and own.origin == "http://10.0.0.5:8080"
    assert own.attribution == "10.0.0.5"
    for bad, words in [
        ("tiles.example/{z}/{x}/{y}.png", "must be an http(s) URL template"),
        ("ftp://tiles.example/{z}/{x}/{y}.png", "must be an http(s) URL template"),
        ("https://tiles.example/{z}/{x}.png", "lacks {y}"),
        ("https://tiles.example/{z}/{x}/{y}.png?key={apikey}", "unknown placeholder {apikey}"),
        ("https://{z}.tiles.example/{z}/{x}/{y}.png", "only {s} may stand in the host"),
    ]:
        with pytest.raises(ValueError, match="--map-tiles") as caught:
            source(bad)
        assert words in str(caught.value), bad


async def test_the_app_refuses_a_bad_tile_template(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"--map-tiles: .* lacks \{x\}"):
        async with map_app(tmp_path, map_tiles="https://tiles.example/{z}.png"):
            pass


def test_the_hull_of_a_commune_s_points() -> None:
    square = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    inside = [(0.5, 0.5), (0.2, 0.7)]
    assert sorted(convex_hull(square + inside + square)) == sorted(square)
    assert convex_hull([(1.0, 1.0), (1.0, 1.0)]) == [(1.0, 1.0)]
    assert len(convex_hull([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)])) < 3  # a line: no area
