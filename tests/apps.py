"""The real server app for API tests, without a broker or with a real one, and tokens to
call it with."""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.messages import SMALL_INVENTORY, small_index
from xaso.inventory import load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import CLOCK_MS, SETTINGS
from xaso.server.monitoring.fleet_state import StateRules
from xaso.server.settings import Settings
from xaso.server.store.base import Store
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.accounts import AccountStore
from xaso.server.web.auth import CSRF_HEADER, SESSION_COOKIE, session_limits
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.sessions import SessionStore
from xaso.server.web.tokens import Role, TokenStore

# No broker link, so no sweeper to let a will stand its grace: wills count at once.
WILLS_AT_ONCE = StateRules(will_grace_s=0)
PASSWORD = "correct horse battery"  # every account the tests make


def broker_settings(tmp_path: Path, mqtt_url: str, **changes: object) -> Settings:
    """The small inventory on SQLite, against a real broker, with a session of its own."""
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mqtt_url,
        store=f"sqlite:///{tmp_path / 'timeseries.db'}",
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
    )
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


def small_deps(store: Store, clock_ms: Callable[[], int] | None = None) -> Deps:
    """What a test app on the small inventory, without a broker, is handed."""
    deps = Deps(store=store, index=small_index(), connect_mqtt=False, state_rules=WILLS_AT_ONCE)
    if clock_ms is not None:
        deps.clock_ms = clock_ms
    return deps


@contextlib.asynccontextmanager
async def app_without_broker(
    data_dir: Path,
    inventory: Path = SMALL_INVENTORY,
    store: Store | None = None,
    clock_ms: Callable[[], int] | None = None,
) -> AsyncIterator[web.Application]:
    """create_app on the given inventory, an in-memory SQLite store unless one is given,
    the wall clock unless one is given."""
    own_store = store is None
    used = store if store is not None else await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(inventory), data_dir=str(data_dir))
    index = load_inventory(inventory).index()
    try:
        deps = Deps(store=used, index=index, connect_mqtt=False)
        if clock_ms is not None:
            deps.clock_ms = clock_ms
        yield create_app(settings, deps)
    finally:
        if own_store:
            await used.close()


def page_cookie(app: web.Application, role: Role, *communes: str) -> dict[str, str]:
    """Headers of a browser signed in to a new account of ``role`` (what the login form
    gives): its session cookie, and its CSRF token as the header htmx sends, without
    touching the test client's cookie jar."""
    now_ms = app[CLOCK_MS]()
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        account = AccountStore(server_db.connection).create(
            f"{role}-{secrets.token_hex(3)}", PASSWORD, role, now_ms, communes=frozenset(communes)
        )
        sessions = SessionStore(server_db.connection)
        session_id = sessions.open(account.subject, now_ms, session_limits(app[SETTINGS]))
        live = sessions.lookup(session_id, now_ms, session_limits(app[SETTINGS]))
    assert live is not None
    return {"Cookie": f"{SESSION_COOKIE}={session_id}", CSRF_HEADER: live.csrf_token}


async def sign_in(client: TestClient, role: Role, *communes: str) -> None:
    """Sign ``client`` in through the login form, as a new account of ``role``: its cookie
    jar then holds the session, as a browser's would."""
    app = client.app
    assert app is not None
    login = f"{role}-{secrets.token_hex(3)}"
    app[ACCOUNTS].create(login, PASSWORD, role, app[CLOCK_MS](), communes=frozenset(communes))
    response = await client.post(
        "/login", data={"login": login, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 303, await response.text()


def bearer(app: web.Application, role: Role, *communes: str, name: str = "") -> dict[str, str]:
    """Headers with a new token of ``role``, limited to ``communes`` if any, named
    ``name`` (the role's name by default)."""
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        token = tokens.create(role, frozenset(communes), name)
    return {"Authorization": f"Bearer {token}"}
