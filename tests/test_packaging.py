"""What an install brings: a gateway gets the agent and nothing of the server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


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
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"pip could not resolve {requirement}: {result.stderr[-2000:]}")
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {item["metadata"]["name"].lower() for item in installs}


def test_agent_only_install_pulls_no_server_dependency(tmp_path: Path) -> None:
    assert _resolve(".[agent]", tmp_path) == {"xaso", "msgspec", "pyyaml", "paho-mqtt"}
