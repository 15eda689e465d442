"""What each record kind looks like in a store, derived from its struct (server/records.py).

A new field of a record is one edit there, and its line in docs/storage.md (a test
checks that every stored field is documented): both stores take it from here. SQLite
adds the column when it opens an older file; InfluxDB writes and reads it as a field.

What a struct cannot say is written here once per kind: the measurement (SQLite table)
name and the tags, the series identity of InfluxDB (SQLite's key columns lead with the
same). Every other field is kept by its annotation: ``int``, ``float``, ``str`` or
``bool``, optional when the annotation admits None (a None means "not in this write":
a duplicate keeps what was stored); ``detail`` is the records' open dict of extras.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec

from xaso.server.records import (
    AgentHealthRecord,
    BroadcastEventRecord,
    DeviceReadingRecord,
    Record,
    TransitionRecord,
)

DETAIL: Final = "detail"
TIME: Final = "ts_ms"
_SCALARS: Final = (bool, int, float, str)


@dataclass(frozen=True)
class Column:
    name: str
    kind: type  # bool, int, float or str
    optional: bool  # None allowed: unknown, or "not in this write"
    default: Any  # what a store answers when it holds nothing for it
    given_default: bool  # the struct gives one (a store can fill older rows with it)


@dataclass(frozen=True)
class Shape:
    record: type[Record]
    measurement: str
    tags: tuple[str, ...]
    columns: tuple[Column, ...]  # every field but ``detail``, in the struct's order
    has_detail: bool
    order: tuple[str, ...]  # every field, ``detail`` included, in the struct's order
    column: dict[str, Column] = field(init=False)  # by name

    def __post_init__(self) -> None:
        object.__setattr__(self, "column", {c.name: c for c in self.columns})

    @property
    def fields(self) -> tuple[Column, ...]:
        """The columns that are not tags (InfluxDB's fields)."""
        return tuple(c for c in self.columns if c.name not in self.tags)


def _column(info: msgspec.structs.FieldInfo) -> Column:
    annotation = info.type
    members = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    kinds = [m for m in members if m is not type(None)]
    if len(kinds) != 1 or kinds[0] not in _SCALARS:
        raise TypeError(f"{info.name}: a store keeps bool, int, float or str, not {annotation}")
    kind = kinds[0]
    optional = len(members) > len(kinds)
    given = info.default is not msgspec.NODEFAULT
    default = None if optional else (info.default if given else kind())
    # (kind(): "", 0, 0.0, False, what an empty tag or field reads back as.)
    return Column(info.name, kind, optional, default, given)


def _is_union(annotation: object) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _shape(record: type[Record], measurement: str, tags: tuple[str, ...]) -> Shape:
    fields = msgspec.structs.fields(record)
    columns = tuple(_column(info) for info in fields if info.name != DETAIL)
    names = {c.name for c in columns}
    assert set(tags) <= names and TIME in names, record
    has_detail = any(f.name == DETAIL for f in fields)
    return Shape(record, measurement, tags, columns, has_detail, tuple(f.name for f in fields))


SHAPES: Final[dict[type, Shape]] = {
    shape.record: shape
    for shape in (
        _shape(AgentHealthRecord, "agent_health", ("agent_id", "commune")),
        _shape(DeviceReadingRecord, "device_reading", ("device_id", "agent_id", "commune", "kind")),
        _shape(TransitionRecord, "transition", ("device_id", "commune", "kind")),
        _shape(
            BroadcastEventRecord, "broadcast_event", ("agent_id", "cluster", "commune", "event")
        ),
    )
}


def stored_fields() -> dict[str, list[str]]:
    """Measurement -> every field a store keeps for it (docs/storage.md lists them)."""
    return {
        shape.measurement: [c.name for c in shape.columns] + ([DETAIL] if shape.has_detail else [])
        for shape in SHAPES.values()
    }
