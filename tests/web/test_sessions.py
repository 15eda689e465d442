"""Signing in with a login name and a password: a server-side session, whose id is all
the cookie holds, for the pages and the API alike; its CSRF token on every change;
sessions expire, end at logout and when the account is disabled; wrong passwords are
throttled."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from yarl import URL

from tests.messages import SMALL_INVENTORY, small_index
from xaso.server.app import Deps, create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import SETTINGS
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.accounts import AccountStore
from xaso.server.web.auth import CSRF_HEADER, SESSION_COOKIE
from xaso.server.web.forwarded import parse_trusted_proxies
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role, TokenStore

START_MS = 1_800_000_000_000
IDLE_S = 600.0
LIFETIME_S = 3600.0
LOGIN = "nguyen.van.a"
PASSWORD = "mật khẩu đủ dài"


class Clock:
    def __init__(self) -> None:
        self.now_ms = START_MS

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def trusted_proxies() -> str | None:
    return None


@pytest.fixture
async def app(
    tmp_path: Path, clock: Clock, trusted_proxies: str | None
) -> AsyncIterator[web.Application]:
    store = await SqliteStore.open(":memory:")
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        data_dir=str(tmp_path),
        session_idle_timeout_s=IDLE_S,
        session_lifetime_s=LIFETIME_S,
        trusted_proxies=trusted_proxies,
    )
    yield create_app(
        settings, Deps(store=store, index=small_index(), clock_ms=clock, connect_mqtt=False)
    )
    await store.close()


def new_account(app: web.Application, role: Role = Role.VIEWER, login: str = LOGIN) -> AccountStore:
    accounts = app[ACCOUNTS]
    communes = frozenset({"alpha"}) if role is Role.OPERATOR else frozenset()
    accounts.create(login, PASSWORD, role, START_MS, "Nguyễn Văn A", communes)
    return accounts


async def log_in(
    client: TestClient, login: str = LOGIN, password: str = PASSWORD, **headers: str
) -> SimpleCookie:
    response = await try_login(client, login, password, **headers)
    assert response.status == 303, await response.text()
    cookies = SimpleCookie()
    for header in response.headers.getall("Set-Cookie"):
        cookies.load(header)
    return cookies


async def try_login(
    client: TestClient, login: str = LOGIN, password: str = PASSWORD, **headers: str
) -> ClientResponse:
    client.session.cookie_jar.clear()
    return await client.post(
        "/login",
        data={"login": login, "password": password, "next": "/"},
        allow_redirects=False,
        headers=headers,
    )


def as_browser(session_id: str, csrf: str | None = None) -> dict[str, str]:
    headers = {"Cookie": f"{SESSION_COOKIE}={session_id}"}
    if csrf is not None:
        headers[CSRF_HEADER] = csrf
    return headers


async def page_status(client: TestClient, session_id: str) -> int:
    client.session.cookie_jar.clear()
    response = await client.get("/", headers=as_browser(session_id), allow_redirects=False)
    return response.status


async def csrf_of(client: TestClient, session_id: str) -> str:
    """The CSRF token the page gives its forms."""
    client.session.cookie_jar.clear()
    html = await (await client.get("/", headers=as_browser(session_id))).text()
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def test_the_cookie_holds_a_session_id_not_the_password(
    client: TestClient, app: web.Application
) -> None:
    new_account(app)
    cookie = (await log_in(client))[SESSION_COOKIE]
    assert cookie.value and PASSWORD not in cookie.value
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == LIFETIME_S
    assert not cookie["secure"]  # plain HTTP, no proxy trusted
    assert await page_status(client, cookie.value) == 200
    # Stored hashed, and the password only as its Argon2 hash: the database alone opens
    # no page.
    db = sqlite3.connect(app[SETTINGS].database_path)
    dump = "\n".join(db.iterdump())
    db.close()
    assert cookie.value not in dump and PASSWORD not in dump and "$argon2id$" in dump


async def test_a_wrong_password_and_an_unknown_login_look_the_same(
    client: TestClient, app: web.Application
) -> None:
    new_account(app)
    wrong = await try_login(client, password="not the password")
    unknown = await try_login(client, login="nobody")
    assert wrong.status == unknown.status == 401
    assert SESSION_COOKIE not in wrong.cookies and SESSION_COOKIE not in unknown.cookies
    assert "không đúng" in await wrong.text()
    # Logins are not case-sensitive; passwords are.
    assert (await try_login(client, login=LOGIN.upper())).status == 303
    assert (await try_login(client, password=PASSWORD.upper())).status == 401


async def test_wrong_passwords_make_a_login_wait(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    new_account(app)
    new_account(app, login="other")
    for _ in range(5):
        assert (await try_login(client, password="guess")).status == 401
    # Now even the right password waits, and the page says how long.
    waiting = await try_login(client)
    assert waiting.status == 429
    assert 0 < int(waiting.headers["Retry-After"]) <= 900
    assert "thử lại sau 15 phút" in (await waiting.text()).lower()
    # Another login from the same address is not held up by it.
    assert (await try_login(client, login="other")).status == 303
    clock.advance(15 * 60)
    assert (await try_login(client)).status == 303


async def test_one_address_cannot_try_every_login(client: TestClient, app: web.Application) -> None:
    new_account(app)
    for n in range(30):
        assert (await try_login(client, login=f"guess{n}", password="x")).status == 401
    assert (await try_login(client)).status == 429


async def test_a_session_ends_when_idle_and_at_its_lifetime(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    new_account(app)
    idle = (await log_in(client))[SESSION_COOKIE].value
    clock.advance(IDLE_S + 1)
    assert await page_status(client, idle) == 303
    # Used more often than the idle timeout, it still ends at its lifetime.
    busy = (await log_in(client))[SESSION_COOKIE].value
    for _ in range(int(LIFETIME_S // (IDLE_S / 2)) - 1):
        clock.advance(IDLE_S / 2)
        assert await page_status(client, busy) == 200, clock.now_ms - START_MS
    clock.advance(IDLE_S / 2)
    assert await page_status(client, busy) == 303


async def test_logout_ends_the_session_on_the_server(
    client: TestClient, app: web.Application
) -> None:
    new_account(app)
    session_id = (await log_in(client))[SESSION_COOKIE].value
    csrf = await csrf_of(client, session_id)
    # The page's form sends its token as a field (no JavaScript needed).
    response = await client.post(
        "/logout",
        data={"csrf_token": csrf},
        headers=as_browser(session_id),
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/login"
    assert f"{SESSION_COOKIE}=" in response.headers["Set-Cookie"]  # the browser forgets it
    # A copy of the cookie kept elsewhere opens nothing.
    assert await page_status(client, session_id) == 303


async def test_a_change_without_the_csrf_token_is_refused(
    client: TestClient, app: web.Application
) -> None:
    new_account(app)
    session_id = (await log_in(client))[SESSION_COOKIE].value
    for headers, data in (
        (as_browser(session_id), {}),  # none
        (as_browser(session_id, csrf="forged"), {}),  # a wrong one
        (as_browser(session_id), {"csrf_token": "forged"}),
    ):
        client.session.cookie_jar.clear()
        response = await client.post("/logout", headers=headers, data=data, allow_redirects=False)
        assert response.status == 403
    assert await page_status(client, session_id) == 200  # still signed in


async def test_the_session_opens_the_api_and_its_changes_need_the_csrf_token(
    client: TestClient, app: web.Application
) -> None:
    new_account(app, Role.OPERATOR)
    session_id = (await log_in(client))[SESSION_COOKIE].value
    client.session.cookie_jar.clear()
    response = await client.get("/api/v1/devices", headers=as_browser(session_id))
    assert response.status == 200
    assert {d["commune"] for d in (await response.json())["devices"]} == {"alpha"}
    silence = {"commune": "alpha", "reason": "thử"}
    refused = await client.post(
        "/api/v1/broadcasts/silence", json=silence, headers=as_browser(session_id)
    )
    assert refused.status == 403 and "CSRF" in (await refused.json())["error"]
    csrf = await csrf_of(client, session_id)
    client.session.cookie_jar.clear()
    taken = await client.post(
        "/api/v1/broadcasts/silence", json=silence, headers=as_browser(session_id, csrf)
    )
    assert taken.status in (200, 201), await taken.text()
    silence_id = (await taken.json())["silence"]["id"]
    # A bearer token needs no CSRF token: a browser never sends one on its own.
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        token = TokenStore(server_db.connection).create(Role.ADMIN)
    client.session.cookie_jar.clear()
    lifted = await client.delete(
        f"/api/v1/broadcasts/silence/{silence_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert lifted.status == 200, await lifted.text()


async def test_disabling_an_account_ends_its_sessions_at_once(
    client: TestClient, app: web.Application
) -> None:
    accounts = new_account(app)
    new_account(app, login="other")
    ended = (await log_in(client))[SESSION_COOKIE].value
    kept = (await log_in(client, login="other"))[SESSION_COOKIE].value
    account = accounts.by_login(LOGIN)
    assert account is not None
    accounts.set_disabled(account.id, True, START_MS)
    assert await page_status(client, ended) == 303
    assert await page_status(client, kept) == 200
    assert (await try_login(client)).status == 401
    # Enabled again, the old session stays ended: a new login is needed.
    accounts.set_disabled(account.id, False, START_MS)
    assert await page_status(client, ended) == 303
    assert (await try_login(client)).status == 303


@pytest.mark.parametrize(
    ("asked", "landing"),
    [
        ("/indicators?period=2026-Q3", "/indicators?period=2026-Q3"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
async def test_signing_in_goes_back_where_the_user_was_going_on_this_server_only(
    client: TestClient, app: web.Application, asked: str, landing: str
) -> None:
    new_account(app)
    response = await client.post(
        "/login",
        data={"login": LOGIN, "password": PASSWORD, "next": asked},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == landing


async def test_a_page_asked_for_signed_out_comes_back_after_the_login(
    client: TestClient, app: web.Application
) -> None:
    response = await client.get("/indicators?period=2026-Q3", allow_redirects=False)
    assert response.status == 303
    location = URL(response.headers["Location"])
    assert location.path == "/login" and location.query["next"] == "/indicators?period=2026-Q3"
    form = await (await client.get(response.headers["Location"])).text()
    assert 'name="next" value="/indicators?period=2026-Q3"' in form


async def test_forwarded_https_is_believed_only_from_a_trusted_proxy(
    client: TestClient, app: web.Application
) -> None:
    new_account(app)
    # The test client connects from 127.0.0.1, which is not trusted here.
    cookie = (await log_in(client, **{"X-Forwarded-Proto": "https"}))[SESSION_COOKIE]
    assert not cookie["secure"]


@pytest.mark.parametrize("trusted_proxies", ["10.0.0.0/8, 127.0.0.1"])
async def test_https_through_a_trusted_proxy_makes_the_cookie_secure(
    client: TestClient, app: web.Application
) -> None:
    new_account(app)
    cookie = (await log_in(client, **{"X-Forwarded-Proto": "https"}))[SESSION_COOKIE]
    assert cookie["secure"]
    # Through the same proxy over plain HTTP: not Secure, or the browser would drop it.
    cookie = (await log_in(client, **{"X-Forwarded-Proto": "http"}))[SESSION_COOKIE]
    assert not cookie["secure"]
    # A client before the proxy cannot claim HTTPS: the proxy's own word comes last.
    cookie = (await log_in(client, **{"X-Forwarded-Proto": "https, http"}))[SESSION_COOKIE]
    assert not cookie["secure"]


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert [str(n) for n in parse_trusted_proxies("127.0.0.1, ::1,10.1.0.0/16")] == [
        "127.0.0.1/32",
        "::1/128",
        "10.1.0.0/16",
    ]
    assert parse_trusted_proxies(None) == ()
    with pytest.raises(ValueError, match=r"proxy\.example"):
        parse_trusted_proxies("127.0.0.1,proxy.example")


def test_a_bad_trusted_proxy_stops_the_server_at_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from xaso.server.main import run_server

    assert run_server(Settings(trusted_proxies="127.0.0.1,proxy.example")) == 2
    assert "'proxy.example' is not an IP address" in capsys.readouterr().err
