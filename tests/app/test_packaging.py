"""What an install brings: a gateway gets the agent and nothing of the server."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.paths import REPO


def _resolve(requirement: str, tmp_path: Path) -> set[str]:
    """The distributions pip would install for a requirement, on a clean machine."""
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            str(report),
            requirement,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"pip could not resolve {requirement}: {result.stderr[-2000:]}")
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {item["metadata"]["name"].lower() for item in installs}


def test_agent_only_install_pulls_no_server_dependency(tmp_path: Path) -> None:
    # Pillow measures the cameras' pictures on the gateway (agent/collectors/picture/).
    expected = {"xaso", "msgspec", "pyyaml", "paho-mqtt", "pillow"}
    assert _resolve(".[agent]", tmp_path) == expected


def test_the_wheel_installs_everything_under_xaso(tmp_path: Path) -> None:
    """agent/ and server/ are top-level folders here, but installed as xaso.agent and
    xaso.server: another package named "server" could otherwise overwrite ours."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), "."],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("xaso-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
        names = set(archive.namelist())
    assert {top for top in tops if not top.endswith(".dist-info")} == {"xaso"}
    assert "xaso/agent/runner.py" in names and "xaso/server/app.py" in names
    assert any(name.endswith("templates/base.html") for name in names)  # data files too
    # The vendored front-end libraries and their licences, every file of the folder:
    # the pages load them from the server itself, never from a CDN.
    vendor = REPO / "server/web/static/vendor"
    vendored = {
        "xaso/server/web/static/vendor/" + path.relative_to(vendor).as_posix()
        for path in vendor.rglob("*")
        if path.is_file()
    }
    assert {"htmx.min.js", "uPlot.iife.min.js", "uPlot.min.css", "LICENSE"} <= {
        name.rsplit("/", 1)[1] for name in vendored
    }
    assert vendored <= names, sorted(vendored - names)
    # The pages' own style sheets, icon and scripts (device-charts.js).
    static = REPO / "server/web/static"
    own = {"xaso/server/web/static/" + path.name for path in static.iterdir() if path.is_file()}
    assert own <= names, sorted(own - names)


def test_nothing_is_imported_under_the_folder_names() -> None:
    """Run from the repository, `import server` would also work (its folder is on the
    path): every import must go through xaso, or a module would exist twice."""
    code = (
        "import xaso.server.app, xaso.server.main, xaso.agent.main, xaso.cli, sys;"
        "print([m for m in sys.modules if m.split('.')[0] in ('server', 'agent')])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
