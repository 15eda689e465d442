"""People's accounts: a login name and a password, a display name, a role and communes.

Bearer tokens (``tokens.py``) stay for gateways and API clients; people sign in with an
account. Passwords are hashed with Argon2id (argon2-cffi's defaults: salted, memory-hard,
about 80 ms a check on our hardware), so a copy of the database does not give them away.
A check against a login that does not exist hashes all the same, so the answer's timing
does not tell which logins exist.

An account is never deleted, only disabled: what it did stays attributable (the audit log,
the schedules' versions name it). Disabling it, or changing its password, ends its
sessions at once.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from xaso.server.web.sessions import SessionStore
from xaso.server.web.tokens import Principal, Role

USER_PREFIX: Final = "u:"  # a principal's subject when it is an account

# Letters, digits and . _ - ; 2 to 64 of them. Compared case-insensitively (stored
# lower case): "Admin" and "admin" are one account.
_LOGIN: Final = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD_CHARS: Final = 10
PEOPLE_ROLES: Final = (Role.ADMIN, Role.OPERATOR, Role.VERIFIER, Role.VIEWER)

_HASHER: Final = PasswordHasher()
# Verified against when the login does not exist, so that both answers take as long.
_ABSENT_HASH: Final = _HASHER.hash(secrets.token_urlsafe(16))


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from (about 80 ms: in a
    worker thread when on the event loop)."""
    try:
        return bool(_HASHER.verify(stored_hash, password))
    except (VerificationError, InvalidHashError):
        return False


