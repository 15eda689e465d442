"""A device's readings as chart series: what each chart shows, and the records brought
down to at most a given number of points per series.

A period is cut into equal buckets; a bucket's point is the mean of the values in it
(the highest for ``max`` series, the share of the time for yes/no values, in %), and a
bucket with no value is a gap (None), which uPlot draws as a break: a gateway cut off
shows as missing data, not as a line across. Pure functions of the records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Literal, NamedTuple

from xaso.server.records import AgentHealthRecord, DetailValue, DeviceReadingRecord

Aggregate = Literal["mean", "max", "share"]
AnyRecord = AgentHealthRecord | DeviceReadingRecord


class Series(NamedTuple):
    key: str  # its name in the answer; its words are "series.<key>"
    chart: str  # the chart it is drawn in; its title is "chart.<chart>"
    read: Callable[[AnyRecord], float | None]
    aggregate: Aggregate = "mean"
    # The detail key it reads, if any: a record without it is passed over at the cost of
    # a dict lookup (most probes carry no detail at all).
    detail_key: str | None = None


def _number(value: DetailValue | None) -> float | None:
    return value if isinstance(value, float) else None


def _yes(value: DetailValue | None) -> float | None:
    return (1.0 if value else 0.0) if isinstance(value, bool) else None


def _from_detail(key: str, chart: str, aggregate: Aggregate = "mean") -> Series:
    """A series of one detail key: yes/no as the share of the time, numbers as they are."""

    def read(record: AnyRecord) -> float | None:
        value = record.detail.get(key)
        return _yes(value) if aggregate == "share" else _number(value)

    return Series(key, chart, read, aggregate, key)


def _playing(record: AnyRecord) -> float | None:
    state = record.detail.get("radio.play_state")
    return None if not isinstance(state, str) else (1.0 if state == "playing" else 0.0)


def _reading(
    read: Callable[[DeviceReadingRecord], float | None],
) -> Callable[[AnyRecord], float | None]:
    return lambda record: read(record) if isinstance(record, DeviceReadingRecord) else None


def _health(
    read: Callable[[AgentHealthRecord], float | None],
) -> Callable[[AnyRecord], float | None]:
    return lambda record: read(record) if isinstance(record, AgentHealthRecord) else None


# A device's probes (every kind but the gateway): whatever its collectors report.
READING_SERIES: Final = (
    Series("rtt_ms", "rtt", _reading(lambda r: r.rtt_ms)),
    Series("rtt_ms_max", "rtt", _reading(lambda r: r.rtt_ms), "max"),
    Series("reachable", "shares", _reading(lambda r: 1.0 if r.reachable else 0.0), "share"),
    _from_detail("camera.stream_ok", "shares", "share"),
    _from_detail("camera.recording", "shares", "share"),
    _from_detail("nvr.recording", "shares", "share"),
    Series("radio.playing", "shares", _playing, "share", "radio.play_state"),
    _from_detail("camera.fps", "video"),
    _from_detail("camera.bitrate_kbps", "video"),
    _from_detail("nvr.channels_recording", "channels"),
    _from_detail("nvr.disk_free_pct", "resources"),
    _from_detail("radio.volume", "volume"),
    _from_detail("radio.frame_loss_pct", "frame_loss"),
)
# A gateway's own health, from its heartbeats.
HEALTH_SERIES: Final = (
    Series("temp_c", "temp", _health(lambda r: r.temp_c)),
    Series("load1", "load", _health(lambda r: r.load1)),
    Series("mem_used_pct", "resources", _health(lambda r: r.mem_used_pct)),
    Series("disk_free_pct", "resources", _health(lambda r: r.disk_free_pct)),
    _from_detail("rssi_dbm", "signal"),
    _from_detail("rsrp_dbm", "signal"),
    _from_detail("queue_depth", "queue"),
)


class Chart(NamedTuple):
    id: str
    series: list[tuple[str, list[float | None]]]  # (key, one value a bucket)


class Downsampled(NamedTuple):
    times_s: list[float]  # each bucket's middle, epoch seconds (what uPlot takes)
    bucket_ms: int
    charts: list[Chart]  # in the order of the series definitions; empty ones left out


def downsample(
    records: Sequence[AnyRecord],
    definitions: Sequence[Series],
    from_ms: int,
    to_ms: int,
    points: int,
) -> Downsampled:
    """The records of ``[from_ms, to_ms)`` in ``points`` equal buckets (fewer when the
    period is shorter than ``points`` milliseconds)."""
    span = max(1, to_ms - from_ms)
    buckets = max(1, min(points, span))
    sums = [[0.0] * buckets for _ in definitions]
    counts = [[0] * buckets for _ in definitions]
    highs: list[list[float | None]] = [[None] * buckets for _ in definitions]
    for record in records:
        if not from_ms <= record.ts_ms < to_ms:
            continue
        bucket = (record.ts_ms - from_ms) * buckets // span
        detail = record.detail
        for number, definition in enumerate(definitions):
            if definition.detail_key is not None and definition.detail_key not in detail:
                continue
            value = definition.read(record)
            if value is None:
                continue
            sums[number][bucket] += value
            counts[number][bucket] += 1
            high = highs[number][bucket]
            if high is None or value > high:
                highs[number][bucket] = value
    charts: dict[str, Chart] = {}
    for number, definition in enumerate(definitions):
        if not any(counts[number]):
            continue
        values = _values(definition.aggregate, sums[number], counts[number], highs[number])
        charts.setdefault(definition.chart, Chart(definition.chart, [])).series.append(
            (definition.key, values)
        )
    times = [(from_ms + (2 * b + 1) * span / (2 * buckets)) / 1000 for b in range(buckets)]
    return Downsampled([round(t, 3) for t in times], span // buckets, list(charts.values()))


def _values(
    aggregate: Aggregate, sums: list[float], counts: list[int], highs: list[float | None]
) -> list[float | None]:
    if aggregate == "max":
        return [None if h is None else round(h, 3) for h in highs]
    scale = 100.0 if aggregate == "share" else 1.0
    return [round(scale * s / c, 3) if c else None for s, c in zip(sums, counts, strict=True)]
