"""What the alert rules hand to the delivery layer: one message per alert group.

One message names a commune and lists all of its affected devices, so that a commune
losing power is one notification, not one per loudspeaker (the alert storms users hate
most in Zabbix and Uptime Kuma, see docs/alerts.md). The rules decide the grouping; this
module only carries the result.
"""

from __future__ import annotations

from typing import Literal

import msgspec

AlertState = Literal["firing", "reminder", "resolved"]
Severity = Literal["info", "warning", "critical"]
Language = Literal["vi", "en"]


class AlertDevice(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    kind: str  # radio_cluster | gateway | camera | nvr | vc_endpoint (xaso.protocol)
    status: str  # online | offline | stopped | unknown (server.monitoring.fleet_state)
    name: str | None = None
    since_ms: int | None = None  # when the device entered ``status``, UTC epoch ms
    cause: str | None = None  # a cause code as stored (server.words.describe_cause)


class AlertBulletin(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The broadcast a ``broadcast_not_played`` alert is about: one occurrence of one
    schedule (docs/broadcasts.md)."""

    schedule: str  # schedule id
    title: str
    priority: str  # normal | priority | emergency
    planned_start_ms: int
    planned_end_ms: int


class AlertMessage(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    key: str  # stable id of the alert group, e.g. "commune:xuan-hong:power"
    state: AlertState
    severity: Severity
    # device_down | commune_radio_below | camera_not_recording | clock_offset |
    # broadcast_not_played
    rule: str
    started_ms: int  # when the problem began (UTC epoch ms); fixed for the group's life
    ts_ms: int  # when this message was produced
    commune: str | None = None  # commune id
    commune_name: str | None = None  # as people write it: "Xã Xuân Hồng"
    devices: list[AlertDevice] = []
    resolved_ms: int | None = None  # set on state == "resolved"
    # The suspected common cause of the group, e.g. "power" when every device of a
    # commune went silent at once; shown as a hint, never as a certainty.
    cause: str | None = None
    # One line from the rule in the message's language, e.g. "3/15 cụm loa hoạt động".
    summary: str | None = None
    lang: Language = "vi"
    # broadcast_not_played: the bulletin and occurrence; ``devices`` are its clusters,
    # each with its playout status (missed, failed, not_received...).
    bulletin: AlertBulletin | None = None

    def __post_init__(self) -> None:
        if self.state == "resolved" and self.resolved_ms is None:
            raise ValueError("a resolved alert needs resolved_ms")


def to_builtins(message: AlertMessage) -> dict[str, object]:
    """The message as plain JSON-ready data (the webhook body is built from it)."""
    data = msgspec.to_builtins(message)
    assert isinstance(data, dict)
    return data