class AccountError(ValueError):
    """An account that cannot be made or changed as asked; the message says why (in
    English, for the CLI and the API) and ``code`` what (the pages say it in words)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Account:
    id: str
    login: str
    display_name: str
    role: Role
    communes: frozenset[str]
    created_ms: int
    disabled_ms: int | None
    last_login_ms: int | None

    @property
    def subject(self) -> str:
        return USER_PREFIX + self.id


def normal_login(login: str) -> str:
    """The login as stored, or ``AccountError`` naming what is wrong with it."""
    normal = login.strip().lower()
    if not _LOGIN.fullmatch(normal):
        raise AccountError(
            "a login is 2 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            "login_format",
        )
    return normal


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(
            f"a password has at least {MIN_PASSWORD_CHARS} characters", "password_short"
        )


def check_role(role: Role, communes: frozenset[str]) -> None:
    if role not in PEOPLE_ROLES:
        raise AccountError(f"an account's role is one of {', '.join(PEOPLE_ROLES)}", "role")
    if role is Role.OPERATOR and not communes:
        raise AccountError("an operator account names at least one commune", "operator_communes")


class AccountStore:
    """The accounts, in the server's own database (``database.py``)."""

    def __init__(self, db: sqlite3.Connection, sessions: SessionStore | None = None) -> None:
        self._db = db
        # Ended here, not by each caller: a disabled account or a changed password ends
        # every session of it, wherever the change comes from (the page or the CLI).
        self._sessions = sessions or SessionStore(db)
        db.execute(
            """CREATE TABLE IF NOT EXISTS web_account (
                id TEXT PRIMARY KEY,
                login TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                communes TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                disabled_ms INTEGER,
                password_changed_ms INTEGER NOT NULL,
                last_login_ms INTEGER
            )"""
        )

    def create(
        self,
        login: str,
        password: str,
        role: Role,
        now_ms: int,
        display_name: str = "",
        communes: frozenset[str] = frozenset(),
    ) -> Account:
        login = normal_login(login)
        check_password(password)
        check_role(role, communes)
        account_id = secrets.token_hex(4)
        try:
            self._db.execute(
                "INSERT INTO web_account VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)",
                (
                    account_id,
                    login,
                    display_name.strip() or login,
                    _HASHER.hash(password),
                    role,
                    json.dumps(sorted(communes)),
                    now_ms,
                    now_ms,
                ),
            )
        except sqlite3.IntegrityError:
            raise AccountError(f"the login {login!r} is taken", "login_taken") from None
        account = self.by_login(login)
        assert account is not None
        return account

    def verify(self, login: str, password: str, now_ms: int) -> Account | None:
        """The enabled account whose password this is, noting the login; else None.
        Slow on purpose (Argon2); the login page runs the slow part in a worker thread
        (``credentials``, ``password_matches``, ``signed_in``), the CLI calls this."""
        account_id, stored = self.credentials(login)
        if not password_matches(stored, password) or account_id is None:
            return None
        return self.signed_in(account_id, password, stored, now_ms)

    def credentials(self, login: str) -> tuple[str | None, str]:
        """The enabled account a login names and its password hash; (None, a stand-in
        hash) when there is none, so that checking takes as long either way."""
        try:
            normal = normal_login(login)
        except AccountError:
            return None, _ABSENT_HASH
        row = self._db.execute(
            "SELECT id, password_hash FROM web_account WHERE login = ? AND disabled_ms IS NULL",
            (normal,),
        ).fetchone()
        return (str(row[0]), str(row[1])) if row is not None else (None, _ABSENT_HASH)

    def signed_in(self, account_id: str, password: str, stored: str, now_ms: int) -> Account:
        """Note a login that ``password_matches`` let through; the hash is renewed when
        the library's costs went up since it was made."""
        if _HASHER.check_needs_rehash(stored):
            self._db.execute(
                "UPDATE web_account SET password_hash = ? WHERE id = ?",
                (_HASHER.hash(password), account_id),
            )
        self._db.execute(
            "UPDATE web_account SET last_login_ms = ? WHERE id = ?", (now_ms, account_id)
        )
        account = self.get(account_id)
        assert account is not None
        return account

    def set_password(self, account_id: str, password: str, now_ms: int) -> None:
        check_password(password)
        cursor = self._db.execute(
            "UPDATE web_account SET password_hash = ?, password_changed_ms = ? WHERE id = ?",
            (_HASHER.hash(password), now_ms, account_id),
        )
        if cursor.rowcount != 1:
            raise AccountError(f"no account {account_id}", "no_account")
        self._sessions.end_for(USER_PREFIX + account_id)

    def update(
        self,
        account_id: str,
        *,
        display_name: str,
        role: Role,
        communes: frozenset[str],
    ) -> Account:
        check_role(role, communes)
        self._db.execute(
            "UPDATE web_account SET display_name = ?, role = ?, communes = ? WHERE id = ?",
            (display_name.strip(), role, json.dumps(sorted(communes)), account_id),
        )
        account = self.get(account_id)
        if account is None:
            raise AccountError(f"no account {account_id}", "no_account")
        return account

    def set_disabled(self, account_id: str, disabled: bool, now_ms: int) -> bool:
        """Disable (or enable again) an account, ending its sessions; True when that
        changed anything."""
        if disabled:
            sql = "UPDATE web_account SET disabled_ms = ? WHERE id = ? AND disabled_ms IS NULL"
            args: tuple[object, ...] = (now_ms, account_id)
        else:
            sql = (
                "UPDATE web_account SET disabled_ms = NULL WHERE id = ? AND disabled_ms IS NOT NULL"
            )
            args = (account_id,)
        changed = self._db.execute(sql, args).rowcount == 1
        if disabled:
            self._sessions.end_for(USER_PREFIX + account_id)
        return changed

    def get(self, account_id: str) -> Account | None:
        return self._one("id", account_id)

    def by_login(self, login: str) -> Account | None:
        try:
            return self._one("login", normal_login(login))
        except AccountError:
            return None

    def principal(self, account_id: str) -> Principal | None:
        """Whom an enabled account stands for; None once it is disabled."""
        account = self.get(account_id)
        if account is None or account.disabled_ms is not None:
            return None
        return Principal(account.subject, account.display_name, account.role, account.communes)

    def all(self) -> list[Account]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM web_account ORDER BY login").fetchall()
        return [_account(row) for row in rows]

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM web_account").fetchone()[0])

    def enabled_admins(self) -> int:
        """How many enabled accounts are admins: the last one may not go (``administration.py``)."""
        row = self._db.execute(
            "SELECT count(*) FROM web_account WHERE role = ? AND disabled_ms IS NULL",
            (Role.ADMIN.value,),
        ).fetchone()
        return int(row[0])

    def _one(self, column: str, value: str) -> Account | None:
        assert column in ("id", "login")
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM web_account WHERE {column} = ?", (value,)
        ).fetchone()
        return _account(row) if row is not None else None


_COLUMNS: Final = "id, login, display_name, role, communes, created_ms, disabled_ms, last_login_ms"


def _account(row: tuple[Any, ...]) -> Account:
    return Account(
        id=row[0],
        login=row[1],
        display_name=row[2],
        role=Role(row[3]),
        communes=frozenset(json.loads(row[4])),
        created_ms=row[5],
        disabled_ms=row[6],
        last_login_ms=row[7],
    )
