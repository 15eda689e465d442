"""Flatten the optional parts of a heartbeat into a record's ``detail``.

The store keeps a few core fields as columns and everything else as flat keys
(``"camera.stream_ok"``, ``"rssi_dbm"``), so a new field in the wire contract needs no
schema change (``docs/storage.md``); ``clean_detail`` applies the stores' rules (numbers
as float, no None).
"""

from __future__ import annotations

import re

import msgspec

from xaso.protocol import AgentHealth, CollectorStatus, DeviceReading
from xaso.server.records import DetailValue, clean_detail

# The core health fields are columns of their own.
_CORE_HEALTH = frozenset({"uptime_s", "load1", "mem_used_pct", "disk_free_pct", "temp_c"})
_UNSAFE_KEY_CHARS = re.compile(r"[^a-z0-9_]")


def _key_part(name: str) -> str:
    """A collector's configured name as a safe key part, always starting with a letter."""
    part = _UNSAFE_KEY_CHARS.sub("_", name.lower())
    return part if part[:1].isalpha() else f"c_{part}"


def health_detail(health: AgentHealth, collectors: list[CollectorStatus]) -> dict[str, DetailValue]:
    raw: dict[str, object] = {
        key: value
        for key, value in msgspec.structs.asdict(health).items()
        if key not in _CORE_HEALTH
    }
    for status in collectors:
        name = _key_part(status.name)
        raw[f"collector.{name}.ok"] = status.ok
        raw[f"collector.{name}.error"] = status.error
    return clean_detail(raw)


def reading_detail(reading: DeviceReading) -> dict[str, DetailValue]:
    if reading.camera is None and reading.nvr is None and reading.radio is None:
        return {}  # most readings: a reachability probe only (the hot path)
    raw: dict[str, object] = {}
    for section in ("camera", "nvr", "radio"):
        part = getattr(reading, section)
        if part is not None:
            raw.update({f"{section}.{k}": v for k, v in msgspec.structs.asdict(part).items()})
    return clean_detail(raw)
