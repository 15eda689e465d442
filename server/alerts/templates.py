"""Alert text: a subject line, a plain-text body and an HTML body, Vietnamese first.

The layout of each body is a Jinja2 template per language (``templates/vi``,
``templates/en``) so that a translator can reword freely; the headline is built here
because its grammar depends on counts ("1 device is" / "20 devices are") and it is shared
by the subject and both bodies. HTML is autoescaped (device names come from inventories
typed by people); the text templates are not, since Telegram and the e-mail text part
show them verbatim.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import jinja2
import msgspec

from xaso.server.alerts.message import AlertBulletin, AlertDevice, AlertMessage, Language
from xaso.server.broadcasts.playout_outcome import PRIORITY_TEXT, STATUS_TEXT
from xaso.server.words import describe_cause, duration, translator

TEMPLATE_DIR: Final = Path(__file__).parent / "templates"
# Times are shown in Asia/Ho_Chi_Minh, stored in UTC (docs/domain.md#language-and-time).
LOCAL_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")

# Tags in front of the subject: the state for reminders and recoveries, the severity
# for a new alert, so that a mail client's list tells them apart at a glance.
_TAGS: Final[dict[Language, dict[str, str]]] = {
    "vi": {
        "critical": "NGHIÊM TRỌNG",
        "warning": "CẢNH BÁO",
        "info": "THÔNG BÁO",
        "reminder": "NHẮC LẠI",
        "resolved": "ĐÃ KHÔI PHỤC",
    },
    "en": {
        "critical": "CRITICAL",
        "warning": "WARNING",
        "info": "INFO",
        "reminder": "REMINDER",
        "resolved": "RESOLVED",
    },
}

# Suspected common causes of a group, shown as a question: the monitor cannot see a
# grid power cut, only that everything behind it went silent at once.
_HINTS: Final[dict[Language, dict[str, str]]] = {
    "vi": {
        "power": "mất điện?",
        "network": "mất mạng?",
        "gateway": "do bộ điều khiển trung tâm?",
    },
    "en": {
        "power": "power cut?",
        "network": "network outage?",
        "gateway": "gateway fault?",
    },
}


# The rule of a test message (``server/alerts/channel_check.py``): no alert, only a
# check that a channel reaches its people.
TEST_RULE: Final = "test"
_TEST_PHRASE: Final[dict[Language, str]] = {
    "vi": "Tin nhắn thử của hệ thống giám sát hạ tầng số",
    "en": "Test message from the digital infrastructure monitor",
}


def _phrase(rule: str, count: int, one: str | None, lang: Language) -> str:
    """What is wrong, e.g. '20 thiết bị mất kết nối' or 'Cụm loa thôn 3 mất kết nối'."""
    if lang == "vi":
        # Vietnamese nouns do not inflect: only the single-device wording differs.
        single = {
            "device_down": "{one} mất kết nối",
            "camera_not_recording": "{one} không ghi hình",
            "clock_offset": "{one} lệch đồng hồ",
            "recording_gap": "{one} mất ghi hình",
            "picture_unusable": "{one}: hình ảnh không dùng được",
        }
        many = {
            "device_down": "{n} thiết bị mất kết nối",
            "camera_not_recording": "{n} camera không ghi hình",
            "clock_offset": "{n} thiết bị lệch đồng hồ",
            "recording_gap": "{n} camera mất ghi hình",
            "picture_unusable": "{n} camera có hình ảnh không dùng được",
            "commune_radio_below": "truyền thanh dưới chỉ tiêu ({n} cụm loa không hoạt động)",
        }
        fallback = "{n} thiết bị có cảnh báo {rule}"
    else:
        single = {
            "device_down": "{one} is offline",
            "camera_not_recording": "{one} is not recording",
            "clock_offset": "{one} has a clock offset",
            "recording_gap": "{one} has a recording gap",
            "picture_unusable": "{one}: picture unusable",
        }
        many = {
            "device_down": "{n} devices offline",
            "camera_not_recording": "{n} cameras not recording",
            "clock_offset": "{n} devices with a clock offset",
            "recording_gap": "{n} cameras with recording gaps",
            "picture_unusable": "{n} cameras with an unusable picture",
            "commune_radio_below": "radio below target ({n} clusters not working)",
        }
        fallback = "{n} devices with alert {rule}"
    if rule == TEST_RULE:
        return _TEST_PHRASE[lang]
    if count == 1 and one is not None and rule in single:
        return single[rule].format(one=one)
    return many.get(rule, fallback).format(n=count, rule=rule)


def _bulletin_phrase(bulletin: AlertBulletin, count: int, one: str | None, lang: Language) -> str:
    """E.g. 'bản tin “Bản tin sáng” lúc 14/04/2025 06:00 không phát được trên 3 cụm loa'."""
    when = local_time(bulletin.planned_start_ms)
    if lang == "vi":
        where = one if count == 1 and one else f"{count} cụm loa"
        return f"bản tin “{bulletin.title}” lúc {when} không phát được trên {where}"
    where = one if count == 1 and one else f"{count} clusters"
    return f"bulletin “{bulletin.title}” at {when} did not play on {where}"


class Rendered(msgspec.Struct, frozen=True):
    subject: str
    text: str
    html: str


class Renderer:
    """Renders messages with templates loaded once. ``max_text_devices`` caps the
    device list of the text body (a Telegram message holds 4,096 characters); the HTML
    body of an e-mail lists every device."""

    def __init__(self, *, max_text_devices: int = 25, template_dir: Path = TEMPLATE_DIR) -> None:
        self.max_text_devices = max_text_devices
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(template_dir),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
            undefined=jinja2.StrictUndefined,  # a typo in a template fails the tests
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, message: AlertMessage) -> Rendered:
        lang = message.lang
        context = self._context(message)
        subject = context["subject"]
        text = self._env.get_template(f"{lang}/body.txt").render(
            context, devices=context["devices"][: self.max_text_devices]
        )
        html = self._env.get_template(f"{lang}/body.html").render(context)
        return Rendered(subject=subject, text=text.strip() + "\n", html=html)

    def _context(self, message: AlertMessage) -> dict[str, Any]:
        lang = message.lang
        words = translator(lang)
        bulletin = message.bulletin
        headline = message_headline(message)
        end_ms = message.resolved_ms if message.resolved_ms is not None else message.ts_ms
        lasted = duration((end_ms - message.started_ms) / 1000, lang)
        tag_key = message.severity if message.state == "firing" else message.state
        subject = f"[{_TAGS[lang][tag_key]}] {headline}"
        if message.state == "resolved" and bulletin is not None:
            # Not an outage that ended: later events showed the bulletin did play.
            subject += " — đã có xác nhận phát" if lang == "vi" else " — playout confirmed"
        elif message.state == "resolved":
            subject += f" — {'kéo dài' if lang == 'vi' else 'lasted'} {lasted}"
        devices = [_device_view(device, words, lang) for device in message.devices]
        return {
            "m": message,
            "words": words,
            "subject": subject,
            "headline": headline,
            "severity": _TAGS[lang][message.severity].capitalize(),
            "started": local_time(message.started_ms),
            "resolved": local_time(message.resolved_ms) if message.resolved_ms else None,
            "duration": lasted,
            "all_devices": devices,
            "devices": devices,
            "device_count": len(devices),
            "bulletin": None
            if bulletin is None
            else {
                "title": bulletin.title,
                "schedule": bulletin.schedule,
                "priority": PRIORITY_TEXT[lang].get(bulletin.priority, bulletin.priority),
                "start": local_time(bulletin.planned_start_ms),
                "end": local_time(bulletin.planned_end_ms),
            },
        }


def message_headline(message: AlertMessage) -> str:
    """What is wrong where, in the message's language: the subject without its tag,
    e.g. 'Xã Xuân Hồng: 20 thiết bị mất kết nối (mất điện?)'."""
    lang = message.lang
    first = message.devices[0] if message.devices else None
    one = (first.name or first.id) if first is not None else None
    if message.bulletin is not None:
        phrase = _bulletin_phrase(message.bulletin, len(message.devices), one, lang)
    elif message.rule == "picture_unusable" and first is not None and len(message.devices) == 1:
        phrase = _picture_phrase(first, lang) or _phrase(message.rule, 1, one, lang)
    else:
        phrase = _phrase(message.rule, len(message.devices), one, lang)
    hint = _HINTS[lang].get(message.cause, message.cause) if message.cause else None
    place = message.commune_name or message.commune
    headline = f"{place}: {phrase}" if place else phrase
    return headline + (f" ({hint})" if hint else "")


def _picture_phrase(device: AlertDevice, lang: Language) -> str | None:
    """One camera's picture by what is wrong with it, 'Camera UBND: hình ảnh bị che':
    an SMS or a Zalo message carries only the headline, and "covered" sends someone
    to take the cloth off where "unusable" would only send them to look. None when the
    device's cause is not its picture's (a recovery lists the camera as it is now)."""
    if not device.cause or not device.cause.startswith("picture_"):
        return None
    word = translator(lang).get(f"cause.{device.cause}")
    if word is None:
        return None
    return f"{device.name or device.id}: {word[:1].lower()}{word[1:]}"


def _device_view(device: AlertDevice, words: dict[str, str], lang: Language) -> dict[str, Any]:
    return {
        "id": device.id,
        "name": device.name or device.id,
        "kind": words.get(device.kind, device.kind),
        # A cluster in a broadcast alert carries its playout status (missed, failed...).
        "status": words.get(device.status) or STATUS_TEXT[lang].get(device.status, device.status),
        "since": local_time(device.since_ms) if device.since_ms is not None else None,
        "cause": describe_cause(device.cause, words) if device.cause else None,
    }


def local_time(ts_ms: int) -> str:
    """dd/mm/yyyy HH:MM in Vietnam's time, the way Vietnamese documents write dates."""
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(LOCAL_TZ)
    return moment.strftime("%d/%m/%Y %H:%M")
