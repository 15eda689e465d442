"""The hierarchy as it was: mergers, renames and installation dates in the inventory,
checked with their lines, and what a commune held during a period (the snapshot)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.paths import DATA
from xaso.inventory import Membership, check_inventory_file, load_inventory
from xaso.server.indicators.period import parse_period
from xaso.server.indicators.snapshot import snapshot

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIXTURE = DATA / "indicators-inventory.yaml"

# B absorbs A on 1 July 2026 (A's things move to B, which keeps its code); B is renamed.
ABSORBED = """\
schema: 1
name: absorbed
levels: [province, commune, village]
areas: [{code: p, name: P, level: province}]
communes:
  - code: a
    name: Xã A
    kind: xa
    parents: [{area: p}]
    valid_until: 2026-06-30
    merged_into: b
    villages: [{code: a.t1, name: Thôn A}]
    key_locations: [{code: a.ubnd, name: UBND A, kind: commune_centre}]
    agents:
      - id: a-gw
        name: GW A
        kind: radio_gateway
        devices:
          - {id: a-rc-1, name: Loa A, type: radio_cluster, village: a.t1}
  - code: b
    name: Xã B Mới
    kind: xa
    parents: [{area: p}]
    former_names: [{name: Xã B, valid_until: 2026-06-30}]
    villages: [{code: b.t1, name: Thôn B}]
    agents:
      - id: b-gw
        name: GW B
        kind: radio_gateway
        devices:
          - {id: b-rc-1, name: Loa B, type: radio_cluster, village: b.t1}
          - id: b-rc-2
            name: Loa B mới
            type: radio_cluster
            village: b.t1
            installed_on: 2026-07-20
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "devices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)


def test_a_device_belongs_to_its_commune_then_to_the_successor(tmp_path: Path) -> None:
    index = load_inventory(write(tmp_path, ABSORBED)).index()
    assert index.commune_of("a-rc-1", dt.date(2026, 6, 30)) == "a"
    assert index.commune_of("a-rc-1", dt.date(2026, 7, 1)) == "b"
    assert index.commune_of("a-gw", dt.date(2026, 7, 1)) == "b"
    # Live state, tokens and alerts work on today's communes.
    assert index.devices["a-rc-1"].commune == "b"
    assert index.memberships("a") == [
        Membership("a", None, dt.date(2026, 6, 30)),
        Membership("b", dt.date(2026, 7, 1), None),
    ]
    assert index.merge_family("b") == {"a", "b"}
    assert index.communes["b"].name_on(dt.date(2026, 6, 30)) == "Xã B"
    assert index.communes["b"].name_on(dt.date(2026, 7, 1)) == "Xã B Mới"


def test_a_snapshot_holds_what_belonged_and_when(tmp_path: Path) -> None:
    index = load_inventory(write(tmp_path, ABSORBED)).index()
    july_from, july_to = parse_period("2026-07", TZ)
    june_from, june_to = parse_period("2026-06", TZ)
    q3_from, _ = parse_period("2026-Q3", TZ)

    a_june = snapshot(index, "a", june_from, june_to)
    assert (a_june.from_ms, a_june.to_ms, a_june.merged_into) == (june_from, june_to, "b")
    a_july = snapshot(index, "a", july_from, july_to)
    assert not a_july.exists  # merged away before July

    b = snapshot(index, "b", june_from, july_to)  # June and July
    assert (b.from_ms, b.to_ms, b.name) == (june_from, july_to, "Xã B Mới")
    assert b.predecessors == ["a"]
    places = {v.code: (v.from_ms, v.to_ms) for v in b.villages}
    assert places == {"a.t1": (july_from, july_to), "b.t1": (june_from, july_to)}
    devices = {d.entry.id: (d.from_ms, d.to_ms, d.planned) for d in b.devices}
    installed = july_from + 19 * 86_400_000  # 20 July 00:00 local
    assert devices["a-rc-1"] == (july_from, july_to, False)
    assert devices["b-rc-2"] == (installed, july_to, False)  # installed mid-period
    assert devices["b-rc-1"][2] is False and devices["b-rc-1"][1] == july_to
    # Before 20 July b-rc-2 was not in service: in June it counts as planned.
    b_june = snapshot(index, "b", june_from, june_to)
    assert {d.entry.id: d.planned for d in b_june.devices} == {
        "b-gw": False,
        "b-rc-1": False,
        "b-rc-2": True,
    }
    assert b_june.name == "Xã B" and b_june.predecessors == []
    assert q3_from == july_from


