"""What follows a batch into the store, in the web tier and in every ingest worker
alike: the indicators' rollups drop what a stored record touches, and the recording
ledger takes the recorders' reports the readings carry (and the kept evaluations of
the camera-days they change are dropped)."""

from __future__ import annotations

from collections.abc import Callable

from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.monitoring.recording_ledger import RecordingLedger
from xaso.server.records import Record

StoredHook = Callable[[list[Record], int], object]


def stored_hook(rollups: DayRollups | None, ledger: RecordingLedger | None) -> StoredHook | None:
    if rollups is None and ledger is None:
        return None

    def after_stored(records: list[Record], now_ms: int) -> None:
        if rollups is not None:
            rollups.invalidate_for_records(records, now_ms)
        if ledger is not None:
            changed = ledger.apply_records(records)
            if changed and rollups is not None:
                rollups.invalidate_for_recording(changed, now_ms)

    return after_stored
