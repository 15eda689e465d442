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
    "last_seen": {"vi": "Lần cuối nhận tin", "en": "Last seen"},
    "cause": {"vi": "Nguyên nhân", "en": "Cause"},
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
    "times_in": {"vi": "Giờ Việt Nam (UTC+7)", "en": "Times in Asia/Ho_Chi_Minh (UTC+7)"},
    # statuses
    "online": {"vi": "Hoạt động", "en": "Online"},
    "offline": {"vi": "Mất kết nối", "en": "Offline"},
    "stopped": {"vi": "Đã dừng", "en": "Stopped"},
    "unknown": {"vi": "Không rõ", "en": "Unknown"},
    "planned": {"vi": "Chưa lắp đặt", "en": "Planned"},
    # device kinds
    "gateway": {"vi": "Bộ điều khiển trung tâm", "en": "Gateway"},
    "radio_cluster": {"vi": "Cụm loa truyền thanh", "en": "Radio cluster"},
    "camera": {"vi": "Camera an ninh", "en": "Camera"},
    "nvr": {"vi": "Đầu ghi hình", "en": "Video recorder"},
    "vc_endpoint": {"vi": "Điểm cầu truyền hình", "en": "Video-conference point"},
}


def translator(lang: str) -> dict[str, str]:
    lang = lang if lang in LANGUAGES else "vi"
    return {key: words[lang] for key, words in _TEXT.items()}


def pick_language(query_lang: str | None, cookie_lang: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    return "vi"
