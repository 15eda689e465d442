"""The reconciled fate of one planned broadcast on one loudspeaker cluster: the unit
of the playout log, of the missed-broadcast alert and of indicators R8 and R9.

``server/broadcasts/reconcile.py`` produces these from the schedules (what was planned) and the
agents' broadcast-log events (what happened); consumers only read them.
"""

from __future__ import annotations

from typing import Literal

import msgspec

# played: started on time and ran (nearly) its full length; late: ran fully, started
# late; partial: cut short (pre-empted and not resumed, player stopped early); failed:
# the player or its content failed; missed: the gateway held the schedule and did not
# play it; not_received: the gateway never confirmed holding it; silenced: deliberately
# stopped by "silence now"; upcoming / playing: not over yet; manual: a live announcement
# entered by an officer.
Priority = Literal["background", "normal", "priority", "emergency"]
PlayoutStatus = Literal[
    "played",
    "late",
    "partial",
    "failed",
    "missed",
    "not_received",
    "silenced",
    "upcoming",
    "playing",
    "manual",
]
# What the played time of a play was measured against: the real length of what it
# played (rendered speech as the gateway measured it, an uploaded file as the server
# did), when known and no longer than the slot; the slot otherwise (a stream, an older
# agent, speech longer than its slot). A standing relay's time on air is measured
# against the time it was due on air ("due": its slot less what bulletins and silences
# took of it, ``due_s``).
MeasuredAgainst = Literal["content", "slot", "due"]
CONFIRMED_STATUSES = frozenset({"played", "late", "manual"})
PROBLEM_STATUSES = frozenset({"failed", "missed", "not_received"})


class PlayoutOutcome(msgspec.Struct, frozen=True, omit_defaults=True):
    commune: str
    cluster: str
    schedule: str  # schedule id; "manual:<id>" for a manual entry
    title: str
    priority: Priority
    content_type: str
    planned_start_ms: int
    planned_end_ms: int
    status: PlayoutStatus
    village: str | None = None
    agent: str | None = None
    started_ms: int | None = None
    ended_ms: int | None = None
    played_s: float | None = None
    content_s: float | None = None  # the real length of what played, when known
    # A standing relay: the seconds it was due on air (its slot less the bulletins and
    # silences on its cluster); ``played_s`` is then its time on air, all plays summed.
    due_s: float | None = None
    # Set where the played time decides (played, late, partial, playing).
    measured_against: MeasuredAgainst | None = None
    error: str | None = None
    preempted_by: str | None = None
    operator: str | None = None
    # The event that decided the status came from the agent's backlog (replayed after an
    # outage): history, never a cause for a live alert.
    historical: bool = False
    note: str | None = None  # manual entries: what the officer wrote


# The words of the playout log (CSV, alerts), Vietnamese first.
STATUS_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "played": "Đã phát",
        "late": "Phát muộn",
        "partial": "Phát không trọn vẹn",
        "failed": "Lỗi phát",
        "missed": "Không phát",
        "not_received": "Chưa nhận lịch",
        "silenced": "Đã dừng theo lệnh",
        "upcoming": "Chưa đến giờ",
        "playing": "Đang phát",
        "manual": "Phát trực tiếp (nhập tay)",
    },
    "en": {
        "played": "Played",
        "late": "Played late",
        "partial": "Partly played",
        "failed": "Failed",
        "missed": "Missed",
        "not_received": "Schedule not received",
        "silenced": "Stopped on order",
        "upcoming": "Not yet due",
        "playing": "Playing",
        "manual": "Live (entered by hand)",
    },
}
PRIORITY_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "background": "Tiếp sóng thường xuyên",
        "normal": "Thông thường",
        "priority": "Ưu tiên",
        "emergency": "Khẩn cấp",
    },
    "en": {
        "background": "Standing relay",
        "normal": "Normal",
        "priority": "Priority",
        "emergency": "Emergency",
    },
}
CONTENT_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "file": "Tệp âm thanh",
        "tts": "Đọc văn bản (TTS)",
        "relay": "Tiếp sóng",
        "live": "Trực tiếp",
    },
    "en": {"file": "Audio file", "tts": "Text to speech", "relay": "Relay", "live": "Live"},
}
MEASURED_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "content": "Độ dài thực của nội dung",
        "slot": "Thời lượng theo lịch",
        "due": "Thời gian phải phát (trừ bản tin và lệnh dừng)",
    },
    "en": {
        "content": "the content's real length",
        "slot": "the scheduled slot",
        "due": "the time due on air (less bulletins and silences)",
    },
}
