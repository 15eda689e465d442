"""Network video recorders: recording state, free disk, retention and channels, from the
recorder's JSON status (HTTP) or from a command that prints it (see ``jsonsource``)."""

from __future__ import annotations

import msgspec

from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.collectors.jsonsource import JsonDevice, JsonStatusCollector, device_problems
from xaso.protocol import DeviceReading, NvrStatus


class NvrDevice(JsonDevice, forbid_unknown_fields=True, frozen=True):
    """A recorder; its fields map onto ``xaso.protocol.NvrStatus``."""


class NvrConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    devices: list[NvrDevice] = []
    timeout_s: float = 5.0  # per fetch (HTTP exchange or command run)
    max_workers: int = 4


def problems(config: NvrConfig, problems: Problems, where: YamlPath) -> None:
    problems.positive(config, where, "timeout_s", config.timeout_s)
    problems.positive(config, where, "max_workers", config.max_workers)
    device_problems(problems, config.devices, (*where, "devices"), NvrStatus)


def _derive(status: NvrStatus) -> NvrStatus:
    # A recorder that says how many channels record but not whether it records: the
    # count answers it (no guess: zero channels recording is "not recording").
    if status.recording is None and status.channels_recording is not None:
        return msgspec.structs.replace(status, recording=status.channels_recording > 0)
    return status


def _attach(device_id: str, status: NvrStatus) -> DeviceReading:
    return DeviceReading(id=device_id, reachable=True, nvr=status)


def build(config: NvrConfig) -> JsonStatusCollector[NvrDevice, NvrStatus]:
    return JsonStatusCollector(
        "nvr",
        config.devices,
        status_type=NvrStatus,
        attach=_attach,
        timeout_s=config.timeout_s,
        max_workers=config.max_workers,
        derive=_derive,
    )
