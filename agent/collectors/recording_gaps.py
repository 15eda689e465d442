"""From what a recorder holds (stretches with data) to what the server is told: the
seconds recorded over a window and the gaps, merged, clipped to the window, and without
the slivers a recorder leaves between its files.

Recorders cut their footage into files or segments of a few minutes; the seconds between
two files, or a late first frame, are not a failure. A gap shorter than ``min_gap_ms`` is
therefore taken as recorded, and so is a sliver at either end of the window.
"""

from __future__ import annotations

from collections.abc import Iterable

from xaso.protocol import RecordingContinuity, RecordingGap

Stretch = tuple[int, int]  # [from_ms, to_ms)

# The gaps one report lists at most: a recorder failing every few minutes would
# otherwise fill the heartbeat (256 KiB for all the gateway's devices) with one camera's
# gaps. Beyond it, the gaps closest together are joined: the few minutes of footage
# between them count as missing, so the report errs towards "not recorded".
MAX_GAPS = 100


def merged(stretches: Iterable[Stretch], from_ms: int, to_ms: int) -> list[Stretch]:
    """``stretches`` clipped to the window, overlapping or touching ones joined, in order."""
    found: list[Stretch] = []
    for start, end in sorted((max(s, from_ms), min(e, to_ms)) for s, e in stretches):
        if end <= start:
            continue
        if found and start <= found[-1][1]:
            found[-1] = (found[-1][0], max(found[-1][1], end))
        else:
            found.append((start, end))
    return found


def gaps_between(recorded: list[Stretch], from_ms: int, to_ms: int) -> list[Stretch]:
    """The parts of the window not covered by ``recorded`` (merged, in order)."""
    found: list[Stretch] = []
    cursor = from_ms
    for start, end in recorded:
        if start > cursor:
            found.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < to_ms:
        found.append((cursor, to_ms))
    return found


def continuity(
    recorded: Iterable[Stretch], from_ms: int, to_ms: int, *, min_gap_ms: int
) -> RecordingContinuity:
    """The window's continuity from the stretches the recorder holds footage for."""
    gaps = [
        g
        for g in gaps_between(merged(recorded, from_ms, to_ms), from_ms, to_ms)
        if g[1] - g[0] >= min_gap_ms
    ]
    gaps = _at_most(gaps, MAX_GAPS)
    missing_ms = sum(end - start for start, end in gaps)
    return RecordingContinuity(
        from_ms=from_ms,
        to_ms=to_ms,
        recorded_s=round((to_ms - from_ms - missing_ms) / 1000.0, 3),
        gaps=[RecordingGap(from_ms=start, to_ms=end) for start, end in gaps],
    )


def _at_most(gaps: list[Stretch], limit: int) -> list[Stretch]:
    """``gaps`` with the ones separated by the shortest footage joined, down to ``limit``."""
    if len(gaps) <= limit:
        return gaps
    between = sorted(range(len(gaps) - 1), key=lambda i: gaps[i + 1][0] - gaps[i][1])
    joined = set(between[: len(gaps) - limit])  # i: gap i runs on into gap i + 1
    found: list[Stretch] = []
    for index, gap in enumerate(gaps):
        if index > 0 and index - 1 in joined:
            found[-1] = (found[-1][0], gap[1])
        else:
            found.append(gap)
    return found


def stretches_from_states(
    changes: Iterable[tuple[int, bool]], from_ms: int, to_ms: int
) -> list[Stretch]:
    """Stretches with data from a recorder's state changes ("data present" true/false at
    a time), as ONVIF's recording-history events give them. The state before the first
    change is unknown and taken as absent (a start-state event says otherwise); the last
    state lasts to the window's end."""
    found: list[Stretch] = []
    since: int | None = None
    for at, present in sorted(changes, key=lambda change: change[0]):
        at = min(max(at, from_ms), to_ms)
        if present and since is None:
            since = at
        elif not present and since is not None:
            found.append((since, at))
            since = None
    if since is not None:
        found.append((since, to_ms))
    return found
