"""Correct the history with what an agent queued while it could not report.

While a gateway is cut off, the live state can only call its devices unknown. When its
backlog arrives (records marked ``historical``), the devices' readings of that time say
what they really were; this turns them into transitions at the devices' own timestamps,
so availability over the period counts what really happened. It never touches the live
state and so never raises a live alert. The gateway's own record keeps its outage: its
link to us was down, whatever it knew meanwhile.
"""

from __future__ import annotations

from xaso.inventory import DeviceEntry
from xaso.protocol import DeviceReading
from xaso.server.records import TransitionRecord


class Backfill:
    def __init__(self) -> None:
        # The last status written from a backlog, per device: only changes are written.
        self._last: dict[str, str] = {}

    def transitions(
        self, readings: list[DeviceReading], entries: dict[str, DeviceEntry], ts_ms: int
    ) -> list[TransitionRecord]:
        found = []
        for reading in readings:
            status = "online" if reading.reachable else "offline"
            previous = self._last.get(reading.id, "unknown")
            if status == previous:
                continue
            self._last[reading.id] = status
            entry = entries[reading.id]
            if reading.reachable:
                detail = "probe_ok"
            else:  # as the live state words it (fleet_state.py): no "probe_failed: None"
                detail = f"probe_failed: {reading.error}" if reading.error else "probe_failed"
            found.append(
                TransitionRecord(
                    device_id=reading.id,
                    commune=entry.commune,
                    kind=entry.kind,
                    ts_ms=ts_ms,
                    status=status,
                    previous=previous,
                    cause=f"backfill: {detail}",
                )
            )
        return found

    def live_again(self, device_ids: list[str]) -> None:
        """Live readings took over: the next backlog starts from scratch."""
        for device_id in device_ids:
            self._last.pop(device_id, None)
