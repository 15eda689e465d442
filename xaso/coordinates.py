"""Where a place may be: the bounds that the inventory's coordinates are checked against.

Coordinates are WGS 84 decimal degrees (what a phone's GPS and every web map give),
latitude first. The check is a box around Vietnam's mainland and islands, Hoàng Sa and
Trường Sa included: it is meant to catch the slips people make when copying a point
(latitude and longitude swapped, a sign lost, a decimal point moved, a point of another
country picked by mistake far away), not to trace the border, so a point just across
the border in Laos or Cambodia still passes.

- south 8.0: below Mũi Cà Mau (8.6), Hòn Khoai (8.4) and the southern reefs of
  Trường Sa (Thuyền Chài, 8.1);
- north 23.5: above Lũng Cú, Hà Giang (23.39);
- west 102.0: beyond A Pa Chải, Điện Biên (102.14);
- east 117.9: beyond the eastern features of Trường Sa (about 117.8); Hoàng Sa lies
  within 111–113.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Bounds(NamedTuple):
    south: float
    north: float
    west: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        # Written so that NaN is outside: every comparison with it is false.
        return self.south <= lat <= self.north and self.west <= lon <= self.east


VIETNAM: Final = Bounds(south=8.0, north=23.5, west=102.0, east=117.9)


def outside_vietnam(lat: float, lon: float) -> str | None:
    """Why a point cannot be in Vietnam, in one sentence; None when it may be."""
    if VIETNAM.contains(lat, lon):
        return None
    where = f"({lat:g}, {lon:g}) is outside Vietnam (latitude {VIETNAM.south:g} to " + (
        f"{VIETNAM.north:g}, longitude {VIETNAM.west:g} to {VIETNAM.east:g})"
    )
    if VIETNAM.contains(lon, lat):
        return f"{where}: latitude and longitude look swapped"
    return where
