"""R8 (broadcasting activity) and R9 (emergency readiness), from the reconciled
playout log (``server.broadcasts.playout_log``): the commune's clusters' outcomes while they
belonged to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from xaso.server.broadcasts.playout_outcome import (
    CONTENT_TEXT,
    PRIORITY_TEXT,
    STATUS_TEXT,
    PlayoutOutcome,
)
from xaso.server.indicators.context import Context, Frame
from xaso.server.indicators.day_pieces import known_intervals
from xaso.server.indicators.inputs import DAY_MS
from xaso.server.indicators.measures import NO_HISTORY, Window
from xaso.server.indicators.period import day_start_ms, local_day
from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import EvidenceItem, IndicatorResult
from xaso.server.indicators.wording import num
from xaso.server.monitoring.availability import merge_windows

__all__ = ["broadcast_days", "emergency_readiness"]

# A loudspeaker reached by an emergency broadcast: it started playing (and may have
# been cut short or still be playing), or an officer's live announcement reached it.
_REACHED = frozenset({"played", "late", "partial", "playing", "manual"})
# A scheduled broadcast confirmed as played (R8): manual entries are not scheduled.
_CONFIRMED_SCHEDULED = frozenset({"played", "late"})


def _bulletins(outcomes: Sequence[PlayoutOutcome]) -> list[PlayoutOutcome]:
    """What R8 looks at: the commune's own broadcasts, not its standing relay of the
    provincial or central station (class background), which would make every day of a
    commune that relays the province "active" without a bulletin of its own."""
    return [o for o in outcomes if o.priority != "background"]


def _member_outcomes(ctx: Context, window: Window) -> list[PlayoutOutcome]:
    """The outcomes of the commune's clusters planned within ``window``: a cluster
    counts while it belonged to the commune; one the inventory no longer lists by its
    gateway, else by the commune its record names."""
    members = {
        d.entry.id: d for d in ctx.snap.devices if d.entry.kind in ("radio_cluster", "gateway")
    }
    found = []
    for outcome in ctx.data.playout or ():
        at = outcome.planned_start_ms
        if not window.from_ms <= at < window.to_ms:
            continue
        member = members.get(outcome.cluster) or members.get(outcome.agent or "")
        if member is not None:
            if member.from_ms <= at < member.to_ms:
                found.append(outcome)
        elif outcome.agent is None and outcome.commune == ctx.snap.code:
            found.append(outcome)
    return sorted(found, key=lambda o: (o.planned_start_ms, o.schedule, o.cluster))


def _no_logs(ctx: Context) -> tuple[str, str] | None:
    if ctx.data.playout is None:
        return (
            "Chưa có nguồn nhật ký phát thanh để đối chiếu",
            "No broadcast log source to reconcile with",
        )
    return None


def _watched(ctx: Context, window: Window) -> list[tuple[int, int]]:
    """When the commune's broadcast log could be seen, as sorted disjoint intervals:
    while at least one of its installed clusters had a known status, up or down.
    Before its gateways first reported, or while nothing of them was heard, no log is
    no proof that nothing played."""
    known = []
    for device in ctx.devices("radio_cluster"):
        start, end = max(window.from_ms, device.from_ms), min(window.to_ms, device.to_ms)
        if device.planned or end <= start:
            continue
        history = ctx.data.histories.get(device.entry.id, NO_HISTORY)
        known += known_intervals(history, start, end)
    return merge_windows(known)


def _watched_ms(watched: Sequence[tuple[int, int]], start_ms: int, end_ms: int) -> int:
    return sum(max(0, min(end_ms, e) - max(start_ms, s)) for s, e in watched)


def _unwatched_days(
    watched: Sequence[tuple[int, int]], days: Sequence[dt.date], ctx: Context, min_pct: float
) -> set[dt.date]:
    """The ``days`` (in order) watched for less than ``min_pct`` of their time."""
    found = set()
    first = 0
    for day in days:
        start, end = day_start_ms(day, ctx.tz), day_start_ms(_next(day), ctx.tz)
        while first < len(watched) and watched[first][1] <= start:
            first += 1
        known, at = 0, first
        while at < len(watched) and watched[at][0] < end:
            known += min(end, watched[at][1]) - max(start, watched[at][0])
            at += 1
        if known * 100 < min_pct * (end - start):
            found.add(day)
    return found


def _sessions(outcomes: Sequence[PlayoutOutcome]) -> dict[tuple[str, int], list[PlayoutOutcome]]:
    """Outcomes by broadcast: one schedule occurrence across the clusters."""
    sessions: dict[tuple[str, int], list[PlayoutOutcome]] = {}
    for outcome in outcomes:
        sessions.setdefault((outcome.schedule, outcome.planned_start_ms), []).append(outcome)
    return sessions


def _next(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def _kind_of(outcome: PlayoutOutcome, lang: str) -> str:
    """A broadcast's priority class and kind of content, in words."""
    priority = PRIORITY_TEXT[lang].get(outcome.priority, outcome.priority)
    content = CONTENT_TEXT[lang].get(outcome.content_type, outcome.content_type)
    return f"{priority}, {content}"