def test_the_fixture_merger_into_a_new_commune() -> None:
    index = load_inventory(FIXTURE).index()
    sept_from, sept_to = parse_period("2026-09", TZ)
    moi = snapshot(index, "moi", sept_from, sept_to)
    assert moi.predecessors == ["dong", "tay"]
    assert [v.code for v in moi.villages] == ["dong.t1", "tay.t1"]
    assert moi.parent == "prov"
    assert index.devices["dong-rc-1"].commune == "moi"


BROKEN = """\
schema: 1
name: broken mergers
levels: [province, commune, village]
areas: [{code: p, name: P, level: province}]
communes:
  - code: a
    name: Xã A
    kind: xa
    parents: [{area: p, valid_until: 2026-06-30}, {area: p, valid_from: 2027-01-01}]
    valid_until: 2026-06-30
    merged_into: nowhere                      # <- unknown successor
    villages: [{code: a.t1, name: Thôn}]
  - code: b
    name: Xã B
    kind: xa
    parents: [{area: p, valid_from: 2026-01-01}]
    merged_into: c                            # <- no valid_until
    villages: [{code: b.t1, name: Thôn}]
  - code: c
    name: Xã C
    kind: xa
    parents: [{area: p}]
    valid_until: 2026-06-30
    merged_into: d                            # <- d starts later
    villages: [{code: shared.t1, name: Thôn}]   # <- clashes with d's
    agents:
      - id: c-gw
        name: GW
        kind: radio_gateway
        devices:
          - {id: c-1, name: L, type: radio_cluster, village: shared.t1,
             installed_on: 2026-08-01}   # <- after the end
          - {id: c-2, name: L, type: radio_cluster, village: shared.t1, planned: true,
             installed_on: 2026-01-01}   # <- planned
  - code: d
    name: Xã D
    kind: xa
    parents: [{area: p}]
    valid_from: 2026-07-05
    former_names:
      - {name: X, valid_until: 2026-01-01}
      - {name: Y, valid_until: 2026-01-01}      # <- same end
    villages: [{code: shared.t1, name: Thôn}]
    agents:
      - id: d-gw
        name: GW
        kind: radio_gateway
        devices:
          - {id: d-1, name: L, type: radio_cluster, village: shared.t1,
             installed_on: 2026-07-01}   # <- before d existed
"""


def test_merger_inconsistencies_are_reported_with_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN)
    problems = check_inventory_file(path)
    found = {(p.line, p.message) for p in problems}
    expected = [
        ("unknown successor", "unknown commune 'nowhere'"),
        ("no valid_until", "merged_into needs valid_until"),
        ("d starts later", "does not exist that day"),
        ("after the end", "after commune 'c' ended"),
        ("<- planned", "planned (not installed) yet installed_on"),
        ("same end", "two former names end on 2026-01-01"),
        ("clashes with d's", "also used by 'd'"),
        ("before d existed", "before commune 'd' existed"),
        ("valid_from: 2027-01-01", "lies outside the commune's own existence"),
    ]
    for marker, words in expected:
        line = line_of(BROKEN, marker)
        assert any(n == line and words in m for n, m in found), (marker, sorted(found))
    assert len(problems) == len(expected), "\n".join(map(str, problems))


def test_a_merger_successor_may_list_no_village_of_its_own() -> None:
    assert check_inventory_file(FIXTURE) == []
