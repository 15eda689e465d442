"""An integrator's program as a collector: it prints our readings as JSON.

This is how a vendor's device is supported without touching the agent: a script (in any
language) talks to the device and prints::

    {"devices": [{"id": "loa-03", "reachable": true, "radio": {"volume": 70}}],
     "health": {"bearer": "4g", "rsrp_dbm": -95}}

The output is validated against the wire contract's own types (``DeviceReading``,
``AgentHealth``), so what a script prints is exactly what the server would accept; a
script that breaks the contract fails this collector, visibly, instead of sending junk.
"""

from __future__ import annotations

from typing import Any

import msgspec

from xaso.agent.collectors.base import CollectorResult
from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.collectors.process import run_command
from xaso.protocol import ID_PATTERN, AgentHealth, DeviceReading, is_valid_id


class CommandConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # Reported as collector "command:<name>"; unique among the command collectors.
    name: str
    argv: list[str]  # program and arguments, no shell
    timeout_s: float = 10.0
    env: dict[str, str] = {}  # added to the agent's environment


class CommandOutput(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    devices: list[DeviceReading] = []
    health: AgentHealth | None = None


_decoder = msgspec.json.Decoder(CommandOutput)


def problems(configs: list[CommandConfig], problems: Problems, where: YamlPath) -> None:
    seen: dict[str, int] = {}
    for index, config in enumerate(configs):
        at = (*where, index)
        if not is_valid_id(config.name):
            problems.add(config, at, "name", f"name {config.name!r} must match {ID_PATTERN}")
        elif config.name in seen:
            problems.add(
                config,
                at,
                "name",
                f"name {config.name!r} is already used (item {seen[config.name]})",
            )
        seen.setdefault(config.name, index)
        problems.argv(config, at, "argv", config.argv)
        problems.positive(config, at, "timeout_s", config.timeout_s)


class CommandCollector:
    def __init__(self, config: CommandConfig) -> None:
        self.name = f"command:{config.name}"
        self._config = config

    def collect(self) -> CollectorResult:
        # Errors raise: the pool reports them as this collector's failure for the cycle.
        done = run_command(
            self._config.argv, timeout_s=self._config.timeout_s, env=self._config.env
        )
        if done.returncode != 0:
            raise RuntimeError(f"exit {done.returncode}: {done.stderr_tail() or 'no message'}")
        try:
            output = _decoder.decode(done.stdout)
        except msgspec.DecodeError as exc:  # ValidationError included
            raise ValueError(f"invalid output: {exc}") from None
        for reading in output.devices:
            if not is_valid_id(reading.id):
                raise ValueError(
                    f"invalid output: device id {reading.id!r} must match {ID_PATTERN}"
                )
        health: dict[str, Any] = {}
        if output.health is not None:
            # Only what the script knows: its None must not hide another collector's value.
            health = {
                k: v for k, v in msgspec.structs.asdict(output.health).items() if v is not None
            }
        return CollectorResult(readings=list(output.devices), health=health)

    def close(self) -> None:
        pass


def build(config: CommandConfig) -> CommandCollector:
    return CommandCollector(config)
