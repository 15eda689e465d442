"""Alert texts: Vietnamese by default, English on request, one message per commune."""

from __future__ import annotations

import msgspec
import pytest

from tests.alert_samples import STARTED_MS, power_cut
from xaso.server.alerts.message import AlertDevice, AlertMessage
from xaso.server.alerts.templates import Renderer, local_time


def test_a_commune_power_cut_is_one_vietnamese_message_listing_its_devices() -> None:
    out = Renderer().render(power_cut())
    assert out.subject == "[NGHIÊM TRỌNG] Xã Xuân Hồng: 20 thiết bị mất kết nối (mất điện?)"
    assert "Bắt đầu lúc 14/04/2025 07:30" in out.text
    assert "Thiết bị bị ảnh hưởng (20):" in out.text
    assert "- Cụm loa thôn 1 (Cụm loa truyền thanh): Mất kết nối từ 14/04/2025 07:30" in out.text
    assert "Quá thời gian không nhận heartbeat" in out.text
    assert out.text.count("\n- ") == 20
    assert "<td>Cụm loa thôn 20</td>" in out.html
    assert '<html lang="vi">' in out.html


def test_resolved_says_so_with_the_outage_duration() -> None:
    out = Renderer().render(power_cut("resolved"))
    assert out.subject.startswith("[ĐÃ KHÔI PHỤC] Xã Xuân Hồng: 20 thiết bị mất kết nối")
    assert out.subject.endswith("— kéo dài 2 giờ 5 phút")
    assert "kết thúc lúc 14/04/2025 09:35, kéo dài 2 giờ 5 phút" in out.text
    assert "Các thiết bị đã hoạt động trở lại (20):" in out.text
    assert "Đã khôi phục" in out.html


def test_reminder_says_the_problem_is_still_there() -> None:
    out = Renderer().render(power_cut("reminder"))
    assert out.subject.startswith("[NHẮC LẠI] Xã Xuân Hồng")
    assert "vẫn chưa được khắc phục" in out.text
    assert "đã kéo dài 2 giờ 5 phút" in out.text


@pytest.mark.parametrize(
    ("state", "subject"),
    [
        ("firing", "[CRITICAL] Xã Xuân Hồng: 20 devices offline (power cut?)"),
        ("reminder", "[REMINDER] Xã Xuân Hồng: 20 devices offline (power cut?)"),
        ("resolved", "[RESOLVED] Xã Xuân Hồng: 20 devices offline (power cut?) — lasted 2 h 5 min"),
    ],
)
def test_english_on_request(state: str, subject: str) -> None:
    out = Renderer().render(power_cut(state, lang="en"))
    assert out.subject == subject
    assert "Times in Asia/Ho_Chi_Minh" in out.text
    assert '<html lang="en">' in out.html


def test_one_device_is_named_in_the_subject() -> None:
    camera = AlertDevice(id="cam-cho", name="Camera chợ Xuân Hồng", kind="camera", status="online")
    message = AlertMessage(
        key="camera:cam-cho:recording",
        state="firing",
        severity="warning",
        rule="camera_not_recording",
        started_ms=STARTED_MS,
        ts_ms=STARTED_MS,
        devices=[camera],
    )
    renderer = Renderer()
    assert renderer.render(message).subject == "[CẢNH BÁO] Camera chợ Xuân Hồng không ghi hình"
    english = msgspec.structs.replace(message, lang="en")
    assert renderer.render(english).subject == "[WARNING] Camera chợ Xuân Hồng is not recording"


def test_the_text_caps_long_device_lists_but_the_html_lists_all() -> None:
    out = Renderer(max_text_devices=5).render(power_cut())
    assert out.text.count("\n- ") == 5
    assert "… và 15 thiết bị khác." in out.text
    assert out.html.count("<tr><td>") == 20


def test_html_escapes_names_and_text_keeps_them() -> None:
    odd = AlertDevice(id="x", name="<script>alert(1)</script> & co", kind="nvr", status="offline")
    out = Renderer().render(power_cut(devices=[odd]))
    assert "<script>" not in out.html
    assert "&lt;script&gt;" in out.html
    assert "<script>alert(1)</script> & co" in out.text


def test_times_are_vietnam_local() -> None:
    assert local_time(STARTED_MS) == "14/04/2025 07:30"  # 00:30 UTC
    assert local_time(STARTED_MS + 17 * 3600 * 1000) == "15/04/2025 00:30"


def test_a_resolved_message_needs_its_end_time() -> None:
    with pytest.raises(ValueError, match="resolved_ms"):
        power_cut("resolved", resolved_ms=None)
