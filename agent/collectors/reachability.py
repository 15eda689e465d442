"""Is each device on the network? A TCP connect to a port it serves, an ICMP echo, or
both, with the round trip.

ICMP without root: Linux offers unprivileged "ping sockets" (``SOCK_DGRAM`` +
``IPPROTO_ICMP``) to the groups in ``net.ipv4.ping_group_range``. Where that is not
permitted the system's ``ping`` (setuid or with a capability) is used; where neither is
available, ICMP is reported unavailable once in the log, and a device that has only ICMP
gets no reading (unknown) rather than a false "down".
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import msgspec

from xaso.agent.collectors.base import CollectorResult
from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.collectors.process import CommandError, run_command
from xaso.agent.collectors.webclient import describe_os_error
from xaso.protocol import DeviceReading

log = logging.getLogger("xaso.agent.collectors")

IcmpMethod = Literal["socket", "ping", "unavailable"]


class ReachabilityDevice(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    address: str  # IPv4 address or host name
    port: int | None = None  # TCP port to connect to (e.g. 554 for a camera's RTSP)
    icmp: bool | None = None  # default: the collector's icmp setting
    timeout_s: float | None = None  # default: the collector's timeout_s


class ReachabilityConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    devices: list[ReachabilityDevice] = []
    timeout_s: float = 2.0
    icmp: bool = False
    max_workers: int = 16


def problems(config: ReachabilityConfig, problems: Problems, where: YamlPath) -> None:
    problems.positive(config, where, "timeout_s", config.timeout_s)
    problems.positive(config, where, "max_workers", config.max_workers)
    problems.device_ids(config.devices, (*where, "devices"))
    for index, device in enumerate(config.devices):
        at = (*where, "devices", index)
        if not device.address.strip():
            problems.add(device, at, "address", "address must not be empty")
        if device.port is not None and not 0 < device.port < 65536:
            problems.add(device, at, "port", f"port {device.port} is out of range 1-65535")
        icmp = config.icmp if device.icmp is None else device.icmp
        if device.port is None and not icmp:
            problems.add(device, at, "port", "give a port, or icmp: true, or both")
        problems.positive(device, at, "timeout_s", device.timeout_s)


class Probe(msgspec.Struct, frozen=True):
    ok: bool
    rtt_ms: float | None = None
    error: str | None = None


def tcp_probe(address: str, port: int, timeout_s: float) -> Probe:
    """Open and close a TCP connection; the connect time is the round trip."""
    started = time.perf_counter()
    try:
        with socket.create_connection((address, port), timeout=timeout_s):
            rtt_ms = (time.perf_counter() - started) * 1000.0
    except OSError as exc:
        return Probe(ok=False, error=f"tcp {port}: {describe_os_error(exc)}")
    return Probe(ok=True, rtt_ms=round(rtt_ms, 2))


def _checksum(data: bytes) -> int:
    # RFC 1071 one's complement sum (the kernel fills it for ping sockets, but not all
    # kernels did: computing it costs nothing).
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def icmp_socket_probe(address: str, timeout_s: float, sequence: int) -> Probe:
    """One echo over an unprivileged ping socket; the kernel sets our identifier and
    delivers only replies to it, so concurrent probes do not see each other's."""
    deadline = time.monotonic() + timeout_s
    payload = b"xaso-agent-echo"
    header = struct.pack("!BBHHH", 8, 0, 0, 0, sequence)
    packet = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), 0, sequence) + payload
    try:
        target = socket.gethostbyname(address)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP) as sock:
            started = time.perf_counter()
            sock.sendto(packet, (target, 0))
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return Probe(ok=False, error="icmp: timeout")
                sock.settimeout(left)
                reply, _ = sock.recvfrom(2048)
                # Type 0 is an echo reply; anything else (a stale reply) is skipped.
                if (
                    len(reply) >= 8
                    and reply[0] == 0
                    and struct.unpack("!H", reply[6:8])[0] == sequence
                ):
                    rtt_ms = (time.perf_counter() - started) * 1000.0
                    return Probe(ok=True, rtt_ms=round(rtt_ms, 2))
    except OSError as exc:
        return Probe(ok=False, error=f"icmp: {describe_os_error(exc)}")


