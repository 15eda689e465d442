"""The agent's configuration file (``agent.yaml``): a strict model, checked with lines."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from xaso.protocol import is_valid_id
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

    def add(message: str, *path: str | int) -> None:
        problems.append(Problem(file, lines.of(*path), message))

    if not is_valid_id(config.agent.id):
        add(f"agent id {config.agent.id!r} must match [a-z0-9][a-z0-9._-]*", "agent", "id")
    if config.agent.heartbeat_interval_s <= 0:
        add("heartbeat_interval_s must be positive", "agent", "heartbeat_interval_s")
    scheme = urlsplit(config.mqtt.url).scheme
    if scheme != "mqtt":
        add(f"mqtt url scheme {scheme!r} is not supported (use mqtt://host:port)", "mqtt", "url")
    if config.mqtt.password_file and config.mqtt.password_env:
        add("give password_file or password_env, not both", "mqtt", "password_env")
    if config.mqtt.keepalive_s < 5:
        add("keepalive_s must be at least 5", "mqtt", "keepalive_s")
    seen: dict[str, int] = {}
    for i, device in enumerate(config.devices):
        if not is_valid_id(device.id):
            add(f"device id {device.id!r} must match [a-z0-9][a-z0-9._-]*", "devices", i, "id")
        if device.id in seen:
            first = seen[device.id]
            add(f"device {device.id!r} already listed at line {first}", "devices", i, "id")
        seen.setdefault(device.id, lines.of("devices", i, "id"))
        if not 0 < device.port < 65536:
            add(f"port {device.port} is out of range 1-65535", "devices", i, "port")
        if device.timeout_s <= 0:
            add("timeout_s must be positive", "devices", i, "timeout_s")
    return problems


def check_agent_config_file(path: str | Path) -> list[Problem]:
    config, problems, lines = load_struct(path, AgentConfig)
    if config is None:
        return problems
    return problems + _semantic_problems(config, lines, str(path))


def load_agent_config(path: str | Path) -> AgentConfig:
    config, problems, lines = load_struct(path, AgentConfig)
    if config is not None:
        problems += _semantic_problems(config, lines, str(path))
    if problems or config is None:
        raise ConfigError(problems)
    return config
