"""The words of the interface: both languages everywhere, causes and durations."""

from __future__ import annotations

from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.web.tokens import Role
from xaso.server.words import (
    _TEXT,
    LANGUAGES,
    describe_cause,
    duration,
    period_name,
    role_name,
    translator,
)


def test_every_phrase_exists_in_every_language() -> None:
    for key, words in _TEXT.items():
        assert set(words) == set(LANGUAGES), key
        assert all(words.values()), key


def test_every_status_has_a_word() -> None:
    for status in DeviceStatus:
        assert status.value in translator("vi")


def test_causes_are_translated_and_keep_the_probe_error() -> None:
    vi = translator("vi")
    assert describe_cause("will", vi) == "Mất kết nối đột ngột (MQTT will)"
    assert describe_cause("probe_failed: timeout", vi) == "Không phản hồi: quá thời gian chờ"
    assert describe_cause("something_new", vi) == "something_new"


def test_every_role_has_a_word() -> None:
    for lang in LANGUAGES:
        words = translator(lang)
        for role in Role:
            assert role_name(role, words) != role.value, (lang, role)
    assert role_name(Role.ADMIN, translator("vi")) == "Quản trị viên"
    assert role_name(Role.VERIFIER, translator("en")) == "Verifier"
    assert role_name("auditor", translator("vi")) == "auditor"  # a role of the future


def test_periods_are_named_as_people_name_them() -> None:
    named = {
        "2026-Q3": ("Quý 3/2026", "Q3 2026"),
        "2026-q1": ("Quý 1/2026", "Q1 2026"),
        "2026-10": ("Tháng 10/2026", "October 2026"),
        "2026-01": ("Tháng 1/2026", "January 2026"),
        "2026": ("Năm 2026", "2026"),
        "2026-10-05": ("Ngày 05/10/2026", "5 October 2026"),
        # Not a period's name: as given.
        "2026-13": ("2026-13", "2026-13"),
        "": ("", ""),
        "01/07/2026 – 30/09/2026": ("01/07/2026 – 30/09/2026", "01/07/2026 – 30/09/2026"),
    }
    for label, (vi, en) in named.items():
        assert (period_name(label, "vi"), period_name(label, "en")) == (vi, en), label


def test_durations() -> None:
    assert duration(0, "vi") == "0 giây"
    assert duration(45, "vi") == "45 giây"
    assert duration(12 * 60 + 5, "vi") == "12 phút 5 giây"
    assert duration(3 * 3600 + 20 * 60 + 7, "en") == "3 h 20 min"
    assert duration(2 * 86_400 + 4 * 3600, "vi") == "2 ngày 4 giờ"
