"""docs/api.md and docs/architecture.md against the code's own registries: every route
of the real app has its row, every module of the package its line."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

from aiohttp import web

import xaso
from tests.messages import SMALL_INVENTORY, small_index
from tests.paths import REPO
from xaso.server.app import Deps, create_app
from xaso.server.settings import Settings

API = (REPO / "docs/api.md").read_text(encoding="utf-8")
ARCHITECTURE = (REPO / "docs/architecture.md").read_text(encoding="utf-8")


def _registered_routes(data_dir: Path) -> set[str]:
    """Every route the real app registers, as ``METHOD /path``: not the ``HEAD`` aiohttp
    adds beside each ``GET``, nor the static files."""
    app = create_app(
        Settings(inventory=str(SMALL_INVENTORY), data_dir=str(data_dir)),
        Deps(index=small_index(), connect_mqtt=False),
    )
    routes = [r for r in app.router.routes() if not isinstance(r.resource, web.StaticResource)]
    with_get = {r.resource for r in routes if r.method == "GET"}
    return {
        f"{r.method} {r.resource.canonical}"
        for r in routes
        if r.resource is not None and not (r.method == "HEAD" and r.resource in with_get)
    }


def _api_row(route: str) -> str:
    """How docs/api.md lists a route: a table row that starts with it."""
    return f"| `{route}` |"


def _undocumented_routes(doc: str, routes: set[str]) -> list[str]:
    return sorted(route for route in routes if _api_row(route) not in doc)


def _documented_routes(doc: str) -> set[str]:
    return set(re.findall(r"^\| `([A-Z]+ /[^`]*)` \|", doc, flags=re.M))


def test_every_route_of_the_app_has_its_row_in_the_api_doc(tmp_path: Path) -> None:
    assert _undocumented_routes(API, _registered_routes(tmp_path)) == []


def test_every_route_row_of_the_api_doc_is_a_route_of_the_app(tmp_path: Path) -> None:
    assert sorted(_documented_routes(API) - _registered_routes(tmp_path)) == []


def _module_paths() -> dict[str, str]:
    """Every module and package of the installed ``xaso`` (``xaso.server.*`` and
    ``xaso.agent.*`` too), by the path docs/architecture.md names it with: a module's
    file (``server/monitoring/ingest.py``), a package's folder (``server/monitoring/``)."""

    def fail(name: str) -> None:
        raise ImportError(f"cannot walk {name}")  # pkgutil would skip it silently

    paths = {}
    for found in pkgutil.walk_packages(xaso.__path__, "xaso.", onerror=fail):
        parts = found.name.split(".")[1:]
        if parts[0] not in ("server", "agent"):
            parts = ["xaso", *parts]
        paths[found.name] = "/".join(parts) + ("/" if found.ispkg else ".py")
    return paths


def _modules_missing_from(doc: str, paths: dict[str, str]) -> list[str]:
    return sorted(path for path in paths.values() if f"`{path}`" not in doc)


def test_every_module_has_its_line_in_the_architecture_doc() -> None:
    paths = _module_paths()
    assert {"xaso.protocol", "xaso.server.monitoring.ingest", "xaso.agent.outbox"} <= set(paths)
    assert paths["xaso.server.web.api"] == "server/web/api/"
    assert _modules_missing_from(ARCHITECTURE, paths) == []


def test_every_path_the_architecture_doc_names_exists() -> None:
    named = re.findall(r"`((?:xaso|server|agent)/[\w/.-]*(?:\.py|/))`", ARCHITECTURE)
    assert named
    assert sorted(path for path in set(named) if not (REPO / path).exists()) == []


def test_a_missing_route_or_module_would_be_caught(tmp_path: Path) -> None:
    made_up_route = "GET /api/v1/no-such-thing/{id}"
    assert _undocumented_routes(API, {made_up_route}) == [made_up_route]
    assert made_up_route not in _registered_routes(tmp_path)
    made_up = {"xaso.server.no_such_module": "server/no_such_module.py"}
    assert _modules_missing_from(ARCHITECTURE, made_up) == ["server/no_such_module.py"]
