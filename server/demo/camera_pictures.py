"""Pictures for the demo's simulated cameras: a small scene per camera, with the time
stamped on it as a real camera's overlay, one every ``every_s`` per camera, measured and
judged by the agent's own picture checks (``agent/collectors/picture/``), so the state
a camera reports is what its thumbnail shows.

A camera with trouble (``camera_troubles.py``) looks it: a cloth over the lens (only the
overlay shows through), a night without infrared, a frozen frame sent again and again.
Drawn with Pillow where it is installed (the agent's picture checks need it too);
without it, every camera sends the same tiny built-in JPEG and states it is told,
without measures, so the demo shows thumbnails and picture states either way.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import datetime as dt
import io
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from xaso.agent.collectors.base import CameraSnapshot
from xaso.agent.collectors.credentials import Credentials
from xaso.protocol import PictureHealth
from xaso.server.demo.camera_troubles import Trouble, trouble_now

if TYPE_CHECKING:
    from xaso.agent.collectors.picture.watch import PictureWatch

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


def scene(
    camera_id: str, taken_s: float, tz: dt.tzinfo, trouble: str | None = None
) -> tuple[bytes, int, int]:
    """``(jpeg, width, height)`` of what the camera sees at ``taken_s``; ``trouble``:
    ``covered`` or ``dark`` (a frozen camera sends an old picture, not another one)."""
    try:
        from PIL import Image, ImageChops, ImageDraw
    except ImportError:
        return _BUILT_IN, 64, 36
    h = zlib.crc32(camera_id.encode("utf-8"))
    local = dt.datetime.fromtimestamp(taken_s, tz)
    # Daylight from 6 to 18, dusk around: the sky follows the camera's local hour. At
    # night infrared keeps a quarter of it, except on the camera that has none.
    light = min(1.0, 1 - abs(local.hour + local.minute / 60 - 12) / 8)
    light = max(0.02 if trouble == "dark" else 0.25, light)
    if trouble == "covered":
        image = Image.new("RGB", (WIDTH, HEIGHT), _CLOTH)
    else:
        sky = tuple(int(c * light) for c in (150, 190, 230))
        ground = tuple(int(c * light) for c in (60 + h % 60, 110 + h % 50, 50 + h % 40))
        roof = tuple(int(c * light) for c in (170 + h % 60, 70 + h % 40, 50))
        door = tuple(int(c * light) for c in (60, 40, 30))
        image = Image.new("RGB", (WIDTH, HEIGHT), ground)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, WIDTH, HEIGHT // 3), fill=sky)
        left = 40 + h % 160
        draw.rectangle((left, HEIGHT // 3 - 10, left + 90, HEIGHT // 3 + 60), fill=roof)
        draw.rectangle((left + 35, HEIGHT // 3 + 25, left + 55, HEIGHT // 3 + 60), fill=door)
    # A sensor's noise, different in every frame: what tells a live picture from a
    # frozen one (the overlay's seconds alone change too little of it).
    noise = Image.effect_noise((WIDTH, HEIGHT), 4 if trouble == "dark" else 8).convert("RGB")
    image = ImageChops.add(image, noise, scale=1.0, offset=-128)
    # The camera draws its overlay over whatever the lens sees, a cloth included.
    ImageDraw.Draw(image).text(
        (6, HEIGHT - 16), f"{camera_id}  {local:%d/%m/%Y %H:%M:%S}", fill=(255, 255, 255)
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue(), WIDTH, HEIGHT


class DemoSnapshots:
    """A camera's snapshot source (``agent/collectors/picture/sources.py``) that draws
    the scene; a frozen camera sends the picture it took when it froze."""

    name = "demo"

    def __init__(self, camera_id: str, tz: ZoneInfo, trouble: Trouble | None) -> None:
        self.camera_id, self.tz, self.trouble = camera_id, tz, trouble
        self._frozen: bytes | None = None

    def take(
        self, credentials: Credentials | None, timeout_s: float, clock_offset_ms: float | None
    ) -> bytes:
        now_s = time.time()
        now = trouble_now(self.trouble, int(now_s * 1000), self.tz)
        if now == "frozen" and self._frozen is not None:
            return self._frozen
        jpeg, _, _ = scene(self.camera_id, now_s, self.tz, now)
        self._frozen = jpeg if now == "frozen" else None
        return jpeg


class CameraPictures:
    """The pictures a simulated gateway's cameras take, and what their checks say."""

    def __init__(
        self,
        camera_ids: Sequence[str],
        tz: ZoneInfo,
        troubles: Mapping[str, Trouble] | None = None,
        every_s: float = 60.0,
        first_after_s: float = 0.0,
    ) -> None:
        self._camera_ids = list(camera_ids)
        self._tz = tz
        self._troubles = dict(troubles or {})
        self._every_s = every_s
        self._watches = _watches(self._camera_ids, tz, self._troubles, every_s)
        self._next_s = time.time() + first_after_s
        self._told: dict[str, PictureHealth] = {}

    def look(
        self, reachable: Mapping[str, str | None]
    ) -> tuple[dict[str, PictureHealth], list[CameraSnapshot]]:
        """Each camera's picture health this cycle, and the thumbnails taken. A camera
        not reached (``reachable[id]`` names why) gets no snapshot, as a real one.
        Nothing before ``first_after_s``: the gateways' first pictures are spread over
        the demo's first seconds rather than all drawn while its page first answers."""
        if self._watches is None:
            return self._told_states(reachable), []
        if time.time() < self._next_s:
            return {}, []  # not yet: the first pictures wait (``first_after_s``)
        health: dict[str, PictureHealth] = {}
        shots = []
        for camera_id, watch in self._watches.items():
            found, shot = watch.look(None, 5.0, unreachable=reachable.get(camera_id))
            if found is not None:
                health[camera_id] = found
            if shot is not None:
                shots.append(shot)
        if shots:
            _release_freed_memory()
        return health, shots

    def _told_states(self, reachable: Mapping[str, str | None]) -> dict[str, PictureHealth]:
        """Without Pillow: the state the trouble gives, unmeasured, at the interval."""
        now_s = time.time()
        if now_s >= self._next_s:
            self._next_s = now_s + self._every_s
            taken_ms = int(now_s * 1000)
            for camera_id in self._camera_ids:
                error = reachable.get(camera_id)
                if error is not None:
                    self._told[camera_id] = PictureHealth(
                        state="no_picture", taken_ms=taken_ms, error=error
                    )
                    continue
                now = trouble_now(self._troubles.get(camera_id), taken_ms, self._tz)
                self._told[camera_id] = PictureHealth(state=now or "ok", taken_ms=taken_ms)  # type: ignore[arg-type]
        return dict(self._told)


