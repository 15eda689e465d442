"""The audit log: append-only in SQLite, every change that succeeded kept with who, when,
what and from where, failed requests and reads not; every login, the failed ones as
security events without the password; admins read it through the API and the page."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import PASSWORD, bearer, page_cookie
from tests.messages import SMALL_INVENTORY, small_index
from xaso.server.app import Deps, create_app
from xaso.server.keys import CLOCK_MS, DATABASE
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.audit import Actor, AuditEntry, AuditLog, AuditQuery
from xaso.server.web.auditing import action_name
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.keys import ACCOUNTS, AUDIT
from xaso.server.web.tokens import Role

NOW = 1_800_000_000_000
PROXY_SAYS = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7"}  # the proxy added the last


def _entry(at_ms: int, login: str, action: str, *, security: bool = False) -> AuditEntry:
    return AuditEntry(
        at_ms=at_ms,
        actor=Actor(f"u:{login}", login, login.title(), "operator"),
        method="POST",
        route="/api/v1/schedules/{schedule_id}",
        params={"schedule_id": "lt-sang"},
        action=action,
        detail={"note": "Bản tin sáng"},
        address="10.0.0.1",
        status=200,
        security=security,
    )


def test_the_log_is_append_only_and_found_newest_first() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    log = AuditLog(db)
    first = log.append(_entry(NOW, "an", "schedules.update"))
    log.append(_entry(NOW + 1000, "binh", "login.failed", security=True))
    log.append(_entry(NOW + 2000, "an", "account.create"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_log SET login = 'someone else' WHERE seq = ?", (first,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log")
    AuditLog(db)  # opened again: nothing lost, nothing doubled

    def actions(**query: object) -> list[str]:
        return [e.action for e in log.find(AuditQuery(**query))]  # type: ignore[arg-type]

    assert actions() == ["account.create", "login.failed", "schedules.update"]
    assert actions(who="an") == ["account.create", "schedules.update"]
    assert actions(who="Bin") == ["login.failed"]  # a part of the name
    assert actions(action="login") == ["login.failed"]
    assert actions(route="/api/v1/schedules") == actions()
    assert actions(route="/api/v1/users") == []
    assert actions(from_ms=NOW + 1000, to_ms=NOW + 2000) == ["login.failed"]
    assert actions(security_only=True) == ["login.failed"]
    assert actions(limit=1) == ["account.create"]
    assert actions(before=first + 1) == ["schedules.update"]
    [found] = log.find(AuditQuery(before=first + 1))
    assert found == replace(_entry(NOW, "an", "schedules.update"), seq=first)  # every field
    assert found.path == "/api/v1/schedules/lt-sang"
    assert found.detail == {"note": "Bản tin sáng"} and found.actor.name == "An"


@pytest.mark.parametrize(
    ("method", "route", "name"),
    [
        ("POST", "/api/v1/schedules", "schedules.create"),
        ("PATCH", "/api/v1/schedules/{schedule_id}", "schedules.update"),
        ("DELETE", "/api/v1/schedules/{schedule_id}", "schedules.delete"),
        ("POST", "/api/v1/maintenance/{window_id}/approve", "maintenance.approve"),
        ("POST", "/api/v1/broadcasts/silence", "broadcasts.silence"),
        ("DELETE", "/api/v1/broadcasts/silence/{silence_id}", "broadcasts.silence.delete"),
        ("POST", "/admin/users/{login}", "admin.users.update"),
    ],
)
def test_an_action_is_named_after_its_route(method: str, route: str, name: str) -> None:
    assert action_name(method, route) == name


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    """The real app, behind a proxy on this machine that it trusts."""
    store = await SqliteStore.open(":memory:")
    settings = Settings(
        inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path), trusted_proxies="127.0.0.1"
    )
    yield create_app(settings, Deps(store=store, index=small_index(), connect_mqtt=False))
    await store.close()


def _all(app: web.Application) -> list[AuditEntry]:
    return app[AUDIT].find(AuditQuery(limit=500))


async def test_a_change_by_a_session_is_kept_with_who_and_where(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    silence = {"commune": "alpha", "minutes": 30, "reason": "họp thôn"}
    # Reads, refusals and failures change nothing: none is kept.
    assert (await client.get("/api/v1/broadcasts/silences", headers=officer)).status == 200
    no_csrf = {k: v for k, v in officer.items() if k != CSRF_HEADER}
    refused = await client.post("/api/v1/broadcasts/silence", json=silence, headers=no_csrf)
    assert refused.status == 403
    failed = await client.post(
        "/api/v1/broadcasts/silence", json={**silence, "commune": "beta"}, headers=officer
    )
    assert failed.status in (403, 404)
    bad = await client.post("/api/v1/broadcasts/silence", json={"minutes": 5}, headers=officer)
    assert bad.status == 400
    assert _all(app) == []

    taken = await client.post(
        "/api/v1/broadcasts/silence", json=silence, headers={**officer, **PROXY_SAYS}
    )
    assert taken.status == 201, await taken.text()
    silence_id = (await taken.json())["silence"]["id"]
    [entry] = _all(app)
    account = app[ACCOUNTS].all()[0]
    assert entry.actor == Actor(account.subject, account.login, account.display_name, "operator")
    assert (entry.method, entry.route, entry.action) == (
        "POST",
        "/api/v1/broadcasts/silence",
        "broadcasts.silence",
    )
    assert entry.address == "203.0.113.7"  # what the trusted proxy said, not the peer
    assert entry.status == 201 and entry.detail == {"id": silence_id}
    assert not entry.security
    assert abs(entry.at_ms - app[CLOCK_MS]()) < 60_000

    # A program's token is kept under the token's subject; path parameters and query too.
    admin = bearer(app, Role.ADMIN, name="Sở TT&TT")
    lifted = await client.delete(
        f"/api/v1/broadcasts/silence/{silence_id}?reason=xong&token=leak", headers=admin
    )
    assert lifted.status == 200
    latest = _all(app)[0]
    assert latest.actor.subject.startswith("t:") and latest.actor.name == "Sở TT&TT"
    assert latest.actor.login == "" and latest.actor.role == "admin"
    assert latest.action == "broadcasts.silence.delete"
    assert latest.params == {"silence_id": silence_id}
    assert latest.path == f"/api/v1/broadcasts/silence/{silence_id}"
    assert latest.detail == {"query": {"reason": "xong"}}  # no parameter named like a token
    assert latest.address == "127.0.0.1"  # no proxy header: the peer


async def test_logins_are_kept_the_failed_ones_as_security_events_without_the_password(
    client: TestClient, app: web.Application
) -> None:
    app[ACCOUNTS].create("can.bo", PASSWORD, Role.VIEWER, NOW, "Cán bộ")
    wrong = "sai mật khẩu rồi"
    failed = await client.post(
        "/login", data={"login": "Can.Bo", "password": wrong}, headers=PROXY_SAYS
    )
    assert failed.status == 401
    unknown = await client.post("/login", data={"login": "ai-do", "password": wrong})
    assert unknown.status == 401
    signed_in = await client.post(
        "/login", data={"login": "can.bo", "password": PASSWORD}, allow_redirects=False
    )
    assert signed_in.status == 303
    page = await client.get("/")
    csrf = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
    out = await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert out.status == 303

    logout, login, other, first = _all(app)
    assert (first.action, first.security, first.status) == ("login.failed", True, 401)
    assert first.actor == Actor("", "can.bo", "", "") and first.detail == {"login": "Can.Bo"}
    assert first.address == "203.0.113.7"
    assert (other.action, other.actor.login) == ("login.failed", "ai-do")
    account = app[ACCOUNTS].by_login("can.bo")
    assert account is not None
    assert (login.action, login.security, login.actor.subject) == ("login", False, account.subject)
    assert login.actor.name == "Cán bộ" and login.actor.role == "viewer"
    assert (logout.action, logout.actor.subject) == ("logout", account.subject)
    # Neither password is anywhere in the log.
    dump = "\n".join(str(row) for row in app_db_rows(app))
    assert wrong not in dump and PASSWORD not in dump

    # Past the limit (5 since the login) the attempt is refused unchecked: kept too.
    for _ in range(6):
        await client.post("/login", data={"login": "can.bo", "password": wrong})
    assert _all(app)[0].action == "login.refused" and _all(app)[0].security
    assert _all(app)[0].status == 429
    security = await client.get(
        "/api/v1/audit?security=1&limit=500", headers=bearer(app, Role.ADMIN)
    )
    assert all(e["security"] for e in (await security.json())["entries"])


def app_db_rows(app: web.Application) -> list[tuple[object, ...]]:
    return app[DATABASE].connection.execute("SELECT * FROM audit_log").fetchall()


async def test_admins_read_the_log_through_the_api_and_the_page(
    client: TestClient, app: web.Application
) -> None:
    officer = page_cookie(app, Role.OPERATOR, "alpha")
    for minutes in (10, 20, 30):
        response = await client.post(
            "/api/v1/broadcasts/silence",
            json={"commune": "alpha", "minutes": minutes},
            headers=officer,
        )
        assert response.status == 201
    admin = bearer(app, Role.ADMIN)
    for role in (Role.OPERATOR, Role.VIEWER, Role.VERIFIER):
        token = bearer(app, role, "alpha")
        assert (await client.get("/api/v1/audit", headers=token)).status == 403
        page = await client.get("/admin/audit", headers=page_cookie(app, role, "alpha"))
        assert page.status == 403 and page.content_type == "text/html"

    first = await (await client.get("/api/v1/audit?limit=2", headers=admin)).json()
    assert [e["action"] for e in first["entries"]] == ["broadcasts.silence"] * 2
    assert first["entries"][0]["role"] == "operator"
    assert first["entries"][0]["path"] == "/api/v1/broadcasts/silence"
    rest = await (
        await client.get(f"/api/v1/audit?limit=2&before={first['before']}", headers=admin)
    ).json()
    assert len(rest["entries"]) == 1 and rest["before"] is None
    assert rest["entries"][0]["seq"] < first["entries"][-1]["seq"]
    none = await (await client.get("/api/v1/audit?action=account", headers=admin)).json()
    assert none["entries"] == []
    login = first["entries"][0]["login"]
    mine = await (await client.get(f"/api/v1/audit?who={login}", headers=admin)).json()
    assert len(mine["entries"]) == 3
    later = await (await client.get("/api/v1/audit?from=2100-01-01", headers=admin)).json()
    assert later["entries"] == []
    for bad in ("limit=0", "limit=x", "before=-1", "from=yesterday", "security=yes"):
        assert (await client.get(f"/api/v1/audit?{bad}", headers=admin)).status == 400, bad

    page = await client.get("/admin/audit", headers=page_cookie(app, Role.ADMIN))
    html = await page.text()
    assert page.status == 200, html
    assert html.count("POST /api/v1/broadcasts/silence") == 3
    assert "Nhật ký thao tác" in html and "Cán bộ xã" in html
    assert page.headers["Cache-Control"] == "no-store"
    filtered = await client.get(
        f"/admin/audit?who={login}&action=broadcasts&from=2020-01-01&to=2099-12-31",
        headers=page_cookie(app, Role.ADMIN),
    )
    assert (await filtered.text()).count("POST /api/v1/broadcasts/silence") == 3
    empty = await client.get("/admin/audit?action=account", headers=page_cookie(app, Role.ADMIN))
    assert "Không có mục nào." in await empty.text()
    bad_day = await client.get("/admin/audit?from=31/12/2026", headers=page_cookie(app, Role.ADMIN))
    assert bad_day.status == 400 and "Ngày không hợp lệ" in await bad_day.text()
