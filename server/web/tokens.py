"""API tokens for gateways and programs: created by ``xaso token create`` or on the
admins' page, shown once, stored only as SHA-256 hashes. People sign in with an account
(``accounts.py``) instead.

Tokens are 256 random bits, so a fast hash is enough (no password stretching needed):
the database alone never lets anyone call the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xaso.inventory import InventoryIndex

TOKEN_PREFIX = "xaso_"
TOKEN_SUBJECT_PREFIX = "t:"  # a principal's subject when it is a token


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"  # schedules and acts, for its communes only
    VIEWER = "viewer"  # reads; limited to its communes when it has any
    # The overseeing level (province): reads like a viewer and signs off communes'
    # indicator reports (docs/reports.md); limited to its communes when it has any.
    VERIFIER = "verifier"
    AGENT = "agent"  # a gateway fetching broadcast audio: GET /api/v1/content/* only


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an account (subject ``u:<id>``) or an API token (``t:<id>``)."""

    subject: str
    name: str
    role: Role
    # The communes the token names, as stored. Empty means every commune; an operator
    # always has at least one.
    communes: frozenset[str]
    # What they cover today (``InventoryIndex.scope_on``: a predecessor's token carries
    # to its successor, a successor's covers its predecessors), resolved per request by
    # the auth middleware; None until then. Tokens are never rewritten: a merger entered
    # in the inventory later carries too.
    covers: frozenset[str] | None = None

    @property
    def scope(self) -> frozenset[str]:
        """The communes every scope check uses; empty means every commune."""
        return self.covers if self.covers is not None else self.communes

    def on(self, index: InventoryIndex, day: dt.date) -> Principal:
        """This principal with its scope resolved through the inventory on ``day``."""
        if not self.communes:
            return self
        return replace(self, covers=index.scope_on(self.communes, day))

    def may_see(self, commune: str) -> bool:
        return not self.scope or commune in self.scope

    def may_act(self, commune: str) -> bool:
        """May change what plays in ``commune``: admins anywhere, operators in theirs."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.OPERATOR and commune in self.scope


# A token's last use is written at most once a minute: not one write per API call.
_TOUCH_EVERY_MS = 60_000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """API tokens, kept as SHA-256 hashes in the server's database (database.py)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS api_token (
                id TEXT PRIMARY KEY,
                sha256 TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                communes TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                revoked_ms INTEGER
            )"""
        )
        # When each token was last used, to the minute (the admins' page shows it).
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(api_token)")}
        if "last_used_ms" not in columns:
            self._db.execute("ALTER TABLE api_token ADD COLUMN last_used_ms INTEGER")

    def create(self, role: Role, communes: frozenset[str] = frozenset(), name: str = "") -> str:
        """Create a token and return it; this is the only time it is ever shown."""
        if role is Role.OPERATOR and not communes:
            raise ValueError("an operator token must name at least one commune (--commune)")
        token_id = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        self._db.execute(
            "INSERT INTO api_token (id, sha256, name, role, communes, created_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                token_id,
                _hash(token),
                name or role,
                role,
                json.dumps(sorted(communes)),
                int(time.time() * 1000),
            ),
        )
        return token

    def authenticate(self, token: str, now_ms: int | None = None) -> Principal | None:
        """Whom an unrevoked token stands for, noting its use (to the minute)."""
        row = self._db.execute(
            "SELECT id, name, role, communes, last_used_ms FROM api_token WHERE sha256 = ? "
            "AND revoked_ms IS NULL",
            (_hash(token),),
        ).fetchone()
        if row is None:
            return None
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        if row[4] is None or now_ms - row[4] >= _TOUCH_EVERY_MS:
            self._db.execute("UPDATE api_token SET last_used_ms = ? WHERE id = ?", (now_ms, row[0]))
        return Principal(
            TOKEN_SUBJECT_PREFIX + row[0], row[1], Role(row[2]), frozenset(json.loads(row[3]))
        )

    def revoke(self, token_id: str) -> bool:
        """Revoke a token: the next request with it is refused."""
        cursor = self._db.execute(
            "UPDATE api_token SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL",
            (int(time.time() * 1000), token_id),
        )
        return cursor.rowcount == 1

    def list(self) -> list[dict[str, object]]:
        rows = self._db.execute(
            "SELECT id, name, role, communes, created_ms, revoked_ms, last_used_ms"
            " FROM api_token ORDER BY created_ms"
        ).fetchall()
        return [
            {
                "id": r[0],
                "name": r[1],
                "role": r[2],
                "communes": json.loads(r[3]),
                "created_ms": r[4],
                "revoked_ms": r[5],
                "last_used_ms": r[6],
            }
            for r in rows
        ]
