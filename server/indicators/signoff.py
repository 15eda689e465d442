"""Sign-off: a verifier's approval of a commune's period report, kept append-only.

A sign-off records who approved, when, for which commune and period, under which
profile, and the evidence hash (``server.indicators.evidence``) of the evaluation they
saw. It is never changed or removed — the table refuses UPDATE and DELETE — so when the
underlying data changes later (a backlog arrives, an outage is excused, a declared value
is corrected) the approval stays as it was and the report shows the hash it carries no
longer matches the data: a visible mismatch, never a silent rewrite. A new approval of
the new figures is a new row.
"""

from __future__ import annotations

import secrets

import msgspec

from server.json_table import open_db


class SignOff(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    commune: str
    from_ms: int
    to_ms: int
    period: str  # as asked ("2026-Q3"), or "" for explicit from/to
    sha256: str  # the evidence hash the verifier approved
    profile: str
    verifier: str  # the token's name: who
    token_id: str
    role: str
    signed_ms: int
    note: str = ""
    # The report left the verifier's excused periods out of availability (?excused=1):
    # the sign-off is compared with the report made the same way.
    excused: bool = False


class SignOffStatus(msgspec.Struct, frozen=True):
    """A sign-off against the data as it is now."""

    signoff: SignOff
    current_sha256: str
    matches: bool


def status(signoffs: list[SignOff], current_sha256: str) -> list[SignOffStatus]:
    """Each sign-off, oldest first, compared with the hash of the data now."""
    return [
        SignOffStatus(s, current_sha256, s.sha256 == current_sha256)
        for s in sorted(signoffs, key=lambda s: (s.signed_ms, s.id))
    ]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS indicator_signoff (
    id        TEXT PRIMARY KEY,
    commune   TEXT    NOT NULL,
    from_ms   INTEGER NOT NULL,
    to_ms     INTEGER NOT NULL,
    signed_ms INTEGER NOT NULL,
    body      TEXT    NOT NULL
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


class SignOffStore:
    def __init__(self, db_path: str) -> None:
        self._db = open_db(db_path)
        self._db.executescript(_SCHEMA)

    def add(self, signoff: SignOff) -> SignOff:
        """Record a sign-off; its ``id`` is assigned here."""
        signoff = msgspec.structs.replace(signoff, id=f"so-{secrets.token_hex(6)}")
        self._db.execute(
            "INSERT INTO indicator_signoff VALUES (?, ?, ?, ?, ?, ?)",
            (
                signoff.id,
                signoff.commune,
                signoff.from_ms,
                signoff.to_ms,
                signoff.signed_ms,
                msgspec.json.encode(signoff).decode(),
            ),
        )
        return signoff

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

    def close(self) -> None:
        self._db.close()
