"""The gateway's own health: uptime, boot reason, load, memory, disk, temperature,
clock and NTP state, uplink bearer and signal.

Every field is optional and left out when the platform does not say: a missing value is
honest, a guessed one is not. Readings that change slowly or cost a process start (the
clock's sync state, the modem's signal) are refreshed on their own period rather than
every heartbeat, to keep the agent under 1% CPU on a small gateway; the boot reason is
read once, since it cannot change while we run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from typing import Any

import msgspec

from xaso.agent.collectors.base import CollectorResult
from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.collectors.process import CommandError, run_command

log = logging.getLogger("xaso.agent.collectors")


class SystemConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    disk_path: str | None = None  # whose free space to report; default: the state_dir
    # Where the platform keeps why it booted: a file (first line) or a command (first
    # line of its output). Without either, a watchdog reset flag in /sys is used.
    boot_reason_file: str | None = None
    boot_reason_command: list[str] | None = None
    clock: bool = True  # report NTP sync state and offset
    clock_every_s: float = 300.0
    # The uplink. A modem command prints {"bearer": "4g", "rssi_dbm": -71, "rsrp_dbm": -95};
    # a wifi interface is read from /proc/net/wireless; ``bearer`` names a fixed uplink
    # (e.g. "ftth") and is used when neither says otherwise.
    bearer: str | None = None
    modem_command: list[str] | None = None
    modem_every_s: float = 60.0
    wifi_interface: str | None = None
    command_timeout_s: float = 5.0


def problems(config: SystemConfig, problems: Problems, where: YamlPath) -> None:
    problems.argv(config, where, "boot_reason_command", config.boot_reason_command)
    problems.argv(config, where, "modem_command", config.modem_command)
    if config.boot_reason_file and config.boot_reason_command:
        problems.add(
            config, where, "boot_reason_command", "give boot_reason_file or _command, not both"
        )
    if config.wifi_interface is not None and not re.fullmatch(
        r"[\w.:-]{1,15}", config.wifi_interface
    ):
        problems.add(config, where, "wifi_interface", "wifi_interface must be an interface name")
    for key in ("clock_every_s", "modem_every_s", "command_timeout_s"):
        problems.positive(config, where, key, getattr(config, key))


# --- readings that are cheap: every cycle --------------------------------------------


def uptime_s() -> float | None:
    try:
        with open("/proc/uptime", encoding="ascii") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def load1() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def mem_used_pct() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            fields = {line.split(":")[0]: int(line.split()[1]) for line in f if ":" in line}
        total, available = fields["MemTotal"], fields["MemAvailable"]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    return round(100.0 * (total - available) / total, 1) if total else None


def disk_free_pct(path: str) -> float | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return round(100.0 * usage.free / usage.total, 1) if usage.total else None


def temp_c(pattern: str = "/sys/class/thermal/thermal_zone*/temp") -> float | None:
    # The hottest zone is what matters on a fanless gateway in a hot cabinet.
    readings = []
    for zone in glob.glob(pattern):
        try:
            with open(zone, encoding="ascii") as f:
                value = int(f.read().strip()) / 1000.0
        except (OSError, ValueError):
            continue
        if -40.0 <= value <= 150.0:  # a broken sensor reads -273 or 255: not a reading
            readings.append(value)
    return round(max(readings), 1) if readings else None


def wifi_rssi_dbm(interface: str, path: str = "/proc/net/wireless") -> float | None:
    """The signal level of ``interface``: the "level" column, in dBm for most drivers."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                name, sep, rest = line.partition(":")
                if sep and name.strip() == interface:
                    level = float(rest.split()[2].rstrip("."))
                    return level if level < 0 else None  # positive: a relative scale
    except (OSError, ValueError, IndexError):
        return None
    return None


# --- boot reason: once ------------------------------------------------------------------

WDIOF_CARDRESET = 0x0020  # linux/watchdog.h: "card previously reset the CPU"


