"""The picture checks' settings: how often, from where, and the limits of each verdict.

Limits come in layers, each naming only what it changes: the built-in defaults, then
the collector's ``picture.limits``, then the camera's kind (``picture.kinds``), then the
camera's own ``picture.limits``. docs/cameras.md explains each limit.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from xaso.agent.collectors.check import Problems, YamlPath

# Where a camera's snapshot comes from. "auto": its snapshot_url when it has one, else
# ONVIF when it has an onvif_url, else a frame of its RTSP stream through ffmpeg.
PictureSource = Literal["auto", "http", "onvif", "rtsp", "off"]


class PictureLimits(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """A layer of limits; None inherits from the layer below."""

    # While learning (fixed): darker than this mean luma is dark. After: darker than
    # dark_ratio x the camera's own usual darkest. Always: below dark_floor (black).
    dark_brightness: float | None = None
    dark_ratio: float | None = None
    dark_floor: float | None = None
    # While learning: a Laplacian variance under this is blurred. After: under
    # blurred_ratio x the camera's own usual least sharp.
    blurred_sharpness: float | None = None
    blurred_ratio: float | None = None
    # While learning: this share (%) of the frame in one colour is covered. After: also
    # when the varied rest shrinks to covered_ratio x its usual least (whichever is higher).
    covered_uniform_pct: float | None = None
    covered_ratio: float | None = None
    # Frozen: frozen_snapshots snapshots in a row each differing from the one before by
    # less than frozen_change; after learning, by less than frozen_ratio x the camera's
    # usual least change when that is lower (a quiet scene changes little anyway).
    frozen_change: float | None = None
    frozen_ratio: float | None = None
    frozen_snapshots: int | None = None


class Limits(msgspec.Struct, frozen=True):
    """Every limit resolved to a value."""

    dark_brightness: float = 20.0
    dark_ratio: float = 0.4
    dark_floor: float = 8.0
    blurred_sharpness: float = 80.0
    blurred_ratio: float = 0.2
    covered_uniform_pct: float = 85.0
    covered_ratio: float = 0.4
    frozen_change: float = 0.5
    frozen_ratio: float = 0.25
    frozen_snapshots: int = 3


def resolve(*layers: PictureLimits | None) -> Limits:
    """The defaults overridden by each layer in turn, field by field."""
    values = msgspec.structs.asdict(Limits())
    for layer in layers:
        if layer is not None:
            values.update({k: v for k, v in msgspec.structs.asdict(layer).items() if v is not None})
    return Limits(**values)


class CameraPicture(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A camera's own picture settings (``devices[].picture``)."""

    source: PictureSource | None = None  # default: the collector's
    kind: str | None = None  # a name in the collector's ``picture.kinds``
    limits: PictureLimits | None = None


class PictureConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``collectors.camera.picture``: present, the cameras' pictures are checked."""

    snapshot_interval_s: float = 300.0
    source: PictureSource = "auto"
    ffmpeg: str = "ffmpeg"  # name or path of the program, for source rtsp
    # Learning ends when both are reached: enough snapshots to judge by, over a long
    # enough time to have seen the night as well as the day.
    learning_snapshots: int = 24
    learning_hours: float = 24.0
    limits: PictureLimits | None = None
    kinds: dict[str, PictureLimits] = {}


def problems(config: PictureConfig, problems: Problems, where: YamlPath) -> None:
    problems.positive(config, where, "snapshot_interval_s", config.snapshot_interval_s)
    problems.positive(config, where, "learning_snapshots", config.learning_snapshots)
    if config.learning_hours < 0:
        problems.add(config, where, "learning_hours", "learning_hours must not be negative")
    if config.limits is not None:
        limit_problems(config.limits, problems, (*where, "limits"))
    for name, kind in config.kinds.items():
        limit_problems(kind, problems, (*where, "kinds", name))


def limit_problems(limits: PictureLimits, problems: Problems, where: YamlPath) -> None:
    for key in ("dark_ratio", "blurred_ratio", "covered_ratio", "frozen_ratio"):
        value = getattr(limits, key)
        if value is not None and not 0 < value <= 1:
            problems.add(limits, where, key, f"{key} must be above 0 and at most 1")
    for key in ("dark_brightness", "dark_floor", "frozen_change"):
        value = getattr(limits, key)
        if value is not None and not 0 <= value <= 255:
            problems.add(limits, where, key, f"{key} must be between 0 and 255")
    if limits.covered_uniform_pct is not None and not 0 < limits.covered_uniform_pct <= 100:
        problems.add(limits, where, "covered_uniform_pct", "covered_uniform_pct must be 0-100")
    if limits.blurred_sharpness is not None and limits.blurred_sharpness < 0:
        problems.add(limits, where, "blurred_sharpness", "blurred_sharpness must not be negative")
    if limits.frozen_snapshots is not None and limits.frozen_snapshots < 2:
        problems.add(limits, where, "frozen_snapshots", "frozen_snapshots must be at least 2")
