"""The docs must stay true: examples decode, every setting and reason is documented."""

from __future__ import annotations

import json
import re

import pytest

from tests.paths import REPO
from xaso.protocol import (
    ProtocolError,
    decode_broadcast_event,
    decode_heartbeat,
    decode_replay,
    decode_schedule_set,
    decode_status,
)
from xaso.server.settings import setting_help
from xaso.server.store.schema import DETAIL, stored_fields

PROTOCOL = (REPO / "docs/protocol.md").read_text(encoding="utf-8")
OPERATIONS = (REPO / "docs/operations.md").read_text(encoding="utf-8")


def _json_examples(markdown: str) -> list[str]:
    return re.findall(r"```json\n(.*?)```", markdown, flags=re.S)


def test_every_protocol_example_decodes_with_the_real_contract() -> None:
    examples = [json.loads(text) for text in _json_examples(PROTOCOL)]
    assert len(examples) == 7
    decoders = {
        "event": decode_broadcast_event,
        "state": decode_status,
        "seq": decode_heartbeat,
        "from_seq": decode_replay,
        "items": decode_schedule_set,
    }
    seen = []
    for example in examples:
        kind = next(key for key in decoders if key in example)
        decoders[kind](json.dumps(example).encode())
        seen.append(kind)
    assert sorted(seen) == ["event", "from_seq", "items", "seq", "state", "state", "state"]


@pytest.mark.parametrize(
    "reason",
    [
        "unsupported_version",
        "invalid_schema",
        "agent_mismatch",
        "unknown_agent",
        "oversized",
        "foreign_device",
        "foreign_cluster",
    ],
)
def test_rejection_reasons_are_documented(reason: str) -> None:
    assert f"`{reason}`" in PROTOCOL or f'"{reason}"' in PROTOCOL


def test_every_server_setting_is_documented() -> None:
    for name in setting_help():
        assert f"--{name.replace('_', '-')}" in OPERATIONS, name


def test_a_broken_example_would_be_caught() -> None:
    with pytest.raises(ProtocolError):
        decode_status(b'{"v": 1, "agent": "a", "state": "asleep", "session": 1, "ts_ms": 1}')


STORAGE = (REPO / "docs/storage.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("measurement", sorted(stored_fields()))
def test_every_stored_field_is_in_the_storage_table(measurement: str) -> None:
    row = next(line for line in STORAGE.splitlines() if line.startswith(f"| `{measurement}`"))
    for name in stored_fields()[measurement]:
        assert f"`{name}`" in row or (name == DETAIL and "detail" in row), (measurement, name)


# -- docs/api.md and docs/architecture.md against the code's own registries -------------

API = (REPO / "docs/api.md").read_text(encoding="utf-8")
ARCHITECTURE = (REPO / "docs/architecture.md").read_text(encoding="utf-8")


def _registered_routes(data_dir: Path) -> set[str]:
    """Every route the real app registers, as ``METHOD /path``: not the ``HEAD`` aiohttp
    adds beside each ``GET``, nor the static files."""
    from aiohttp import web

    from tests.messages import SMALL_INVENTORY, small_index
    from xaso.server.app import Deps, create_app
    from xaso.server.settings import Settings

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
    import pkgutil

    import xaso

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
