"""The collector plugins and their explicit registry.

``agent.yaml``'s ``collectors:`` section is validated against ``CollectorsConfig``: one
optional section per plugin (the ``command`` plugin is a list, one entry per program).
A plugin is a module with a config Struct, ``problems(config, problems, where)`` for the
checks its types cannot express, and ``build(config)`` returning a ``Collector`` (see
``base``). Adding one means a field here and a line in ``_PLUGINS`` — nothing is found by
import magic, so what the agent can run is readable in this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, NamedTuple

import msgspec

from xaso.agent.collectors import camera, command, nvr, radio, reachability, system
from xaso.agent.collectors.base import Collector, CollectorResult
from xaso.agent.collectors.camera import CameraConfig, CameraDevice
from xaso.agent.collectors.check import ConfigProblem, PathOf, Problems, YamlPath
from xaso.agent.collectors.command import CommandConfig
from xaso.agent.collectors.nvr import NvrConfig, NvrDevice
from xaso.agent.collectors.radio import RadioConfig, RadioDevice
from xaso.agent.collectors.reachability import ReachabilityConfig, ReachabilityDevice
from xaso.agent.collectors.system import SystemConfig

__all__ = [
    "CameraConfig",
    "CameraDevice",
    "Collector",
    "CollectorResult",
    "CollectorsConfig",
    "CommandConfig",
    "NvrConfig",
    "NvrDevice",
    "RadioConfig",
    "RadioDevice",
    "ReachabilityConfig",
    "ReachabilityDevice",
    "SystemConfig",
    "build_collectors",
    "config_problems",
]


class CollectorsConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The ``collectors:`` section of agent.yaml; a plugin runs when its key is present.
    The gateway's own health is always wanted, so ``system`` runs by default
    (``system: null`` turns it off)."""

    system: SystemConfig | None = SystemConfig()
    reachability: ReachabilityConfig | None = None
    camera: CameraConfig | None = None
    nvr: NvrConfig | None = None
    radio: RadioConfig | None = None
    command: list[CommandConfig] = []


class _Plugin(NamedTuple):
    check: Callable[[Any, Problems, YamlPath], None]
    build: Callable[[Any, str], Collector]


# The registry, in the order collectors are built and reported. ``state_dir`` is the
# agent's own folder: the system collector reports its free space, the camera collector
# keeps its cameras' picture baselines there.
_PLUGINS: Final[dict[str, _Plugin]] = {
    "system": _Plugin(system.problems, lambda c, state_dir: system.build(c, state_dir=state_dir)),
    "reachability": _Plugin(reachability.problems, lambda c, _: reachability.build(c)),
    "camera": _Plugin(camera.problems, lambda c, state_dir: camera.build(c, state_dir=state_dir)),
    "nvr": _Plugin(nvr.problems, lambda c, _: nvr.build(c)),
    "radio": _Plugin(radio.problems, lambda c, _: radio.build(c)),
}


def config_problems(
    config: CollectorsConfig, *, path_of: PathOf | None = None
) -> list[ConfigProblem]:
    """What the section's types cannot say, as (path relative to ``collectors``,
    message), e.g. ``(("camera", "devices", 2, "url"), "url must be rtsp://...")``.

    ``path_of``, when given, maps a config Struct of this tree to its path (relative to
    ``collectors``) in the file; it matters after a partial load, which drops invalid
    list items and so shifts indices. Without it, paths use indices in ``config``.
    """
    problems = Problems(path_of)
    for name, plugin in _PLUGINS.items():
        section = getattr(config, name)
        if section is not None:
            plugin.check(section, problems, (name,))
    command.problems(config.command, problems, ("command",))
    return problems.found


def build_collectors(config: CollectorsConfig, *, state_dir: str) -> list[Collector]:
    """One collector per configured plugin. Raises ``ValueError`` on a config with
    problems or an unreadable secret (password_file, password_env), so the agent stops
    at start with the reason instead of failing in every cycle."""
    found = config_problems(config)
    if found:
        raise ValueError("; ".join(f"collectors.{_dotted(path)}: {msg}" for path, msg in found))
    collectors: list[Collector] = []
    try:
        for name, plugin in _PLUGINS.items():
            section = getattr(config, name)
            if section is not None:
                collectors.append(plugin.build(section, state_dir))
        collectors += [command.build(entry) for entry in config.command]
    except BaseException:
        for built in collectors:  # they may own thread pools
            built.close()
        raise
    return collectors


def _dotted(path: YamlPath) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
