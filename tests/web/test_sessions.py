"""The page's login: the token is exchanged for a server-side session, whose id is all
the cookie holds; sessions expire, end at logout and with their token."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.messages import SMALL_INVENTORY, small_index
from xaso.server.app import Deps, create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import SETTINGS
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.auth import SESSION_COOKIE
from xaso.server.web.forwarded import parse_trusted_proxies
from xaso.server.web.tokens import Role, TokenStore

START_MS = 1_800_000_000_000
IDLE_S = 600.0
LIFETIME_S = 3600.0


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


def new_token(app: web.Application, role: Role = Role.VIEWER) -> tuple[str, str]:
    """A token and its id."""
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        token = tokens.create(role, frozenset({"alpha"}) if role is Role.OPERATOR else frozenset())
    return token, token.split("_")[1]


async def log_in(client: TestClient, token: str, **headers: str) -> SimpleCookie:
    response = await client.post(
        "/login", data={"token": token}, allow_redirects=False, headers=headers
    )
    assert response.status == 303, await response.text()
    cookies = SimpleCookie()
    for header in response.headers.getall("Set-Cookie"):
        cookies.load(header)
    return cookies


async def page_status(client: TestClient, session_id: str) -> int:
    client.session.cookie_jar.clear()
    response = await client.get(
        "/", headers={"Cookie": f"{SESSION_COOKIE}={session_id}"}, allow_redirects=False
    )
    return response.status


async def test_the_cookie_holds_a_session_id_not_the_token(
    client: TestClient, app: web.Application
) -> None:
    token, _ = new_token(app)
    cookie = (await log_in(client, token))[SESSION_COOKIE]
    assert cookie.value and token not in cookie.value and cookie.value not in token
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == LIFETIME_S
    assert not cookie["secure"]  # plain HTTP, no proxy trusted
    assert await page_status(client, cookie.value) == 200
    # Stored hashed: the database alone opens no page.
    db = sqlite3.connect(app[SETTINGS].database_path)
    dump = "\n".join(db.iterdump())
    db.close()
    assert cookie.value not in dump
    # The old kind of cookie, the token itself, opens nothing any more.
    client.session.cookie_jar.clear()
    response = await client.get(
        "/", headers={"Cookie": f"xaso_token={token}"}, allow_redirects=False
    )
    assert response.status == 303


async def test_a_session_ends_when_idle_and_at_its_lifetime(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    token, _ = new_token(app)
    idle = (await log_in(client, token))[SESSION_COOKIE].value
    clock.advance(IDLE_S + 1)
    assert await page_status(client, idle) == 303
    # Used more often than the idle timeout, it still ends at its lifetime.
    busy = (await log_in(client, token))[SESSION_COOKIE].value
    for _ in range(int(LIFETIME_S // (IDLE_S / 2)) - 1):
        clock.advance(IDLE_S / 2)
        assert await page_status(client, busy) == 200, clock.now_ms - START_MS
    clock.advance(IDLE_S / 2)
    assert await page_status(client, busy) == 303


async def test_logout_ends_the_session_on_the_server(
    client: TestClient, app: web.Application
) -> None:
    token, _ = new_token(app)
    session_id = (await log_in(client, token))[SESSION_COOKIE].value
    response = await client.post(
        "/logout", headers={"Cookie": f"{SESSION_COOKIE}={session_id}"}, allow_redirects=False
    )
    assert response.status == 303 and response.headers["Location"] == "/login"
    assert f"{SESSION_COOKIE}=" in response.headers["Set-Cookie"]  # the browser forgets it
    # A copy of the cookie kept elsewhere opens nothing.
    assert await page_status(client, session_id) == 303


async def test_revoking_the_token_ends_its_sessions(
    client: TestClient, app: web.Application
) -> None:
    token, token_id = new_token(app)
    other, _ = new_token(app)
    ended = (await log_in(client, token))[SESSION_COOKIE].value
    kept = (await log_in(client, other))[SESSION_COOKIE].value
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        assert tokens.revoke(token_id)
    assert await page_status(client, ended) == 303
    assert await page_status(client, kept) == 200


async def test_the_api_stays_bearer_only(client: TestClient, app: web.Application) -> None:
    token, _ = new_token(app)
    session_id = (await log_in(client, token))[SESSION_COOKIE].value
    response = await client.get(
        "/api/v1/devices", headers={"Cookie": f"{SESSION_COOKIE}={session_id}"}
    )
    assert response.status == 401


async def test_an_agent_token_opens_no_page_session(
    client: TestClient, app: web.Application
) -> None:
    token, _ = new_token(app, Role.AGENT)
    response = await client.post("/login", data={"token": token}, allow_redirects=False)
    assert response.status == 401
    assert SESSION_COOKIE not in response.cookies


async def test_forwarded_https_is_believed_only_from_a_trusted_proxy(
    client: TestClient, app: web.Application
) -> None:
    token, _ = new_token(app)
    # The test client connects from 127.0.0.1, which is not trusted here.
    cookie = (await log_in(client, token, **{"X-Forwarded-Proto": "https"}))[SESSION_COOKIE]
    assert not cookie["secure"]


@pytest.mark.parametrize("trusted_proxies", ["10.0.0.0/8, 127.0.0.1"])
async def test_https_through_a_trusted_proxy_makes_the_cookie_secure(
    client: TestClient, app: web.Application
) -> None:
    token, _ = new_token(app)
    cookie = (await log_in(client, token, **{"X-Forwarded-Proto": "https"}))[SESSION_COOKIE]
    assert cookie["secure"]
    # Through the same proxy over plain HTTP: not Secure, or the browser would drop it.
    cookie = (await log_in(client, token, **{"X-Forwarded-Proto": "http"}))[SESSION_COOKIE]
    assert not cookie["secure"]
    # A client before the proxy cannot claim HTTPS: the proxy's own word comes last.
    cookie = (await log_in(client, token, **{"X-Forwarded-Proto": "https, http"}))[SESSION_COOKIE]
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
