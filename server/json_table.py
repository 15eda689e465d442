"""A small SQLite table of JSON documents by id, mirrored in memory.

For the server's own configuration-like data (maintenance windows, excused periods,
broadcast schedules): few rows, read often, written rarely. A local SQLite write takes
microseconds and runs inline, like the token store's.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Generic, Protocol, TypeVar

import msgspec


class HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=HasId)

_TABLE_NAME = re.compile(r"^[a-z_]+$")


class JsonTable(Generic[T]):
    def __init__(self, db: sqlite3.Connection, table: str, type_: type[T]) -> None:
        if not _TABLE_NAME.match(table):
            raise ValueError(f"bad table name {table!r}")
        self._db, self._table, self._type = db, table, type_
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        self.items: dict[str, T] = {
            row[0]: msgspec.json.decode(row[1], type=type_)
            for row in db.execute(f"SELECT id, body FROM {table}")
        }

    def put(self, item: T) -> None:
        """Insert or replace."""
        self._db.execute(
            f"INSERT OR REPLACE INTO {self._table} VALUES (?, ?)",
            (item.id, msgspec.json.encode(item).decode()),
        )
        self.items[item.id] = item

    def remove(self, item_id: str) -> bool:
        removed = self._db.execute(f"DELETE FROM {self._table} WHERE id = ?", (item_id,)).rowcount
        self.items.pop(item_id, None)
        return removed == 1
