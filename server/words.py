"""Words of the user interface: Vietnamese first (the users' language), English second."""

from __future__ import annotations

LANGUAGES = ("vi", "en")

_TEXT: dict[str, dict[str, str]] = {
    "title": {"vi": "Giám sát hạ tầng số cấp xã", "en": "Commune digital infrastructure monitor"},
    "communes": {"vi": "Đơn vị hành chính cấp xã", "en": "Communes"},
    "commune": {"vi": "Xã / thị trấn", "en": "Commune"},
    "devices": {"vi": "Thiết bị", "en": "Devices"},
    "device": {"vi": "Thiết bị", "en": "Device"},
    "kind": {"vi": "Loại", "en": "Kind"},
    "status": {"vi": "Trạng thái", "en": "Status"},
    "since": {"vi": "Từ lúc", "en": "Since"},
    "for": {"vi": "đã", "en": "for"},
    "last_seen": {"vi": "Lần cuối nhận tin", "en": "Last seen"},
    "cause": {"vi": "Nguyên nhân", "en": "Cause"},
    # A loudspeaker cluster playing now, and what (RadioStatus.source).
    "playing": {"vi": "Đang phát", "en": "Playing"},
    "playing_emergency": {"vi": "Đang phát khẩn cấp", "en": "Playing an emergency"},
    "playing_relay": {"vi": "Đang tiếp sóng", "en": "Relaying"},
    "place": {"vi": "Vị trí", "en": "Place"},
    "total": {"vi": "Tổng", "en": "Total"},
    "login": {"vi": "Đăng nhập", "en": "Sign in"},
    "token": {"vi": "Mã truy cập (API token)", "en": "Access token"},
    "bad_token": {"vi": "Mã truy cập không hợp lệ.", "en": "That token is not valid."},
    "logout": {"vi": "Đăng xuất", "en": "Sign out"},
    "broker_down": {
        "vi": "Máy chủ đang mất kết nối với MQTT broker: trạng thái có thể đã cũ.",
        "en": "The server has lost the MQTT broker: statuses may be stale.",
    },
    "alerts_firing": {"vi": "Cảnh báo đang hoạt động", "en": "Alerts firing"},
    "alert": {"vi": "Cảnh báo", "en": "Alert"},
    "times_in": {"vi": "Giờ Việt Nam (UTC+7)", "en": "Times in Asia/Ho_Chi_Minh (UTC+7)"},
    # statuses
    "online": {"vi": "Hoạt động", "en": "Online"},
    "offline": {"vi": "Mất kết nối", "en": "Offline"},
    "stopped": {"vi": "Đã dừng", "en": "Stopped"},
    "unknown": {"vi": "Không rõ", "en": "Unknown"},
    "pending": {"vi": "Chờ xác nhận", "en": "Pending"},
    "maintenance": {"vi": "Bảo trì", "en": "Maintenance"},
    "planned": {"vi": "Chưa lắp đặt", "en": "Planned"},
    # device kinds
    "gateway": {"vi": "Bộ điều khiển trung tâm", "en": "Gateway"},
    "radio_cluster": {"vi": "Cụm loa truyền thanh", "en": "Radio cluster"},
    "camera": {"vi": "Camera an ninh", "en": "Camera"},
    "nvr": {"vi": "Đầu ghi hình", "en": "Video recorder"},
    "vc_endpoint": {"vi": "Điểm cầu truyền hình", "en": "Video-conference point"},
    # causes of a status
    "cause.startup": {
        "vi": "Chưa có tin từ khi máy chủ khởi động",
        "en": "Not heard from since the server started",
    },
    "cause.planned": {"vi": "Theo kế hoạch, chưa lắp đặt", "en": "Planned, not installed"},
    "cause.birth": {"vi": "Gateway kết nối", "en": "Gateway connected"},
    "cause.heartbeat": {"vi": "Nhận được heartbeat", "en": "Heartbeat received"},
    "cause.will": {"vi": "Mất kết nối đột ngột (MQTT will)", "en": "Connection lost (MQTT will)"},
    "cause.timeout": {"vi": "Quá thời gian không nhận heartbeat", "en": "No heartbeat in time"},
    "cause.stopped": {"vi": "Agent dừng có chủ đích", "en": "Agent stopped cleanly"},
    "cause.probe_ok": {"vi": "Phản hồi bình thường", "en": "Answering"},
    "cause.probe_failed": {"vi": "Không phản hồi", "en": "Not answering"},
    "cause.gateway_offline": {"vi": "Gateway mất kết nối", "en": "Its gateway is offline"},
    "cause.gateway_stopped": {"vi": "Gateway đã dừng", "en": "Its gateway is stopped"},
    "cause.missed_heartbeat": {"vi": "Lỡ một nhịp heartbeat", "en": "Missed a heartbeat"},
    "cause.recovered": {"vi": "Đã khôi phục", "en": "Recovered"},
    "cause.maintenance": {"vi": "Trong thời gian bảo trì", "en": "In a maintenance window"},
    "cause.maintenance_ended": {"vi": "Hết thời gian bảo trì", "en": "Maintenance ended"},
    "cause.flapping_started": {"vi": "Chập chờn", "en": "Flapping"},
    "cause.flapping_ended": {"vi": "Hết chập chờn", "en": "No longer flapping"},
    "cause.no_reading": {
        "vi": "Gateway không còn báo cáo thiết bị này",
        "en": "No longer reported by its gateway",
    },
}


def describe_cause(cause: str, words: dict[str, str]) -> str:
    """A stored cause code in the user's language; a probe error keeps its own text."""
    code, _, detail = cause.partition(": ")
    text = words.get(f"cause.{code}", cause)
    return f"{text}: {detail}" if detail else text


def duration(seconds: float, lang: str) -> str:
    """A short human duration: '45 giây', '12 phút', '3 giờ 20 phút', '2 ngày 4 giờ'."""
    units = {"vi": ("ngày", "giờ", "phút", "giây"), "en": ("d", "h", "min", "s")}[lang]
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, units[0]), (hours, units[1]), (minutes, units[2]), (secs, units[3])]
    shown = [(n, unit) for n, unit in parts if n][:2] or [(0, units[3])]
    return " ".join(f"{n} {unit}" for n, unit in shown)


def translator(lang: str, table: dict[str, dict[str, str]] = _TEXT) -> dict[str, str]:
    """The words of ``table`` (the page's by default) in ``lang``; Vietnamese for an
    unknown language."""
    lang = lang if lang in LANGUAGES else "vi"
    return {key: words[lang] for key, words in table.items()}


def pick_language(query_lang: str | None, cookie_lang: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    return "vi"
