"""The real server app for API tests, without a broker, and tokens to call it with."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from tests.messages import SMALL_INVENTORY, small_index
from xaso.inventory import load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import CLOCK_MS, SETTINGS
from xaso.server.monitoring.fleet_state import StateRules
from xaso.server.settings import Settings
from xaso.server.store.base import Store
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.auth import SESSION_COOKIE, session_limits
from xaso.server.web.tokens import Role, TokenStore

# No broker link, so no sweeper to let a will stand its grace: wills count at once.
WILLS_AT_ONCE = StateRules(will_grace_s=0)


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
    """A ``Cookie`` header with a page session of a new token of ``role`` (what a login
    through the form gives), without touching the test client's cookie jar."""
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        token = tokens.create(role, frozenset(communes))
        principal = tokens.authenticate(token)
        assert principal is not None
        session_id = tokens.sessions.open(
            principal.token_id, app[CLOCK_MS](), session_limits(app[SETTINGS])
        )
    return {"Cookie": f"{SESSION_COOKIE}={session_id}"}


def bearer(app: web.Application, role: Role, *communes: str, name: str = "") -> dict[str, str]:
    """Headers with a new token of ``role``, limited to ``communes`` if any, named
    ``name`` (the role's name by default)."""
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        token = tokens.create(role, frozenset(communes), name)
    return {"Authorization": f"Bearer {token}"}
