"""The agent's connection session number, kept across restarts.

Every (re)connection takes the next number; birth and will carry it, so the server can
tell a late will of an old connection from the death of the current one.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


class SessionCounter:
    def __init__(self, state_dir: str | Path) -> None:
        self._path = Path(state_dir) / "session"
        self._current = self._read()

    def _read(self) -> int:
        try:
            return int(self._path.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            # A lost or torn counter must still move forward: milliseconds since the epoch
            # exceed any counter this agent could have reached by counting.
            return int(time.time() * 1000)

    @property
    def current(self) -> int:
        return self._current

    def next(self) -> int:
        self._current += 1
        self._write(self._current)
        return self._current

    def _write(self, value: int) -> None:
        # Write-then-rename so a power cut leaves either the old or the new number.
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(".tmp")
            with open(tmp, "w", encoding="ascii") as f:
                f.write(str(value))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path)
        except OSError:
            # A read-only or full disk must not stop the agent from reporting; the
            # time-based fallback above keeps numbers increasing after a restart.
            pass
