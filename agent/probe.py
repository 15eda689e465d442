"""Reachability probes of the devices behind a gateway."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from agent.config import ProbedDevice
from xaso.protocol import DeviceReading

Prober = Callable[[Sequence[ProbedDevice]], list[DeviceReading]]


def tcp_probe(device: ProbedDevice) -> DeviceReading:
    """Open and close a TCP connection; the connect time is the round trip."""
    started = time.perf_counter()
    try:
        with socket.create_connection((device.address, device.port), timeout=device.timeout_s):
            rtt_ms = (time.perf_counter() - started) * 1000.0
    except OSError as exc:
        return DeviceReading(id=device.id, reachable=False, error=_describe(exc))
    return DeviceReading(id=device.id, reachable=True, rtt_ms=round(rtt_ms, 2))


def _describe(exc: OSError) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return exc.strerror or type(exc).__name__


class TcpProber:
    """Probes all devices concurrently, so one dead device costs its timeout once per
    cycle instead of once per device in a row."""

    def __init__(self, max_workers: int = 16) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="probe")

    def __call__(self, devices: Sequence[ProbedDevice]) -> list[DeviceReading]:
        return list(self._pool.map(tcp_probe, devices))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
