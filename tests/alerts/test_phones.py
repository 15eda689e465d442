"""Vietnamese mobile numbers as people write them, in the form providers take."""

from __future__ import annotations

import pytest

from xaso.server.alerts.phones import PhoneError, local_phone, normal_phone


@pytest.mark.parametrize(
    "written",
    ["0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678",
     "0084912345678", "912345678", "(091) 234-5678"],
)  # fmt: skip
def test_the_ways_people_write_a_number(written: str) -> None:
    assert normal_phone(written) == "84912345678"
    assert local_phone(normal_phone(written)) == "0912345678"


@pytest.mark.parametrize(
    "wrong", ["", "12345", "0241234567", "091234567", "09123456789", "+1 202 555 0100", "số"]
)
def test_what_is_not_a_mobile_number(wrong: str) -> None:
    with pytest.raises(PhoneError):
        normal_phone(wrong)
