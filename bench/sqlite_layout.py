"""What a reading row costs SQLite by the table's layout, once the file holds a province's
worth: why the SQLite store slows as it grows, and what another layout would save.

Fills a ``device_reading`` table shaped as the store's (server/store/sqlite.py) with
``--rows`` rows of 15,000 devices in turn, as a province's heartbeats arrive, then times
``--batches`` more batches of 5,000 rows, each one transaction (``executemany``, WAL,
``synchronous = NORMAL``, as the store writes), in three layouts:

- ``device_first``: the store's, ``WITHOUT ROWID`` with the key led by the device, so
  that a device's readings are one ordered range; every batch touches a page per device;
- ``rowid_and_index``: rows appended in arrival order, the same key as a unique index;
- ``append_only``: rows appended, no index (the floor: no read by device would be fast).

    .venv/bin/python bench/sqlite_layout.py [--rows 750000] [--batches 20]

Output, one line per layout: ``layout=… rows_before=… cpu_us_per_row=… wall_us_per_row=…``
(the CPU includes building the rows in Python, the same in every layout).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

COLUMNS = """
    device_id  TEXT    NOT NULL,
    ts_ms      INTEGER NOT NULL,
    agent_id   TEXT    NOT NULL,
    commune    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    reachable  INTEGER NOT NULL,
    historical INTEGER NOT NULL,
    rtt_ms     REAL,
    error      TEXT,
    detail     TEXT"""
KEY = "device_id, ts_ms, agent_id, commune, kind"
LAYOUTS = {
    "device_first": f"CREATE TABLE device_reading ({COLUMNS},\n PRIMARY KEY ({KEY})) WITHOUT ROWID",
    "rowid_and_index": f"CREATE TABLE device_reading ({COLUMNS});\n"
    f"CREATE UNIQUE INDEX device_reading_key ON device_reading ({KEY})",
    "append_only": f"CREATE TABLE device_reading ({COLUMNS})",
}
INSERT = "INSERT OR REPLACE INTO device_reading VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
DETAIL = '{"radio.play_state":"idle","radio.source":"schedule","radio.volume":70}'
DEVICES = 15_000
BATCH = 5_000


def rows(start: int, count: int) -> Iterator[tuple[object, ...]]:
    for n in range(start, start + count):
        device = n % DEVICES
        gateway = f"c{device // 30:04d}"
        yield (
            f"{gateway}-rc-{device % 30:02d}",
            1_800_000_000_000 + n,
            f"{gateway}-gw",
            gateway,
            "radio_cluster",
            n // DEVICES,
            1,
            0,
            12.5,
            None,
            DETAIL,
        )


def measure(path: Path, schema: str, before: int, batches: int) -> tuple[float, float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(schema)

    def write(start: int) -> None:
        db.execute("BEGIN IMMEDIATE")
        db.executemany(INSERT, rows(start, BATCH))
        db.execute("COMMIT")

    for start in range(0, before, BATCH):
        write(start)
    cpu, wall = time.process_time(), time.perf_counter()
    for b in range(batches):
        write(before + b * BATCH)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    db.close()
    n = batches * BATCH
    return 1e6 * cpu / n, 1e6 * wall / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=750_000, help="rows before the timing")
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xaso-bench-") as tmp:
        for layout, schema in LAYOUTS.items():
            cpu_us, wall_us = measure(Path(tmp) / f"{layout}.db", schema, args.rows, args.batches)
            print(
                f"layout={layout} rows_before={args.rows} cpu_us_per_row={cpu_us:.1f} "
                f"wall_us_per_row={wall_us:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
