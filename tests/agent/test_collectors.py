"""The collector registry and config checks, the command, system and reachability
collectors, and the process runner they share. Loopback only; every test is bounded."""

from __future__ import annotations

import json
import re
import socket
import sys
import textwrap
import time
from pathlib import Path

import msgspec
import pytest
import yaml

from tests.agent.device_servers import closed_port
from tests.paths import REPO
from xaso.agent.collectors import (
    CameraConfig,
    CameraDevice,
    CollectorsConfig,
    NvrConfig,
    NvrDevice,
    RadioConfig,
    RadioDevice,
    build_collectors,
    config_problems,
)
from xaso.agent.collectors.command import CommandCollector, CommandConfig
from xaso.agent.collectors.picture.config import CameraPicture, PictureConfig, PictureLimits
from xaso.agent.collectors.process import CommandError, run_command
from xaso.agent.collectors.reachability import (
    ReachabilityCollector,
    ReachabilityConfig,
    ReachabilityDevice,
    detect_icmp,
)
from xaso.agent.collectors.system import (
    SystemCollector,
    SystemConfig,
    parse_chrony_tracking,
    parse_timesync_offset,
    watchdog_boot_reason,
    wifi_rssi_dbm,
)
from xaso.protocol import AgentHealth
from xaso.yamlcheck import load_struct_text


class Root(msgspec.Struct, forbid_unknown_fields=True):
    collectors: CollectorsConfig = CollectorsConfig()


def load(text: str) -> CollectorsConfig:
    """The section as msgspec alone reads it, to compare with the strict YAML walk."""
    return msgspec.convert(yaml.safe_load(text), Root).collectors


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


# --- registry and config ------------------------------------------------------------------

GOOD = """\
collectors:
  system: {bearer: ftth}
  reachability:
    icmp: false
    devices:
      - {id: cam-cho, address: 127.0.0.1, port: 554}
  camera:
    username: viewer
    password_env: CAM_PW
    devices:
      - {id: cam-cho, url: "rtsp://127.0.0.1/Streaming/101"}
  nvr:
    devices:
      - {id: nvr-xa, url: "http://127.0.0.1:8080/status"}
  radio:
    devices:
      - {id: loa-01, command: [/usr/local/bin/radio-status, loa-01]}
  command:
    - {name: ups, argv: [/usr/local/bin/ups-status], timeout_s: 5}
"""


def test_a_good_section_passes_the_yaml_walk() -> None:
    config, problems, _ = load_struct_text(GOOD, Root)
    assert problems == [] and config is not None
    assert config.collectors == load(GOOD)


def test_a_good_section_has_no_problems_and_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(GOOD)
    assert config_problems(config) == []
    monkeypatch.setenv("CAM_PW", "pw")
    collectors = build_collectors(config, state_dir="/tmp")
    try:
        assert [c.name for c in collectors] == [
            "system",
            "reachability",
            "camera",
            "nvr",
            "radio",
            "command:ups",
        ]
    finally:
        for collector in collectors:
            collector.close()


