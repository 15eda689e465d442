"""People's accounts: logins, Argon2 passwords, roles and communes, disabling; and the
count of wrong passwords that makes a login wait."""

from __future__ import annotations

import sqlite3

import pytest

from xaso.server.web.accounts import USER_PREFIX, AccountError, AccountStore
from xaso.server.web.login_throttle import LoginThrottle, ThrottleRules
from xaso.server.web.sessions import SessionLimits, SessionStore
from xaso.server.web.tokens import Role

NOW = 1_800_000_000_000
PASSWORD = "mười ký tự trở lên"
LIMITS = SessionLimits(idle_timeout_s=3600, lifetime_s=7200)


@pytest.fixture
def db() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", isolation_level=None)


def test_an_account_signs_in_with_its_password_only(db: sqlite3.Connection) -> None:
    accounts = AccountStore(db)
    made = accounts.create("Tran.Thi.B", PASSWORD, Role.VERIFIER, NOW, "Trần Thị B")
    assert made.login == "tran.thi.b" and made.display_name == "Trần Thị B"
    assert accounts.verify("TRAN.THI.B", PASSWORD, NOW + 1) == accounts.get(made.id)
    assert accounts.get(made.id).last_login_ms == NOW + 1  # type: ignore[union-attr]
    assert accounts.verify("tran.thi.b", PASSWORD + "!", NOW) is None
    assert accounts.verify("nobody", PASSWORD, NOW) is None
    principal = accounts.principal(made.id)
    assert principal is not None
    assert (principal.subject, principal.name, principal.role) == (
        USER_PREFIX + made.id,
        "Trần Thị B",
        Role.VERIFIER,
    )
    stored = db.execute("SELECT password_hash FROM web_account").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("login", "password", "role", "communes", "problem"),
    [
        ("a", PASSWORD, Role.ADMIN, (), "2 to 64"),
        ("có dấu", PASSWORD, Role.ADMIN, (), "2 to 64"),
        ("ok.name", "short", Role.ADMIN, (), "at least 10"),
        ("ok.name", PASSWORD, Role.OPERATOR, (), "at least one commune"),
        ("ok.name", PASSWORD, Role.AGENT, (), "role is one of"),
    ],
)
def test_an_account_that_cannot_be_made_says_why(
    db: sqlite3.Connection,
    login: str,
    password: str,
    role: Role,
    communes: tuple[str, ...],
    problem: str,
) -> None:
    with pytest.raises(AccountError, match=problem):
        AccountStore(db).create(login, password, role, NOW, communes=frozenset(communes))


def test_a_login_is_one_account_whatever_its_case(db: sqlite3.Connection) -> None:
    accounts = AccountStore(db)
    accounts.create("admin", PASSWORD, Role.ADMIN, NOW)
    with pytest.raises(AccountError, match="taken"):
        accounts.create("ADMIN", PASSWORD, Role.VIEWER, NOW)


def test_disabling_or_a_new_password_ends_the_sessions(db: sqlite3.Connection) -> None:
    sessions = SessionStore(db)
    accounts = AccountStore(db, sessions)
    account = accounts.create("officer", PASSWORD, Role.OPERATOR, NOW, communes=frozenset({"x"}))
    first = sessions.open(account.subject, NOW, LIMITS)
    accounts.set_password(account.id, PASSWORD + " mới", NOW)
    assert sessions.lookup(first, NOW, LIMITS) is None
    assert accounts.verify("officer", PASSWORD + " mới", NOW) is not None
    second = sessions.open(account.subject, NOW, LIMITS)
    assert accounts.set_disabled(account.id, True, NOW)
    assert sessions.lookup(second, NOW, LIMITS) is None
    assert accounts.principal(account.id) is None
    assert accounts.verify("officer", PASSWORD + " mới", NOW) is None
    assert not accounts.set_disabled(account.id, True, NOW)  # already
    assert accounts.set_disabled(account.id, False, NOW)
    assert accounts.principal(account.id) is not None


def test_each_session_has_its_own_csrf_token(db: sqlite3.Connection) -> None:
    sessions = SessionStore(db)
    one = sessions.lookup(sessions.open("u:1", NOW, LIMITS), NOW, LIMITS)
    two = sessions.lookup(sessions.open("u:1", NOW, LIMITS), NOW, LIMITS)
    assert one is not None and two is not None
    assert one.csrf_token != two.csrf_token and len(one.csrf_token) >= 40


def test_a_login_waits_after_its_failures_and_an_address_after_more() -> None:
    throttle = LoginThrottle(ThrottleRules(window_s=60, per_login=3, per_address=5))
    for n in range(3):
        assert throttle.wait_s("An", "10.0.0.1", NOW + n) == 0
        throttle.failed("An", "10.0.0.1", NOW + n)
    assert throttle.wait_s("an", "10.0.0.2", NOW + 10) == pytest.approx(60 - 0.01)
    assert throttle.wait_s("binh", "10.0.0.1", NOW + 10) == 0  # 3 of the address's 5
    throttle.failed("binh", "10.0.0.1", NOW + 20)
    throttle.failed("chi", "10.0.0.1", NOW + 30)
    assert throttle.wait_s("dung", "10.0.0.1", NOW + 40) > 0  # the address's 5
    assert throttle.wait_s("an", "10.0.0.2", NOW + 60_000) == 0  # the window passed
    throttle.failed("an", "10.0.0.3", NOW + 60_001)
    throttle.succeeded("AN")
    assert throttle.wait_s("an", "10.0.0.3", NOW + 60_002) == 0
