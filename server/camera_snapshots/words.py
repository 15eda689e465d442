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
    "snapshot.keep": {"vi": "Lưu làm minh chứng", "en": "Keep as evidence"},
    "snapshot.kept": {
        "vi": "Đã lưu làm minh chứng (có thể đính kèm vào chỉ tiêu):",
        "en": "Kept as evidence (it can be attached to an indicator):",
    },
    "report.camera_pictures": {
        "vi": "Ảnh camera tại các địa điểm trọng yếu",
        "en": "Camera pictures at the key locations",
    },
    "report.camera_pictures_note": {
        "vi": "Ảnh mỗi camera chụp ngày gần nhất cuối kỳ (từ 9:00), kèm mã SHA-256 của ảnh. "
        "Ảnh là minh chứng kèm theo, không nằm trong mã băm của báo cáo.",
        "en": "Each camera's picture of the last day of the period that has one (from "
        "09:00), with the picture's SHA-256. The pictures go with the report; the "
        "report's hash covers its figures only.",
    },
    "snapshot.learning": {"vi": "đang học ngưỡng", "en": "learning its thresholds"},
}
