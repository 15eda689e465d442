"""What the gateway's own playout is playing now, told in the heartbeat.

A cluster's controller, where a collector reads one, says what it plays
(``DeviceReading.radio``); a gateway that drives plain amplifiers through its player
command has no such controller, and the heartbeat said nothing of its clusters' play
state. The playout thread knows: while a play runs, its cluster's reading carries
``play_state: playing``, the source, volume and relay. What a controller reported comes
first; the playout fills only what it left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from xaso.agent.playout.plan import Occurrence
from xaso.protocol import DeviceReading, RadioStatus

__all__ = ["playing_status", "with_play_state"]


def playing_status(
    occurrence: Occurrence, volume: int | None, relay_on: bool | None
) -> RadioStatus:
    """A cluster's state while the playout plays ``occurrence`` on it."""
    if occurrence.priority == "emergency":
        source = "emergency"
    elif occurrence.content.type == "relay":
        source = "relay"
    else:
        source = "schedule"
    return RadioStatus(play_state="playing", source=source, volume=volume, relay_on=relay_on)


def with_play_state(
    readings: Sequence[DeviceReading], playing: Mapping[str, RadioStatus]
) -> list[DeviceReading]:
    """``readings`` with the play state of the clusters playing now filled in."""
    if not playing:
        return list(readings)
    merged = []
    for reading in readings:
        ours = playing.get(reading.id)
        if ours is not None:
            theirs = reading.radio
            radio = ours if theirs is None else _fill(theirs, ours)
            reading = msgspec.structs.replace(reading, radio=radio)
        merged.append(reading)
    return merged


def _fill(theirs: RadioStatus, ours: RadioStatus) -> RadioStatus:
    missing = {
        field: getattr(ours, field)
        for field in theirs.__struct_fields__
        if getattr(theirs, field) is None and getattr(ours, field) is not None
    }
    return msgspec.structs.replace(theirs, **missing) if missing else theirs