def watchdog_boot_reason(pattern: str = "/sys/class/watchdog/watchdog*/bootstatus") -> str | None:
    """ "watchdog" when a watchdog says it reset the machine. A clear flag proves nothing
    (many drivers never set it), so it gives None, not "power_on"."""
    for path in glob.glob(pattern):
        try:
            with open(path, encoding="ascii") as f:
                if int(f.read().strip(), 0) & WDIOF_CARDRESET:
                    return "watchdog"
        except (OSError, ValueError):
            continue
    return None


def _first_line(text: str) -> str | None:
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return line[:64] or None


def read_boot_reason(config: SystemConfig) -> str | None:
    if config.boot_reason_file:
        try:
            with open(config.boot_reason_file, encoding="utf-8", errors="replace") as f:
                return _first_line(f.read(4096))
        except OSError as exc:
            log.warning("boot_reason_file %s: %s", config.boot_reason_file, exc.strerror or exc)
            return None
    if config.boot_reason_command:
        try:
            done = run_command(config.boot_reason_command, timeout_s=config.command_timeout_s)
        except CommandError as exc:
            log.warning("boot_reason_command: %s", exc)
            return None
        return _first_line(done.stdout.decode("utf-8", "replace")) if done.returncode == 0 else None
    return watchdog_boot_reason()


# --- clock: every clock_every_s ---------------------------------------------------------

_CHRONY_OFFSET = re.compile(r"^System time\s*:\s*([0-9.]+) seconds (fast|slow) of NTP time", re.M)
_CHRONY_LEAP = re.compile(r"^Leap status\s*:\s*(.+)$", re.M)
_TIMESYNC_OFFSET = re.compile(r"^\s*Offset:\s*([+-]?[0-9.]+)(us|ms|s)\b", re.M)
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
TIME_ERROR = 5  # adjtimex(2): the clock is not synchronised


def parse_chrony_tracking(text: str) -> tuple[float | None, bool | None]:
    """(local minus NTP in ms, synced) from ``chronyc tracking``."""
    leap = _CHRONY_LEAP.search(text)
    if leap is None:
        return None, None
    synced = leap.group(1).strip() != "Not synchronised"
    offset = _CHRONY_OFFSET.search(text)
    if not synced or offset is None:
        return None, synced  # an unsynchronised chrony's offset estimate means nothing
    ms = float(offset.group(1)) * 1000.0
    return round(ms if offset.group(2) == "fast" else -ms, 3), True


def parse_timesync_offset(text: str) -> float | None:
    """Offset from ``timedatectl timesync-status`` (NTP server's view: server minus
    local, so the sign is turned to local minus NTP)."""
    match = _TIMESYNC_OFFSET.search(text)
    if match is None:
        return None
    return round(-float(match.group(1)) * _UNITS_MS[match.group(2)], 3)


