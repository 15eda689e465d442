"""The stores' shape comes from the record structs: a field reaches both stores, and an
older SQLite file, without an edit of its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec
import pytest

from xaso.protocol import BroadcastEvent, ScheduledContent
from xaso.server.monitoring.ingest import broadcast_record
from xaso.server.records import BroadcastEventRecord
from xaso.server.store.schema import SHAPES, Column, stored_fields
from xaso.server.store.sqlite import SqliteStore, _column_sql

EVERY_FIELD = BroadcastEvent(
    v=1,
    agent="gw-1",
    session=7,
    seq=42,
    ts_ms=1_700_000_000_000,
    event="preempted",
    cluster="cl-1",
    schedule="sch-1",
    revision=3,
    priority="normal",
    content=ScheduledContent(
        type="tts",
        duration_s=30.0,
        title="Thông báo",
        sha256="ab" * 32,
        text="Kính thưa bà con",
        voice="vi-north",
        url="http://radio/stream",
        source="district",
    ),
    occurrence_ms=1_700_000_000_000 - 5_000,
    planned_end_ms=1_700_000_030_000,
    started_ms=1_699_999_999_000,
    played_s=12.5,
    content_s=29.5,
    error="e",
    reason="r",
    by="sch-emergency",
    preempted="sch-0",
    resumed=True,
    volume=70,
    relay_on=True,
    clock_offset_ms=-12.0,
    historical=True,
)


def test_every_field_on_the_wire_reaches_the_stored_record() -> None:
    record = broadcast_record(EVERY_FIELD, "dong", "thon-1")
    stored = msgspec.structs.asdict(record)
    wire = msgspec.structs.asdict(EVERY_FIELD)
    content = msgspec.structs.asdict(wire.pop("content"))
    assert stored.pop("event_id") == "gw-1-42"
    assert (stored.pop("commune"), stored.pop("village")) == ("dong", "thon-1")
    expected = {
        {"agent": "agent_id", "by": "preempted_by", "preempted": "preempted_schedule"}.get(
            name, name
        ): value
        for name, value in wire.items()
        if name != "v"
    }
    expected |= {f"content_{name}": value for name, value in content.items()}
    assert stored == expected


def test_stored_fields_are_the_structs_fields() -> None:
    fields = stored_fields()
    assert fields["broadcast_event"] == list(BroadcastEventRecord.__struct_fields__)
    assert set(fields) == {"agent_health", "device_reading", "transition", "broadcast_event"}


async def test_an_older_file_gains_the_fields_records_have_gained(tmp_path: Path) -> None:
    path = str(tmp_path / "records.db")
    store = await SqliteStore.open(path)
    await store.write([broadcast_record(EVERY_FIELD, "dong", None)])
    await store.close()
    # The file as an xaso from before ``clock_offset_ms`` (optional) and
    # ``content_voice`` (defaults to "vi") would have left it.
    with sqlite3.connect(path) as old:
        old.execute("ALTER TABLE broadcast_event DROP COLUMN clock_offset_ms")
        old.execute("ALTER TABLE broadcast_event DROP COLUMN content_voice")

    store = await SqliteStore.open(path)
    try:
        later = msgspec.structs.replace(EVERY_FIELD, seq=43)
        await store.write([broadcast_record(later, "dong", None)])
        before, after = await store.broadcast_events(["dong"], 0, 2_000_000_000_000)
    finally:
        await store.close()
    assert (before.seq, before.clock_offset_ms, before.content_voice) == (42, None, "vi")
    assert (after.seq, after.clock_offset_ms, after.content_voice) == (43, -12.0, "vi-north")


def test_a_required_field_without_a_default_asks_for_a_migration() -> None:
    shape = SHAPES[BroadcastEventRecord]
    assert _column_sql(shape.column["played_s"]) == "ADD COLUMN played_s REAL"
    assert _column_sql(shape.column["content_voice"]) == (
        "ADD COLUMN content_voice TEXT NOT NULL DEFAULT 'vi'"
    )
    assert _column_sql(shape.column["resumed"]) == "ADD COLUMN resumed INTEGER NOT NULL DEFAULT 0"
    with pytest.raises(RuntimeError, match="migration"):
        _column_sql(Column("priority_rank", int, optional=False, default=0, given_default=False))
