"""The indicators capability in the running server: the profiles (checked at start),
declared values, evidence documents, sign-offs and remediation plans, and the sources
the evaluation reads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.broadcasts.wiring import playout_sources
from xaso.server.indicators.gather.declared import DeclaredStore
from xaso.server.indicators.gather.documents import DocumentStore
from xaso.server.indicators.gather.evaluate import IndicatorSources, evaluate_communes
from xaso.server.indicators.gather.evaluated import EvaluatedResults
from xaso.server.indicators.gather.remediation import RemediationStore
from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.indicators.gather.signoff import SignOffStore
from xaso.server.indicators.keys import (
    DECLARED,
    DOCUMENTS,
    EVALUATE,
    EVALUATED,
    INDICATOR_PROFILES,
    REMEDIATION,
    ROLLUPS,
    SIGNOFFS,
)
from xaso.server.indicators.profile import load_profiles
from xaso.server.indicators.rollup_table import RollupTable
from xaso.server.indicators.warm_rollups import keep_rollups_warm
from xaso.server.keys import CLOCK_MS, DATABASE, INDEX, SETTINGS, STORE
from xaso.server.monitoring.keys import EXCLUSIONS, RECORDINGS


def setup(app: web.Application) -> None:
    # Checked at start like the inventory: a bad profile stops the server with its lines.
    app[INDICATOR_PROFILES] = load_profiles(app[SETTINGS].indicator_profiles, app[INDEX])
    app[EVALUATE] = evaluate_communes
    app.cleanup_ctx.append(_stores_ctx)


def indicator_sources(app: web.Application) -> IndicatorSources:
    """What the evaluation of this server reads."""
    return IndicatorSources(
        index=app[INDEX],
        store=app[STORE],
        clock_ms=app[CLOCK_MS],
        profiles=app.get(INDICATOR_PROFILES),
        declared=app.get(DECLARED),
        exclusions=app.get(EXCLUSIONS),
        playout=playout_sources(app),
        rollups=app.get(ROLLUPS),
        results=app.get(EVALUATED),
        recordings=app.get(RECORDINGS),
    )


async def _stores_ctx(app: web.Application) -> AsyncIterator[None]:
    settings, db = app[SETTINGS], app[DATABASE].connection
    app[DOCUMENTS] = DocumentStore(Path(settings.data_dir) / "evidence", db)
    app[DECLARED] = DeclaredStore(db, ZoneInfo(app[INDEX].inventory.timezone))
    app[SIGNOFFS] = SignOffStore(db)
    app[REMEDIATION] = RemediationStore(db, ZoneInfo(app[INDEX].inventory.timezone))
    app[ROLLUPS] = DayRollups(RollupTable(db), app[INDEX])
    app[EVALUATED] = EvaluatedResults(app[INDEX])
    warming = asyncio.create_task(keep_rollups_warm(app), name="rollups-warm")
    yield
    warming.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await warming
