"""What the remediation tests of the API and of the page stand on: 5 October 2026, the
third quarter just over, alpha's R2 not met (75 %) and beta's met, so alpha's officers
may write a plan for R2 of 2026-Q3; and what the audit log kept of the indicators.

The fixtures are found by pytest in the module that names them: a test module binds
them with ``clock = remediation_data.clock`` and so on.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

import pytest
from aiohttp import web

from tests.apps import app_without_broker
from tests.doubles import Clock
from tests.indicator_fakes import FakeEvaluation, ms, small_fake
from xaso.server.indicators.keys import EVALUATE
from xaso.server.keys import SETTINGS

NOW: Final = ms("2026-10-05T09:00")


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def fake() -> FakeEvaluation:
    evaluation = small_fake()
    evaluation.r2_value["alpha"] = 75.0  # chưa đạt; beta's is met
    return evaluation


@pytest.fixture
async def app(tmp_path: Path, fake: FakeEvaluation, clock: Clock) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, clock_ms=clock) as application:
        application[EVALUATE] = fake
        yield application


def indicators_audit(app: web.Application) -> list[tuple[str, Any]]:
    """The audit log's indicator entries, oldest first: each action with its detail."""
    db = sqlite3.connect(app[SETTINGS].database_path)
    rows = db.execute("SELECT action, detail FROM audit_log ORDER BY seq").fetchall()
    db.close()
    kept = [(action, detail) for action, detail in rows if action.startswith("indicators.")]
    return [(action, json.loads(detail)) for action, detail in kept]
