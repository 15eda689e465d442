"""Where each person wants their alerts: the addresses and choices they set on their
own page ("Tài khoản của tôi", ``server/web/pages/my_account.py``).

One row per account in the server's database (``xaso.db``, table ``alert_contact``):
a Zalo phone number (ZNS) or Zalo user id (the OA's follower id), a mobile number for
SMS, an e-mail address, a Telegram chat id, and which severities and kinds of alert they
want. Phone numbers are kept as ``84xxxxxxxxx`` (``phones.py``). An account with no row
wants every severity and kind, and has no address: it gets nothing until it sets one.
The kinds are kept as those *not* wanted: a kind of alert added to the server later
reaches everyone until they say otherwise, rather than no one.
Which communes' alerts reach a person is not set here: it is the account's own scope.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Final, get_args

from xaso.server.alerts.config import RuleType
from xaso.server.alerts.message import Severity
from xaso.server.alerts.phones import PhoneError, normal_phone

SEVERITIES: Final[tuple[Severity, ...]] = ("critical", "warning", "info")
# Every rule type of the alerts file, in its order: a new one appears on the page.
KINDS: Final[tuple[str, ...]] = get_args(RuleType)
# The address fields, in the order the page shows them.
ADDRESSES: Final = ("zalo_phone", "zalo_user_id", "sms_phone", "email", "telegram_chat")

_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ZALO_USER: Final = re.compile(r"\d{5,32}")
_TELEGRAM: Final = re.compile(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31}")
_MAX_EMAIL_CHARS: Final = 254

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS alert_contact (
    account_id    TEXT PRIMARY KEY,
    zalo_phone    TEXT NOT NULL,
    zalo_user_id  TEXT NOT NULL,
    sms_phone     TEXT NOT NULL,
    email         TEXT NOT NULL,
    telegram_chat TEXT NOT NULL,
    severities    TEXT NOT NULL,  -- JSON list
    muted_kinds   TEXT NOT NULL,  -- JSON list of the rule types NOT wanted
    updated_ms    INTEGER NOT NULL
)
"""


class ContactError(ValueError):
    """An address that cannot be used; ``field`` names it, ``code`` what is wrong (the
    page says it in words: ``contact.error.<code>``)."""

    def __init__(self, field_name: str, code: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.code = code


@dataclass(frozen=True)
class Contact:
    account_id: str
    zalo_phone: str = ""  # 84xxxxxxxxx: ZNS
    zalo_user_id: str = ""  # the OA's id of a follower: OA messages
    sms_phone: str = ""  # 84xxxxxxxxx
    email: str = ""
    telegram_chat: str = ""  # a chat's numeric id, or @channelname
    severities: frozenset[str] = field(default_factory=lambda: frozenset(SEVERITIES))
    muted_kinds: frozenset[str] = frozenset()  # the kinds of alert not wanted
    updated_ms: int = 0

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of alert wanted, of those the server knows."""
        return frozenset(KINDS) - self.muted_kinds

    def wants(self, severity: str, kind: str) -> bool:
        return severity in self.severities and kind not in self.muted_kinds

    def facts(self) -> dict[str, object]:
        """What the audit log compares before and after (the addresses themselves are
        personal: the log says which changed, the page shows them)."""
        return {
            **{name: bool(getattr(self, name)) for name in ADDRESSES},
            "severities": [s for s in SEVERITIES if s in self.severities],
            "kinds": [k for k in KINDS if k in self.kinds],
        }


def checked_contact(
    account_id: str,
    form: Mapping[str, str],
    severities: Iterable[str],
    kinds: Iterable[str],
    now_ms: int,
) -> Contact:
    """A contact from what a form sent, or ``ContactError`` for the first bad field."""
    values = {name: str(form.get(name, "")).strip() for name in ADDRESSES}
    for name in ("zalo_phone", "sms_phone"):
        if values[name]:
            try:
                values[name] = normal_phone(values[name])
            except PhoneError as exc:
                raise ContactError(name, "phone", str(exc)) from None
    if values["zalo_user_id"] and not _ZALO_USER.fullmatch(values["zalo_user_id"]):
        raise ContactError("zalo_user_id", "zalo_user", "a Zalo user id is digits")
    email = values["email"]
    if email and (len(email) > _MAX_EMAIL_CHARS or not _EMAIL.fullmatch(email)):
        raise ContactError("email", "email", "not an e-mail address")
    if values["telegram_chat"] and not _TELEGRAM.fullmatch(values["telegram_chat"]):
        raise ContactError("telegram_chat", "telegram", "a chat id is a number or @name")
    chosen_severities = frozenset(severities) & frozenset(SEVERITIES)
    muted_kinds = frozenset(KINDS) - frozenset(kinds)
    return Contact(
        account_id=account_id,
        severities=chosen_severities,
        muted_kinds=muted_kinds,
        updated_ms=now_ms,
        **values,
    )


class ContactStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.execute(_SCHEMA)

    def get(self, account_id: str) -> Contact:
        """The account's contact; the default (no address, everything wanted) when it
        never set one."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM alert_contact WHERE account_id = ?", (account_id,)
        ).fetchone()
        return _contact(row) if row is not None else Contact(account_id)

    def all(self) -> dict[str, Contact]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM alert_contact").fetchall()
        return {row[0]: _contact(row) for row in rows}

    def save(self, contact: Contact) -> None:
        self._db.execute(
            f"INSERT OR REPLACE INTO alert_contact ({_COLUMNS}) VALUES ({', '.join('?' * 9)})",
            (
                contact.account_id,
                *(getattr(contact, name) for name in ADDRESSES),
                json.dumps([s for s in SEVERITIES if s in contact.severities]),
                json.dumps(sorted(contact.muted_kinds)),
                contact.updated_ms,
            ),
        )


_COLUMNS: Final = (
    "account_id, zalo_phone, zalo_user_id, sms_phone, email, telegram_chat, "
    "severities, muted_kinds, updated_ms"
)


def _contact(row: tuple[object, ...]) -> Contact:
    names = [f.name for f in fields(Contact)]
    values = dict(zip(names, row, strict=True))
    values["severities"] = frozenset(json.loads(str(values["severities"])))
    values["muted_kinds"] = frozenset(json.loads(str(values["muted_kinds"])))
    return Contact(**values)  # type: ignore[arg-type]
