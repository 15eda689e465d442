"""Records straight to InfluxDB line protocol, one line per record, no point objects.

The output is byte for byte what ``influxdb_client``'s ``Point.to_line_protocol`` makes
of the same record (tests/store/test_line_protocol.py holds the two side by side), at a
seventh of the cost (docs/storage.md#encoding): ingest writes a line per device per
heartbeat, and building a ``Point`` for each, then escaping the same measurement and
tags again, was a third of the server's ingest CPU.

What the client does, and so what this does:

- measurement: ``,`` and space escaped (and ``\\n``, ``\\t``, ``\\r`` as two characters);
  tag keys, tag values and field keys: ``=`` too. A tag value ending in a backslash
  gets a space after it; an empty tag value leaves the tag out. Tags and fields are
  sorted by key.
- fields: None is left out, and so is a float NaN or infinity; a float is Python's
  ``repr`` without a trailing ``.0``; an int ends in ``i``; a bool is ``true`` or
  ``false``; a string is double-quoted with ``"`` and ``\\`` escaped. A record with no
  field left is the empty line.

What goes in a line (tags, fields, the point time) is the InfluxDB store's series
design, described in server/store/influx.py.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import msgspec

from xaso.server.records import BroadcastEventRecord, Record, clean_detail
from xaso.server.store.schema import DETAIL, SHAPES, TIME, Shape

# The field-name prefix of a record's ``detail`` keys.
DETAIL_PREFIX: Final = "d."

# A broadcast event's ``event_id`` is its agent and seq: the points carry those, and the
# reader puts them together (SQLite keeps the column, which its queries look up by).
COMPUTED_ON_READ: Final = frozenset({"event_id"})

# Series prefixes (measurement and tag set) kept, least recently used dropped first: a
# province's heartbeats bring about 15,000 device series and a few hundred gateways',
# each a string of about 100 bytes; a miss costs only what every line used to.
SERIES_CACHE_SIZE: Final = 32_768

_ESCAPE_MEASUREMENT: Final = str.maketrans(
    {",": r"\,", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"}
)
_ESCAPE_KEY: Final = str.maketrans(
    {",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"}
)
_ESCAPE_STRING: Final = str.maketrans({'"': r"\"", "\\": r"\\"})


@dataclass(frozen=True, eq=False)
class _Field:
    name: str
    index: int  # in the record's ``msgspec.structs.astuple``
    key: str  # escaped, with its "="
    kind: type  # what the value is coerced to (schema.Column.kind)


@dataclass(frozen=True, eq=False)
class _Kind:
    """What one record kind's lines need, worked out once."""

    measurement: str  # escaped
    tag_keys: tuple[str, ...]  # escaped, sorted by the raw key
    tag_values: Callable[[Record], tuple[object, ...]]  # in tag_keys' order
    before_detail: tuple[_Field, ...]  # the fields whose key sorts before "d."
    after_detail: tuple[_Field, ...]
    detail_index: int  # -1: no detail


def _kind(shape: Shape) -> _Kind:
    tags = sorted(shape.tags)
    is_event = shape.record is BroadcastEventRecord
    fields = [
        _Field(c.name, shape.order.index(c.name), f"{_escape_key(c.name)}=", c.kind)
        for c in sorted(shape.fields, key=lambda c: c.name)
        # A record's time is its point's own, but for an event (module docstring of
        # influx.py): there the point time is the occurrence, ts_ms a field.
        if (c.name != TIME or is_event) and c.name not in COMPUTED_ON_READ
    ]
    # Detail keys all start with "d." and core names hold no dot, so the detail fields
    # sort as one block between the core fields before "d." and those after it.
    assert all("." not in f.name for f in fields), shape
    return _Kind(
        measurement=shape.measurement.translate(_ESCAPE_MEASUREMENT),
        tag_keys=tuple(_escape_key(t) for t in tags),
        tag_values=operator.attrgetter(*tags) if len(tags) > 1 else _one_tag(tags[0]),
        before_detail=tuple(f for f in fields if f.name < DETAIL_PREFIX),
        after_detail=tuple(f for f in fields if f.name > DETAIL_PREFIX),
        detail_index=shape.order.index(DETAIL) if shape.has_detail else -1,
    )


