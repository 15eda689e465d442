"""A simulated fleet for ``xaso demo``: the real agent code, with simulated devices.

Every gateway of the inventory runs as a real :class:`agent.runner.Agent` (real MQTT,
birth, will, on-disk queue, heartbeats) in a thread of this process; only its collector
and, on a radio gateway, its player are simulated, so no packet leaves the machine. A
few devices go down and come back on a fixed cycle, and a scenario cuts one gateway's
power (its will fires) and stops another cleanly, then brings both back. Cameras
send thumbnails with their picture's health (``camera_pictures.py``: one covered, one
dark at night, one freezing now and then) and their recorders' reports of the last
24 hours (``camera_recording.py``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec

from xaso.agent.collectors.base import CameraSnapshot, CollectorResult
from xaso.agent.config import AgentConfig, AgentSection, MqttSection
from xaso.agent.playout.config import PlayoutConfig, SimulatedPlayer
from xaso.agent.runner import Agent
from xaso.inventory import InventoryIndex
from xaso.protocol import AgentHealth, CameraStatus, DeviceReading
from xaso.server.demo.camera_pictures import CameraPictures
from xaso.server.demo.camera_recording import SimulatedRecorders
from xaso.server.demo.camera_troubles import picture_troubles

log = logging.getLogger("xaso.demo.fleet")

# Of every 100 devices, about this many are down for good, and this many flap.
_BROKEN_EVERY = 29
_FLAPPING_EVERY = 7
_FLAP_CYCLE_S = 150
_FLAP_DOWN_S = 45
# The cameras' first pictures come a few seconds after the fleet starts (up to 2 s
# more, spread by gateway): drawn and measured at once, they would slow the demo's
# first page.
_FIRST_PICTURES_S = 2


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def is_steady(device_id: str) -> bool:
    """Whether the simulation keeps the device up all the time."""
    h = _stable_hash(device_id)
    return h % _BROKEN_EVERY != 0 and h % _FLAPPING_EVERY != 0


def simulated_reading(device_id: str, now_s: float) -> DeviceReading:
    h = _stable_hash(device_id)
    if h % _BROKEN_EVERY == 0:
        return DeviceReading(id=device_id, reachable=False, error="timeout")
    if h % _FLAPPING_EVERY == 0 and (now_s + h) % _FLAP_CYCLE_S < _FLAP_DOWN_S:
        return DeviceReading(id=device_id, reachable=False, error="connection refused")
    rtt_ms = round(15 + h % 60 + random.random() * 5, 1)
    return DeviceReading(id=device_id, reachable=True, rtt_ms=rtt_ms)


def _simulated_health(started_s: float) -> AgentHealth:
    return AgentHealth(
        uptime_s=round(time.time() - started_s + 86_400, 1),
        load1=round(random.uniform(0.05, 0.6), 2),
        mem_used_pct=round(random.uniform(30, 45), 1),
        disk_free_pct=round(random.uniform(60, 70), 1),
        temp_c=round(random.uniform(45, 58), 1),
        bearer="4g",
        rssi_dbm=round(random.uniform(-85, -65)),
        ntp_synced=True,
    )


def _simulated_playout(index: InventoryIndex, devices: Sequence[str]) -> PlayoutConfig | None:
    """Radio gateways play their schedules with the simulated player (docs/playout.md);
    a cluster that is down for good fails its plays."""
    clusters = [d for d in devices if index.devices[d].kind == "radio_cluster"]
    if not clusters:
        return None
    broken = [c for c in clusters if _stable_hash(c) % _BROKEN_EVERY == 0]
    return PlayoutConfig(simulated=SimulatedPlayer(fail_clusters=broken))


class SimulatedCameras:
    """A gateway's cameras: their pictures and their recorders."""

    def __init__(
        self, camera_ids: Sequence[str], pictures: CameraPictures, recorders: SimulatedRecorders
    ) -> None:
        self.camera_ids = frozenset(camera_ids)
        self.pictures = pictures
        self.recorders = recorders


