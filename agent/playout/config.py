"""The ``playout:`` section of agent.yaml: how this gateway plays its schedule.

Without the section the gateway plays nothing (a CCTV gateway). Commands are argv lists
with placeholders (``agent/playout/templates.py``); each cluster may override the
defaults. ``simulated`` replaces every command with a player that only waits for the
content's duration (the demo's fleet). ``docs/playout.md`` is the reference.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import msgspec

from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.playout.templates import PLAYER_FIELDS, STEP_FIELDS, TTS_FIELDS, template_problems
from xaso.protocol import ID_PATTERN, is_valid_id

Argv = list[str]

# ffplay reads every format the server accepts for upload (MP3, WAV, OGG, M4A); a
# WAV-only gateway can use ["aplay", "-q", "{file}"].
DEFAULT_PLAYER: Final = ("ffplay", "-nodisp", "-autoexit", "-loglevel", "error", "{file}")
# A stream has no end of its own: it is played for the slot's duration.
DEFAULT_RELAY_PLAYER: Final = (
    "ffplay", "-nodisp", "-autoexit", "-loglevel", "error", "-t", "{duration_s}", "{url}",
)  # fmt: skip
# "--" ends the options: a text starting with "-" is spoken, not obeyed (without it
# "-f/etc/xaso/agent.yaml" makes espeak-ng read that file out over the loudspeakers).
DEFAULT_TTS: Final = ("espeak-ng", "-v", "{voice}", "-w", "{out}", "--", "{text}")


class SimulatedPlayer(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """No program runs: a play lasts the content's duration (the demo's fleet)."""

    # Plays on these clusters fail, as a cluster with a dead amplifier would.
    fail_clusters: list[str] = []


class ClusterPlayout(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One cluster's overrides of the section's defaults."""

    player: Argv | None = None
    relay_player: Argv | None = None
    relay_on: Argv | None = None
    relay_off: Argv | None = None
    set_volume: Argv | None = None
    volume: int | None = None


class ClusterCommands(NamedTuple):
    """What one cluster runs, defaults resolved."""

    player: tuple[str, ...]
    relay_player: tuple[str, ...]
    relay_on: tuple[str, ...] | None
    relay_off: tuple[str, ...] | None
    set_volume: tuple[str, ...] | None
    volume: int | None


class PlayoutConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # Defaults for every cluster (None: the built-in default above, or no command).
    player: Argv | None = None
    relay_player: Argv | None = None
    tts: Argv | None = None
    relay_on: Argv | None = None  # amplifier relay on before a play, off after it
    relay_off: Argv | None = None
    # Run before each play that has a volume: the server's (the schedule's, else the
    # cluster's), else this configuration's.
    set_volume: Argv | None = None
    volume: int | None = None  # 0-100: used when the server gives none
    # An occurrence that cannot start within this long of its planned start (the
    # gateway was down, the cluster busy) is skipped; a pre-empted one is resumed only
    # within it.
    late_start_s: float = 600.0
    # A due occurrence whose audio is still being fetched (or its speech rendered)
    # waits this long past its planned start before it fails with content_missing.
    content_wait_s: float = 60.0
    # A stopped player gets SIGTERM, then SIGKILL after this long.
    stop_grace_s: float = 2.0
    # A player still running this long past the content's duration is stopped.
    overrun_s: float = 30.0
    # relay_on, relay_off and set_volume each get this long.
    command_timeout_s: float = 10.0
    tts_timeout_s: float = 120.0
    clusters: dict[str, ClusterPlayout] = {}
    simulated: SimulatedPlayer | None = None

    @property
    def tts_argv(self) -> tuple[str, ...]:
        return tuple(self.tts) if self.tts is not None else DEFAULT_TTS

    def for_cluster(self, cluster: str) -> ClusterCommands:
        own = self.clusters.get(cluster, ClusterPlayout())

        def pick(key: str) -> tuple[str, ...] | None:
            value = getattr(own, key)
            value = value if value is not None else getattr(self, key)
            return tuple(value) if value is not None else None

        return ClusterCommands(
            player=pick("player") or DEFAULT_PLAYER,
            relay_player=pick("relay_player") or DEFAULT_RELAY_PLAYER,
            relay_on=pick("relay_on"),
            relay_off=pick("relay_off"),
            set_volume=pick("set_volume"),
            volume=own.volume if own.volume is not None else self.volume,
        )


_COMMANDS: Final = {
    "player": PLAYER_FIELDS,
    "relay_player": PLAYER_FIELDS,
    "relay_on": STEP_FIELDS,
    "relay_off": STEP_FIELDS,
    "set_volume": STEP_FIELDS,
}


def _commands(
    item: ClusterPlayout | PlayoutConfig, where: YamlPath, problems: Problems
) -> list[str]:
    """Check one level's commands and volume; the names of the commands it sets."""
    given = []
    for key, allowed in _COMMANDS.items():
        argv = getattr(item, key)
        if argv is None:
            continue
        given.append(key)
        problems.argv(item, where, key, argv)
        for message in template_problems(argv, allowed):
            problems.add(item, where, key, message)
    if item.volume is not None and not 0 <= item.volume <= 100:
        problems.add(item, where, "volume", "volume must be between 0 and 100")
    return given


def playout_problems(config: PlayoutConfig, problems: Problems, where: YamlPath) -> None:
    """What the types cannot say, by path (``where`` is the section's own path)."""
    given = _commands(config, where, problems)
    if config.tts is not None:
        given.append("tts")
        problems.argv(config, where, "tts", config.tts)
        for message in template_problems(config.tts, TTS_FIELDS):
            problems.add(config, where, "tts", message)
        if not any("{out}" in arg for arg in config.tts):
            problems.add(config, where, "tts", "tts must write the speech to {out}")
    for key in ("late_start_s", "stop_grace_s", "overrun_s", "command_timeout_s", "tts_timeout_s"):
        problems.positive(config, where, key, getattr(config, key))
    if config.content_wait_s < 0:
        problems.add(config, where, "content_wait_s", "content_wait_s must not be negative")
    for cluster, own in config.clusters.items():
        at = (*where, "clusters", cluster)
        if not is_valid_id(cluster):
            problems.found.append((at, f"cluster id {cluster!r} must match {ID_PATTERN}"))
        given += _commands(own, at, problems)
        if (own.relay_on or own.relay_off) and bool(own.relay_on or config.relay_on) != bool(
            own.relay_off or config.relay_off
        ):
            problems.add(own, at, "relay_on", "give relay_on and relay_off together")
    if bool(config.relay_on) != bool(config.relay_off):
        problems.add(config, where, "relay_on", "give relay_on and relay_off together")
    # set_volume without any volume here is fine: the server may give one (a
    # schedule's, or the cluster's from the commune's radio settings).
    if config.simulated is not None:
        for cluster in config.simulated.fail_clusters:
            if not is_valid_id(cluster):
                problems.add(
                    config.simulated,
                    (*where, "simulated"),
                    "fail_clusters",
                    f"cluster id {cluster!r} must match {ID_PATTERN}",
                )
        if given:
            problems.add(
                config,
                where,
                "simulated",
                f"simulated runs no program: remove {', '.join(sorted(set(given)))}",
            )