def _one_tag(name: str) -> Callable[[Record], tuple[object, ...]]:
    get = operator.attrgetter(name)
    return lambda record: (get(record),)


def _escape_key(key: str) -> str:
    return key.translate(_ESCAPE_KEY)


_KINDS: Final = {record_type: _kind(shape) for record_type, shape in SHAPES.items()}


def line_of(record: Record) -> str:
    """The record's line, without its newline; its time in ms, or in ns for a
    ``BroadcastEventRecord`` (``event_time_ns``), as the batch's precision must say."""
    kind = _KINDS[type(record)]
    values = msgspec.structs.astuple(record)
    fields: list[str] = []
    _append(fields, values, kind.before_detail)
    if kind.detail_index >= 0 and values[kind.detail_index]:
        # clean_detail makes every number a float and drops what a field cannot hold;
        # what it keeps has a key matching DETAIL_KEY, which nothing needs escaping in.
        for key, value in sorted(clean_detail(values[kind.detail_index]).items()):
            if value is True or value is False:
                fields.append(f"{DETAIL_PREFIX}{key}={'true' if value else 'false'}")
            elif isinstance(value, str):
                fields.append(f'{DETAIL_PREFIX}{key}="{value.translate(_ESCAPE_STRING)}"')
            else:
                fields.append(f"{DETAIL_PREFIX}{key}={_float(value)}")
    _append(fields, values, kind.after_detail)
    if not fields:
        return ""
    line = f"{_series(kind, kind.tag_values(record))}{','.join(fields)} "
    if isinstance(record, BroadcastEventRecord):
        return line + str(event_time_ns(record))
    return line + str(int(record.ts_ms))


def event_time_ns(record: BroadcastEventRecord) -> int:
    """A broadcast event's point time: its occurrence (its own time for ``received``),
    plus its seq modulo 10**6 as nanoseconds (see influx.py's module docstring)."""
    point_ms = record.ts_ms
    if record.event != "received" and record.occurrence_ms > 0:
        point_ms = record.occurrence_ms
    return int(point_ms * 1_000_000 + record.seq % 1_000_000)


@functools.lru_cache(maxsize=SERIES_CACHE_SIZE)
def _series(kind: _Kind, tag_values: tuple[object, ...]) -> str:
    """The measurement and tag set, with the space that ends them."""
    tags = []
    for key, value in zip(kind.tag_keys, tag_values, strict=True):
        if value is None:
            continue
        text = _escape_key(str(value))
        if text.endswith("\\"):
            text += " "  # or influxd would read the space after it as escaped
        if text:
            tags.append(f",{key}={text}")
    return f"{kind.measurement}{''.join(tags)} "


def _append(out: list[str], values: tuple[object, ...], fields: tuple[_Field, ...]) -> None:
    # Each value coerced to its field's type: a Python int sent to a float field would be
    # an integer field, and collide with the floats stored under that name.
    for field in fields:
        value = values[field.index]
        if value is None:
            continue
        kind = field.kind
        if kind is float:
            number = float(value)  # type: ignore[arg-type]
            if math.isfinite(number):
                out.append(field.key + _float(number))
        elif kind is int:
            out.append(f"{field.key}{int(value)}i")  # type: ignore[call-overload]
        elif kind is bool:
            out.append(field.key + ("true" if value else "false"))
        else:
            out.append(f'{field.key}"{str(value).translate(_ESCAPE_STRING)}"')


def _float(value: float) -> str:
    # Python's shortest repr, as the client writes it: "5" for 5.0, "1e+16", "-0".
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text
