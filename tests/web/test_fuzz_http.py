"""Every route of the real app, under random and extreme input, answers a clear 4xx (or
503 for what is down), never a 500.

The routes are read from ``app.router``, so a route added later is fuzzed too. Hypothesis
runs inside the test with an event loop of its own: the app is built once, and each
example is one request through aiohttp's test client.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from aiohttp import hdrs, web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.apps import PASSWORD
from tests.messages import SMALL_INVENTORY
from xaso.inventory import load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.database import ServerDatabase
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role, TokenStore

# A few seconds for the whole app; XASO_FUZZ_EXAMPLES=1000 searches deeper.
EXAMPLES_PER_ROUTE = int(os.environ.get("XASO_FUZZ_EXAMPLES", "40"))
# What a request may be answered with: anything the caller can act on, and 503 for
# what is down (here: /healthz, whose broker link never comes up).
ALLOWED_5XX = {503}

# Values that broke parsers before, or sit at the edges of what they take.
EXTREME = st.sampled_from(
    [
        "-1",
        "0",
        "99999999999999999999",
        "-99999999999999999999",
        "9223372036854775808",
        "253402300800000",
        "1e400",
        "nan",
        "inf",
        "0001-01-01",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31",
        "9999-12-31T23:59:59-23:59",
        "1969-12-31T23:59:59",
        "2262-04-12T00:00:00",
        "2026-13",
        "2026-Q9",
        "2026-02-30",
        "99999",
        "0000",
        "1969",
        "9998",
        "",
        " ",
        "\x00",
        "%",
        "../../etc/passwd",
        "☃",
        "alpha",
        "beta",
        "prov",
        "alpha-gw",
        "alpha-rc-1",
        "2026",
        "2026-Q1",
        "2026-01",
        "2026-01-15",
        "json",
        "csv",
        "pdf",
        "html",
        "vi",
        "en",
        "true",
        "false",
        "1",
        "100000",
        "R6",
    ]
)
ISO_TIMES = st.datetimes(
    min_value=dt.datetime(1, 1, 2),
    max_value=dt.datetime(9999, 12, 30),
    timezones=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=14))]),
).map(dt.datetime.isoformat)
VALUES = st.one_of(EXTREME, st.integers().map(str), ISO_TIMES, st.text(max_size=20))
QUERY_KEYS = st.sampled_from(
    [
        "from",
        "to",
        "period",
        "commune",
        "kind",
        "status",
        "format",
        "lang",
        "area",
        "excused",
        "name",
        "trend",
        "indicator",
        "x",
    ]
)
QUERIES = st.dictionaries(QUERY_KEYS, VALUES, max_size=5)

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    VALUES,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
BODY_KEYS = st.sampled_from(
    [
        "commune",
        "title",
        "start",
        "end",
        "from",
        "to",
        "until",
        "rrule",
        "content",
        "targets",
        "zones",
        "clusters",
        "priority",
        "scope",
        "target",
        "reason",
        "period",
        "indicator",
        "value",
        "sha256",
        "documents",
        "note",
        "duration_s",
        "excused",
        "at",
    ]
)
CONTENT = st.fixed_dictionaries(
    {"type": st.sampled_from(["file", "tts", "relay", "live", "x"])},
    optional={"text": VALUES, "duration_s": JSON_SCALARS, "sha256": VALUES, "url": VALUES},
)
OBJECTS = st.dictionaries(BODY_KEYS, JSON_VALUES | CONTENT, max_size=8)
# Deeper than any JSON decoder recurses.
NESTED = st.sampled_from(["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])


class Body(NamedTuple):
    data: bytes
    content_type: str


BODIES = st.one_of(
    OBJECTS.map(lambda o: Body(json.dumps(o).encode(), "application/json")),
    JSON_VALUES.map(lambda o: Body(json.dumps(o).encode(), "application/json")),
    NESTED.map(lambda text: Body(text.encode(), "application/json")),
    st.binary(max_size=64).map(lambda b: Body(b, "application/octet-stream")),
    st.text(max_size=64).map(lambda t: Body(t.encode(), "application/x-www-form-urlencoded")),
)
PATH_VALUES = st.one_of(
    st.sampled_from(["alpha", "beta", "alpha-gw", "alpha-rc-1", "0" * 64, "x", "..", "%2e"]),
    st.text(min_size=1, max_size=20),
)


class Route(NamedTuple):
    method: str
    path: str  # with {name} placeholders


def _routes(app: web.Application) -> list[Route]:
    routes = []
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if path is None:  # a static folder: any file name under its prefix
            path = str(info["prefix"]).rstrip("/") + "/{file}"
        for route in resource:
            if route.method != hdrs.METH_HEAD:
                routes.append(Route(route.method, str(path)))
    return routes


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: urllib.parse.quote(values.get(m[1], "x"), safe=""), path)


class Fuzzer:
    """The app on a loop of its own, an admin's token and a logged-in page session."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.data_dir = data_dir
        settings_ = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(data_dir))
        self.store = self.loop.run_until_complete(SqliteStore.open(":memory:"))
        index = load_inventory(SMALL_INVENTORY).index()
        self.app = create_app(settings_, Deps(store=self.store, index=index, connect_mqtt=False))
        self.client = TestClient(TestServer(self.app), loop=self.loop)
        self.loop.run_until_complete(self.client.start_server())
        with ServerDatabase(settings_.database_path) as server_db:
            tokens = TokenStore(server_db.connection)
            self.token = tokens.create(Role.ADMIN, name="fuzz")
        self.app[ACCOUNTS].create("fuzz", PASSWORD, Role.ADMIN, 0)
        self.login()

    def login(self) -> None:
        async def log_in() -> None:
            response = await self.client.post(
                "/login", data={"login": "fuzz", "password": PASSWORD}, allow_redirects=False
            )
            assert response.status == 303

        self.loop.run_until_complete(log_in())

    def request(
        self, route: Route, path_values: dict[str, str], query: dict[str, str], body: Body | None
    ) -> tuple[int, str]:
        path = _fill(route.path, path_values)
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = body.content_type

        async def send() -> tuple[int, str]:
            response = await self.client.request(
                route.method,
                path,
                params=query,
                data=body.data if body is not None else None,
                headers=headers,
                allow_redirects=False,
            )
            return response.status, await response.text(errors="replace")

        answer = self.loop.run_until_complete(send())
        if route.path == "/logout":
            self.login()
        return answer

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.run_until_complete(self.store.close())
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()


