"""Heartbeats and status messages of a simulated gateway, as the real agent encodes them
(``xaso.protocol``): a gateway's health and, for each of its devices, a reading with
the section of its kind (a loudspeaker cluster's play state and volume, a camera's
stream check). Shared by bench/storm.py and bench/server_memory.py."""

from __future__ import annotations

from xaso.protocol import (
    SCHEMA_VERSION,
    AgentHealth,
    AgentState,
    CameraStatus,
    DeviceReading,
    Heartbeat,
    RadioStatus,
    Status,
    encode,
)

INTERVAL_S = 30.0


def _reading(device_id: str, n: int) -> DeviceReading:
    rtt = 8.0 + (n * 7) % 60
    if "-rc-" in device_id:
        radio = RadioStatus(play_state="idle", volume=70, relay_on=False, buffer_ms=400)
        return DeviceReading(id=device_id, reachable=True, rtt_ms=rtt, radio=radio)
    camera = CameraStatus(stream_ok=True, auth_ok=True, recording=True, fps=15.0)
    return DeviceReading(id=device_id, reachable=True, rtt_ms=rtt, camera=camera)


def heartbeat(
    agent_id: str,
    devices: list[str],
    session: int,
    seq: int,
    ts_ms: int,
    *,
    historical: bool = False,
    queue_depth: int = 0,
) -> bytes:
    beat = Heartbeat(
        v=SCHEMA_VERSION,
        agent=agent_id,
        session=session,
        seq=seq,
        ts_ms=ts_ms,
        interval_s=INTERVAL_S,
        health=AgentHealth(
            uptime_s=3600.0 + seq * INTERVAL_S,
            load1=0.2,
            mem_used_pct=41.0,
            disk_free_pct=63.0,
            temp_c=48.0,
            ntp_synced=True,
            bearer="4g",
            rssi_dbm=-71.0,
            queue_depth=queue_depth,
        ),
        devices=[_reading(device_id, seq + i) for i, device_id in enumerate(devices)],
        historical=historical,
    )
    return encode(beat)


def status(agent_id: str, state: AgentState, session: int, ts_ms: int) -> bytes:
    return encode(
        Status(
            v=SCHEMA_VERSION,
            agent=agent_id,
            state=state,
            session=session,
            ts_ms=ts_ms,
            agent_version="bench",
        )
    )
