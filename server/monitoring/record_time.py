"""Whether a record's device-side time can be believed.

Gateways without a clock battery boot in 1970 until NTP answers, and a bad RTC can jump
years ahead. A record stamped like that would be filed where nobody looks for it, make
a device look seen in the future, or (beyond 2262) be a point InfluxDB cannot parse,
which refuses the whole batch it travels in. So every record's time must fall in a
window around the server's clock: not further ahead than a drifting clock explains,
not older than an agent's on-disk queue keeps records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_MAX_AHEAD_S = 600.0
# A broadcast event names the occurrence it is about, which InfluxDB takes as the
# point's time: planned up to the longest schedule horizon (31 days) ahead, and
# perhaps a day before the event itself (a late start, a skip).
_PLAN_AHEAD_MS = 32 * 86_400_000
_PLAN_BEHIND_MS = 86_400_000
# The agent's queue keeps 30 days by default (agent/outbox.py); leave room for a
# gateway whose operator raised that.
DEFAULT_MAX_AGE_DAYS = 90.0


@dataclass(frozen=True)
class RecordTimeWindow:
    max_ahead_s: float = DEFAULT_MAX_AHEAD_S
    max_age_days: float = DEFAULT_MAX_AGE_DAYS

    def __post_init__(self) -> None:
        if self.max_ahead_s < 0 or self.max_age_days <= 0:
            raise ValueError("the record time window must be max_ahead_s >= 0, max_age_days > 0")

    def believable(self, ts_ms: int, now_ms: int) -> bool:
        earliest = now_ms - int(self.max_age_days * 86_400_000)
        return earliest <= ts_ms <= now_ms + int(self.max_ahead_s * 1000)

    def believable_plan(self, planned_ms: int, now_ms: int) -> bool:
        """Whether a planned time carried by a broadcast event (its occurrence, its end)
        can be true; 0 stands for none."""
        earliest = now_ms - int(self.max_age_days * 86_400_000) - _PLAN_BEHIND_MS
        return planned_ms == 0 or earliest <= planned_ms <= now_ms + _PLAN_AHEAD_MS

    def describe(self, ts_ms: int, now_ms: int) -> str:
        """The record's time against the server's, for a log line an operator can act on."""
        return f"stamped {_iso(ts_ms)}, {(ts_ms - now_ms) / 1000:+.0f} s from the server's clock"


def _iso(ts_ms: int) -> str:
    try:
        return datetime.fromtimestamp(ts_ms / 1000, UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return f"{ts_ms} ms"


# Restamped records remembered per agent, so that a redelivery finds its first time.
_RESTAMPS_REMEMBERED = 1024


class Restamper:
    """Server times for live heartbeats of a gateway whose clock is unbelievable.

    Each gets the server's time, made unique per agent: the stores keep one point per
    series and time, so beats restamped to the same millisecond (a burst the broker held
    back) would overwrite one another. A record delivered again (QoS 1, a replay) gets
    the time it got the first time, so it overwrites itself instead of being stored twice.
    """

    def __init__(self) -> None:
        self._last_ms: dict[str, int] = {}
        self._given: dict[str, dict[int, int]] = {}

    def stamp(self, agent_id: str, seq: int, now_ms: int) -> int:
        given = self._given.setdefault(agent_id, {})
        if seq >= 0 and seq in given:
            return given[seq]
        ts_ms = max(now_ms, self._last_ms.get(agent_id, now_ms - 1) + 1)
        self._last_ms[agent_id] = ts_ms
        if seq >= 0:
            given[seq] = ts_ms
            if len(given) > _RESTAMPS_REMEMBERED:
                del given[next(iter(given))]  # dicts keep insertion order: the oldest
        return ts_ms
