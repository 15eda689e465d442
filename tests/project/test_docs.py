"""The docs must stay true: examples decode, every setting and reason is documented."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

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
from xaso.server.indicators.profile import load_default_profile
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


# -- the repository stands on its own ----------------------------------------------------

# Phrases that cite documents kept outside the repository. Built from parts, so that this
# file does not trip its own check.
_OUTSIDE_REFERENCES = tuple(
    "".join(parts)
    for parts in (
        ("..", "/shared"),
        ("domain", " brief"),
        ("engineering", " notes"),
        ("engineering", "-notes"),
        ("house", " style"),
        ("house", "-style"),
    )
)
_FENCED_BLOCK = re.compile(r"^```.*?^```", flags=re.S | re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", flags=re.M)
_MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
# A doc named in a comment or a page: `docs/alerts.md`, `docs/domain.md#indicators`.
_DOC_REFERENCE = re.compile(r"(?<![\w./-])(docs/[a-z-]+\.md)(?:#([\w-]+))?")


def _tracked_files() -> list[Path]:
    """Every file git tracks that is here as a regular file (symlinks to folders and
    files being moved away are skipped)."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    paths = (REPO / name for name in listing.decode("utf-8").split("\0") if name)
    return [path for path in paths if path.is_file() and not path.is_symlink()]


def _text_of(path: Path) -> str | None:
    """The file's text, or None for a binary file."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def _anchors(markdown: str) -> set[str]:
    """The anchors of a page's headings, as GitHub makes them: lower case, punctuation
    dropped, spaces as hyphens, a repeated heading numbered."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCED_BLOCK.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _check_target(target: Path, anchor: str | None, where: str) -> str | None:
    """What is wrong with a reference to ``target`` (``#anchor``), or None."""
    if not target.resolve().is_relative_to(REPO.resolve()):
        return f"{where}: {target} is outside the repository"
    if not target.exists():
        return f"{where}: {target.relative_to(REPO)} does not exist"
    if not anchor or target.suffix != ".md":
        return None
    if anchor not in _anchors(target.read_text(encoding="utf-8")):
        return f"{where}: {target.relative_to(REPO)} has no heading for #{anchor}"
    return None


def _outside_references(text: str) -> list[tuple[int, str]]:
    """(line, phrase) of every citation of an outside document, whatever its case."""
    found = []
    for number, line in enumerate(text.lower().splitlines(), 1):
        found += [(number, phrase) for phrase in _OUTSIDE_REFERENCES if phrase in line]
    return found


def test_no_file_cites_documents_outside_the_repository() -> None:
    found = []
    for path in _tracked_files():
        text = _text_of(path)
        if text is not None:
            found += [
                f"{path.relative_to(REPO)}:{number}: {phrase!r}"
                for number, phrase in _outside_references(text)
            ]
    assert not found, "the repository must stand on its own:\n" + "\n".join(found)


def test_a_citation_of_an_outside_document_would_be_caught() -> None:
    text = "ok\n# See the " + "Engineering" + " Notes.\n# (../" + "shared/x.md)\n"
    assert [number for number, _ in _outside_references(text)] == [2, 3]


def test_every_relative_markdown_link_resolves() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    problems = []
    for page in pages:
        text = _FENCED_BLOCK.sub("", page.read_text(encoding="utf-8"))
        for link in _MARKDOWN_LINK.findall(text):
            if link.startswith(("http:", "https:", "mailto:", "#")):
                continue
            path, _, anchor = link.partition("#")
            problem = _check_target(page.parent / path, anchor, page.relative_to(REPO).as_posix())
            if problem:
                problems.append(f"{problem} (link {link})")
    assert not problems, "\n".join(problems)


def test_every_doc_named_in_the_code_and_docs_exists() -> None:
    problems = []
    for path in _tracked_files():
        if path.suffix not in (".py", ".yaml", ".yml", ".md"):
            continue
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            for doc, anchor in _DOC_REFERENCE.findall(line):
                where = f"{path.relative_to(REPO)}:{number}"
                problem = _check_target(REPO / doc, anchor, where)
                if problem:
                    problems.append(problem)
    assert not problems, "\n".join(problems)


# A file of the repository named in a comment or a doc: a top-level folder, then a path
# ending in a file name with its extension or in a slash (MQTT topics such as
# ``xaso/v1/agents/+/status`` have neither, and are not paths). ``*`` globs.
_REPOSITORY_PATH = re.compile(
    r"(?<![\w./-])((?:server|agent|xaso|tests|bench|deploy|dashboards|docs)/[\w./*-]*"
    r"(?:\.[a-z]+|/))(?=$|[\s`'\"),;:\].])"
)


def _missing_paths(text: str) -> list[str]:
    missing = []
    for path in _REPOSITORY_PATH.findall(text):
        found = any(REPO.glob(path)) if "*" in path else (REPO / path).exists()
        if not found and "no_such" not in path:
            missing.append(path)
    return missing


def test_every_repository_path_named_in_the_code_and_docs_exists() -> None:
    problems = []
    for path in _tracked_files():
        if path.suffix not in (".py", ".yaml", ".yml", ".md", ".toml", ".conf", ".service"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            problems += [f"{path.relative_to(REPO)}:{number}: {p}" for p in _missing_paths(line)]
    assert not problems, "\n".join(problems)


def test_a_moved_module_named_in_a_comment_would_be_caught() -> None:
    # Built from parts, so that this file does not name them itself.
    moved, gone = "server" + "/pipeline.py", "tests" + "/test_e2e.py"
    assert _missing_paths(f"see {moved} and {gone}.") == [moved, gone]
    assert _missing_paths("topic xaso/v1/agents/+/status; server/monitoring/pipeline.py") == []


def test_the_domain_catalogue_lists_every_indicator_of_the_default_profile() -> None:
    domain = (REPO / "docs/domain.md").read_text(encoding="utf-8")
    catalogue = domain.split("\n## Indicators\n", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip(): line
        for line in catalogue.splitlines()
        if re.match(r"\| [A-Z]\d+ \|", line)
    }
    profile = load_default_profile()
    assert list(rows) == [indicator.id for indicator in profile.indicators]
    for indicator in profile.indicators:
        assert f"`{indicator.measure}`" in rows[indicator.id], indicator.id
