"""Pictures for the demo's simulated cameras: a small scene per camera, with the time
stamped on it as a real camera's overlay, one every ``every_s`` per camera.

Drawn with Pillow where it is installed (the agent's picture checks use it); without it,
every camera sends the same tiny built-in JPEG, so the demo shows thumbnails either way.
A camera the simulation keeps down for good sends none.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import time
import zlib
from collections.abc import Sequence
from typing import Final

from xaso.agent.collectors.base import CameraSnapshot

WIDTH, HEIGHT = 320, 180
# 64 x 36, made with Pillow: a sky, a field and a house.
_BUILT_IN: Final = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+"
    "MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09P"
    "T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAkAEADASIAAhEBAxEB/8QAHwAAAQUBAQEB"
    "AQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKB"
    "kaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1"
    "dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl"
    "5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcF"
    "BAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5"
    "OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0"
    "tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDcorP/ALYt"
    "v7kv5D/Gj+2Lb+5L+Q/xrp9pHuc1maFFZ/8AbFt/cl/If40z+1/+mH/j/wD9aplWhHdmkKM6nwo06KzV1hM/"
    "vIWA/wBk5/wp39sW39yX8h/jQqsJK6Yp05QdpI0KKz/7Ytv7kv5D/Gj+2Lb+5L+Q/wAar2ke5FmYdFFFcRoF"
    "S1FTt59qzqRctjqw1WNO/MK/SmUpYmkpwTSsyK81Od0FFFFWYBRRRQAUUUUAFFFFABRRRQB//9k="
)


def scene(camera_id: str, taken_s: float, tz: dt.tzinfo) -> tuple[bytes, int, int]:
    """``(jpeg, width, height)`` of what the camera sees at ``taken_s``."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        return _BUILT_IN, 64, 36
    h = zlib.crc32(camera_id.encode("utf-8"))
    local = dt.datetime.fromtimestamp(taken_s, tz)
    # Daylight from 6 to 18, dusk around: the sky follows the camera's local hour.
    light = max(0.25, min(1.0, 1 - abs(local.hour + local.minute / 60 - 12) / 8))
    sky = tuple(int(c * light) for c in (150, 190, 230))
    ground = tuple(int(c * light) for c in (60 + h % 60, 110 + h % 50, 50 + h % 40))
    image = Image.new("RGB", (WIDTH, HEIGHT), ground)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, HEIGHT // 3), fill=sky)
    left = 40 + h % 160
    roof = (170 + h % 60, 70 + h % 40, 50)
    draw.rectangle((left, HEIGHT // 3 - 10, left + 90, HEIGHT // 3 + 60), fill=roof)
    draw.rectangle((left + 35, HEIGHT // 3 + 25, left + 55, HEIGHT // 3 + 60), fill=(60, 40, 30))
    draw.text((6, HEIGHT - 16), f"{camera_id}  {local:%d/%m/%Y %H:%M:%S}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue(), WIDTH, HEIGHT


class CameraPictures:
    """The snapshots a simulated gateway's cameras take this cycle."""

    def __init__(self, camera_ids: Sequence[str], tz: dt.tzinfo, every_s: float = 60.0) -> None:
        self._camera_ids = list(camera_ids)
        self._tz = tz
        self._every_s = every_s
        self._next_s = 0.0

    def due(self, working: Sequence[str]) -> list[CameraSnapshot]:
        """One picture per working camera when the interval has passed, else none."""
        now_s = time.time()
        if now_s < self._next_s:
            return []
        self._next_s = now_s + self._every_s
        shots = []
        for camera_id in self._camera_ids:
            if camera_id in working:
                jpeg, width, height = scene(camera_id, now_s, self._tz)
                shots.append(CameraSnapshot(camera_id, int(now_s * 1000), jpeg, width, height))
        return shots
