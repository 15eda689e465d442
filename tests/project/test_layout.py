"""The rules of the house (docs/architecture.md, "Rules of the house"), checked on the
imports of every module rather than trusted."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.paths import REPO


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


def _offenders(folder: str, allowed: Callable[[Path, str], bool]) -> list[str]:
    found = []
    for path in _modules(folder):
        for name in sorted(_imports(path)):
            if name.startswith("xaso.") and not allowed(path, name):
                found.append(f"{path.relative_to(REPO)} imports {name}")
    return found


def test_the_agent_never_imports_the_server() -> None:
    assert _offenders("agent", lambda path, name: not name.startswith("xaso.server")) == []


def test_the_store_knows_only_the_records() -> None:
    def allowed(path: Path, name: str) -> bool:
        return not name.startswith("xaso.server.") or name.startswith(
            ("xaso.server.store", "xaso.server.records")
        )

    assert _offenders("server/store", allowed) == []


@pytest.mark.parametrize("capability", ["monitoring", "broadcasts", "indicators", "alerts"])
def test_no_capability_reaches_into_the_web_layer(capability: str) -> None:
    # The HTML report renders with the pages' one Jinja environment (and templates).
    def allowed(path: Path, name: str) -> bool:
        return not name.startswith("xaso.server.web") or name == "xaso.server.web.templating"

    assert _offenders(f"server/{capability}", allowed) == []


@pytest.mark.parametrize("module", ["server/records.py", "server/recurrence.py"])
def test_the_shared_core_is_plain(module: str) -> None:
    # Plain data and rules: no web framework, no store, no app to build to use them.
    imported = _imports(REPO / module)
    assert not {name for name in imported if name.startswith(("aiohttp", "xaso.server."))}


def test_a_wrong_import_would_be_caught(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from xaso.server.web.auth import x\n", encoding="utf-8")
    assert "xaso.server.web.auth" in _imports(module)
