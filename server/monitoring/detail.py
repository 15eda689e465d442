"""Flatten the optional parts of a heartbeat into a record's ``detail``.

The store keeps a few core fields as columns and everything else as flat keys
(``"camera.stream_ok"``, ``"rssi_dbm"``), so a new field in the wire contract needs no
schema change (``docs/storage.md``); ``clean_detail`` applies the stores' rules (numbers
as float, no None).
"""

from __future__ import annotations

import functools
import re

import msgspec

from xaso.protocol import AgentHealth, CollectorStatus, DeviceReading, PictureHealth
from xaso.server.monitoring.recording_detail import recorded_detail
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
    camera, nvr, radio = reading.camera, reading.nvr, reading.radio
    if camera is None and nvr is None and radio is None:
        return {}  # a reachability probe only
    raw: dict[str, object] = {}
    for section, part in (("camera", camera), ("nvr", nvr), ("radio", radio)):
        if part is not None:
            for name, key in _section_keys(section, type(part)):
                raw[key] = getattr(part, name)
    if camera is not None and camera.recorded is not None:
        raw.update(recorded_detail(camera.recorded))
    if camera is not None and camera.picture is not None:
        raw.update(_picture_detail(camera.picture))
    return clean_detail(raw)


def _picture_detail(picture: PictureHealth) -> dict[str, object]:
    """The camera's picture health as flat keys (``camera.picture.state``, ...): kept per
    reading like any other measure; the struct itself is not a value a store holds."""
    return {f"camera.picture.{name}": getattr(picture, name) for name in _PICTURE_FIELDS}


_PICTURE_FIELDS = PictureHealth.__struct_fields__


@functools.cache
def _section_keys(section: str, struct: type[msgspec.Struct]) -> tuple[tuple[str, str], ...]:
    """(field, flat key) of a reading's section, made once: a heartbeat of 15 devices
    would otherwise build the same ~100 keys again."""
    return tuple((name, f"{section}.{name}") for name in struct.__struct_fields__)
