"""A camera's recording continuity (``camera.recorded``) as flat detail keys of its
stored reading: the window, the seconds recorded, how many gaps and the longest, and
the gaps themselves in one compact text (``"from_ms-to_ms,..."``), which the recording
ledger (``recording_ledger.py``) reads back once the record is stored."""

from __future__ import annotations

from typing import Final

from xaso.protocol import RecordingContinuity

PREFIX: Final = "camera.recorded."
FROM, TO, RECORDED, GAPS, COUNT, LONGEST = (
    f"{PREFIX}{name}"
    for name in ("from_ms", "to_ms", "recorded_s", "gaps", "gap_count", "longest_gap_s")
)
# A day of a recorder failing every few minutes still fits; past this the last gap
# listed runs to the end of the last one reported (more missing, never less).
MAX_GAPS: Final = 300


def recorded_detail(recorded: RecordingContinuity) -> dict[str, object]:
    gaps = [(g.from_ms, g.to_ms) for g in recorded.gaps if g.to_ms > g.from_ms]
    if len(gaps) > MAX_GAPS:
        gaps = [*gaps[: MAX_GAPS - 1], (gaps[MAX_GAPS - 1][0], gaps[-1][1])]
    return {
        FROM: recorded.from_ms,
        TO: recorded.to_ms,
        RECORDED: recorded.recorded_s,
        COUNT: len(recorded.gaps),
        LONGEST: max(((b - a) / 1000 for a, b in gaps), default=0.0),
        GAPS: ",".join(f"{a}-{b}" for a, b in gaps),
    }


def parse_gaps(text: str) -> list[tuple[int, int]]:
    """The gaps of a stored ``camera.recorded.gaps``; a malformed piece is skipped."""
    found = []
    for piece in text.split(","):
        start, _, end = piece.partition("-")
        if start.isdigit() and end.isdigit() and int(start) < int(end):
            found.append((int(start), int(end)))
    return found
