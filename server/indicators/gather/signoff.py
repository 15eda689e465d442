"""Sign-off: a verifier's approval of a commune's period report, kept append-only.

A sign-off records who approved, when, for which commune and period, under which
profile, the evidence hash (``server.indicators.evidence``) of the evaluation they saw,
and that evaluation itself: the canonical bytes the hash was computed on (the
snapshot), so what was approved can be read later and set against the data now
(``server.indicators.changes``). It is never changed or removed — the table refuses
UPDATE and DELETE — so when the underlying data changes later (a backlog arrives, an
outage is excused, a declared value is corrected) the approval stays as it was and the
report shows the hash it carries no longer matches the data, and what changed: a
visible mismatch, never a silent rewrite. A new approval of the new figures is a new
row.

Sign-offs recorded before snapshots were kept carry the hash only: they still match or
not, but what changed cannot be said.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import zlib
from collections.abc import Callable

import msgspec

from xaso.server.indicators.changes import Changes, changes
from xaso.server.indicators.evidence import evaluation_from_canonical
from xaso.server.indicators.result import CommuneEvaluation


class SignOff(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    commune: str
    from_ms: int
    to_ms: int
    period: str  # as asked ("2026-Q3"), or "" for explicit from/to
    sha256: str  # the evidence hash the verifier approved
    profile: str
    verifier: str  # the signer's display name: who
    # The signer's identity: the account's (u:<id>) or the token's (t:<id>) subject; a
    # bare token id when signed before accounts existed. The name stays: it is stored.
    token_id: str
    role: str
    signed_ms: int
    note: str = ""
    # The report left the verifier's excused periods out of availability (?excused=1):
    # the sign-off is compared with the report made the same way.
    excused: bool = False
    # The evaluation that was hashed is stored beside it. False: signed before snapshots
    # were kept, the hash is all there is.
    snapshot_kept: bool = False


class SignOffStatus(msgspec.Struct, frozen=True):
    """A sign-off against the data as it is now."""

    signoff: SignOff
    current_sha256: str
    matches: bool
    # What changed since, when it does not match and both sides are known: None when
    # it matches, was signed before snapshots were kept, or the commune has no
    # evaluation now.
    changes: Changes | None = None


def status(
    signoffs: list[SignOff],
    current_sha256: str,
    current: CommuneEvaluation | None,
    snapshot_of: Callable[[str], bytes | None],
) -> list[SignOffStatus]:
    """Each sign-off, oldest first, compared with the data now: its hash, and for a
    mismatch what changed. ``current`` is the evaluation whose hash is
    ``current_sha256`` (None: nothing to compare with); ``snapshot_of`` reads a
    sign-off's snapshot (``SignOffStore.snapshot``), asked only for a mismatch."""
    found = []
    for s in sorted(signoffs, key=lambda s: (s.signed_ms, s.id)):
        matches = s.sha256 == current_sha256
        difference = None
        if not matches and current is not None and s.snapshot_kept:
            snapshot = snapshot_of(s.id)
            if snapshot is not None:
                signed = evaluation_from_canonical(snapshot, computed_ms=s.signed_ms)
                difference = changes(signed, current)
        found.append(SignOffStatus(s, current_sha256, matches, difference))
    return found


_SCHEMA = """
CREATE TABLE IF NOT EXISTS indicator_signoff (
    id        TEXT PRIMARY KEY,
    commune   TEXT    NOT NULL,
    from_ms   INTEGER NOT NULL,
    to_ms     INTEGER NOT NULL,
    signed_ms INTEGER NOT NULL,
    body      TEXT    NOT NULL,
    snapshot  BLOB              -- zlib of the canonical bytes; NULL: signed before
);
CREATE INDEX IF NOT EXISTS indicator_signoff_period
    ON indicator_signoff (commune, from_ms, to_ms);
-- Append-only: an approval, once given, is history.
CREATE TRIGGER IF NOT EXISTS indicator_signoff_no_update
    BEFORE UPDATE ON indicator_signoff
    BEGIN SELECT RAISE(ABORT, 'sign-offs are append-only'); END;
CREATE TRIGGER IF NOT EXISTS indicator_signoff_no_delete
    BEFORE DELETE ON indicator_signoff
    BEGIN SELECT RAISE(ABORT, 'sign-offs are append-only'); END;
"""


class SnapshotMismatch(ValueError):
    """The bytes given as what was signed do not hash to the sign-off's hash."""


class SignOffStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(indicator_signoff)")}
        if "snapshot" not in columns:
            # A table from before snapshots were kept: its rows stay as they are (a new
            # column is not an UPDATE; the triggers still guard every row).
            self._db.execute("ALTER TABLE indicator_signoff ADD COLUMN snapshot BLOB")

    def add(self, signoff: SignOff, snapshot: bytes) -> SignOff:
        """Record a sign-off with the canonical bytes it approved (``snapshot``, which
        must hash to its ``sha256``); its ``id`` is assigned here."""
        if hashlib.sha256(snapshot).hexdigest() != signoff.sha256:
            raise SnapshotMismatch(f"the snapshot does not hash to {signoff.sha256}")
        signoff = msgspec.structs.replace(
            signoff, id=f"so-{secrets.token_hex(6)}", snapshot_kept=True
        )
        # One row, one statement: the approval and what it approved are stored together
        # or not at all. zlib: a quarter's evaluation of a commune is ~120 kB of JSON
        # (broadcasts and outages listed one by one), ~11 kB compressed.
        self._db.execute(
            "INSERT INTO indicator_signoff "
            "(id, commune, from_ms, to_ms, signed_ms, body, snapshot) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                signoff.id,
                signoff.commune,
                signoff.from_ms,
                signoff.to_ms,
                signoff.signed_ms,
                msgspec.json.encode(signoff).decode(),
                zlib.compress(snapshot),
            ),
        )
        return signoff

    def get(self, signoff_id: str) -> SignOff | None:
        row = self._db.execute(
            "SELECT body FROM indicator_signoff WHERE id = ?", (signoff_id,)
        ).fetchone()
        return None if row is None else msgspec.json.decode(row[0], type=SignOff)

    def snapshot(self, signoff_id: str) -> bytes | None:
        """The canonical bytes a sign-off approved (they hash to its ``sha256``), or
        None for a sign-off from before snapshots were kept."""
        row = self._db.execute(
            "SELECT snapshot FROM indicator_signoff WHERE id = ?", (signoff_id,)
        ).fetchone()
        return None if row is None or row[0] is None else zlib.decompress(row[0])

    def find(
        self,
        commune: str | None = None,
        from_ms: int | None = None,
        to_ms: int | None = None,
    ) -> list[SignOff]:
        """Sign-offs, oldest first; of one commune and exactly one period if given."""
        where: list[str] = []
        args: list[object] = []
        for column, value in (("commune", commune), ("from_ms", from_ms), ("to_ms", to_ms)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT body FROM indicator_signoff"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY signed_ms, id", args).fetchall()
        return [msgspec.json.decode(row[0], type=SignOff) for row in rows]