def _reached_text(outcome: PlayoutOutcome | None, lang: str) -> str:
    """What became of a broadcast on one cluster, in words."""
    if outcome is None:
        return "không nằm trong lượt phát" if lang == "vi" else "not among its targets"
    return STATUS_TEXT[lang].get(outcome.status, outcome.status)


def broadcast_days(ctx: Context, indicator: Indicator) -> IndicatorResult:
    method = (
        "Số ngày trọn vẹn trong kỳ có ít nhất một buổi phát theo lịch được xác nhận đã phát "
        "(đúng giờ hay muộn) trên một cụm loa, quy về ngày mỗi tuần: ngày có phát ÷ số ngày × 7.",
        "Whole days of the period with at least one scheduled broadcast confirmed as played "
        "(on time or late) on a cluster, per week: days with a broadcast ÷ days × 7.",
    )
    window = Window(ctx.snap.from_ms, ctx.end_ms)
    frame = Frame(indicator, method, "broadcast_logs", window)
    missing = _no_logs(ctx)
    if missing:
        return ctx.result(frame, "insufficient_data", reason=missing)
    outcomes = _bulletins(_member_outcomes(ctx, window))
    days: list[dt.date] = []
    day = local_day(ctx.snap.from_ms, ctx.tz)
    if day_start_ms(day, ctx.tz) < ctx.snap.from_ms:
        day += dt.timedelta(days=1)  # a part starting mid-day: that day is not whole
    while day_start_ms(day + dt.timedelta(days=1), ctx.tz) <= ctx.end_ms:
        days.append(day)
        day += dt.timedelta(days=1)
    whole = set(days)
    unwatched = _unwatched_days(_watched(ctx, window), days, ctx, indicator.min_known_pct)
    active = {
        local_day(o.planned_start_ms, ctx.tz)
        for o in outcomes
        if o.status in _CONFIRMED_SCHEDULED and not o.schedule.startswith("manual:")
    } & whole
    items = []
    for (schedule, start_ms), group in _sessions(outcomes).items():
        confirmed = [o for o in group if o.status in _CONFIRMED_SCHEDULED]
        items.append(
            EvidenceItem(
                kind="broadcast",
                id=f"{schedule}@{start_ms}",
                label=group[0].title,
                value=float(len(confirmed)),
                counted=bool(confirmed) and not schedule.startswith("manual:"),
                note=f"{len(confirmed)}/{len(group)} cụm xác nhận đã phát",
                note_en=f"{len(confirmed)} of {len(group)} clusters confirmed played",
                from_ms=start_ms,
                to_ms=group[0].planned_end_ms,
            )
        )
    value = 7.0 * len(active) / len(days) if days and outcomes else None
    # A day nobody could watch may have had its broadcast: it counts either way, and
    # decides nothing unless it could not change the verdict.
    undecided = len(unwatched - active)
    best = 7.0 * (len(active) + undecided) / len(days) if days else None
    reason: tuple[str, str] | None = None
    if not outcomes:
        reason = (
            "Không có lịch phát hay nhật ký phát thanh nào trong kỳ",
            "No schedule or broadcast log in the period",
        )
    elif len(days) < indicator.min_days:
        reason = (
            f"Kỳ mới có {len(days)} ngày trọn vẹn (cần ≥ {indicator.min_days})",
            f"Only {len(days)} whole days in the period (needs ≥ {indicator.min_days})",
        )
    elif value is not None and best is not None and indicator.meets(value) != indicator.meets(best):
        reason = (
            f"{undecided} ngày không theo dõi được cụm loa nào (dưới "
            f"{num(indicator.min_known_pct)}% thời gian): chưa thể kết luận",
            f"{undecided} day{'' if undecided == 1 else 's'} on which no cluster could be "
            f"watched (under {indicator.min_known_pct:g}% of the time): cannot conclude",
        )
    if reason is not None or value is None:
        return ctx.result(
            frame,
            "insufficient_data",
            value=value,
            numerator=len(active),
            denominator=len(days),
            reason=reason or ("", ""),
            evidence=items,
        )
    return ctx.result(
        frame,
        "met" if indicator.meets(value) else "not_met",
        value=value,
        numerator=len(active),
        denominator=len(days),
        evidence=items,
    )


