"""The words of the camera pictures on the pages, merged into the one catalogue
(server/words.py)."""

from __future__ import annotations

SNAPSHOT_TEXT: dict[str, dict[str, str]] = {
    "snapshot.title": {"vi": "Hình ảnh camera", "en": "Camera picture"},
    "snapshot.latest": {"vi": "Ảnh mới nhất", "en": "Latest picture"},
    "snapshot.taken": {"vi": "Chụp lúc", "en": "Taken at"},
    "snapshot.none": {
        "vi": "Chưa nhận được ảnh nào từ camera này.",
        "en": "No picture has come from this camera yet.",
    },
    "snapshot.days": {"vi": "Ảnh lưu mỗi ngày", "en": "One picture a day"},
    "snapshot.days_note": {
        "vi": "Ảnh đầu tiên từ 9:00 mỗi ngày, giữ làm minh chứng.",
        "en": "The first picture from 09:00 each day, kept as evidence.",
    },
    "snapshot.alt": {"vi": "Ảnh camera {name} lúc {taken}", "en": "{name}, picture of {taken}"},
    "snapshot.picture": {"vi": "Hình ảnh", "en": "Picture"},
    "snapshot.grid": {"vi": "Camera", "en": "Cameras"},
    "snapshot.no_picture_yet": {"vi": "Chưa có ảnh", "en": "No picture yet"},
    # CameraStatus.picture.state
    "picture.ok": {"vi": "Hình ảnh tốt", "en": "Picture good"},
    "picture.dark": {"vi": "Quá tối", "en": "Too dark"},
    "picture.blurred": {"vi": "Bị mờ", "en": "Blurred"},
    "picture.covered": {"vi": "Bị che", "en": "Covered"},
    "picture.frozen": {"vi": "Đứng hình", "en": "Frozen"},
    "picture.no_picture": {"vi": "Không có hình", "en": "No picture"},
    "picture.learning": {"vi": "đang học ngưỡng", "en": "learning its thresholds"},
}
