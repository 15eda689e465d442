"""From a snapshot's measures to one picture state.

While a camera is learning, fixed limits judge it; afterwards its own baseline sets
them, so a night-time infrared camera that is always dim is not "dark" every night, and
a camera that looks at a crisp scene is "blurred" when it gets five times softer though
a fixed limit would still pass it.

When several verdicts hold, the first of no_picture > covered > dark > frozen > blurred
is reported: each earlier one explains the later ones and is the one to act on. A cloth
over the lens also makes the frame dim, unchanging and without edges; darkness leaves
nothing to be sharp and little to change; a frozen frame may be sharp or soft, but it is
an old frame, so its blur says nothing about the camera now. And nothing is measured
without a picture.
"""

from __future__ import annotations

from typing import NamedTuple

from xaso.agent.collectors.picture.config import Limits
from xaso.agent.collectors.picture.learning import Baseline
from xaso.protocol import PictureState


class Thresholds(NamedTuple):
    dark_below: float  # brightness
    blurred_below: float  # sharpness
    covered_from: float  # uniform_pct
    frozen_below: float  # change
    covered_min_brightness: float  # darker than this, uniformity is only the dark


def thresholds(limits: Limits, baseline: Baseline | None) -> Thresholds:
    if baseline is None:  # learning: the fixed limits
        return Thresholds(
            dark_below=limits.dark_brightness,
            blurred_below=limits.blurred_sharpness,
            covered_from=limits.covered_uniform_pct,
            frozen_below=limits.frozen_change,
            covered_min_brightness=limits.dark_floor,
        )
    frozen_below = limits.frozen_change
    if baseline.change_low is not None:
        frozen_below = min(frozen_below, baseline.change_low * limits.frozen_ratio)
    varied_low = 100.0 - baseline.uniform_high
    return Thresholds(
        dark_below=max(limits.dark_floor, baseline.brightness_low * limits.dark_ratio),
        blurred_below=baseline.sharpness_low * limits.blurred_ratio,
        covered_from=max(limits.covered_uniform_pct, 100.0 - varied_low * limits.covered_ratio),
        frozen_below=frozen_below,
        covered_min_brightness=limits.dark_floor,
    )


def judge(
    brightness: float,
    sharpness: float,
    uniform_pct: float,
    still_snapshots: int,
    limits: Limits,
    baseline: Baseline | None,
) -> PictureState:
    """``still_snapshots``: how many snapshots in a row, this one included, changed less
    than ``frozen_below`` from the one before (see ``is_still``)."""
    at = thresholds(limits, baseline)
    # A black frame is one colour too; only with some light is uniformity a cover.
    if uniform_pct >= at.covered_from and brightness >= at.covered_min_brightness:
        return "covered"
    if brightness < at.dark_below:
        return "dark"
    # n still comparisons mean n + 1 snapshots alike.
    if still_snapshots + 1 >= limits.frozen_snapshots:
        return "frozen"
    if sharpness < at.blurred_below:
        return "blurred"
    return "ok"


def is_still(change: float | None, limits: Limits, baseline: Baseline | None) -> bool:
    return change is not None and change < thresholds(limits, baseline).frozen_below
