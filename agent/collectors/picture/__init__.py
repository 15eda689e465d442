"""Picture health: is what a camera sees of any use (docs/cameras.md).

The camera collector asks ``watch_for`` for one ``PictureWatch`` per camera when
``collectors.camera.picture`` is set; each module does one job:

- ``config``: the settings and the layered limits;
- ``http_snapshot``, ``rtsp_frame``, ``sources``: getting a snapshot (HTTP URL, the
  URL ONVIF names, or one frame of the RTSP stream through ffmpeg);
- ``measure``: brightness, sharpness, uniformity and change, and the thumbnail (Pillow);
- ``learning``: the camera's own baseline, kept on disk;
- ``verdict``: measures and limits to one state, by precedence;
- ``watch``: one camera over time.
"""

from __future__ import annotations

from xaso.agent.collectors.picture.config import CameraPicture, PictureConfig, resolve
from xaso.agent.collectors.picture.learning import Learner
from xaso.agent.collectors.picture.sources import (
    FfmpegSnapshot,
    HttpSnapshot,
    OnvifSnapshot,
    SnapshotSource,
)
from xaso.agent.collectors.picture.watch import PictureWatch, baseline_path

__all__ = ["PictureWatch", "source_name", "watch_for"]


def source_name(
    config: PictureConfig,
    own: CameraPicture | None,
    *,
    snapshot_url: str | None,
    onvif_url: str | None,
) -> str:
    """The camera's source, "auto" resolved: its snapshot URL, else ONVIF, else RTSP."""
    chosen = (own.source if own is not None else None) or config.source
    if chosen != "auto":
        return chosen
    if snapshot_url is not None:
        return "http"
    return "onvif" if onvif_url is not None else "rtsp"


def watch_for(
    device_id: str,
    config: PictureConfig,
    own: CameraPicture | None,
    *,
    url: str,
    snapshot_url: str | None,
    onvif_url: str | None,
    state_dir: str | None,
) -> PictureWatch | None:
    """The camera's watch, or None when its pictures are not checked (source off).
    The config has been checked: a source it names is configured."""
    name = source_name(config, own, snapshot_url=snapshot_url, onvif_url=onvif_url)
    source: SnapshotSource
    if name == "off":
        return None
    if name == "http" and snapshot_url is not None:
        source = HttpSnapshot(snapshot_url)
    elif name == "onvif" and onvif_url is not None:
        source = OnvifSnapshot(onvif_url)
    else:
        source = FfmpegSnapshot(url, config.ffmpeg)
    kind = config.kinds.get(own.kind) if own is not None and own.kind else None
    limits = resolve(config.limits, kind, own.limits if own is not None else None)
    learner = Learner(
        baseline_path(state_dir, device_id),
        learning_snapshots=config.learning_snapshots,
        learning_hours=config.learning_hours,
    )
    return PictureWatch(device_id, source, limits, learner, interval_s=config.snapshot_interval_s)
