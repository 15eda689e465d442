"""The demo's recorders: what each simulated camera's recorder answers when the gateway
asks it about the trailing 24 hours, every 15 minutes (as ``agent/collectors/recording.py``
does with a real one). The gaps come from ``camera_troubles.recorder_gaps``, the same
the seeded past uses, so overlapping reports and the past agree."""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from typing import Final
from zoneinfo import ZoneInfo

from xaso.protocol import RecordingContinuity, RecordingGap
from xaso.server.demo.camera_troubles import recorder_gaps

EVERY_MS: Final = 15 * 60_000
WINDOW_MS: Final = 24 * 3_600_000


def report(camera_id: str, now_ms: int, tz: ZoneInfo) -> RecordingContinuity:
    """The recorder's answer about ``camera_id`` for the 24 hours before ``now_ms``."""
    from_ms = now_ms - WINDOW_MS
    gaps = recorder_gaps(camera_id, from_ms, now_ms, tz)
    return RecordingContinuity(
        from_ms=from_ms,
        to_ms=now_ms,
        recorded_s=(WINDOW_MS - sum(b - a for a, b in gaps)) / 1000,
        gaps=[RecordingGap(from_ms=a, to_ms=b) for a, b in gaps],
    )


class SimulatedRecorders:
    """A gateway's cameras' recorders: each answers at once, then every 15 minutes (the
    cameras spread over the quarter hour, as a real gateway's are)."""

    def __init__(self, camera_ids: Sequence[str], tz: ZoneInfo) -> None:
        self._tz = tz
        now_ms = int(time.time() * 1000)
        self._next_ms = {c: now_ms for c in camera_ids}
        self._offset_ms = {c: zlib.crc32(c.encode("utf-8")) % EVERY_MS for c in camera_ids}

    def due(self, camera_ids: Sequence[str]) -> dict[str, RecordingContinuity]:
        """The reports of those of ``camera_ids`` whose recorder is due an answer."""
        now_ms = int(time.time() * 1000)
        found = {}
        for camera_id in camera_ids:
            due_ms = self._next_ms.get(camera_id)
            if due_ms is None or now_ms < due_ms:
                continue
            found[camera_id] = report(camera_id, now_ms, self._tz)
            slot = (now_ms - self._offset_ms[camera_id]) // EVERY_MS + 1
            self._next_ms[camera_id] = slot * EVERY_MS + self._offset_ms[camera_id]
        return found
