"""Alert delivery: messages, templates, channels (webhook, e-mail, Telegram) and the
dispatcher that retries them off the ingest path. See docs/alerts.md."""

from xaso.server.alerts.channels import (
    CHANNEL_TYPES,
    Channel,
    ChannelConfigError,
    DeliveryError,
    build_channel,
    build_channels,
)
from xaso.server.alerts.dispatcher import Dispatcher, RetryPolicy
from xaso.server.alerts.message import AlertDevice, AlertMessage
from xaso.server.alerts.metrics import AlertMetrics
from xaso.server.alerts.templates import Rendered, Renderer

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
