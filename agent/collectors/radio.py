"""Loudspeaker clusters of the commune's IP radio: play state, source, volume, mute,
amplifier relay, buffer, frame loss and schedule version, from the cluster controller's
JSON status (HTTP) or from a command that prints it (see ``jsonsource``).

One controller usually serves every cluster of a station in one document: give each
cluster the same ``url`` and its own ``root`` (``clusters.id=loa-03``), and the document
is fetched once per cycle.
"""

from __future__ import annotations

import msgspec

from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.collectors.jsonsource import JsonDevice, JsonStatusCollector, device_problems
from xaso.protocol import DeviceReading, RadioStatus


class RadioDevice(JsonDevice, forbid_unknown_fields=True, frozen=True):
    """A loudspeaker cluster; its fields map onto ``xaso.protocol.RadioStatus``."""


class RadioConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    devices: list[RadioDevice] = []
    timeout_s: float = 5.0  # per fetch (HTTP exchange or command run)
    max_workers: int = 4


def problems(config: RadioConfig, problems: Problems, where: YamlPath) -> None:
    problems.positive(config, where, "timeout_s", config.timeout_s)
    problems.positive(config, where, "max_workers", config.max_workers)
    device_problems(problems, config.devices, (*where, "devices"), RadioStatus)


def _attach(device_id: str, status: RadioStatus) -> DeviceReading:
    return DeviceReading(id=device_id, reachable=True, radio=status)


def build(config: RadioConfig) -> JsonStatusCollector[RadioDevice, RadioStatus]:
    return JsonStatusCollector(
        "radio",
        config.devices,
        status_type=RadioStatus,
        attach=_attach,
        timeout_s=config.timeout_s,
        max_workers=config.max_workers,
    )
