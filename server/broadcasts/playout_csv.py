"""The playout log as a CSV file for the commune's records (nhật ký phát thanh).

Vietnamese by default (headers, statuses, classes), English on request; times in
Asia/Ho_Chi_Minh as dd/mm/yyyy HH:MM:SS; UTF-8 with a byte-order mark, which is how
Excel knows the file is UTF-8 (without it Vietnamese letters come out garbled).
Numbers are whole seconds: no decimal separator to disagree with the reader's locale.
Pure: a function of the outcomes, the inventory and the language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.playout_outcome import (
    CONTENT_TEXT,
    MEASURED_TEXT,
    PRIORITY_TEXT,
    STATUS_TEXT,
    PlayoutOutcome,
)

LOCAL_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")
BOM: Final = "\ufeff"

# (vi, en) per column, in order; docs/broadcasts.md lists them.
COLUMNS: Final = (
    ("Xã", "Commune"),
    ("Thôn", "Village"),
    ("Cụm loa", "Cluster"),
    ("Mã cụm loa", "Cluster id"),
    ("Bản tin", "Bulletin"),
    ("Mã lịch", "Schedule id"),
    ("Mức ưu tiên", "Priority"),
    ("Loại nội dung", "Content"),
    ("Bắt đầu theo lịch", "Planned start"),
    ("Kết thúc theo lịch", "Planned end"),
    ("Bắt đầu thực tế", "Actual start"),
    ("Kết thúc thực tế", "Actual end"),
    ("Thời lượng phát (giây)", "Played (s)"),
    ("Độ dài nội dung (giây)", "Content length (s)"),
    ("Đối chiếu thời lượng phát với", "Played share measured against"),
    ("Kết quả", "Outcome"),
    ("Lỗi", "Error"),
    ("Bị ngắt bởi", "Pre-empted by"),
    ("Người nhập", "Entered by"),
    ("Ghi chú", "Note"),
    ("Gửi bù sau mất kết nối", "From backlog"),
)
_YES: Final = {"vi": "Có", "en": "Yes"}


def local_time(ts_ms: int | None) -> str:
    if ts_ms is None:
        return ""
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(LOCAL_TZ)
    return moment.strftime("%d/%m/%Y %H:%M:%S")


def _cell(value: str) -> str:
    """Text typed by people must not become an Excel formula (CSV injection, OWASP):
    a leading =, +, -, @, tab or carriage return is neutralised with a quote."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def playout_csv(outcomes: Iterable[PlayoutOutcome], index: InventoryIndex, lang: str) -> bytes:
    lang = "en" if lang == "en" else "vi"
    column = 1 if lang == "en" else 0
    buffer = io.StringIO()
    buffer.write(BOM)
    # CRLF line ends, as RFC 4180 and Excel want them.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names[column] for names in COLUMNS)
    for o in outcomes:
        commune = index.communes.get(o.commune)
        villages = {v.code: v.name for v in commune.villages} if commune is not None else {}
        device = index.devices.get(o.cluster)
        writer.writerow(
            [
                commune.name if commune is not None else o.commune,
                villages.get(o.village or "", o.village or ""),
                _cell(device.name if device is not None else o.cluster),
                o.cluster,
                _cell(o.title),
                o.schedule,
                PRIORITY_TEXT[lang].get(o.priority, o.priority),
                CONTENT_TEXT[lang].get(o.content_type, o.content_type),
                local_time(o.planned_start_ms),
                local_time(o.planned_end_ms),
                local_time(o.started_ms),
                local_time(o.ended_ms),
                "" if o.played_s is None else str(round(o.played_s)),
                "" if o.content_s is None else str(round(o.content_s)),
                MEASURED_TEXT[lang][o.measured_against] if o.measured_against else "",
                STATUS_TEXT[lang][o.status],
                _cell(o.error or ""),
                _cell(o.preempted_by or ""),
                _cell(o.operator or ""),
                _cell(o.note or ""),
                _YES[lang] if o.historical else "",
            ]
        )
    return buffer.getvalue().encode("utf-8")
