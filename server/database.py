"""The server's own SQLite file, ``<--data-dir>/xaso.db``, and its one owner.

It holds what the server decides or is told, as opposed to the time series (the
``--store``): API tokens, accounts and page sessions, and the audit log; broadcast
schedules with every version, silences and manual playout entries; maintenance windows
and excused periods with their history; uploaded audio and evidence documents (their
records; the bytes are files beside it); declared indicator values; sign-offs;
acknowledged problems; refused messages kept aside and the agents' numbering. Back it
up with ``--data-dir``.

``ServerDatabase`` opens it once; every store of the event loop works on its one
connection (they all run on the loop, so no two use it at once). The intake journal
writes from a worker thread of its own and opens a second connection with ``connect``:
the file's settings stay in one place either way.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

FILE_NAME = "xaso.db"


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to the file, in autocommit mode (``transaction`` groups writes) and
    WAL, so readers never wait for a writer and a crash loses nothing committed."""
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA busy_timeout = 5000")
    except BaseException:
        db.close()
        raise
    return db


class ServerDatabase:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = connect(path)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> ServerDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN ... COMMIT on a connection in autocommit mode (``connect``), ROLLBACK on an
    exception: writes that belong together are saved together or not at all."""
    db.execute("BEGIN")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # a failed COMMIT leaves it open: never for the next BEGIN
            db.execute("ROLLBACK")
        raise
