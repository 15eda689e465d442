"""The InfluxDB store's lines as ``influxdb_client`` makes them: a record as a ``Point``,
then ``Point.to_line_protocol()``.

This is how the store wrote until server/store/line_protocol.py replaced it, kept as the
reference that module must match byte for byte (tests/store/test_line_protocol.py) and
the baseline it is measured against (bench/line_protocol.py).
"""

from __future__ import annotations

from influxdb_client import Point, WritePrecision

from xaso.server.records import BroadcastEventRecord, Record, clean_detail
from xaso.server.store.schema import DETAIL, SHAPES, TIME


def point_line(record: Record) -> str:
    """The record's line through a ``Point``: its shape's tags, every other field coerced
    to its column's type, its detail as ``d.`` fields, and the point time."""
    shape = SHAPES[type(record)]
    point = Point(shape.measurement)
    for tag in shape.tags:
        point.tag(tag, getattr(record, tag))
    is_event = isinstance(record, BroadcastEventRecord)
    for column in shape.fields:
        if column.name == TIME and not is_event:
            continue  # the point's own time
        if column.name == "event_id":
            continue  # computed on read
        value = getattr(record, column.name)
        point.field(column.name, None if value is None else column.kind(value))
    if shape.has_detail:
        for key, value in clean_detail(getattr(record, DETAIL)).items():
            point.field("d." + key, value)
    if isinstance(record, BroadcastEventRecord):
        point_ms = record.ts_ms
        if record.event != "received" and record.occurrence_ms > 0:
            point_ms = record.occurrence_ms
        point.time(point_ms * 1_000_000 + record.seq % 1_000_000, WritePrecision.NS)
    else:
        point.time(record.ts_ms, WritePrecision.MS)
    return point.to_line_protocol()
