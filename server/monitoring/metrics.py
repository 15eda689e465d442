"""Prometheus metrics of one server instance, in a registry of its own (no globals)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from xaso.server.monitoring.sequence import SequenceTracker

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _StatusCollector(Collector):
    """Device counts by kind and status, read from the live state at scrape time."""

    def __init__(self, counts: Callable[[], Tally[tuple[str, str]]]) -> None:
        self._counts = counts

    def collect(self):
        family = GaugeMetricFamily(
            "xaso_devices", "Devices by kind and live status", labels=["kind", "status"]
        )
        for (kind, status), n in sorted(self._counts().items()):
            family.add_metric([kind, status], n)
        yield family


class _AgentSequenceCollector(Collector):
    """Records missing and lost per agent, for the agents that have any."""

    def __init__(self, sequences: SequenceTracker) -> None:
        self._sequences = sequences

    def collect(self):
        missing = GaugeMetricFamily(
            "xaso_agent_records_missing",
            "Records of this agent not arrived yet",
            labels=["agent"],
        )
        lost = GaugeMetricFamily(
            "xaso_agent_records_lost", "Records of this agent given up as lost", labels=["agent"]
        )
        for agent_id, track in sorted(self._sequences.agents().items()):
            if track.gaps:
                missing.add_metric([agent_id], track.missing)
            if track.lost:
                lost.add_metric([agent_id], track.lost)
        yield missing
        yield lost


class Metrics:
    def __init__(self) -> None:
        # The *_created series double the output and no dashboard of ours reads them.
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages_received = Counter(
            "xaso_messages_received", "MQTT messages received", ["channel"], registry=r
        )
        self.messages_rejected = Counter(
            "xaso_messages_rejected",
            "MQTT messages dropped as invalid, by reason",
            ["reason"],
            registry=r,
        )
        self.records_restamped = Counter(
            "xaso_records_restamped",
            "live heartbeats whose gateway clock was unbelievable, stored at the server's time",
            registry=r,
        )
        self.readings_rejected = Counter(
            "xaso_readings_rejected",
            "Device readings dropped from otherwise valid heartbeats, by reason",
            ["reason"],
            registry=r,
        )
        self.snapshots_kept = Counter(
            "xaso_snapshots_kept",
            "Camera snapshots kept, by what they stand for (latest, day; older: newer "
            "ones were kept already); refused ones count in xaso_messages_rejected",
            ["kept"],
            registry=r,
        )
        self.stale_wills = Counter(
            "xaso_stale_wills", "Wills of an older agent session, ignored", registry=r
        )
        self.sequence_gaps = Counter(
            "xaso_sequence_gap_messages",
            "Records that arrived out of sequence, leaving a gap (most are filled later by "
            "the agent's backlog; see xaso_sequence_missing)",
            registry=r,
        )
        self.replay_requests = Counter(
            "xaso_replay_requests",
            "Requests to agents to send again records that never arrived",
            registry=r,
        )
        self.store_writes = Counter(
            "xaso_store_writes", "Store write attempts, by result", ["result"], registry=r
        )
        self.store_records_written = Counter(
            "xaso_store_records_written", "Records written to the store", registry=r
        )
        self.store_records_rejected = Counter(
            "xaso_store_records_rejected",
            "Records the store refused for good (e.g. InfluxDB partial write)",
            registry=r,
        )
        self.queue_depth = Gauge(
            "xaso_ingest_queue_depth", "Records waiting to be written", registry=r
        )
        self.intake_paused = Gauge(
            "xaso_intake_paused",
            "1 while the writer holds its bound of records and the broker keeps the rest",
            registry=r,
        )
        self.mqtt_connected = Gauge(
            "xaso_mqtt_connected", "1 while the server is connected to the broker", registry=r
        )
        self.intake_stalled = Gauge(
            "xaso_intake_stalled",
            "1 while messages wait too long to be stored (no device is timed out meanwhile)",
            registry=r,
        )
        self.dead_letters = Counter(
            "xaso_dead_letters",
            "Refused messages kept aside with their raw bytes, by reason",
            ["reason"],
            registry=r,
        )

    def watch_sequences(self, sequences: SequenceTracker) -> None:
        missing = Gauge(
            "xaso_sequence_missing",
            "Records agents numbered that have not arrived yet (a backlog or a replay may "
            "still bring them)",
            registry=self.registry,
        )
        missing.set_function(sequences.total_missing)
        lost = Gauge(
            "xaso_sequence_lost",
            "Records agents numbered that never arrived, given up after replay requests "
            "(kept across restarts)",
            registry=self.registry,
        )
        lost.set_function(sequences.total_lost)
        self.registry.register(_AgentSequenceCollector(sequences))

    def watch_intake(self, waiting_s: Callable[[], float], failing: Callable[[], bool]) -> None:
        waiting = Gauge(
            "xaso_intake_waiting_seconds",
            "How long the oldest message not yet stored has waited",
            registry=self.registry,
        )
        waiting.set_function(waiting_s)
        store_failing = Gauge(
            "xaso_store_failing", "1 while writes to the store fail", registry=self.registry
        )
        store_failing.set_function(lambda: 1 if failing() else 0)

    def hand_intake_to(self, workers: Collector) -> None:
        """With ingest workers, the intake's series are theirs (``workers`` sums them);
        this process's own, never counted, would repeat their names."""
        for own in (
            self.messages_received,
            self.messages_rejected,
            self.records_restamped,
            self.readings_rejected,
            self.snapshots_kept,
            self.stale_wills,
            self.sequence_gaps,
            self.replay_requests,
            self.store_writes,
            self.store_records_written,
            self.store_records_rejected,
            self.queue_depth,
            self.intake_paused,
            self.intake_stalled,
            self.dead_letters,
        ):
            self.registry.unregister(own)
        self.registry.register(workers)

    def watch_device_counts(self, counts: Callable[[], Tally[tuple[str, str]]]) -> None:
        self.registry.register(_StatusCollector(counts))

    def render(self) -> bytes:
        return generate_latest(self.registry)
