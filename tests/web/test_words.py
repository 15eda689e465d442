"""The words of the interface: both languages everywhere, causes and durations."""

from __future__ import annotations

from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.words import _TEXT, LANGUAGES, describe_cause, duration, translator


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
    assert describe_cause("probe_failed: timeout", vi) == "Không phản hồi: timeout"
    assert describe_cause("something_new", vi) == "something_new"


def test_durations() -> None:
    assert duration(0, "vi") == "0 giây"
    assert duration(45, "vi") == "45 giây"
    assert duration(12 * 60 + 5, "vi") == "12 phút 5 giây"
    assert duration(3 * 3600 + 20 * 60 + 7, "en") == "3 h 20 min"
    assert duration(2 * 86_400 + 4 * 3600, "vi") == "2 ngày 4 giờ"
