"""The agent's configuration file (``agent.yaml``): a strict model, checked with lines."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from xaso.protocol import ID_PATTERN, is_valid_id
from xaso.yamlcheck import ConfigError, Lines, Problem, load_struct


class AgentSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    heartbeat_interval_s: float = 30.0


class MqttSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    url: str = "mqtt://127.0.0.1:1883"
    username: str | None = None
    # Secrets are read from a file or the environment, never written in the config.
    password_file: str | None = None
    password_env: str | None = None
    keepalive_s: int = 30


class ProbedDevice(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A device behind the gateway, probed by a TCP connect to ``address:port``."""

    id: str
    address: str
    port: int
    timeout_s: float = 2.0


class AgentConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    agent: AgentSection
    mqtt: MqttSection = MqttSection()
    # Where the agent keeps what must survive a restart (its session counter).
    state_dir: str = "/var/lib/xaso-agent"
    devices: list[ProbedDevice] = []

    @property
    def mqtt_host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.mqtt.url)
        return parts.hostname or "127.0.0.1", parts.port or 1883

    def mqtt_password(self) -> str | None:
        import os

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

    if not is_valid_id(config.agent.id):
        add(config.agent, "id", f"agent id {config.agent.id!r} must match {ID_PATTERN}")
    if config.agent.heartbeat_interval_s <= 0:
        add(config.agent, "heartbeat_interval_s", "heartbeat_interval_s must be positive")
    scheme = urlsplit(config.mqtt.url).scheme
    if scheme != "mqtt":
        add(config.mqtt, "url", f"mqtt url scheme {scheme!r} is not supported (use mqtt://)")
    if config.mqtt.password_file and config.mqtt.password_env:
        add(config.mqtt, "password_env", "give password_file or password_env, not both")
    if config.mqtt.keepalive_s < 5:
        add(config.mqtt, "keepalive_s", "keepalive_s must be at least 5")
    first_line: dict[str, int] = {}
    for device in config.devices:
        if not is_valid_id(device.id):
            add(device, "id", f"device id {device.id!r} must match {ID_PATTERN}")
        if device.id in first_line:
            add(
                device, "id", f"device {device.id!r} already listed at line {first_line[device.id]}"
            )
        first_line.setdefault(device.id, lines.of_item(device, "id"))
        if not 0 < device.port < 65536:
            add(device, "port", f"port {device.port} is out of range 1-65535")
        if device.timeout_s <= 0:
            add(device, "timeout_s", "timeout_s must be positive")
    return problems


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
