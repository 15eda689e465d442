"""Alert delivery metrics, registered on the registry of the server's ``Metrics``
(per-app, no globals): ``AlertMetrics(app_metrics.registry)``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class AlertMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        # prometheus_client appends _total to counters: these are xaso_alerts_sent_total...
        self.sent = Counter(
            "xaso_alerts_sent",
            "Alert messages delivered, by channel and state",
            ["channel", "state"],
            registry=r,
        )
        self.failures = Counter(
            "xaso_alert_failures",
            "Failed delivery attempts (each retry counts), by channel and whether retryable",
            ["channel", "retryable"],
            registry=r,
        )
        self.undelivered = Counter(
            "xaso_alerts_undelivered",
            "Alert messages given up on: rejected (not retryable) or expired (max age)",
            ["channel", "reason"],
            registry=r,
        )
        self.dropped = Counter(
            "xaso_alerts_dropped",
            "Alert messages dropped from a full channel queue (reminders first)",
            ["channel"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "xaso_alert_queue_depth",
            "Alert messages waiting per channel",
            ["channel"],
            registry=r,
        )
