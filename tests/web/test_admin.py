"""Admins manage accounts and API tokens, through the API and the pages alike: only
admins, a session's changes with its CSRF token, refusals in words (Vietnamese on the
pages), an admin never disabling themselves nor the last admin going, the audit log
told what changed and never a password or a token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import PASSWORD, app_without_broker, bearer, page_cookie
from xaso.server.keys import DATABASE
from xaso.server.web.audit import AuditQuery
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.keys import ACCOUNTS, AUDIT
from xaso.server.web.tokens import Role

NEW_PASSWORD = "một mật khẩu mới thật dài"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


def _audit_dump(app: web.Application) -> str:
    rows = app[DATABASE].connection.execute("SELECT * FROM audit_log").fetchall()
    return "\n".join(str(row) for row in rows)


def _actions(app: web.Application) -> list[str]:
    return [e.action for e in reversed(app[AUDIT].find(AuditQuery(limit=500)))]


async def test_admins_manage_accounts_through_the_api(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN, name="Sở")
    made = await client.post(
        "/api/v1/users",
        json={
            "login": "CanBo.Alpha",
            "password": PASSWORD,
            "role": "operator",
            "name": "Cán bộ Alpha",
            "communes": ["alpha"],
        },
        headers=admin,
    )
    assert made.status == 201, await made.text()
    account = await made.json()
    assert (account["login"], account["role"], account["communes"]) == (
        "canbo.alpha",
        "operator",
        ["alpha"],
    )
    assert account["enabled"] and account["last_login"] is None and "password" not in account
    listed = await (await client.get("/api/v1/users", headers=admin)).json()
    assert [u["login"] for u in listed["users"]] == ["canbo.alpha"]

    changed = await client.patch(
        "/api/v1/users/canbo.alpha",
        json={"role": "viewer", "communes": ["alpha", "beta"]},
        headers=admin,
    )
    assert changed.status == 200, await changed.text()
    assert (await changed.json())["communes"] == ["alpha", "beta"]
    assert (await changed.json())["name"] == "Cán bộ Alpha"  # what was not sent stays

    login = {"login": "canbo.alpha", "password": PASSWORD}
    signed_in = await client.post("/login", data=login, allow_redirects=False)
    assert signed_in.status == 303
    client.session.cookie_jar.clear()
    reset = await client.post(
        "/api/v1/users/canbo.alpha/password", json={"password": NEW_PASSWORD}, headers=admin
    )
    assert reset.status == 204
    assert (await client.post("/login", data=login, allow_redirects=False)).status == 401
    new_login = {**login, "password": NEW_PASSWORD}
    assert (await client.post("/login", data=new_login, allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()

    disabled = await client.post("/api/v1/users/canbo.alpha/disable", headers=admin)
    assert disabled.status == 200 and not (await disabled.json())["enabled"]
    assert (await client.post("/login", data=new_login, allow_redirects=False)).status == 401
    again = await client.post("/api/v1/users/canbo.alpha/disable", headers=admin)
    assert again.status == 200
    assert app[AUDIT].find(AuditQuery(limit=1))[0].detail == {
        "login": "canbo.alpha",
        "unchanged": True,
    }
    enabled = await client.post("/api/v1/users/canbo.alpha/enable", headers=admin)
    assert (await enabled.json())["enabled"]

    assert _actions(app) == [
        "account.create",
        "account.update",
        "login",
        "account.password",
        "login.failed",  # the old password
        "login",
        "account.disable",
        "login.failed",  # disabled
        "account.disable",  # already
        "account.enable",
    ]
    # Newest first: each action keeps its first entry.
    entries = {e.action: e for e in app[AUDIT].find(AuditQuery(action="account"))}
    assert entries["account.create"].detail == {
        "id": account["id"],
        "login": "canbo.alpha",
        "name": "Cán bộ Alpha",
        "role": "operator",
        "communes": ["alpha"],
    }
    assert entries["account.update"].detail == {
        "login": "canbo.alpha",
        "changed": {"role": ["operator", "viewer"], "communes": [["alpha"], ["alpha", "beta"]]},
    }
    assert entries["account.update"].route == "/api/v1/users/{login}"
    assert entries["account.update"].params == {"login": "canbo.alpha"}
    assert entries["account.password"].detail == {"login": "canbo.alpha"}
    assert entries["account.disable"].detail == {"login": "canbo.alpha"}
    assert PASSWORD not in _audit_dump(app) and NEW_PASSWORD not in _audit_dump(app)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"login": "a", "password": PASSWORD, "role": "viewer"}, "login_format"),
        ({"login": "ngan", "password": "ngắn", "role": "viewer"}, "password_short"),
        ({"login": "op", "password": PASSWORD, "role": "operator"}, "operator_communes"),
        ({"login": "gw", "password": PASSWORD, "role": "agent"}, "role"),
        ({"login": "x1", "password": PASSWORD, "role": "viewer", "communes": ["zeta"]}, "commune"),
    ],
)
async def test_an_account_that_cannot_be_made_says_why(
    client: TestClient, app: web.Application, body: dict[str, object], code: str
) -> None:
    response = await client.post("/api/v1/users", json=body, headers=bearer(app, Role.ADMIN))
    assert response.status == 400
    assert (await response.json())["code"] == code
    assert app[ACCOUNTS].count() == 0 and _actions(app) == []


async def test_the_api_refuses_what_it_does_not_know(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    body = {"login": "an", "password": PASSWORD, "role": "viewer"}
    assert (await client.post("/api/v1/users", json=body, headers=admin)).status == 201
    again = await client.post("/api/v1/users", json=body, headers=admin)
    assert again.status == 400 and (await again.json())["code"] == "login_taken"
    extra = await client.post("/api/v1/users", json={**body, "admin": True}, headers=admin)
    assert extra.status == 400
    assert (await client.patch("/api/v1/users/nobody", json={}, headers=admin)).status == 404
    assert (await client.delete("/api/v1/tokens/nothing", headers=admin)).status == 404


async def test_an_admin_keeps_themselves_and_the_last_admin(
    client: TestClient, app: web.Application
) -> None:
    me = page_cookie(app, Role.ADMIN)
    my_login = app[ACCOUNTS].all()[0].login
    own = await client.post(f"/api/v1/users/{my_login}/disable", headers=me)
    assert own.status == 409 and (await own.json())["code"] == "self_disable"
    # A token may not take the last admin account away either.
    token = bearer(app, Role.ADMIN)
    gone = await client.post(f"/api/v1/users/{my_login}/disable", headers=token)
    assert gone.status == 409 and (await gone.json())["code"] == "last_admin"
    demoted = await client.patch(f"/api/v1/users/{my_login}", json={"role": "viewer"}, headers=me)
    assert demoted.status == 409 and (await demoted.json())["code"] == "last_admin"
    # With a second admin, the first may be demoted (by itself, too).
    second = {"login": "admin2", "password": PASSWORD, "role": "admin"}
    assert (await client.post("/api/v1/users", json=second, headers=me)).status == 201
    assert (await client.post("/api/v1/users/admin2/disable", headers=me)).status == 200
    still = await client.patch(f"/api/v1/users/{my_login}", json={"role": "viewer"}, headers=me)
    assert still.status == 409  # admin2 is disabled: this is still the last enabled one
    assert (await client.post("/api/v1/users/admin2/enable", headers=me)).status == 200
    fine = await client.patch(f"/api/v1/users/{my_login}", json={"role": "viewer"}, headers=me)
    assert fine.status == 200


async def test_admins_make_and_revoke_tokens_shown_once(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    made = await client.post(
        "/api/v1/tokens",
        json={"role": "agent", "name": "Gateway Alpha", "communes": ["alpha"]},
        headers=admin,
    )
    assert made.status == 201, await made.text()
    assert made.headers["Cache-Control"] == "no-store"
    token = await made.json()
    secret = token["token"]
    assert secret.startswith("xaso_" + token["id"] + "_")
    gateway = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/content/" + "0" * 64, headers=gateway)).status == 404
    listed = await (await client.get("/api/v1/tokens", headers=admin)).json()
    mine = next(t for t in listed["tokens"] if t["id"] == token["id"])
    assert mine["last_used"] is not None and mine["revoked"] is None and "token" not in mine
    assert secret not in await (await client.get("/api/v1/tokens", headers=admin)).text()

    assert (await client.delete(f"/api/v1/tokens/{token['id']}", headers=admin)).status == 204
    assert (await client.get("/api/v1/content/" + "0" * 64, headers=gateway)).status == 401
    operator = await client.post("/api/v1/tokens", json={"role": "operator"}, headers=admin)
    assert (await operator.json())["code"] == "operator_communes"

    entries = {e.action: e for e in app[AUDIT].find(AuditQuery(action="token"))}
    assert entries["token.create"].detail == {
        "id": token["id"],
        "token_id": token["id"],
        "name": "Gateway Alpha",
        "role": "agent",
        "communes": ["alpha"],
    }
    assert entries["token.revoke"].detail == {"token_id": token["id"], "name": "Gateway Alpha"}
    # The random part whole (it may hold "_" itself, so not split on it).
    random_part = secret.removeprefix("xaso_" + token["id"] + "_")
    assert secret not in _audit_dump(app) and random_part not in _audit_dump(app)


ADMIN_ROUTES = [
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("PATCH", "/api/v1/users/someone"),
    ("POST", "/api/v1/users/someone/password"),
    ("POST", "/api/v1/users/someone/disable"),
    ("POST", "/api/v1/users/someone/enable"),
    ("GET", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/abcd"),
    ("GET", "/api/v1/audit"),
]
ADMIN_PAGES = [
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("GET", "/admin/users/someone"),
    ("POST", "/admin/users/someone"),
    ("POST", "/admin/users/someone/password"),
    ("POST", "/admin/users/someone/disable"),
    ("POST", "/admin/users/someone/enable"),
    ("GET", "/admin/tokens"),
    ("POST", "/admin/tokens"),
    ("POST", "/admin/tokens/abcd/revoke"),
    ("GET", "/admin/audit"),
]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VERIFIER, Role.VIEWER])
async def test_only_admins_may(client: TestClient, app: web.Application, role: Role) -> None:
    token = bearer(app, role, "alpha")
    session = page_cookie(app, role, "alpha")
    for method, path in ADMIN_ROUTES:
        for headers in (token, session):
            response = await client.request(method, path, json={}, headers=headers)
            assert response.status == 403, (method, path)
            assert response.content_type == "application/json"
    for method, path in ADMIN_PAGES:
        response = await client.request(method, path, headers=session)
        assert response.status == 403, (method, path)
        assert "Không có quyền" in await response.text()
    page = await client.get("/", headers=session)
    assert 'href="/admin/users"' not in await page.text()  # nor in its menu
    assert _actions(app) == []


async def test_a_session_changes_nothing_without_its_csrf_token(
    client: TestClient, app: web.Application
) -> None:
    session = page_cookie(app, Role.ADMIN)
    without = {k: v for k, v in session.items() if k != CSRF_HEADER}
    body = {"login": "an", "password": PASSWORD, "role": "viewer"}
    assert (await client.post("/api/v1/users", json=body, headers=without)).status == 403
    form = await client.post("/admin/users", data=body, headers=without, allow_redirects=False)
    assert form.status == 403
    assert app[ACCOUNTS].by_login("an") is None
    assert (await client.post("/api/v1/users", json=body, headers=session)).status == 201


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_the_accounts_pages(client: TestClient, app: web.Application) -> None:
    admin = page_cookie(app, Role.ADMIN)
    cookie = {"Cookie": admin["Cookie"]}  # forms send their token as a field
    page = await client.get("/admin/users", headers=cookie)
    html = await page.text()
    assert page.status == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'href="/admin/users"' in html and "Quản trị" in html  # the menu's entry
    assert "Xã Alpha (alpha)" in html and "Quản trị viên" in html
    csrf = _csrf(html)

    # A refusal is the form again, in words, with what was typed (not the password).
    short = {
        "csrf_token": csrf,
        "login": "canbo.alpha",
        "name": "Cán bộ Alpha",
        "role": "operator",
        "password": "ngắn",
    }
    refused = await client.post("/admin/users", data=short, headers=cookie)
    html = await refused.text()
    assert refused.status == 400
    assert "Mật khẩu phải có ít nhất 10 ký tự." in html
    assert 'value="canbo.alpha"' in html and "ngắn" not in html
    no_commune = await client.post(
        "/admin/users", data={**short, "password": PASSWORD}, headers=cookie
    )
    assert "Cán bộ xã phải được giao ít nhất một xã / phường." in await no_commune.text()
    english = await client.post(
        "/admin/users?lang=en", data={**short, "password": PASSWORD}, headers=cookie
    )
    assert "A commune officer needs at least one commune." in await english.text()
    await client.get("/admin/users?lang=vi", headers=cookie)  # the language is remembered

    made = await client.post(
        "/admin/users",
        data={**short, "password": PASSWORD, "communes": "alpha"},
        headers=cookie,
        allow_redirects=False,
    )
    assert made.status == 303
    assert made.headers["Location"] == "/admin/users/canbo.alpha?done=created"
    account = await client.get(made.headers["Location"], headers=cookie)
    html = await account.text()
    assert "Đã tạo tài khoản." in html and "Cán bộ xã" in html and "Xã Alpha" in html

    changed = await client.post(
        "/admin/users/canbo.alpha",
        data={"csrf_token": csrf, "name": "Chị Alpha", "role": "operator", "communes": "beta"},
        headers=cookie,
        allow_redirects=False,
    )
    assert changed.headers["Location"] == "/admin/users/canbo.alpha?done=updated"
    made_account = app[ACCOUNTS].by_login("canbo.alpha")
    assert made_account is not None
    assert made_account.display_name == "Chị Alpha" and made_account.communes == {"beta"}

    reset = await client.post(
        "/admin/users/canbo.alpha/password",
        data={"csrf_token": csrf, "password": NEW_PASSWORD},
        headers=cookie,
        allow_redirects=False,
    )
    assert reset.headers["Location"].endswith("?done=password")
    disabled = await client.post(
        "/admin/users/canbo.alpha/disable",
        data={"csrf_token": csrf},
        headers=cookie,
        allow_redirects=False,
    )
    assert disabled.headers["Location"].endswith("?done=disabled")
    html = await (await client.get("/admin/users", headers=cookie)).text()
    assert "Đã khóa từ" in html

    my_login = next(a.login for a in app[ACCOUNTS].all() if a.role is Role.ADMIN)
    own = await client.get(f"/admin/users/{my_login}", headers=cookie)
    html = await own.text()
    assert "bạn không thể tự khóa" in html and f"/admin/users/{my_login}/disable" not in html
    self_disable = await client.post(
        f"/admin/users/{my_login}/disable", data={"csrf_token": csrf}, headers=cookie
    )
    assert self_disable.status == 409
    assert "Bạn không thể tự khóa tài khoản của mình." in await self_disable.text()
    assert (await client.get("/admin/users/nobody", headers=cookie)).status == 404

    assert _actions(app) == [
        "account.create",
        "account.update",
        "account.password",
        "account.disable",
    ]
    audit = await (await client.get("/admin/audit", headers=cookie)).text()
    assert "Vai trò: Cán bộ xã" in audit  # the new account's role, in words
    assert "Xã / phường: alpha → beta" in audit and "Tên: Cán bộ Alpha → Chị Alpha" in audit
    assert '<a href="/admin/users" aria-current="page">Quản trị</a>' in audit
    for entry in app[AUDIT].find(AuditQuery()):
        assert entry.route.startswith("/admin/users") and entry.status == 303
    assert PASSWORD not in _audit_dump(app) and NEW_PASSWORD not in _audit_dump(app)


async def test_the_tokens_page_shows_a_new_token_once(
    client: TestClient, app: web.Application
) -> None:
    admin = page_cookie(app, Role.ADMIN)
    html = await (await client.get("/admin/tokens", headers=admin)).text()
    assert "Mã truy cập API" in html and "Gateway (bộ điều khiển trung tâm)" in html
    made = await client.post(
        "/admin/tokens",
        data={"name": "Gateway Beta", "role": "agent", "communes": "beta"},
        headers=admin,
    )
    html = await made.text()
    assert made.status == 200 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(xaso_[^"]+)"', html)
    assert secret is not None and "chỉ hiện một lần" in html
    listed = await (await client.get("/admin/tokens", headers=admin)).text()
    assert "Gateway Beta" in listed and secret.group(1) not in listed
    token_id = secret.group(1).split("_")[1]
    revoked = await client.post(
        f"/admin/tokens/{token_id}/revoke", headers=admin, allow_redirects=False
    )
    assert revoked.headers["Location"] == "/admin/tokens?done=revoked"
    listed = await (await client.get("/admin/tokens?done=revoked", headers=admin)).text()
    assert "Đã thu hồi mã" in listed and "Đã thu hồi từ" in listed
    refused = await client.post("/admin/tokens", data={"role": "operator"}, headers=admin)
    assert refused.status == 400 and "Cán bộ xã phải được giao" in await refused.text()
    assert _actions(app) == ["token.create", "token.revoke"]
    assert secret.group(1) not in _audit_dump(app)
