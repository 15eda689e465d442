"""The broadcast schedule this gateway holds, kept on disk so it plays on time even
when the link is down at that hour (and after a restart without the broker)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from xaso.protocol import ProtocolError, ScheduleSet, decode_schedule_set

log = logging.getLogger("xaso.agent.schedule")


class ScheduleHolder:
    def __init__(self, state_dir: Path, agent_id: str) -> None:
        self._path = state_dir / "schedule.json"
        self._agent_id = agent_id
        self.current: ScheduleSet | None = None
        try:
            self.current = decode_schedule_set(self._path.read_bytes())
        except FileNotFoundError:
            pass
        except (OSError, ProtocolError) as exc:
            log.warning("%s: ignoring the stored schedule: %s", agent_id, exc)

    @property
    def version(self) -> str | None:
        return self.current.version if self.current is not None else None

    def accept(self, payload: bytes) -> bool:
        """Take a schedule set from the server; True if it was new and is now stored."""
        try:
            received = decode_schedule_set(payload)
        except ProtocolError as exc:
            log.warning("%s: bad schedule set ignored: %s", self._agent_id, exc)
            return False
        if received.agent != self._agent_id or received.version == self.version:
            return False
        # Write-then-rename, so a power cut leaves the old schedule or the new one.
        tmp = self._path.with_suffix(".tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path)
        except OSError as exc:
            log.error("%s: cannot store the schedule: %s", self._agent_id, exc)
        self.current = received
        log.info(
            "%s: schedule %s with %d items", self._agent_id, received.version, len(received.items)
        )
        return True