def emergency_readiness(ctx: Context, indicator: Indicator) -> IndicatorResult:
    max_delay_ms = int(indicator.max_delay_s * 1000)
    method = (
        f"Bản tin khẩn cấp (hoặc diễn tập) gần nhất trong {indicator.max_age_days} ngày đến hết "
        f"kỳ: số cụm loa xác nhận bắt đầu phát trong vòng {num(indicator.max_delay_s)} giây ÷ "
        "số cụm loa đã lắp đặt của xã lúc đó × 100.",
        f"The latest emergency (or test) broadcast within the {indicator.max_age_days} days to "
        f"the end of the period: clusters confirmed playing within {indicator.max_delay_s:g} s "
        "÷ the commune's installed clusters at the time × 100.",
    )
    window = Window(ctx.end_ms - indicator.max_age_days * DAY_MS, ctx.end_ms)
    frame = Frame(indicator, method, "broadcast_logs", window)
    missing = _no_logs(ctx)
    if missing:
        return ctx.result(frame, "insufficient_data", reason=missing)
    outcomes = _member_outcomes(ctx, window)
    emergencies = {
        key: group
        for key, group in _sessions(outcomes).items()
        if group[0].priority == "emergency" and key[1] + max_delay_ms <= ctx.end_ms
    }
    if not emergencies:
        watched_ms = _watched_ms(_watched(ctx, window), window.from_ms, window.to_ms)
        if watched_ms * 100 < indicator.min_known_pct * (window.to_ms - window.from_ms):
            # One may have played while nobody could see: no proof either way.
            return ctx.result(
                frame,
                "insufficient_data",
                reason=(
                    f"Không có bản tin khẩn cấp nào được ghi nhận, nhưng chỉ theo dõi được "
                    f"{num(100 * watched_ms / (window.to_ms - window.from_ms))}% "
                    f"của {indicator.max_age_days} ngày",
                    "No emergency broadcast on record, but the clusters could be watched "
                    f"for only {100 * watched_ms / (window.to_ms - window.from_ms):.1f}% "
                    f"of the {indicator.max_age_days} days",
                ),
            )
        if not outcomes:
            return ctx.result(
                frame,
                "insufficient_data",
                reason=(
                    "Không có lịch phát hay nhật ký phát thanh nào trong thời gian xét",
                    "No schedule or broadcast log in the time looked at",
                ),
            )
        return ctx.result(
            frame,
            "not_met",
            value=0.0,
            reason=(
                f"Không có bản tin khẩn cấp hay diễn tập nào trong {indicator.max_age_days} ngày",
                f"No emergency or test broadcast within {indicator.max_age_days} days",
            ),
        )
    (schedule, start_ms), group = max(emergencies.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    by_cluster = {o.cluster: o for o in group}
    installed = {
        d.entry.id
        for d in ctx.devices("radio_cluster")
        if not d.planned and d.from_ms <= start_ms < d.to_ms
    }
    targets = sorted(installed | set(by_cluster))
    names = {d.entry.id: d.entry.name for d in ctx.devices("radio_cluster")}
    items = [
        EvidenceItem(
            kind="broadcast",
            id=f"{schedule}@{start_ms}",
            label=group[0].title,
            note=_kind_of(group[0], "vi"),
            note_en=_kind_of(group[0], "en"),
            from_ms=start_ms,
            to_ms=group[0].planned_end_ms,
        )
    ]
    reached = 0
    for cluster in targets:
        outcome = by_cluster.get(cluster)
        delay_ms = (
            None if outcome is None or outcome.started_ms is None else outcome.started_ms - start_ms
        )
        ok = (
            outcome is not None
            and outcome.status in _REACHED
            and delay_ms is not None
            and delay_ms <= max_delay_ms
        )
        reached += ok
        items.append(
            EvidenceItem(
                kind="device",
                id=cluster,
                label=names.get(cluster, ""),
                value=None if delay_ms is None else delay_ms / 1000,
                counted=ok,
                note=_reached_text(outcome, "vi"),
                note_en=_reached_text(outcome, "en"),
            )
        )
    value = 100.0 * reached / len(targets) if targets else 0.0
    return ctx.result(
        frame,
        "met" if indicator.meets(value) else "not_met",
        value=value,
        numerator=reached,
        denominator=len(targets),
        evidence=items,
    )
