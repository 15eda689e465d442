"""Evaluate every indicator of one commune for one period: a pure function of the
hierarchy as it was (``snapshot``), what the stores held (``CommuneData``), the profile
and the time now. No I/O and no clock, so the same inputs give the same evaluation on
SQLite and on InfluxDB, and every figure can be checked by hand (docs/indicators.md).

This module dispatches each indicator to its measure; the measures live one family to
a module (``device_counts``, ``coverage``, ``uptime``, ``broadcasts``,
``declared_indicators``), on the shared ``context`` and ``wording``; what the
evaluation reads, and over which windows, is ``inputs``. Each result carries the window
it used in its ``from_ms``/``to_ms``.
"""

from __future__ import annotations

from collections.abc import Callable

from xaso.server.indicators.broadcasts import broadcast_days, emergency_readiness
from xaso.server.indicators.context import Context, Frame
from xaso.server.indicators.coverage import key_location_coverage, village_radio_coverage
from xaso.server.indicators.declared_indicators import declared_result
from xaso.server.indicators.device_counts import (
    camera_operating,
    cluster_count,
    radio_station,
    video_conference,
)
from xaso.server.indicators.inputs import CommuneData, DataRanges, DeclaredLike, data_ranges
from xaso.server.indicators.profile import Indicator, IndicatorProfile
from xaso.server.indicators.result import CommuneEvaluation, IndicatorResult
from xaso.server.indicators.snapshot import CommuneSnapshot
from xaso.server.indicators.uptime import camera_availability, radio_availability

__all__ = ["CommuneData", "DataRanges", "DeclaredLike", "data_ranges", "evaluate_commune"]

_NOT_STARTED = ("Kỳ đánh giá chưa bắt đầu", "The period has not started yet")

_MEASURES: dict[str, Callable[[Context, Indicator], IndicatorResult]] = {
    "radio_station": radio_station,
    "village_radio_coverage": village_radio_coverage,
    "cluster_count": cluster_count,
    "radio_availability": radio_availability,
    "broadcast_days": broadcast_days,
    "emergency_readiness": emergency_readiness,
    "camera_operating": camera_operating,
    "key_location_coverage": key_location_coverage,
    "camera_availability": camera_availability,
    "video_conference": video_conference,
    "declared": declared_result,
}
# Measured (status history, readings, broadcast logs): nothing to say before the period
# starts. The inventory (R3) and declared values (N*) are known whenever.
_TELEMETRY = frozenset(
    {
        "radio_station",
        "village_radio_coverage",
        "radio_availability",
        "camera_operating",
        "key_location_coverage",
        "camera_availability",
        "video_conference",
        "broadcast_days",
        "emergency_readiness",
    }
)


def _evaluate_one(ctx: Context, indicator: Indicator) -> IndicatorResult:
    if not indicator.enabled:
        return ctx.result(
            Frame(indicator, ("", ""), "profile"),
            "not_applicable",
            reason=(
                "Không áp dụng theo hồ sơ chỉ tiêu",
                "Switched off in the indicator profile",
            ),
        )
    if not ctx.snap.exists:
        return ctx.result(
            Frame(indicator, ("", ""), "inventory"),
            "not_applicable",
            reason=(
                "Xã không tồn tại trong kỳ này (thành lập hoặc sáp nhập ngoài kỳ)",
                "The commune did not exist in this period (created or merged outside it)",
            ),
        )
    if indicator.measure in _TELEMETRY and ctx.end_ms <= ctx.snap.from_ms:
        return ctx.result(
            Frame(indicator, ("", ""), "telemetry"),
            "insufficient_data",
            reason=_NOT_STARTED,
        )
    return _MEASURES[indicator.measure](ctx, indicator)


def evaluate_commune(
    snap: CommuneSnapshot,
    data: CommuneData,
    profile: IndicatorProfile,
    *,
    now_ms: int,
    computed_ms: int | None = None,
) -> CommuneEvaluation:
    """Every indicator of ``profile`` for the commune of ``snap``, in profile order."""
    ctx = Context(snap, data, profile, now_ms)
    return CommuneEvaluation(
        commune=snap.code,
        commune_name=snap.name,
        parent=snap.parent,
        profile=profile.name,
        from_ms=snap.from_ms,
        to_ms=snap.to_ms,
        computed_ms=now_ms if computed_ms is None else computed_ms,
        results=[_evaluate_one(ctx, indicator) for indicator in profile.indicators],
        requested_from_ms=snap.requested_from_ms,
        requested_to_ms=snap.requested_to_ms,
        merged_into=snap.merged_into,
        predecessors=list(snap.predecessors),
        excused_excluded=data.excused_excluded,
        exclusions=list(data.listed_exclusions),
    )
