"""A small SQLite table of JSON documents by id, mirrored in memory.

For the server's own configuration-like data (maintenance windows, excused periods,
broadcast schedules): few rows, read often, written rarely. A local SQLite write takes
microseconds and runs inline, like the token store's.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
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


def open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    return db


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN ... COMMIT on a connection in autocommit mode (``open_db``), ROLLBACK on
    an exception: writes that belong together are saved together or not at all."""
    db.execute("BEGIN")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # a failed COMMIT leaves it open: never for the next BEGIN
            db.execute("ROLLBACK")
        raise
