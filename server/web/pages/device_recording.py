"""The device page's recording section for a camera: the last seven local days, hours
recorded of the hours its recorder's reports covered, a band of the day (recorded, gap,
unknown) and the gaps listed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from xaso.server.monitoring.recording_ledger import RecordingLedger
from xaso.server.web.recording_days import recording_days
from xaso.server.words import duration

DAYS_SHOWN = 7
_WEEKDAYS = {
    "vi": ("T2", "T3", "T4", "T5", "T6", "T7", "CN"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def recording_section(
    ledger: RecordingLedger, device_id: str, now_ms: int, tz: ZoneInfo, lang: str
) -> dict[str, Any]:
    rows = []
    for day in recording_days(ledger, device_id, now_ms, DAYS_SHOWN, tz):
        span = day.to_ms - day.from_ms
        recorded = day.recorded
        band: list[dict[str, Any]] = []
        gaps = []
        if recorded is not None:
            # Recorded where a report covered it and no gap lies: the band draws the
            # covered stretches green, the gaps red over them; the rest stays grey.
            band += [_rect(a, b, day.from_ms, span, "online") for a, b in recorded.covered]
            for a, b in recorded.gaps:
                gaps.append(
                    {
                        "start": _clock(a, tz),
                        "end": "24:00" if b == day.to_ms else _clock(b, tz),
                        "lasted": duration((b - a) / 1000, lang),
                    }
                )
                band.append(_rect(a, b, day.from_ms, span, "offline"))
        rows.append(
            {
                "label": f"{_WEEKDAYS.get(lang, _WEEKDAYS['vi'])[day.day.weekday()]} "
                f"{day.day.strftime('%d/%m')}",
                "known": recorded is not None and recorded.known_ms > 0,
                "recorded": _hours(recorded.recorded_ms, lang) if recorded else "",
                "covered": _hours(recorded.known_ms, lang) if recorded else "",
                "band": band,
                "gaps": gaps,
            }
        )
    return {"days": rows, "any": any(r["known"] for r in rows), "shown": DAYS_SHOWN}


def _hours(ms: int, lang: str) -> str:
    """Hours to a tenth, the way a day's recording is counted: '22,6 giờ', '24 giờ'."""
    text = f"{ms / 3_600_000:.1f}".removesuffix(".0")
    return f"{text.replace('.', ',')} giờ" if lang == "vi" else f"{text} h"


def _rect(a: int, b: int, from_ms: int, span: int, status: str) -> dict[str, Any]:
    return {
        "x": round(100 * (a - from_ms) / span, 3),
        "width": max(0.3, round(100 * (b - a) / span, 3)),
        "status": status,
    }


def _clock(ts_ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%H:%M")
