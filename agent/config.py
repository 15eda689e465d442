"""The agent's configuration file (``agent.yaml``): a strict model, checked with lines.

``xaso agent --config PATH --check-config`` reports every problem as FILE:LINE: message;
the agent refuses to start on any. Secrets never live in this file: the MQTT password
comes from a file or an environment variable, and URLs must not carry credentials.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from xaso.agent.collectors import CollectorsConfig, config_problems
from xaso.agent.collectors.check import Problems as SectionProblems
from xaso.agent.outbox import OutboxPolicy
from xaso.agent.playout.config import PlayoutConfig, playout_problems
from xaso.protocol import ID_PATTERN, is_valid_id
from xaso.yamlcheck import ConfigError, Lines, Problem, load_struct

_MQTT_PORTS = {"mqtt": 1883, "mqtts": 8883}


class AgentSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    heartbeat_interval_s: float = 30.0
    # A collector still running after this long is reported as failed for the cycle;
    # by default most of the interval, so the heartbeat always leaves on time.
    collector_timeout_s: float | None = None


class TlsSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    ca_file: str | None = None  # None: the system's trusted CAs
    cert_file: str | None = None  # client certificate, for brokers that require one
    key_file: str | None = None


class MqttSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    url: str = "mqtt://127.0.0.1:1883"  # mqtts:// for TLS (port 8883 by default)
    username: str | None = None
    password_file: str | None = None
    password_env: str | None = None
    keepalive_s: int = 30
    # MQTT 5 lets the broker say when it refuses a publish (its ACL, a quota): the record
    # then stays queued and the heartbeat says why. Over MQTT 3.1.1 Mosquitto
    # acknowledges a refused publish like any other, and the record would be dropped as
    # delivered. "mqtt3.1.1" only for a broker without MQTT 5 (the demo's embedded one).
    protocol: Literal["mqtt5", "mqtt3.1.1"] = "mqtt5"
    tls: TlsSection | None = None
    # Reconnect delays grow from min to max, each drawn with full jitter.
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 300.0


class ContentSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Where broadcast audio is fetched from: the server's URL and an ``agent`` token."""

    url: str
    token_file: str | None = None
    token_env: str | None = None


class AgentConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    agent: AgentSection
    mqtt: MqttSection = MqttSection()
    # Where the agent keeps what must survive a restart: its queue and session counter.
    state_dir: str = "/var/lib/xaso-agent"
    queue: OutboxPolicy = OutboxPolicy()
    collectors: CollectorsConfig = CollectorsConfig()
    content: ContentSection | None = None
    # How a radio gateway plays its schedule (docs/playout.md); absent: it plays nothing.
    playout: PlayoutConfig | None = None

    @property
    def mqtt_host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.mqtt.url)
        return parts.hostname or "127.0.0.1", parts.port or _MQTT_PORTS.get(parts.scheme, 1883)

    @property
    def mqtt_uses_tls(self) -> bool:
        return urlsplit(self.mqtt.url).scheme == "mqtts"

    @property
    def collector_timeout_s(self) -> float:
        interval_s = self.agent.heartbeat_interval_s
        return self.agent.collector_timeout_s or max(1.0, 0.8 * interval_s)

    def content_token(self) -> str | None:
        content = self.content
        if content is None:
            return None
        if content.token_file:
            return Path(content.token_file).read_text(encoding="utf-8").strip()
        if content.token_env:
            return os.environ.get(content.token_env)
        return None

    def mqtt_password(self) -> str | None:
        if self.mqtt.password_file:
            return Path(self.mqtt.password_file).read_text(encoding="utf-8").strip()
        if self.mqtt.password_env:
            return os.environ.get(self.mqtt.password_env)
        return None


