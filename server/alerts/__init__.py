"""Alert delivery: messages, templates, channels (webhook, e-mail, Telegram) and the
dispatcher that retries them off the ingest path. See docs/alerts.md."""

from server.alerts.channels import (
    CHANNEL_TYPES,
    Channel,
    ChannelConfigError,
    DeliveryError,
    build_channel,
    build_channels,
)
from server.alerts.dispatcher import Dispatcher, RetryPolicy
from server.alerts.message import AlertDevice, AlertMessage
from server.alerts.metrics import AlertMetrics
from server.alerts.templates import Rendered, Renderer

__all__ = [
    "CHANNEL_TYPES",
    "AlertDevice",
    "AlertMessage",
    "AlertMetrics",
    "Channel",
    "ChannelConfigError",
    "DeliveryError",
    "Dispatcher",
    "Rendered",
    "Renderer",
    "RetryPolicy",
    "build_channel",
    "build_channels",
]
