"""Coordinates in the inventory for the map: optional, both or neither, numbers, inside
Vietnam's box (xaso/coordinates.py); every slip reported as FILE:LINE by ``xaso check``;
a camera without its own place drawn at its key location's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import REPO
from xaso.cli import main
from xaso.coordinates import VIETNAM, outside_vietnam
from xaso.inventory import check_inventory_file, load_inventory

GOOD = """\
schema: 1
name: t
levels: [province, commune, village]
areas: [{code: prov, name: P, level: province}]
communes:
  - code: alpha
    name: Xã Alpha
    kind: xa
    parents: [{area: prov}]
    outline: [[19.90, 105.30], [19.95, 105.30], [19.95, 105.36], [19.90, 105.36]]
    villages: [{code: alpha.t1, name: Thôn 1}]
    key_locations:
      - {code: alpha.ubnd, name: UBND, kind: commune_centre, lat: 19.93, lon: 105.33}
      - {code: alpha.cho, name: Chợ, kind: market}
    agents:
      - id: alpha-gw
        name: Gateway Alpha
        kind: radio_gateway
        lat: 19.9301
        lon: 105.3302
        devices:
          - {id: alpha-rc-1, name: L1, type: radio_cluster, village: alpha.t1,
             lat: 19.94, lon: 105.32}
          - {id: alpha-cam-1, name: Camera UBND, type: camera, location: alpha.ubnd}
          - {id: alpha-cam-2, name: C2, type: camera, location: alpha.ubnd,
             lat: 19.9305, lon: 105.331}
          - {id: alpha-cam-3, name: Camera chợ, type: camera, location: alpha.cho}
          - {id: alpha-rc-2, name: Cụm loa 2, type: radio_cluster, village: alpha.t1}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "devices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    found = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(found) == 1, marker
    return found[0]


def test_coordinates_are_optional_and_a_camera_takes_its_key_locations(tmp_path: Path) -> None:
    index = load_inventory(write(tmp_path, GOOD)).index()
    points = {device: (lat, lon) for device, lat, lon in index.device_points()}
    assert points == {
        "alpha-gw": (19.9301, 105.3302),
        "alpha-rc-1": (19.94, 105.32),
        "alpha-cam-1": (19.93, 105.33),  # inherited from alpha.ubnd
        "alpha-cam-2": (19.9305, 105.331),  # its own wins
        # alpha-cam-3: its market has no place; alpha-rc-2 has none of its own
    }
    assert list(index.key_location_points()) == [("alpha", 19.93, 105.33)]
    assert index.communes["alpha"].outline[2] == [19.95, 105.36]


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        (
            "lat: 19.94, lon: 105.32}",
            "lat: 48.85, lon: 2.35}  # PARIS",
            "# PARIS",
            "device 'alpha-rc-1': (48.85, 2.35) is outside Vietnam (latitude 8 to 23.5, "
            "longitude 102 to 117.9)",
        ),
        (
            "lat: 19.94, lon: 105.32}",
            "lat: 105.32, lon: 19.94}  # SWAPPED",
            "# SWAPPED",
            "latitude and longitude look swapped",
        ),
        (
            "\n        lon: 105.3302",
            "",
            "lat: 19.9301",
            "agent 'alpha-gw': lat without lon: give both, or neither",
        ),
        (
            "kind: commune_centre, lat: 19.93, lon: 105.33}",
            "kind: commune_centre, lon: 105.33}  # NO LAT",
            "# NO LAT",
            "key location 'alpha.ubnd': lon without lat: give both, or neither",
        ),
        (
            "lat: 19.94, lon: 105.32}",
            'lat: "19.94", lon: 105.32}  # QUOTED',
            "# QUOTED",
            "lat: invalid value '19.94': expected `float | null`, got `str`",
        ),
        (
            "lat: 19.94, lon: 105.32}",
            "lat: 19°56', lon: 105.32}  # DMS",
            "# DMS",
            "expected `float | null`, got `str`",
        ),
        (
            "lat: 19.94, lon: 105.32}",
            "lat: .nan, lon: 105.32}  # NAN",
            "# NAN",
            "(nan, 105.32) is outside Vietnam",
        ),
        (
            "[19.95, 105.36], [19.90",
            "[19.95], [19.90",
            "outline:",
            "commune 'alpha': outline corner 3 must be [lat, lon], got [19.95]",
        ),
        (
            "[19.95, 105.36], [19.90",
            "[9.95, 95.36], [19.90",
            "outline:",
            "commune 'alpha': outline corner 3 (9.95, 95.36) is outside Vietnam",
        ),
        (
            "[[19.90, 105.30], [19.95, 105.30], [19.95, 105.36], [19.90, 105.36]]",
            "[[19.90, 105.30], [19.95, 105.30]]",
            "outline:",
            "commune 'alpha': an outline needs at least three corners, got 2",
        ),
        (
            "[19.95, 105.36], [19.90",
            "[19.95, north], [19.90",
            "outline:",
            "outline[2][1]: invalid value 'north': expected `float`, got `str`",
        ),
    ],
    ids=[
        "paris",
        "swapped",
        "agent-lat-alone",
        "location-lon-alone",
        "quoted",
        "degrees-minutes",
        "nan",
        "corner-of-one",
        "corner-outside",
        "two-corners",
        "corner-word",
    ],
)
def test_a_slip_is_reported_with_its_file_and_line(
    tmp_path: Path, old: str, new: str, marker: str, message: str
) -> None:
    assert GOOD.count(old) == 1
    text = GOOD.replace(old, new)
    path = write(tmp_path, text)
    problems = check_inventory_file(path)
    assert any(message in p.message for p in problems), problems
    found = next(p for p in problems if message in p.message)
    assert (found.file, found.line) == (str(path), line_of(text, marker))


def test_xaso_check_prints_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("lat: 19.94, lon: 105.32}", "lat: 1.94, lon: 105.32}  # HERE")
    path = write(tmp_path, text)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert (
        f"{path}:{line_of(text, '# HERE')}: device 'alpha-rc-1': (1.94, 105.32) is outside" in err
    )


def test_the_box_holds_the_far_corners_of_vietnam() -> None:
    # Lũng Cú, Mũi Cà Mau, A Pa Chải, Mũi Đôi, Hoàng Sa (Phú Lâm), Trường Sa (Thuyền Chài).
    for lat, lon in [
        (23.39, 105.32),
        (8.60, 104.72),
        (22.40, 102.14),
        (12.65, 109.46),
        (16.83, 112.33),
        (8.10, 113.30),
    ]:
        assert outside_vietnam(lat, lon) is None, (lat, lon)
    assert not VIETNAM.contains(float("nan"), 105.0)
    assert outside_vietnam(13.75, 100.50) is not None  # Bangkok


def test_the_shipped_inventory_places_every_device_in_tho_xuan() -> None:
    index = load_inventory(REPO / "devices.yaml").index()
    points = {device: (lat, lon) for device, lat, lon in index.device_points()}
    assert set(points) == set(index.devices)  # the demo draws every device
    for device, (lat, lon) in points.items():
        # Thọ Xuân lies within about 20 km of 19.93 N, 105.33 E.
        assert 19.75 < lat < 20.10 and 105.15 < lon < 105.55, device
