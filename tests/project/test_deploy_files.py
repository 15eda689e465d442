"""The systemd units we ship, read as systemd and the command line would read them."""

from __future__ import annotations

import configparser
import shlex

import pytest

from tests.paths import REPO
from xaso.cli import build_parser

DEPLOY = REPO / "deploy"


def unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser["Service"]


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["ExecStart"].replace("\\\n", " "))


@pytest.mark.parametrize("name", ["xaso-server.service", "xaso-agent.service"])
def test_no_secret_is_on_the_command_line(name: str) -> None:
    """Anyone on the machine reads a process's arguments (ps); a password there leaks."""
    command = " ".join(exec_start(name)).lower()
    for word in ("password", "token", "secret", "${"):
        assert word not in command, (name, command)


def test_the_server_unit_gives_the_broker_password_as_a_credential() -> None:
    service = unit("xaso-server.service")
    assert service["LoadCredential"].startswith("mqtt-password:")
    argv = exec_start("xaso-server.service")
    url = argv[argv.index("--mqtt") + 1]
    assert url.startswith("mqtt://xaso-server@")  # the user; the password comes from the file


@pytest.mark.parametrize("name", ["xaso-server.service", "xaso-agent.service"])
def test_the_command_is_one_xaso_understands(name: str) -> None:
    argv = exec_start(name)
    assert argv[0].endswith("/xaso")
    build_parser().parse_args(argv[1:])  # exits (fails the test) on an unknown option


def broker_setting(name: str) -> tuple[int, str]:
    """(line index, value) of a setting in the shipped broker configuration."""
    lines = (DEPLOY / "mosquitto" / "xaso.conf").read_text(encoding="utf-8").splitlines()
    found = [(i, line.split()[1]) for i, line in enumerate(lines) if line.split()[:1] == [name]]
    assert len(found) == 1, name
    return found[0]


def test_the_broker_refuses_connections_before_it_runs_out_of_file_descriptors() -> None:
    """Each gateway holds one descriptor of the broker's: ``max_connections`` must bite
    first, with room left for the listener, the persistence file and the log."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / "mosquitto.service.d" / "xaso.conf", encoding="utf-8")
    limit = int(parser["Service"]["LimitNOFILE"])
    listener_at, _ = broker_setting("listener")
    at, value = broker_setting("max_connections")
    assert 15_000 <= int(value) <= limit - 1_000
    # A listener setting: it applies to the listener above it.
    assert at > listener_at