_CLOTH: Final = (74, 62, 52)


def _malloc_trim() -> Callable[[], object]:
    """glibc's ``malloc_trim(0)``; nothing where the C library has none."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return lambda: None
    return lambda: trim(0)


# The pictures' buffers, freed in a dozen gateway threads, each stay in that thread's
# malloc arena: the demo's memory grew by about 10 MB with picture checks (measured),
# and is back below what it was without them once the free pages are handed back.
_release_freed_memory: Final = _malloc_trim()


def _watches(
    camera_ids: Sequence[str], tz: ZoneInfo, troubles: Mapping[str, Trouble], every_s: float
) -> dict[str, PictureWatch] | None:
    try:
        from xaso.agent.collectors.picture.config import Limits
        from xaso.agent.collectors.picture.learning import Baseline, Learner
        from xaso.agent.collectors.picture.watch import PictureWatch
    except ImportError:  # no Pillow
        return None
    # What the demo's cameras learnt of their own pictures (night included, with
    # infrared): the low ends of their scenes' measures, so they judge by limits of
    # their own from the start and the pages do not say "learning" for ever.
    learnt = Baseline(brightness_low=40.0, sharpness_low=300.0, uniform_high=70.0, change_low=None)
    watches: dict[str, PictureWatch] = {}
    for camera_id in camera_ids:
        learner = Learner(None, learning_snapshots=1, learning_hours=0)
        learner.state.baseline = learnt
        watches[camera_id] = PictureWatch(
            camera_id,
            DemoSnapshots(camera_id, tz, troubles.get(camera_id)),
            Limits(),
            learner,
            interval_s=every_s,
        )
    return watches