_PING_TIME = re.compile(rb"time[=<]\s*([0-9.]+)\s*ms")


def ping_command_probe(ping: str, address: str, timeout_s: float) -> Probe:
    # iputils and busybox take -W in whole seconds.
    wait_s = max(1, math.ceil(timeout_s))
    try:
        done = run_command(
            [ping, "-n", "-c", "1", "-W", str(wait_s), address], timeout_s=wait_s + 1
        )
    except CommandError as exc:
        return Probe(ok=False, error=f"icmp: {exc}")
    if done.returncode != 0:
        return Probe(ok=False, error="icmp: no reply")
    match = _PING_TIME.search(done.stdout)
    return Probe(ok=True, rtt_ms=float(match.group(1)) if match else None)


def detect_icmp() -> tuple[IcmpMethod, str | None]:
    """Which way ICMP can be sent from this process, and the ping program if needed."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
        return "socket", None
    except OSError:
        pass
    ping = shutil.which("ping")
    if ping is not None:
        return "ping", ping
    return "unavailable", None


class ReachabilityCollector:
    """Probes all devices concurrently, so one dead device costs its timeout once per
    cycle instead of once per device in a row."""

    name = "reachability"

    def __init__(
        self, config: ReachabilityConfig, *, icmp: tuple[IcmpMethod, str | None] | None = None
    ) -> None:
        self._config = config
        wants_icmp = any(self._icmp(d) for d in config.devices)
        self._icmp_method, self._ping = icmp or (
            detect_icmp() if wants_icmp else ("unavailable", None)
        )
        if wants_icmp and self._icmp_method == "unavailable":
            # Once, at start: the setting will not fix itself between cycles.
            only_icmp = [d.id for d in config.devices if self._icmp(d) and d.port is None]
            log.warning(
                "icmp unavailable (no ping socket permitted by net.ipv4.ping_group_range, "
                "no ping program); devices with only icmp get no reading: %s",
                ", ".join(only_icmp) or "none",
            )
        self._sequence = os.getpid() & 0x7FFF
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, min(config.max_workers, len(config.devices))),
            thread_name_prefix="collect-reach",
        )

    @property
    def icmp_method(self) -> IcmpMethod:
        return self._icmp_method

    def _icmp(self, device: ReachabilityDevice) -> bool:
        return self._config.icmp if device.icmp is None else device.icmp

    def collect(self) -> CollectorResult:
        self._sequence = (self._sequence + 1) & 0xFFFF
        readings = self._pool.map(self._probe, self._config.devices)
        return CollectorResult(readings=[r for r in readings if r is not None])

    def _probe(self, device: ReachabilityDevice) -> DeviceReading | None:
        timeout_s = device.timeout_s or self._config.timeout_s
        probes: list[Probe] = []
        if self._icmp(device):
            if self._icmp_method == "socket":
                probes.append(icmp_socket_probe(device.address, timeout_s, self._sequence))
            elif self._icmp_method == "ping" and self._ping is not None:
                probes.append(ping_command_probe(self._ping, device.address, timeout_s))
        if device.port is not None:
            probes.append(tcp_probe(device.address, device.port, timeout_s))
        if not probes:
            return None  # icmp only, and icmp unavailable: unknown, not down
        # On the network if anything answered; the ICMP round trip (first) is the truer
        # one, the TCP connect time includes the device's accept. A failed probe beside a
        # successful one (ping answers, port closed) is still worth showing as the error.
        reachable = any(p.ok for p in probes)
        rtt = next((p.rtt_ms for p in probes if p.ok and p.rtt_ms is not None), None)
        errors = [p.error for p in probes if p.error]
        return DeviceReading(
            id=device.id, reachable=reachable, rtt_ms=rtt, error="; ".join(errors) or None
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def build(config: ReachabilityConfig) -> ReachabilityCollector:
    return ReachabilityCollector(config)
