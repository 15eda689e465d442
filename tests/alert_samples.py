"""Alert messages shared by the alert tests: one commune losing power."""

from __future__ import annotations

from typing import Any

from xaso.server.alerts.message import AlertDevice, AlertMessage

# 14/04/2025 07:30 in Vietnam (00:30 UTC)
STARTED_MS = 1_744_590_600_000
LATER_MS = STARTED_MS + (2 * 3600 + 5 * 60) * 1000  # 2 h 5 min later


def devices(count: int = 20) -> list[AlertDevice]:
    return [
        AlertDevice(
            id=f"xh-loa-{i:02d}",
            name=f"Cụm loa thôn {i}",
            kind="radio_cluster",
            status="offline",
            since_ms=STARTED_MS,
            cause="timeout",
        )
        for i in range(1, count + 1)
    ]


def power_cut(state: str = "firing", lang: str = "vi", **changes: Any) -> AlertMessage:
    fields: dict[str, Any] = {
        "key": "commune:xuan-hong:power",
        "state": state,
        "severity": "critical",
        "rule": "device_down",
        "commune": "xuan-hong",
        "commune_name": "Xã Xuân Hồng",
        "devices": devices(),
        "cause": "power",
        "started_ms": STARTED_MS,
        "ts_ms": LATER_MS,
        "resolved_ms": LATER_MS if state == "resolved" else None,
        "lang": lang,
    }
    fields.update(changes)
    return AlertMessage(**fields)
