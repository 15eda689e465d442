"""Whether a camera gives a usable picture: a second dimension of its live state, beside
online, with its own status and its own stored transitions.

The gateway measures a snapshot of each camera and says what it sees (``PictureHealth``:
ok, dark, blurred, covered, frozen, no picture); a camera that answers on the network
but looks at a cloth is useless all the same. docs/state.md explains the rules; in
short, a camera's picture is

- **usable** while the camera is online (or pending) and its last picture is ok;
- **unusable** while the camera is online with a bad picture (cause: the picture's
  state, ``covered``…), once the bad picture has lasted the same grace as a failing
  probe (``down_after_intervals`` heartbeats) and been seen in ``picture_snapshots``
  different snapshots, so one bad frame does not make a problem; and while the camera
  is offline (cause ``offline``): no picture comes from a camera that is down;
- **unknown** while nothing trustworthy is known: the camera is unknown, stopped or
  planned, or a bad picture is within its grace after the camera came back; a camera
  whose picture was never measured since the server started (its gateway does not
  check pictures) stays unknown whatever it does, and has no transitions;
- **maintenance** while the camera is.

So "picture usable" is a camera online *and* seeing: its availability (``availability.py``
counts ``usable`` as up, ``unusable`` as down) is what an indicator asking for the
picture (``picture: required``, docs/indicators.md) judges a camera by, and the online
availability is untouched by any of it.

The transitions are stored as those of a series of their own, ``<camera id>:picture``
(``picture_series``): an id no device can have (``:`` is not allowed in ids), so every
reader of a device's transitions reads exactly what it read before.

Pure, like ``fleet_state.py`` (which calls it): no I/O, no clock of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from xaso.protocol import PictureHealth

__all__ = [
    "BAD_PICTURES",
    "PictureStatus",
    "PictureTrack",
    "is_picture_series",
    "picture_series",
    "series_owner",
]

SERIES_SUFFIX: Final = ":picture"

# The picture states that make a picture unusable (``ok`` is the only good one).
BAD_PICTURES: Final = frozenset({"dark", "blurred", "covered", "frozen", "no_picture"})


def picture_series(device_id: str) -> str:
    """The id the camera's picture transitions are stored under."""
    return device_id + SERIES_SUFFIX


def is_picture_series(series_id: str) -> bool:
    return series_id.endswith(SERIES_SUFFIX)


def series_owner(series_id: str) -> str:
    """The device a stored series belongs to: the camera of a picture series, else
    the device itself."""
    if series_id.endswith(SERIES_SUFFIX):
        return series_id[: -len(SERIES_SUFFIX)]
    return series_id


class PictureStatus(StrEnum):
    USABLE = "usable"
    UNUSABLE = "unusable"
    UNKNOWN = "unknown"
    MAINTENANCE = "maintenance"


@dataclass(slots=True)
class PictureTrack:
    """One camera's picture as the server follows it."""

    status: PictureStatus = PictureStatus.UNKNOWN
    since_ms: int | None = None
    cause: str = "startup"
    # The last picture measured (a heartbeat may carry none: snapshots are rarer than
    # heartbeats), for the pages' measures.
    last: PictureHealth | None = None
    # A bad picture seen but not for long enough yet: its state, since when, in how
    # many different snapshots.
    bad_state: str | None = None
    bad_since_ms: int | None = None
    bad_snapshots: int = 0

    @property
    def problem(self) -> str | None:
        """The picture's state when it makes the camera a problem of its own (unusable
        while the camera is up), else None."""
        if self.status is PictureStatus.UNUSABLE and self.cause in BAD_PICTURES:
            return self.cause
        return None


def note_picture(track: PictureTrack, picture: PictureHealth) -> None:
    """Take in a picture a reading carried; counts the different snapshots of a run of
    bad pictures (the same snapshot repeated by several heartbeats counts once)."""
    previous = track.last
    track.last = picture
    if picture.state not in BAD_PICTURES:
        track.bad_state, track.bad_since_ms, track.bad_snapshots = None, None, 0
        return
    same_snapshot = (
        previous is not None
        and picture.taken_ms is not None
        and previous.taken_ms == picture.taken_ms
    )
    if track.bad_state is None:
        track.bad_snapshots = 1
    elif not same_snapshot:
        track.bad_snapshots += 1
    if track.bad_state != picture.state:
        # Another bad state: the cause changes, the run of bad pictures goes on.
        track.bad_state = picture.state


def verdict(
    track: PictureTrack,
    camera_status: str,
    camera_alive: bool,
    grace_ms: float,
    snapshots: int,
    now_ms: int,
) -> tuple[PictureStatus, str] | None:
    """What the picture's status should be now, with its cause; None to keep it as it
    is (a bad picture within its grace)."""
    last = track.last
    if last is None and track.status is PictureStatus.UNKNOWN:
        # Never measured since the server started: a camera whose gateway does not check
        # pictures has no picture series at all.
        return None
    if camera_status == "maintenance":
        return PictureStatus.MAINTENANCE, "maintenance"
    if camera_status == "offline":
        track.bad_state, track.bad_since_ms, track.bad_snapshots = None, None, 0
        return PictureStatus.UNUSABLE, "offline"
    if not camera_alive:
        # Whatever was seen before the camera went away, a run starts afresh.
        track.bad_state, track.bad_since_ms, track.bad_snapshots = None, None, 0
        return PictureStatus.UNKNOWN, f"camera_{camera_status}"
    if last is None:
        # Restored after a restart: what was stored stands until the next picture,
        # which comes at the snapshot interval.
        kept = track.status in (PictureStatus.USABLE, PictureStatus.UNUSABLE)
        return (
            None if kept and track.cause != "offline" else (PictureStatus.UNKNOWN, "not_measured")
        )
    if last.state not in BAD_PICTURES:
        return PictureStatus.USABLE, "ok"
    if track.bad_since_ms is None:
        track.bad_since_ms = now_ms
    if now_ms - track.bad_since_ms >= grace_ms and track.bad_snapshots >= snapshots:
        return PictureStatus.UNUSABLE, last.state
    if track.status in (PictureStatus.USABLE, PictureStatus.UNUSABLE) and track.cause != "offline":
        return None  # within grace: what it was stands (a new bad state waits too)
    return PictureStatus.UNKNOWN, "checking"
