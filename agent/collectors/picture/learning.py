"""What a camera's picture usually looks like, learnt from its first snapshots and kept
on disk, so that a restart does not start learning again.

One small JSON file per camera under the agent's state folder (``picture/<id>.json``),
written through a temporary file and a rename (a power cut leaves the old one or the
new one). It is written after each snapshot while learning, once when learning ends,
and never after: the gateway's flash is not worn by a file rewritten every 5 minutes.
To learn again (the camera was moved or replaced), delete the camera's file.

The baseline keeps low percentiles (the 10th) of brightness, sharpness and change and a
high one (the 90th) of uniformity: the camera's usual worst, night included, while a
few odd frames (a truck parked before the lens) do not move it. Snapshots judged covered
or frozen during learning are not learnt from: neither shows the scene.
"""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import msgspec

log = logging.getLogger("xaso.agent.picture")

# Samples kept while learning, at most; beyond, a uniform random sample over the whole
# period (reservoir sampling), so a long period is not judged by its last hours only.
MAX_SAMPLES = 600


class Baseline(msgspec.Struct, frozen=True):
    brightness_low: float
    sharpness_low: float
    uniform_high: float
    change_low: float | None  # None when learning saw no two comparable snapshots


class Sample(msgspec.Struct, array_like=True, frozen=True):
    brightness: float
    sharpness: float
    uniform_pct: float
    change: float | None


class LearntState(msgspec.Struct):
    version: int = 1
    started_ms: int | None = None  # first snapshot learnt from
    seen: int = 0  # snapshots learnt from (more than len(samples) past MAX_SAMPLES)
    samples: list[Sample] = []
    baseline: Baseline | None = None


class Learner:
    """One camera's learning, and then its baseline."""

    def __init__(
        self, path: Path | None, *, learning_snapshots: int, learning_hours: float
    ) -> None:
        self._path = path
        self._snapshots = learning_snapshots
        self._period_ms = learning_hours * 3_600_000
        self.state = _load(path)

    @property
    def baseline(self) -> Baseline | None:
        return self.state.baseline

    def learn(self, sample: Sample, now_ms: int) -> None:
        """Take one snapshot's measures; ends learning when both limits are reached."""
        state = self.state
        if state.baseline is not None:
            return
        if state.started_ms is None:
            state.started_ms = now_ms
        state.seen += 1
        if len(state.samples) < MAX_SAMPLES:
            state.samples.append(sample)
        else:
            slot = random.randrange(state.seen)
            if slot < MAX_SAMPLES:
                state.samples[slot] = sample
        if state.seen >= self._snapshots and now_ms - state.started_ms >= self._period_ms:
            state.baseline = _baseline(state.samples)
            state.samples = []
        self._save()

    def _save(self) -> None:
        if self._path is None:
            return
        tmp = self._path.with_suffix(".tmp")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(msgspec.json.encode(self.state))
            os.replace(tmp, self._path)
        except OSError as exc:
            # Learning goes on in memory; only a restart would start it again.
            log.warning("cannot store the picture baseline %s: %s", self._path, exc)


def _load(path: Path | None) -> LearntState:
    if path is None:
        return LearntState()
    try:
        state = msgspec.json.decode(path.read_bytes(), type=LearntState)
    except FileNotFoundError:
        return LearntState()
    except (OSError, msgspec.DecodeError) as exc:
        log.warning("ignoring the picture baseline %s, learning again: %s", path, exc)
        return LearntState()
    if state.version != 1:
        log.warning("ignoring the picture baseline %s of version %s", path, state.version)
        return LearntState()
    return state


def _baseline(samples: list[Sample]) -> Baseline:
    changes = [s.change for s in samples if s.change is not None]
    return Baseline(
        brightness_low=_percentile([s.brightness for s in samples], 10),
        sharpness_low=_percentile([s.sharpness for s in samples], 10),
        uniform_high=_percentile([s.uniform_pct for s in samples], 90),
        change_low=_percentile(changes, 10) if changes else None,
    )


def _percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; enough for a baseline."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return round(ordered[rank], 3)