def kernel_synced() -> bool | None:
    """The kernel's own flag, via adjtimex(2) in read-only mode (modes = 0)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
    # struct timex is about 208 bytes on 64-bit Linux; a zeroed buffer with modes = 0
    # reads without changing anything, and only the return value is used.
    buffer = ctypes.create_string_buffer(512)
    state = libc.adjtimex(buffer)
    if state < 0:
        return None
    return state != TIME_ERROR


def read_clock(timeout_s: float) -> tuple[float | None, bool | None]:
    """(clock offset ms, NTP synced), from chrony, else systemd-timesyncd, else the
    kernel flag (which gives no offset)."""
    chronyc = shutil.which("chronyc")
    if chronyc:
        try:
            done = run_command([chronyc, "-n", "tracking"], timeout_s=timeout_s)
            if done.returncode == 0:
                offset, synced = parse_chrony_tracking(done.stdout.decode("utf-8", "replace"))
                if synced is not None:
                    return offset, synced
        except CommandError:
            pass
    timedatectl = shutil.which("timedatectl")
    if timedatectl:
        try:
            done = run_command(
                [timedatectl, "show", "-p", "NTPSynchronized", "--value"], timeout_s=timeout_s
            )
            answer = done.stdout.decode("utf-8", "replace").strip()
            if done.returncode == 0 and answer in ("yes", "no"):
                offset = None
                if answer == "yes":
                    status = run_command([timedatectl, "timesync-status"], timeout_s=timeout_s)
                    if status.returncode == 0:
                        offset = parse_timesync_offset(status.stdout.decode("utf-8", "replace"))
                return offset, answer == "yes"
        except CommandError:
            pass
    return None, kernel_synced()


# --- uplink: every modem_every_s --------------------------------------------------------


class ModemReading(msgspec.Struct, frozen=True):
    # Not strict about extra keys: a modem script may print more than we use.
    bearer: str | None = None
    rssi_dbm: float | None = None
    rsrp_dbm: float | None = None


_modem_decoder = msgspec.json.Decoder(ModemReading)


def read_modem(argv: list[str], timeout_s: float) -> ModemReading | None:
    try:
        done = run_command(argv, timeout_s=timeout_s)
    except CommandError as exc:
        log.warning("modem_command: %s", exc)
        return None
    if done.returncode != 0:
        log.warning("modem_command exit %d: %s", done.returncode, done.stderr_tail())
        return None
    try:
        return _modem_decoder.decode(done.stdout)
    except msgspec.DecodeError as exc:
        log.warning("modem_command printed invalid JSON: %s", exc)
        return None


class _Every:
    """A value refreshed at most once per period (monotonic clock)."""

    def __init__(self, period_s: float, read: Callable[[], Any]) -> None:
        self._period_s = period_s
        self._read = read
        self._at: float | None = None
        self._value: Any = None

    def get(self) -> Any:
        now = time.monotonic()
        if self._at is None or now - self._at >= self._period_s:
            self._value, self._at = self._read(), now
        return self._value


class SystemCollector:
    name = "system"

    def __init__(self, config: SystemConfig, *, state_dir: str) -> None:
        self._config = config
        self._disk_path = config.disk_path or state_dir
        self._boot_reason: str | None = None
        self._boot_reason_read = False
        timeout_s = config.command_timeout_s
        self._clock = _Every(config.clock_every_s, lambda: read_clock(timeout_s))
        modem = config.modem_command
        self._modem = _Every(
            config.modem_every_s, lambda: read_modem(modem, timeout_s) if modem else None
        )

    def collect(self) -> CollectorResult:
        if not self._boot_reason_read:  # here, not in __init__: it may run a command
            self._boot_reason, self._boot_reason_read = read_boot_reason(self._config), True
        health: dict[str, Any] = {
            "uptime_s": uptime_s(),
            "load1": load1(),
            "mem_used_pct": mem_used_pct(),
            "disk_free_pct": disk_free_pct(self._disk_path),
            "temp_c": temp_c(),
            "boot_reason": self._boot_reason,
        }
        if self._config.clock:
            health["clock_offset_ms"], health["ntp_synced"] = self._clock.get()
        health.update(self._uplink())
        # Only what is known: a None would hide another collector's value in the merge.
        return CollectorResult(health={k: v for k, v in health.items() if v is not None})

    def _uplink(self) -> dict[str, Any]:
        uplink: dict[str, Any] = {"bearer": self._config.bearer}
        if self._config.wifi_interface:
            uplink["bearer"] = "wifi"
            uplink["rssi_dbm"] = wifi_rssi_dbm(self._config.wifi_interface)
        modem: ModemReading | None = self._modem.get()
        if modem is not None:
            # The modem knows best what it is on now (4g falling back to 3g, say).
            uplink["bearer"] = modem.bearer or uplink["bearer"]
            uplink["rssi_dbm"] = modem.rssi_dbm
            uplink["rsrp_dbm"] = modem.rsrp_dbm
        return uplink

    def close(self) -> None:
        pass


def build(config: SystemConfig, *, state_dir: str) -> SystemCollector:
    return SystemCollector(config, state_dir=state_dir)
