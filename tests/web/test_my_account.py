"""Tài khoản của tôi (``/account``): a person sets where they get their communes'
alerts; an admin can do it for them from their account page. CSRF as every form, bad
input refused in words with what was typed, the audit log told which addresses changed
(never the addresses)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from xaso.server.alerts.contacts import ContactStore
from xaso.server.keys import DATABASE
from xaso.server.web.audit import AuditQuery
from xaso.server.web.auth import CSRF_HEADER
from xaso.server.web.keys import ACCOUNTS, AUDIT
from xaso.server.web.tokens import Role

FORM = {
    "zalo_phone": "0912 345 678",
    "zalo_user_id": "",
    "sms_phone": "+84 987.654.321",
    "email": "canbo@alpha.example.vn",
    "telegram_chat": "123456789",
}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


def _account_of(app: web.Application, prefix: str) -> str:
    [account] = [a for a in app[ACCOUNTS].all() if a.login.startswith(prefix)]
    return account.id


async def test_an_officer_sets_where_they_get_alerts(
    client: TestClient, app: web.Application
) -> None:
    me = page_cookie(app, Role.OPERATOR, "alpha")
    page = await client.get("/account", headers=me)
    assert page.status == 200
    html = await page.text()
    assert "Tài khoản của tôi" in html and "Xã Alpha" in html
    assert 'name="zalo_phone"' in html and 'name="severities"' in html

    sent = {**FORM, "severities": ["critical", "warning"], "kinds": ["device_down"]}
    saved = await client.post("/account", data=_pairs(sent), headers=me, allow_redirects=False)
    assert saved.status == 303 and saved.headers["Location"] == "/account?done=saved"
    contact = ContactStore(app[DATABASE].connection).get(_account_of(app, "operator-"))
    assert (contact.zalo_phone, contact.sms_phone) == ("84912345678", "84987654321")
    assert contact.severities == {"critical", "warning"}
    assert contact.kinds == {"device_down"}

    again = await (await client.get("/account?done=saved", headers=me)).text()
    assert "Đã lưu nơi nhận cảnh báo." in again
    assert 'value="0912345678"' in again  # as people write it
    [entry] = app[AUDIT].find(AuditQuery(action="account.contact"))
    assert entry.detail["addresses_changed"] == [
        "zalo_phone",
        "sms_phone",
        "email",
        "telegram_chat",
    ]
    assert entry.detail["severities"] == [["critical", "warning", "info"], ["critical", "warning"]]
    dump = str(entry)
    assert "912345678" not in dump and "canbo@alpha" not in dump
    admin = page_cookie(app, Role.ADMIN)
    log = await (await client.get("/admin/audit", headers=admin)).text()
    assert "Đổi nơi nhận cảnh báo" in log


async def test_a_bad_number_is_refused_in_words_and_nothing_is_kept(
    client: TestClient, app: web.Application
) -> None:
    me = page_cookie(app, Role.VIEWER)
    sent = {**FORM, "sms_phone": "12345", "severities": ["critical"]}
    refused = await client.post("/account", data=_pairs(sent), headers=me)
    assert refused.status == 400
    html = await refused.text()
    assert "Số điện thoại không đúng" in html
    assert 'value="12345"' in html and 'aria-invalid="true"' in html
    assert ContactStore(app[DATABASE].connection).all() == {}
    assert app[AUDIT].find(AuditQuery(action="account.contact")) == []


async def test_without_the_csrf_token_nothing_changes(
    client: TestClient, app: web.Application
) -> None:
    me = page_cookie(app, Role.OPERATOR, "alpha")
    without = {k: v for k, v in me.items() if k != CSRF_HEADER}
    refused = await client.post("/account", data=FORM, headers=without)
    assert refused.status == 403
    assert ContactStore(app[DATABASE].connection).all() == {}


async def test_a_token_has_no_account_page(client: TestClient, app: web.Application) -> None:
    response = await client.get("/account", headers=bearer(app, Role.ADMIN))
    assert response.status == 403


async def test_an_admin_sets_it_for_an_officer(client: TestClient, app: web.Application) -> None:
    officer = page_cookie(app, Role.OPERATOR, "beta")
    login = next(a.login for a in app[ACCOUNTS].all() if a.login.startswith("operator-"))
    admin = page_cookie(app, Role.ADMIN)
    page = await (await client.get(f"/admin/users/{login}", headers=admin)).text()
    assert f'action="/admin/users/{login}/contact"' in page
    sent = {**FORM, "severities": ["critical"], "kinds": ["device_down"]}
    done = await client.post(
        f"/admin/users/{login}/contact", data=_pairs(sent), headers=admin, allow_redirects=False
    )
    assert done.status == 303
    assert done.headers["Location"] == f"/admin/users/{login}?done=contact"
    mine = await (await client.get("/account", headers=officer)).text()
    assert 'value="canbo@alpha.example.vn"' in mine
    # Only an admin may.
    other = await client.post(f"/admin/users/{login}/contact", data=_pairs(sent), headers=officer)
    assert other.status == 403
    bad = await client.post(
        f"/admin/users/{login}/contact", data=_pairs({**sent, "email": "x@"}), headers=admin
    )
    assert bad.status == 400 and "Địa chỉ thư điện tử không đúng." in await bad.text()


def _pairs(form: dict[str, object]) -> list[tuple[str, str]]:
    """Form fields as a browser posts them: a list's items as repeated fields."""
    pairs: list[tuple[str, str]] = []
    for name, value in form.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, str(item)))
    return pairs
