"""The rollup table keeps no row computed from data that a drop has since overtaken."""

from __future__ import annotations

from pathlib import Path

from xaso.server.database import connect
from xaso.server.indicators.rollup_table import RollupRow, RollupTable

DAY = 1_795_000_000_000


def row(unit: str, day_ms: int = DAY) -> RollupRow:
    return RollupRow("availability:camera", unit, day_ms, "f", "", b"body")


def test_a_drop_between_reading_and_keeping_leaves_the_row_out(tmp_path: Path) -> None:
    table = RollupTable(connect(tmp_path / "xaso.db"))
    scope = "availability:camera"
    before = {(scope, u): e for u, e in table.epochs(scope, ["alpha", "beta"]).items()}
    # Meanwhile a late record lands on alpha's day, through another connection (an
    # ingest worker's): there was nothing to delete yet, but the epoch moves on.
    RollupTable(connect(tmp_path / "xaso.db")).drop(scope, "alpha", [DAY])
    kept = table.put([row("alpha"), row("beta")], before)
    assert kept == 1
    assert set(table.rows(scope, ["alpha", "beta"], DAY, DAY + 1)) == {("beta", DAY)}
    # Computed again from fresh data, it is kept.
    after = {(scope, u): e for u, e in table.epochs(scope, ["alpha"]).items()}
    assert table.put([row("alpha")], after) == 1
