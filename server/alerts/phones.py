"""Vietnamese mobile numbers in the one form the providers take: ``84xxxxxxxxx``.

People write a number as they say it ("0912 345 678", "+84 912.345.678", "84912345678");
Zalo's ZNS wants the country code without "+" (``84912345678``), and an SMS gateway
takes the same. A mobile number is 84 and nine digits, the first of them 3, 5, 7, 8
or 9 (the prefixes of Vietnam's mobile networks since the 2018 renumbering).
"""

from __future__ import annotations

import re
from typing import Final

_SEPARATORS: Final = re.compile(r"[\s.\-()]")
_MOBILE: Final = re.compile(r"84[35789]\d{8}")


class PhoneError(ValueError):
    """Not a Vietnamese mobile number; the message says so in English."""


def normal_phone(text: str) -> str:
    """``text`` as ``84xxxxxxxxx``, or ``PhoneError``."""
    digits = _SEPARATORS.sub("", text.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0084"):
        digits = digits[2:]
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    elif len(digits) == 9:
        digits = "84" + digits  # written without its leading 0 (a spreadsheet drops it)
    if not _MOBILE.fullmatch(digits):
        raise PhoneError(f"not a Vietnamese mobile number: {text!r}")
    return digits


def local_phone(normal: str) -> str:
    """``84912345678`` -> ``0912345678``: the form a gateway of the country may want."""
    return "0" + normal[2:] if normal.startswith("84") else normal
