"""The map's background tiles: where browsers fetch them (``--map-tiles``) and the credit
they need (``--map-attribution``), checked once at start.

Tiles are the one thing a page loads from another host, and only when an operator has
named one: the Content-Security-Policy then allows that host for images and nothing
else (``security_headers.py``). Without a tile source the map draws on a plain
background and works on a closed network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from xaso.server.settings import Settings

# What Leaflet fills in for a tile: zoom, column, row, a retina "@2x" and a server name.
_PLACEHOLDERS: Final = frozenset({"z", "x", "y", "r", "s"})
_PLACEHOLDER: Final = re.compile(r"\{([^{}]*)\}")
OSM_ATTRIBUTION: Final = "© OpenStreetMap contributors"


@dataclass(frozen=True)
class TileSource:
    url: str  # the template, as Leaflet takes it
    attribution: str
    # What the CSP's img-src allows: scheme and host, "{s}" standing for any server name.
    origin: str

    @property
    def image_sources(self) -> tuple[str, ...]:
        """The img-src the tiles need: their server, and ``data:`` because Leaflet stops
        a tile still loading (a pan, a zoom) by pointing it at a blank GIF written as a
        data: URL (``emptyImageUrl`` in leaflet-src.js), which the policy would refuse
        with an error each time. An image cannot run anything; without a tile source
        neither is allowed."""
        return (self.origin, "data:")


def tile_source(settings: Settings) -> TileSource | None:
    """The configured tile source, None without one. Raises ``ValueError`` naming the
    setting for a template a browser could not use."""
    url = (settings.map_tiles or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--map-tiles must be an http(s) URL template, not {url!r}")
    names = set(_PLACEHOLDER.findall(url))
    unknown = names - _PLACEHOLDERS
    if unknown:
        raise ValueError(
            f"--map-tiles: unknown placeholder {{{sorted(unknown)[0]}}} in {url!r} "
            "(use {z}, {x}, {y}, and {s} or {r} if the server wants them)"
        )
    missing = [name for name in ("z", "x", "y") if name not in names]
    if missing:
        raise ValueError(
            f"--map-tiles: {url!r} lacks {{{missing[0]}}} (it needs {{z}}, {{x}}, {{y}})"
        )
    host = parts.netloc.rpartition("@")[2].replace("{s}", "*")
    if "{" in host or "}" in host:
        raise ValueError(f"--map-tiles: only {{s}} may stand in the host name of {url!r}")
    attribution = (settings.map_attribution or "").strip() or _default_attribution(parts.hostname)
    return TileSource(url=url, attribution=attribution, origin=f"{parts.scheme}://{host}")


def _default_attribution(hostname: str | None) -> str:
    host = (hostname or "").replace("{s}", "a")
    if host == "openstreetmap.org" or host.endswith(".openstreetmap.org"):
        return OSM_ATTRIBUTION
    return host