def test_semantic_problems_name_the_offending_key() -> None:
    text = """\
collectors:
  reachability:
    devices:
      - {id: Cam 1, address: 10.0.0.1, port: 70000}
      - {id: cam-2, address: 10.0.0.2}
  camera:
    password_file: /a
    password_env: B
    devices:
      - {id: cam-1, url: "rtsp://10.0.0.1/a"}
      - {id: cam-1, url: "rtsp://10.0.0.1/b", onvif_url: "https://10.0.0.1/onvif"}
      - {id: cam-3, url: "http://10.0.0.3/stream"}
  nvr:
    devices:
      - {id: nvr-1, url: "http://u:p@10.0.0.9/s", command: [x], fields: {disk_free: a}}
  radio:
    timeout_s: 0
  command:
    - {name: ups, argv: [a]}
    - {name: ups, argv: [""]}
"""
    config = load(text)
    found = dict(config_problems(config))
    assert found == {
        ("reachability", "devices", 0, "id"): "device id 'Cam 1' must match "
        "^[a-z0-9][a-z0-9._-]{0,63}$",
        ("reachability", "devices", 0, "port"): "port 70000 is out of range 1-65535",
        ("reachability", "devices", 1, "port"): "give a port, or icmp: true, or both",
        ("camera", "password_env"): "give password_file or password_env, not both",
        ("camera", "devices", 1, "id"): "device 'cam-1' is already listed (item 0)",
        ("camera", "devices", 1, "onvif_url"): "onvif_url must be plain http://",
        ("camera", "devices", 2, "url"): "url must be rtsp://host[:port]/path",
        ("nvr", "devices", 0, "url"): "url must not carry credentials",
        ("nvr", "devices", 0, "fields", "disk_free"): "unknown field 'disk_free' (known: "
        "channels_recording, channels_total, disk_free_pct, recording, retention_days)",
        ("radio", "timeout_s"): "timeout_s must be positive",
        ("command", 1, "name"): "name 'ups' is already used (item 0)",
        ("command", 1, "argv"): "argv must name a program: [program, arg, ...]",
    } | {("nvr", "devices", 0, "url"): found[("nvr", "devices", 0, "url")]}
    # url and command together is also named (same key, so the dict kept the last one).
    messages = [m for p, m in config_problems(config) if p == ("nvr", "devices", 0, "url")]
    assert messages == ["give exactly one of url or command", "url must not carry credentials"]
    with pytest.raises(ValueError, match=r"collectors\.camera\.devices\[2\]\.url"):
        build_collectors(config, state_dir="/tmp")


def test_semantic_problem_paths_resolve_to_lines() -> None:
    text = "collectors:\n  camera:\n    devices:\n      - {id: c, url: 'http://h/p'}\n"
    config, problems, lines = load_struct_text(text, Root)
    assert problems == [] and config is not None
    ((path, _),) = config_problems(config.collectors)
    assert lines.of("collectors", *path) == 4


def test_unknown_keys_are_caught_at_load_with_their_line() -> None:
    text = "collectors:\n  camera:\n    devices:\n      - {id: c, url: 'rtsp://h/p', pasword: x}\n"
    _, problems, _ = load_struct_text(text, Root)
    assert [(p.line, p.message) for p in problems] == [
        (4, "collectors.camera.devices[0]: unknown key 'pasword' (did you mean 'password_env'?)")
    ]


def test_path_of_maps_items_to_their_place_in_the_file() -> None:
    config = CollectorsConfig(command=[CommandConfig(name="Bad", argv=["x"])])
    item = config.command[0]
    found = config_problems(config, path_of=lambda s: ("command", 3) if s is item else None)
    assert found == [(("command", 3, "name"), "name 'Bad' must match ^[a-z0-9][a-z0-9._-]{0,63}$")]


# --- the process runner and the command collector -------------------------------------------


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    # The child starts a grandchild that holds our stdout open and then sleeps.
    argv = python(
        f"""
        import subprocess, sys, time
        p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        open({str(pid_file)!r}, "w").write(str(p.pid))
        time.sleep(30)
        """
    )
    started = time.monotonic()
    with pytest.raises(CommandError, match=r"timed out after 0\.5s"):
        run_command(argv, timeout_s=0.5)
    assert time.monotonic() - started < 3
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 2
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(grandchild)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_output_is_bounded() -> None:
    with pytest.raises(CommandError, match="stdout exceeds 1000 bytes"):
        run_command(python("print('x' * 5000)"), timeout_s=5, max_output_bytes=1000)
    with pytest.raises(CommandError, match="command not found"):
        run_command(["/nonexistent/xaso-tool"], timeout_s=1)