class SimulatedDevices:
    """A collector (agent/collectors/base.py) whose devices are simulated."""

    name = "simulated"

    def __init__(self, device_ids: Sequence[str], cameras: SimulatedCameras | None = None) -> None:
        self._device_ids = list(device_ids)
        self._started_s = time.time()
        self._cameras = cameras

    def collect(self) -> CollectorResult:
        now_s = time.time()
        readings = [simulated_reading(d, now_s) for d in self._device_ids]
        cameras = self._cameras
        snapshots: list[CameraSnapshot] = []
        if cameras is not None:
            # As the camera collector: the stream check, the picture's health on every
            # reading (the last one between snapshots), the recorder's report when due.
            mine = [r for r in readings if r.id in cameras.camera_ids]
            health, snapshots = cameras.pictures.look(
                {r.id: None if r.reachable else r.error or "unreachable" for r in mine}
            )
            recorded = cameras.recorders.due([r.id for r in mine])
            readings = [
                msgspec.structs.replace(
                    r,
                    camera=CameraStatus(
                        stream_ok=r.reachable,
                        picture=health.get(r.id),
                        recorded=recorded.get(r.id),
                    ),
                )
                if r.id in cameras.camera_ids
                else r
                for r in readings
            ]
        return CollectorResult(
            readings=readings,
            health=msgspec.structs.asdict(_simulated_health(self._started_s)),
            snapshots=snapshots,
        )

    def close(self) -> None:
        pass


class SimulatedGateway:
    def __init__(
        self,
        config: AgentConfig,
        device_ids: Sequence[str],
        cameras: SimulatedCameras | None = None,
    ) -> None:
        self.config = config
        self._device_ids = device_ids
        self._cameras = cameras
        self.agent: Agent | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop = threading.Event()
        self.agent = Agent(
            self.config, collectors=[SimulatedDevices(self._device_ids, self._cameras)]
        )
        self._thread = threading.Thread(
            target=self.agent.run,
            args=(self._stop,),
            name=f"sim-{self.config.agent.id}",
            daemon=True,
        )
        self._thread.start()

    def cut_power(self) -> None:
        if self.agent is not None:
            self.agent.cut_power()
        self._join()

    def stop(self) -> None:
        self._stop.set()
        self._join()

    def _join(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


class SimulatedFleet:
    def __init__(
        self, index: InventoryIndex, mqtt_url: str, state_dir: Path, heartbeat_interval_s: float
    ) -> None:
        self.gateways: list[SimulatedGateway] = []
        tz = ZoneInfo(index.inventory.timezone)
        troubles = picture_troubles(index, is_steady)
        for agent_id in index.agents:
            devices = sorted(index.devices_of_agent[agent_id])
            cameras = [d for d in devices if index.devices[d].kind == "camera"]
            self.gateways.append(
                SimulatedGateway(
                    AgentConfig(
                        agent=AgentSection(id=agent_id, heartbeat_interval_s=heartbeat_interval_s),
                        # The embedded broker (amqtt) speaks MQTT 3.1.1 only.
                        mqtt=MqttSection(url=mqtt_url, keepalive_s=10, protocol="mqtt3.1.1"),
                        state_dir=str(state_dir / agent_id),
                        playout=_simulated_playout(index, devices),
                    ),
                    devices,
                    SimulatedCameras(
                        cameras,
                        CameraPictures(
                            cameras,
                            tz,
                            troubles,
                            first_after_s=_FIRST_PICTURES_S + _stable_hash(agent_id) % 3,
                        ),
                        SimulatedRecorders(cameras, tz),
                    )
                    if cameras
                    else None,
                )
            )
        self._stop = threading.Event()
        self._cycle_started = time.monotonic()
        self._scenario = threading.Thread(
            target=self._run_scenario, name="sim-scenario", daemon=True
        )

    def start(self) -> None:
        for gateway in self.gateways:
            gateway.start()
        self._cycle_started = time.monotonic()
        self._scenario.start()

    def stop(self) -> None:
        self._stop.set()
        self._scenario.join(timeout=10)
        for gateway in self.gateways:
            gateway.stop()

    def _run_scenario(self) -> None:
        """Every three minutes: a power cut at one gateway, a clean stop at another."""
        if len(self.gateways) < 2:
            return
        cut, stopped = self.gateways[1], self.gateways[-1]
        while True:
            for at_s, action, gateway in (
                (20, "cut_power", cut),
                (35, "stop", stopped),
                (80, "start", stopped),
                (100, "start", cut),
            ):
                if self._stop.wait(at_s - self._elapsed_in_cycle()):
                    return
                log.info("scenario: %s %s", action, gateway.config.agent.id)
                getattr(gateway, action)()
            if self._stop.wait(180 - self._elapsed_in_cycle()):
                return
            self._cycle_started = time.monotonic()

    def _elapsed_in_cycle(self) -> float:
        return time.monotonic() - self._cycle_started