def _semantic_problems(config: AgentConfig, lines: Lines, file: str) -> list[Problem]:
    problems: list[Problem] = []

    def add(item: msgspec.Struct, key: str, message: str) -> None:
        # By item, not index: a partial load drops invalid list items.
        problems.append(Problem(file, lines.of_item(item, key), message))

    agent, mqtt = config.agent, config.mqtt
    if not is_valid_id(agent.id):
        add(agent, "id", f"agent id {agent.id!r} must match {ID_PATTERN}")
    if agent.heartbeat_interval_s <= 0:
        add(agent, "heartbeat_interval_s", "heartbeat_interval_s must be positive")
    if agent.collector_timeout_s is not None and not (
        0 < agent.collector_timeout_s < agent.heartbeat_interval_s
    ):
        add(agent, "collector_timeout_s", "collector_timeout_s must be between 0 and the interval")
    url = urlsplit(mqtt.url)
    if url.scheme not in _MQTT_PORTS:
        add(mqtt, "url", f"mqtt url scheme {url.scheme!r} is not supported (mqtt:// or mqtts://)")
    if url.username or url.password:
        add(mqtt, "url", "no credentials in the url: use username and password_file/password_env")
    if mqtt.tls is not None and url.scheme != "mqtts":
        add(mqtt, "tls", "tls settings need an mqtts:// url")
    if mqtt.password_file and mqtt.password_env:
        add(mqtt, "password_env", "give password_file or password_env, not both")
    if mqtt.password_file and not os.access(mqtt.password_file, os.R_OK):
        add(mqtt, "password_file", f"cannot read {mqtt.password_file}")
    if mqtt.tls is not None:
        for key in ("ca_file", "cert_file", "key_file"):
            path = getattr(mqtt.tls, key)
            if path and not os.access(path, os.R_OK):
                add(mqtt.tls, key, f"cannot read {path}")
        if bool(mqtt.tls.cert_file) != bool(mqtt.tls.key_file):
            add(mqtt.tls, "cert_file", "a client certificate needs both cert_file and key_file")
    if mqtt.keepalive_s < 5:
        add(mqtt, "keepalive_s", "keepalive_s must be at least 5")
    if not 0 < mqtt.reconnect_min_s <= mqtt.reconnect_max_s:
        add(mqtt, "reconnect_min_s", "need 0 < reconnect_min_s <= reconnect_max_s")

    if config.content is not None:
        if not config.content.url.startswith(("http://", "https://")):
            add(config.content, "url", "content url must be http:// or https://")
        if config.content.token_file and config.content.token_env:
            add(config.content, "token_env", "give token_file or token_env, not both")

    def collector_path(item: msgspec.Struct) -> tuple[str | int, ...] | None:
        # Where an item sits in the file, relative to `collectors` (a partial load may
        # have dropped invalid list items, so indices cannot be trusted).
        found = lines.path_of(item)
        return tuple(found[1:]) if found and found[:1] == ("collectors",) else None

    for path, message in config_problems(config.collectors, path_of=collector_path):
        problems.append(Problem(file, lines.of("collectors", *path), message))

    if config.playout is not None:
        section = SectionProblems(lines.path_of)
        playout_problems(config.playout, section, ("playout",))
        for path, message in section.found:
            problems.append(Problem(file, lines.of(*path), f"{_dotted(path)}: {message}"))
    return problems


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _load(path: str | Path) -> tuple[AgentConfig | None, list[Problem]]:
    # A partial load lets the checks above run even when some keys are wrong, so one
    # run reports every problem.
    config, problems, lines = load_struct(path, AgentConfig, partial=True)
    if config is not None:
        problems += _semantic_problems(config, lines, str(path))
    return config, sorted(problems, key=lambda p: p.line)


def check_agent_config_file(path: str | Path) -> list[Problem]:
    return _load(path)[1]


def load_agent_config(path: str | Path) -> AgentConfig:
    """The config, or ``ConfigError`` listing every problem: the agent refuses to start."""
    config, problems = _load(path)
    if problems or config is None:
        raise ConfigError(problems)
    return config