def test_command_collector_reads_readings_and_health() -> None:
    output = {
        "devices": [
            {"id": "ups-1", "reachable": True, "rtt_ms": 3.5},
            {"id": "loa-03", "reachable": True, "radio": {"play_state": "playing", "volume": 70}},
        ],
        "health": {"bearer": "4g", "rsrp_dbm": -95, "temp_c": None},
    }
    config = CommandConfig(
        name="vendor",
        argv=python(
            f"import os; assert os.environ['SITE'] == 'xh'; print({json.dumps(json.dumps(output))})"
        ),
        env={"SITE": "xh"},
    )
    result = CommandCollector(config).collect()
    assert [r.id for r in result.readings] == ["ups-1", "loa-03"]
    assert result.readings[1].radio is not None and result.readings[1].radio.volume == 70
    assert result.health == {"bearer": "4g", "rsrp_dbm": -95.0}


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (
            'print(\'{"devices": [{"id": "x"}]}\')',
            r"invalid output: Object missing required field `reachable`",
        ),
        (
            'print(\'{"devices": [], "extra": 1}\')',
            r"invalid output: Object contains unknown field `extra`",
        ),
        ("print('not json')", r"invalid output: JSON is malformed"),
        ('print(\'{"devices": [{"id": "Bad Id", "reachable": true}]}\')', r"device id 'Bad Id'"),
        ("import sys; sys.exit('modbus timeout')", r"exit 1: modbus timeout"),
        ("import time; time.sleep(30)", r"timed out after 0\.5s"),
    ],
)
def test_command_collector_failures_raise_for_the_pool(code: str, error: str) -> None:
    collector = CommandCollector(CommandConfig(name="v", argv=python(code), timeout_s=0.5))
    started = time.monotonic()
    with pytest.raises(Exception, match=error):
        collector.collect()
    assert time.monotonic() - started < 3


# --- system ------------------------------------------------------------------------------


def test_system_health_on_this_machine_has_right_types(tmp_path: Path) -> None:
    modem = python('print(\'{"bearer": "4g", "rssi_dbm": -71, "rsrp_dbm": -95, "cell": 7}\')')
    collector = SystemCollector(
        SystemConfig(modem_command=modem, bearer="ftth"), state_dir=str(tmp_path)
    )
    health = collector.collect().health
    # Every key is an AgentHealth field, of its type (convert raises otherwise).
    msgspec.convert(health, AgentHealth)
    assert None not in health.values()
    assert health["bearer"] == "4g" and health["rsrp_dbm"] == -95
    assert "reconnects" not in health  # the runner's to supply
    assert health["uptime_s"] > 0 and 0 <= health["disk_free_pct"] <= 100
    assert 0 <= health["mem_used_pct"] <= 100


def test_system_broken_modem_command_leaves_signal_unknown(tmp_path: Path) -> None:
    config = SystemConfig(modem_command=python("print('AT+CSQ: 18,99')"), bearer="4g", clock=False)
    health = SystemCollector(config, state_dir=str(tmp_path)).collect().health
    assert health["bearer"] == "4g"
    assert "rssi_dbm" not in health and "ntp_synced" not in health


def test_boot_reason_from_file_or_watchdog_flag(tmp_path: Path) -> None:
    reason = tmp_path / "reason"
    reason.write_text("watchdog\nextra\n")
    config = SystemConfig(boot_reason_file=str(reason), clock=False)
    assert (
        SystemCollector(config, state_dir=str(tmp_path)).collect().health["boot_reason"]
        == "watchdog"
    )
    (tmp_path / "watchdog0").mkdir()
    status = tmp_path / "watchdog0" / "bootstatus"
    status.write_text("0\n")
    assert watchdog_boot_reason(str(tmp_path / "watchdog*/bootstatus")) is None  # not "power_on"
    status.write_text("32\n")
    assert watchdog_boot_reason(str(tmp_path / "watchdog*/bootstatus")) == "watchdog"


def test_clock_and_wifi_parsers() -> None:
    tracking = (
        "Reference ID    : C0A80101 (192.168.1.1)\nStratum         : 3\n"
        "System time     : 0.002500000 seconds slow of NTP time\n"
        "Leap status     : Normal\n"
    )
    assert parse_chrony_tracking(tracking) == (-2.5, True)
    assert parse_chrony_tracking(tracking.replace("Normal", "Not synchronised")) == (None, False)
    assert parse_chrony_tracking("506 Cannot talk to daemon") == (None, None)
    assert parse_timesync_offset("       Server: 10.0.0.1\n       Offset: +1.204ms\n") == -1.204
    assert parse_timesync_offset("       Offset: -350us\n") == 0.35


