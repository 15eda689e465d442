"""Time-series stores: pick a backend from a URL.

``sqlite:///var/lib/xaso/xaso.db``   embedded default (``sqlite:///:memory:`` for tests)
``influxdb://host:8086/xaso``        InfluxDB over HTTP (``influxdbs://`` for HTTPS)

InfluxDB credentials come from the environment (``XASO_INFLUX_USERNAME``,
``XASO_INFLUX_PASSWORD`` for 1.x; ``XASO_INFLUX_TOKEN`` for 2.x/3.x), never from the URL,
so that a config file or a log line that shows the URL shows no secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from xaso.server.records import (
    AgentHealthRecord,
    BroadcastEventRecord,
    DeviceReadingRecord,
    Record,
    TransitionRecord,
)
from xaso.server.store.base import Store, StoreUnavailable, WriteResult

__all__ = [
    "AgentHealthRecord",
    "BroadcastEventRecord",
    "DeviceReadingRecord",
    "Record",
    "Store",
    "StoreUnavailable",
    "TransitionRecord",
    "WriteResult",
    "open_store",
]

DEFAULT_INFLUX_PORT = 8086
_EXAMPLES = "sqlite:///var/lib/xaso/xaso.db or influxdb://127.0.0.1:8086/xaso"


async def open_store(url: str, env: Mapping[str, str] = os.environ) -> Store:
    """Open the store that ``url`` names; ``ValueError`` says what is wrong with it."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        return await _open_sqlite(url, parts.netloc, parts.path)
    if scheme in ("influxdb", "influxdbs"):
        return await _open_influx(url, env)
    raise ValueError(
        f"unsupported store URL {url!r}: the scheme must be sqlite, influxdb or "
        f"influxdbs, e.g. {_EXAMPLES}"
    )


# Backends are imported when chosen: a deployment loads only the one it uses.


async def _open_sqlite(url: str, netloc: str, path: str) -> Store:
    from xaso.server.store.sqlite import SqliteStore

    if netloc or not path or path == "/":
        raise ValueError(
            f"bad SQLite store URL {url!r}: give an absolute path after three slashes, "
            "e.g. sqlite:///var/lib/xaso/xaso.db or sqlite:///:memory:"
        )
    path = unquote(path)
    return await SqliteStore.open(":memory:" if path == "/:memory:" else path)


async def _open_influx(url: str, env: Mapping[str, str]) -> Store:
    from xaso.server.store.influx import InfluxStore

    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            f"InfluxDB store URL {_redacted(url)!r} contains credentials; set "
            "XASO_INFLUX_USERNAME / XASO_INFLUX_PASSWORD or XASO_INFLUX_TOKEN instead"
        )
    if not parts.hostname:
        raise ValueError(f"InfluxDB store URL {url!r} has no host, e.g. {_EXAMPLES}")
    database = unquote(parts.path.strip("/"))
    if not database or "/" in database:
        raise ValueError(
            f"InfluxDB store URL {url!r} must name one database as its path, "
            "e.g. influxdb://127.0.0.1:8086/xaso"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"InfluxDB store URL {url!r}: query and fragment are not supported")
    try:
        port = parts.port or DEFAULT_INFLUX_PORT
    except ValueError as exc:  # urlsplit validates the port lazily
        raise ValueError(f"InfluxDB store URL {url!r}: {exc}") from None
    http_scheme = "https" if parts.scheme.lower() == "influxdbs" else "http"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return await InfluxStore.open(
        f"{http_scheme}://{host}:{port}",
        database,
        username=env.get("XASO_INFLUX_USERNAME") or None,
        password=env.get("XASO_INFLUX_PASSWORD") or None,
        token=env.get("XASO_INFLUX_TOKEN") or None,
    )


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}").geturl()
