"""One camera's picture over time: when a snapshot is due, taking it from the camera's
source, measuring, judging, learning; between snapshots, the last verdict again.

A snapshot every ``snapshot_interval_s`` (5 minutes by default), not every heartbeat:
the camera's encoder and the gateway's CPU are spared, and a picture fault is not a
thing of seconds. Every failure is a ``no_picture`` verdict with the reason, never an
exception out of the collector.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from xaso.agent.collectors.base import CameraSnapshot
from xaso.agent.collectors.credentials import Credentials
from xaso.agent.collectors.picture import measure as measures
from xaso.agent.collectors.picture.config import Limits
from xaso.agent.collectors.picture.http_snapshot import SnapshotError
from xaso.agent.collectors.picture.learning import Learner, Sample
from xaso.agent.collectors.picture.sources import SnapshotSource
from xaso.agent.collectors.picture.verdict import is_still, judge
from xaso.protocol import PictureHealth

Clock = Callable[[], float]


class PictureWatch:
    def __init__(
        self,
        device_id: str,
        source: SnapshotSource,
        limits: Limits,
        learner: Learner,
        *,
        interval_s: float,
        monotonic: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        self.device_id = device_id
        self.source = source
        self.limits = limits
        self.learner = learner
        self._interval_s = interval_s
        self._monotonic, self._wall = monotonic, wall
        self._next_due: float | None = None  # None: now
        self._previous: Image.Image | None = None  # last good snapshot, 160 px grey
        self._still = 0  # consecutive snapshots that barely changed
        self.last: PictureHealth | None = None

    def due(self) -> bool:
        return self._next_due is None or self._monotonic() >= self._next_due

    def look(
        self,
        credentials: Credentials | None,
        timeout_s: float,
        *,
        clock_offset_ms: float | None = None,
        unreachable: str | None = None,
    ) -> tuple[PictureHealth | None, CameraSnapshot | None]:
        """The picture's health for this cycle, and a thumbnail when one was taken.

        ``unreachable``: the camera did not answer its stream check; no snapshot is
        attempted (it would only spend the budget failing) and this is the reason.
        """
        if not self.due():
            return self.last, None
        # Due a little early rather than late: the cycle that comes at the interval
        # (give or take its jitter) takes the next one, not the cycle after it.
        slack = min(1.0, self._interval_s / 10)
        self._next_due = self._monotonic() + self._interval_s - slack
        taken_ms = int(self._wall() * 1000)
        if unreachable is not None:
            return self._no_picture(taken_ms, f"camera not reached: {unreachable}"), None
        try:
            data = self.source.take(credentials, timeout_s, clock_offset_ms)
            seen = measures.measure(data)
        except (measures.PictureError, SnapshotError) as exc:
            return self._no_picture(taken_ms, str(exc)), None
        change = measures.change(self._previous, seen.grey)
        self._previous = seen.grey
        baseline = self.learner.baseline
        self._still = self._still + 1 if is_still(change, self.limits, baseline) else 0
        state = judge(
            seen.brightness, seen.sharpness, seen.uniform_pct, self._still, self.limits, baseline
        )
        if baseline is None and state not in ("covered", "frozen"):
            sample = Sample(seen.brightness, seen.sharpness, seen.uniform_pct, change)
            self.learner.learn(sample, taken_ms)
        self.last = PictureHealth(
            state=state,
            taken_ms=taken_ms,
            learning=baseline is None,
            brightness=seen.brightness,
            sharpness=seen.sharpness,
            uniform_pct=seen.uniform_pct,
            change=change,
        )
        snapshot = CameraSnapshot(
            device_id=self.device_id,
            taken_ms=taken_ms,
            jpeg=seen.thumbnail,
            width=seen.width,
            height=seen.height,
        )
        return self.last, snapshot

    def _no_picture(self, taken_ms: int, error: str) -> PictureHealth:
        self.last = PictureHealth(
            state="no_picture",
            taken_ms=taken_ms,
            learning=self.learner.baseline is None,
            error=error[:200],
        )
        return self.last


def baseline_path(state_dir: str | None, device_id: str) -> Path | None:
    return None if state_dir is None else Path(state_dir) / "picture" / f"{device_id}.json"