def test_wifi_signal_from_proc_net_wireless(tmp_path: Path) -> None:
    wireless = tmp_path / "wireless"
    wireless.write_text(
        "Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n"
        " face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
        " wlan0: 0000   54.  -56.  -256        0      0      0      0      0        0\n"
    )
    assert wifi_rssi_dbm("wlan0", str(wireless)) == -56.0
    assert wifi_rssi_dbm("wlan1", str(wireless)) is None


# --- reachability ---------------------------------------------------------------------------


def test_reachability_listening_and_closed_ports() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        config = ReachabilityConfig(
            devices=[
                ReachabilityDevice(id="up", address="127.0.0.1", port=port),
                ReachabilityDevice(id="down", address="127.0.0.1", port=closed_port()),
            ],
            timeout_s=1,
        )
        collector = ReachabilityCollector(config)
        try:
            up, down = collector.collect().readings
        finally:
            collector.close()
    assert up.reachable and up.rtt_ms is not None and up.error is None
    assert not down.reachable and down.error and down.error.endswith("connection refused")


def test_icmp_unavailable_is_unknown_not_down(caplog: pytest.LogCaptureFixture) -> None:
    config = ReachabilityConfig(
        icmp=True,
        devices=[
            ReachabilityDevice(id="pinged", address="127.0.0.1"),
            ReachabilityDevice(id="both", address="127.0.0.1", port=closed_port()),
        ],
    )
    collector = ReachabilityCollector(config, icmp=("unavailable", None))
    try:
        (both,) = collector.collect().readings
        collector.collect()
    finally:
        collector.close()
    assert both.id == "both" and not both.reachable
    warnings = [r for r in caplog.records if "icmp unavailable" in r.getMessage()]
    assert len(warnings) == 1 and "pinged" in warnings[0].getMessage()


@pytest.mark.skipif(detect_icmp()[0] == "unavailable", reason="no ICMP permitted here")
def test_icmp_echo_to_loopback() -> None:
    config = ReachabilityConfig(
        icmp=True, devices=[ReachabilityDevice(id="lo", address="127.0.0.1")]
    )
    collector = ReachabilityCollector(config)
    try:
        (reading,) = collector.collect().readings
    finally:
        collector.close()
    assert reading.reachable and reading.rtt_ms is not None


def test_ping_program_fallback_parses_the_round_trip(tmp_path: Path) -> None:
    fake = tmp_path / "ping"
    fake.write_text(
        f"#!{sys.executable}\nimport sys\nassert sys.argv[1:5] == ['-n', '-c', '1', '-W']\n"
        "print('64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.048 ms')\n"
    )
    fake.chmod(0o755)
    config = ReachabilityConfig(
        icmp=True, devices=[ReachabilityDevice(id="lo", address="127.0.0.1")]
    )
    collector = ReachabilityCollector(config, icmp=("ping", str(fake)))
    try:
        (reading,) = collector.collect().readings
    finally:
        collector.close()
    assert reading.reachable and reading.rtt_ms == 0.048


def test_every_sample_in_the_docs_is_a_valid_section() -> None:
    docs = (REPO / "docs/collectors.md").read_text(encoding="utf-8")
    samples = re.findall(r"```yaml\n(.*?)```", docs, flags=re.S)
    documented = set()
    for sample in samples:
        config = load(sample)
        assert config_problems(config) == [], sample
        documented |= {f for f in CollectorsConfig.__struct_fields__ if getattr(config, f)}
    assert documented == set(CollectorsConfig.__struct_fields__)
    # And every option of every plugin is mentioned.
    for section in (
        SystemConfig,
        ReachabilityConfig,
        ReachabilityDevice,
        CameraConfig,
        CameraDevice,
        PictureConfig,
        CameraPicture,
        PictureLimits,
        NvrConfig,
        NvrDevice,
        RadioConfig,
        RadioDevice,
        CommandConfig,
    ):
        for option in section.__struct_fields__:
            assert option in docs, (section.__name__, option)
