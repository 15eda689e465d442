"""The alerts file (``--alerts PATH``): rules, channels and delivery, checked with lines.

``load_alerts_config`` reports every problem as FILE:LINE: message, like the agent's
config and the inventory: unknown keys, a threshold the rule's type needs but lacks (or
one it would silently ignore), a channel name no channel has, a channel whose secret is
unset in the environment. The server refuses to start on any of them, so a typo is found
at deploy time, not at the first power cut. See docs/alerts.md for the meaning of each key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import msgspec

from xaso.inventory import DeviceKind, InventoryIndex
from xaso.protocol import ID_PATTERN, is_valid_id
from xaso.server.alerts.channels import ChannelConfigError, build_channel
from xaso.server.alerts.dispatcher import RetryPolicy
from xaso.server.alerts.message import Language, Severity
from xaso.server.alerts.personal import CHANNEL_TYPE_OF, PersonalRouting
from xaso.yamlcheck import ConfigError, Lines, Problem, load_struct

__all__ = [
    "THRESHOLDS",
    "AlertsConfig",
    "RuleConfig",
    "RuleType",
    "check_alerts_config_file",
    "load_alerts_config",
]

RuleType = Literal[
    "device_down",
    "commune_radio_below",
    "camera_not_recording",
    "clock_offset",
    "broadcast_not_played",
    "recording_gap",
    "picture_unusable",
]

# Which threshold keys each rule type reads: required ones must be given, and any other
# threshold is refused rather than silently ignored. ``commune_radio_below`` may also take
# ``down_for_s``: how long the commune must stay below target before it fires.
THRESHOLDS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "device_down": (("down_for_s",), ()),
    "commune_radio_below": (("min_up_pct",), ("down_for_s",)),
    "camera_not_recording": (("not_recording_for_s",), ()),
    "clock_offset": (("max_offset_ms",), ()),
    # How far back occurrences are checked (their planned start): default 6 hours.
    "broadcast_not_played": ((), ("within_s",)),
    # A gap longer than max_gap_s in what the recorder last said of a camera's window.
    "recording_gap": (("max_gap_s",), ()),
    # How long a camera's picture must have been unusable (server/monitoring/picture_state.py).
    "picture_unusable": (("down_for_s",), ()),
}
_ALL_THRESHOLDS: Final = (
    "down_for_s",
    "min_up_pct",
    "not_recording_for_s",
    "max_offset_ms",
    "within_s",
    "max_gap_s",
)
# Kinds a rule can be narrowed to; None means the rule takes no ``kinds`` filter.
_KINDS_ALLOWED: Final[dict[str, frozenset[str] | None]] = {
    "device_down": None,  # any kind (checked by the type)
    "camera_not_recording": frozenset({"camera", "nvr"}),
    "commune_radio_below": frozenset(),
    "clock_offset": frozenset(),
    "broadcast_not_played": frozenset(),
    "recording_gap": frozenset(),
    "picture_unusable": frozenset(),  # cameras only
}

NonNegative = Annotated[float, msgspec.Meta(ge=0)]
Positive = Annotated[float, msgspec.Meta(gt=0)]
Percent = Annotated[float, msgspec.Meta(gt=0, le=100)]

_DEFAULT_REMINDER_S: Final = 4 * 3600.0
# Alertmanager's default group_interval: a group that grows is told again at most this
# often, so devices joining an outage are not left unannounced until the next reminder.
_DEFAULT_GROUP_INTERVAL_S: Final = 300.0


class RuleConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: str  # part of the alert key "<name>:<commune>"; an id ([a-z0-9-], no colon)
    type: RuleType
    down_for_s: NonNegative | None = None
    min_up_pct: Percent | None = None
    not_recording_for_s: NonNegative | None = None
    max_offset_ms: Positive | None = None
    within_s: Positive | None = None
    max_gap_s: Positive | None = None
    kinds: list[DeviceKind] = []  # empty: every kind the rule applies to
    communes: list[str] = []  # empty: every commune
    severity: Severity | None = None  # None: the type's default (see default_severity)
    reminder_every_s: NonNegative = _DEFAULT_REMINDER_S  # 0: no reminders
    group_interval_s: NonNegative = _DEFAULT_GROUP_INTERVAL_S
    channels: list[str] = []  # names; empty: every channel
    lang: Language = "vi"

    @property
    def effective_severity(self) -> Severity:
        return self.severity or default_severity(self.type)


def default_severity(rule_type: str) -> Severity:
    # A dead gateway silences a commune; a camera not recording or a radio below target
    # still leaves the service partly working; a clock offset only corrupts timestamps.
    defaults: dict[str, Severity] = {
        "device_down": "critical",
        "commune_radio_below": "warning",
        "camera_not_recording": "warning",
        "clock_offset": "info",
        # A bulletin that did not play: the commune must know, and may play it again.
        "broadcast_not_played": "warning",
        # Footage missing for hours: what the camera is there for failed.
        "recording_gap": "warning",
        # A covered or blinded camera watches nothing, as one not recording.
        "picture_unusable": "warning",
    }
    return defaults.get(rule_type, "warning")


class AlertsConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    rules: list[RuleConfig]
    # Each ``{name, type, ...}`` as ``server.alerts.channels.build_channels`` takes it.
    channels: list[dict[str, Any]]
    interval_s: Annotated[float, msgspec.Meta(gt=0, le=300)] = 5.0  # evaluation period
    # How often the playout log is checked for broadcast_not_played rules (a store
    # query: less often than the live rules).
    playout_interval_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 60.0
    queue_size: Annotated[int, msgspec.Meta(ge=1)] = 200  # per channel
    retry: RetryPolicy = RetryPolicy()
    # Which channel carries each kind of a person's address (personal.py); None: alerts
    # go to the shared channels only.
    personal: PersonalRouting | None = None


_CHANNEL_PATH = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def _path_parts(path: str) -> tuple[str | int, ...]:
    """``channels[0].headers.X`` -> ("channels", 0, "headers", "X"), for ``Lines.of``."""
    return tuple(
        int(index) if index else key for index, key in _CHANNEL_PATH.findall(path) if index or key
    )


def _channel_problems(
    config: AlertsConfig, lines: Lines, file: str, environ: Mapping[str, str] | None
) -> tuple[list[Problem], set[str]]:
    """Build each channel once (and drop it) so that every bad channel is reported, not
    only the first as ``build_channels`` would; returns the problems and the names."""
    problems: list[Problem] = []
    names: set[str] = set()
    for index, entry in enumerate(config.channels):
        where = f"channels[{index}]"
        settings = dict(entry)
        type_, name = settings.pop("type", None), settings.pop("name", None)
        if not isinstance(name, str) or not name:
            problems.append(Problem(file, lines.of("channels", index), f"{where}.name: missing"))
        elif name in names:
            line = lines.of("channels", index, "name")
            problems.append(Problem(file, line, f"{where}.name: duplicate channel {name!r}"))
        else:
            names.add(name)
        if not isinstance(type_, str):
            problems.append(Problem(file, lines.of("channels", index), f"{where}.type: missing"))
            continue
        try:
            # Channels open their HTTP sessions lazily: building one holds no resource.
            build_channel(type_, settings, where, name=name or type_, environ=environ)
        except ChannelConfigError as exc:
            problems.append(Problem(file, lines.of(*_path_parts(exc.path)), str(exc)))
    return problems, names


def people_only(entry: Mapping[str, Any]) -> bool:
    """A channel set up only to reach people: it has no shared destination."""
    if entry.get("type") == "apprise":
        return not (entry.get("url_env") or entry.get("url_file"))
    if entry.get("type") == "zalo":
        return not (entry.get("user_ids") or entry.get("phones"))
    return False


def _personal_problems(config: AlertsConfig, lines: Lines, file: str) -> list[Problem]:
    """Each channel of ``personal:`` exists and is of the type its addresses need."""
    if config.personal is None:
        return []
    problems: list[Problem] = []
    entries = {str(entry.get("name")): entry for entry in config.channels}
    for kind, name in config.personal.channels().items():
        line = lines.of("personal", kind)
        entry = entries.get(name)
        wanted = CHANNEL_TYPE_OF[kind]
        if entry is None:
            problems.append(Problem(file, line, f"personal.{kind}: no channel is named {name!r}"))
        elif entry.get("type") != wanted:
            problems.append(
                Problem(file, line, f"personal.{kind}: channel {name!r} is not of type {wanted}")
            )
        elif kind == "sms" and not (entry.get("to_url_env") or entry.get("to_url_file")):
            problems.append(
                Problem(
                    file,
                    line,
                    f"personal.{kind}: channel {name!r} has no to_url_env or to_url_file "
                    "(a URL template with {to})",
                )
            )
    return problems


def _rule_problems(
    config: AlertsConfig,
    lines: Lines,
    file: str,
    channel_names: set[str],
    index: InventoryIndex | None,
) -> list[Problem]:
    problems: list[Problem] = []
    reach_people_only = {str(e.get("name")) for e in config.channels if people_only(e)}

    def add(rule: RuleConfig, key: str, message: str) -> None:
        # By item, not list index: a partial load drops invalid rules.
        problems.append(Problem(file, lines.of_item(rule, key), f"rule {rule.name!r}: {message}"))

    seen: set[str] = set()
    for rule in config.rules:
        if not is_valid_id(rule.name):
            add(rule, "name", f"name must match {ID_PATTERN}")
        if rule.name in seen:
            add(rule, "name", "duplicate rule name")
        seen.add(rule.name)
        required, optional = THRESHOLDS[rule.type]
        for key in required:
            if getattr(rule, key) is None:
                add(rule, "type", f"a {rule.type} rule needs {key}")
        for key in _ALL_THRESHOLDS:
            if key not in required + optional and getattr(rule, key) is not None:
                add(rule, key, f"{key} does not apply to a {rule.type} rule")
        allowed = _KINDS_ALLOWED[rule.type]
        if allowed is not None and rule.kinds:
            wrong = sorted(set(rule.kinds) - allowed)
            if not allowed:
                add(rule, "kinds", f"a {rule.type} rule takes no kinds filter")
            elif wrong:
                add(rule, "kinds", f"kinds {wrong} do not apply (allowed: {sorted(allowed)})")
        for name in rule.channels:
            if name not in channel_names:
                add(rule, "channels", f"no channel is named {name!r}")
            elif name in reach_people_only:
                add(rule, "channels", f"channel {name!r} only reaches people (personal:)")
        if index is not None:
            for commune in rule.communes:
                if commune not in index.communes:
                    add(rule, "communes", f"commune {commune!r} is not in the inventory")
    return problems


def _load(
    path: str | Path, index: InventoryIndex | None, environ: Mapping[str, str] | None
) -> tuple[AlertsConfig | None, list[Problem]]:
    # A partial load lets the checks below run even when some keys are wrong, so one run
    # reports every problem.
    config, problems, lines = load_struct(path, AlertsConfig, partial=True)
    if config is not None:
        file = str(path)
        channel_problems, names = _channel_problems(config, lines, file, environ)
        problems += channel_problems
        problems += _rule_problems(config, lines, file, names, index)
        problems += _personal_problems(config, lines, file)
    return config, sorted(problems, key=lambda p: p.line)


def check_alerts_config_file(
    path: str | Path,
    index: InventoryIndex | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem of the file (empty when it is good), for ``--validate``-style checks."""
    return _load(path, index, environ)[1]


def load_alerts_config(
    path: str | Path,
    index: InventoryIndex | None = None,
    environ: Mapping[str, str] | None = None,
) -> AlertsConfig:
    """The config, or ``ConfigError`` listing every problem as FILE:LINE: message.

    With ``index`` the communes named by rules are checked against the inventory;
    ``environ`` (default: the process environment) is where channel secrets are read.
    """
    config, problems = _load(path, index, environ)
    if problems or config is None:
        raise ConfigError(problems)
    return config
