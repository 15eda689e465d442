"""A little history for the commune and device pages' tests: status transitions over
the last weeks, probe readings and a gateway's health, relative to a given now."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from xaso.server.records import AgentHealthRecord, DeviceReadingRecord, Record, TransitionRecord

H = 3_600_000
DAY = 24 * H
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def transition(device: str, at_ms: int, status: str, cause: str) -> TransitionRecord:
    kind = "gateway" if device.endswith("-gw") else "camera" if "cam" in device else "radio_cluster"
    commune = device.split("-")[0]
    return TransitionRecord(device, commune, kind, at_ms, status, "", cause)


def _at_nine(ts_ms: int) -> int:
    """09:00 in Asia/Ho_Chi_Minh on the local day of ``ts_ms``."""
    day = dt.datetime.fromtimestamp(ts_ms / 1000, VN).date()
    return int(dt.datetime(day.year, day.month, day.day, 9, tzinfo=VN).timestamp() * 1000)


def history(now_ms: int) -> list[Record]:
    """The gateway and the loudspeaker cluster online for weeks, the cluster down twice
    (3 days ago for 2 h, 10 days ago for 30 min), the camera down since yesterday;
    readings every 10 minutes over the last 3 days. The outages start at 09:00 local time
    on their day, so that each falls within one day whatever the hour the test runs."""
    three_days_ago, ten_days_ago = _at_nine(now_ms - 3 * DAY), _at_nine(now_ms - 10 * DAY)
    records: list[Record] = [
        transition("alpha-gw", now_ms - 40 * DAY, "online", "birth"),
        transition("alpha-rc-1", now_ms - 40 * DAY, "online", "probe_ok"),
        transition("alpha-rc-1", ten_days_ago, "offline", "probe_failed: icmp: timeout"),
        transition("alpha-rc-1", ten_days_ago + H // 2, "online", "probe_ok"),
        transition("alpha-rc-1", three_days_ago, "offline", "will"),
        transition("alpha-rc-1", three_days_ago + 2 * H, "online", "probe_ok"),
        transition("alpha-cam-1", now_ms - 20 * DAY, "online", "probe_ok"),
        transition(
            "alpha-cam-1", now_ms - DAY, "offline", "probe_failed: rtsp: connection refused"
        ),
    ]
    step = 10 * 60_000
    for number, at in enumerate(range(now_ms - 3 * DAY, now_ms, step)):
        records.append(
            DeviceReadingRecord(
                device_id="alpha-rc-1",
                agent_id="alpha-gw",
                commune="alpha",
                kind="radio_cluster",
                ts_ms=at,
                seq=number,
                reachable=True,
                rtt_ms=20.0 + number % 7,
                detail={
                    "radio.play_state": "playing" if number % 6 == 0 else "idle",
                    "radio.volume": 70.0,
                },
            )
        )
        records.append(
            AgentHealthRecord(
                agent_id="alpha-gw",
                commune="alpha",
                ts_ms=at,
                seq=number,
                session=1,
                load1=0.3 + (number % 5) / 10,
                mem_used_pct=41.0,
                disk_free_pct=77.0,
                temp_c=48.0 + number % 4,
                detail={"rssi_dbm": -71.0},
            )
        )
    return records