@pytest.fixture
def fuzzer(tmp_path: Path) -> Iterator[Fuzzer]:
    fuzzer = Fuzzer(tmp_path)
    yield fuzzer
    fuzzer.close()


def _path_values(path: str) -> st.SearchStrategy[dict[str, str]]:
    names = re.findall(r"\{(\w+)\}", path)
    return st.fixed_dictionaries({name: PATH_VALUES for name in names})


def _fuzz(fuzzer: Fuzzer, route: Route) -> None:
    """Hypothesis' search on one route; raises the first 500 it finds (shrunk)."""
    has_body = route.method in (hdrs.METH_POST, hdrs.METH_PATCH, hdrs.METH_PUT)

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        path_values=_path_values(route.path),
        query=QUERIES,
        body=BODIES if has_body else st.none(),
    )
    def one_request(path_values: dict[str, str], query: dict[str, str], body: Body | None) -> None:
        status, text = fuzzer.request(route, path_values, query, body)
        sent = body.data[:80] if body is not None else None
        asked = (path_values, query, sent)
        assert status < 500 or status in ALLOWED_5XX, (status, asked, text[:200])

    one_request()


def test_no_route_answers_500_to_random_and_extreme_input(fuzzer: Fuzzer) -> None:
    routes = _routes(fuzzer.app)
    assert len(routes) > 40  # the whole app, not a part of it
    failures: dict[Route, str] = {}
    for route in routes:
        try:
            _fuzz(fuzzer, route)
        except AssertionError as exc:
            failures[route] = str(exc)[:600]
    assert not failures, "\n".join(f"{r.method} {r.path}: {e}" for r, e in failures.items())
