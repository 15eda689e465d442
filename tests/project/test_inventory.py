"""The inventory model, its checks, the shipped devices.yaml and the YAML checker."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import msgspec
import pytest

from tests.paths import REPO
from xaso.inventory import build_index, check_inventory_file, load_inventory
from xaso.yamlcheck import ConfigError, Problem, load_struct_text

DEVICES_YAML = REPO / "devices.yaml"
MERGERS = REPO / "tests" / "data" / "merger-inventory.yaml"


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the only line containing ``marker`` (a trailing comment)."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(found) == 1, f"marker {marker!r} found {len(found)} times"
    return found[0]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "devices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- the shipped devices.yaml -----------------------------------------------------------


def test_devices_yaml_loads_clean() -> None:
    assert check_inventory_file(DEVICES_YAML) == []


@pytest.mark.parametrize(
    "path", [DEVICES_YAML, MERGERS, REPO / "server" / "demo" / "devices.yaml"], ids=lambda p: p.name
)
def test_the_loaded_inventory_is_a_faithful_copy_of_the_checked_one(path: Path) -> None:
    """load_inventory hands out a copy rebuilt in fresh memory (so the YAML tree's arenas
    can go): every value, date and nested struct as the checker read them."""
    from xaso.inventory import Inventory
    from xaso.yamlcheck import load_struct

    read, problems, _lines = load_struct(path, Inventory)
    assert problems == []
    loaded = load_inventory(path)
    assert loaded == read
    assert loaded is not read
    assert msgspec.json.encode(loaded) == msgspec.json.encode(read)


def test_the_lean_composer_reads_what_libyaml_reads() -> None:
    """yamlcheck composes with libyaml's events but lighter nodes (one shared line mark,
    no end mark): the same tags, values and lines as libyaml's own composer, merge keys
    and anchors included."""
    import yaml

    from xaso import yamlcheck

    def shape(node: yaml.Node) -> object:
        line = node.start_mark.line
        if isinstance(node, yaml.ScalarNode):
            return (node.tag, node.value, line)
        if isinstance(node, yaml.SequenceNode):
            return (node.tag, [shape(item) for item in node.value], line)
        return (node.tag, [(shape(k), shape(v)) for k, v in node.value], line)

    extra = "defaults: &d {a: 1, b: [x, 2026-01-01]}\nitem:\n  <<: *d\n  c: ~\n"
    for text in (DEVICES_YAML.read_text(encoding="utf-8"), MERGERS.read_text("utf-8"), extra):
        lean = yaml.compose(text, Loader=yamlcheck._LOADER)
        full = yaml.compose(text, Loader=yaml.CSafeLoader)
        assert shape(lean) == shape(full)


def test_devices_yaml_is_the_tho_xuan_pilot() -> None:
    index = load_inventory(DEVICES_YAML).index()

    assert set(index.communes) == {
        "xuan-hong",
        "xuan-lai",
        "xuan-sinh",
        "xuan-phu",
        "tt-tho-xuan",
        "tt-sao-vang",
        "tt-lam-son",
    }
    kinds = Counter(c.kind for c in index.communes.values())
    assert kinds == {"xa": 4, "thi_tran": 3}
    # Hand-checked totals: update them together with the file.
    assert sum(len(c.villages) for c in index.communes.values()) == 58
    by_kind = Counter(entry.kind for entry in index.devices.values())
    assert by_kind == {
        "gateway": 14,
        "radio_cluster": 93,
        "camera": 99,
        "nvr": 7,
        "vc_endpoint": 7,
    }
    planned = {entry.id for entry in index.devices.values() if entry.planned}
    assert planned == {
        "xuan-sinh-rc-15",
        "tt-lam-son-rc-11",
        "xuan-lai-cam-14",
        "tt-sao-vang-cam-15",
    }


def test_devices_yaml_matches_the_published_scale_per_commune() -> None:
    # docs/domain.md#scale: 10-17 clusters per station, 13-16 cameras per commune, one
    # conference point; planned devices included (they count in denominators).
    index = load_inventory(DEVICES_YAML).index()
    for code, commune in index.communes.items():
        entries = [e for e in index.devices.values() if e.commune == code]
        count = Counter(e.kind for e in entries)
        assert 6 <= len(commune.villages) <= 10, code
        assert 10 <= count["radio_cluster"] <= 17, code
        assert 13 <= count["camera"] <= 16, code
        assert count["gateway"] == 2 and count["nvr"] == 1 and count["vc_endpoint"] == 1, code
        clustered = {e.village for e in entries if e.kind == "radio_cluster"}
        assert clustered == {v.code for v in commune.villages}, f"{code}: a village without cluster"
        watched = {e.location for e in entries if e.kind == "camera"}
        assert watched == {k.code for k in commune.key_locations}, f"{code}: unwatched location"


def test_index_gateways_are_devices_and_planned_devices_are_not_polled() -> None:
    index = load_inventory(DEVICES_YAML).index()

    gateway = index.devices["xuan-hong-radio-gw"]
    assert gateway is index.agents["xuan-hong-radio-gw"]
    assert (gateway.kind, gateway.agent_id, gateway.commune) == (
        "gateway",
        "xuan-hong-radio-gw",
        "xuan-hong",
    )
    assert (gateway.heartbeat_interval_s, gateway.offline_after_s) == (30, 90)
    assert len(index.agents) == 14
    assert all(entry.kind == "gateway" for entry in index.agents.values())

    polled = index.devices_of_agent["xuan-sinh-radio-gw"]
    assert "xuan-sinh-rc-15" in index.devices and "xuan-sinh-rc-15" not in polled
    assert "xuan-sinh-radio-gw" not in polled
    assert len(polled) == 14
    for agent_id, device_ids in index.devices_of_agent.items():
        for device_id in device_ids:
            entry = index.devices[device_id]
            assert entry.agent_id == agent_id and not entry.planned


def test_index_effective_timing_and_parents(tmp_path: Path) -> None:
    index = load_inventory(DEVICES_YAML).index()
    # A per-device override beats the radio_cluster profile (60 s / 240 s).
    assert index.devices["xuan-hong-rc-13"].offline_after_s == 600
    assert index.devices["xuan-hong-rc-12"].offline_after_s == 240
    assert index.devices["xuan-hong-rc-12"].heartbeat_interval_s == 60

    # The district level ended on 1 July 2025 (both link ends are inclusive).
    assert index.commune_parent("tt-lam-son", dt.date(2025, 6, 30)) == "tho-xuan"
    assert index.commune_parent("tt-lam-son", dt.date(2025, 7, 1)) == "thanh-hoa"
    assert index.ancestors("tt-lam-son", dt.date(2022, 4, 14)) == ["tho-xuan", "thanh-hoa"]
    assert index.ancestors("tt-lam-son", dt.date(2025, 7, 1)) == ["thanh-hoa"]
    with pytest.raises(KeyError):
        index.commune_parent("nowhere", dt.date(2025, 7, 1))

    # Without profiles: 30 s heartbeat, offline after three missed ones.
    bare = build_index(load_inventory(write(tmp_path, MINIMAL)))
    assert bare.devices["gw-1"].heartbeat_interval_s == 30
    assert bare.devices["gw-1"].offline_after_s == 90
    assert bare.devices["rc-1"].offline_after_s == 90


# -- a small inventory, valid and broken ----------------------------------------------

MINIMAL = """\
schema: 1
name: Minimal
levels: [province, commune, village]
areas:
  - {code: tinh, name: Tỉnh, level: province}
communes:
  - code: xa-a
    name: Xã A
    kind: xa
    parents: [{area: tinh}]
    villages: [{code: thon-1, name: Thôn 1}]
    agents:
      - id: gw-1
        name: Gateway
        kind: radio_gateway
        devices:
          - {id: rc-1, name: Cụm loa Thôn 1, type: radio_cluster, village: thon-1}
"""

BROKEN = """\
schema: 1
name: Broken
levels: [province, district, commune, village]
areas:
  - {code: tinh, name: Tỉnh, level: province}
profiles:
  camera: {heartbeat_interval_s: 60, offline_after_s: 30}  # <- profile interval
communes:
  - code: xa-a
    name: Xã A
    kind: xa
    colour: red  # <- unknown key
    parents:
      - {area: huyen-cu}  # <- unknown parent
    villages:
      - {code: thon-1, name: Thôn 1}
    key_locations:
      - {code: ubnd, name: UBND, kind: commune_centre}
    agents:
      - id: gw-radio
        name: Radio gateway
        kind: radio_gateway
        heartbeat_interval_s: 0  # <- zero interval
        devices:
          - {id: rc-1, name: Cụm loa 1, type: radio_cluster, village: thon-1}  # <- first rc-1
          - {id: rc-1, name: Cụm loa 2, type: radio_cluster, village: thon-1}  # <- dup rc-1
          - {id: rc-2, name: Cụm loa 3, type: radio_cluster, village: thon-9}  # <- unknown village
          - {id: cam-1, name: Camera 1, type: camera, location: ubnd}  # <- first cam-1
      - id: gw-cctv
        name: CCTV gateway
        kind: cctv_gateway
        devices:
          - {id: cam-1, name: Camera 1, type: camera, location: ubnd}  # <- cam-1 again
          - id: rc-3
            name: Cụm loa 4
            type: radio_cluster
            village: thon-1
            offline_after_s: -1  # <- negative
"""


def test_minimal_inventory_is_valid(tmp_path: Path) -> None:
    assert check_inventory_file(write(tmp_path, MINIMAL)) == []


def test_broken_inventory_reports_every_problem_in_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN)
    problems = check_inventory_file(path)

    def at(marker: str) -> int:
        return line_of(BROKEN, marker)

    expected = [
        (at("<- profile interval"), "profile 'camera': offline_after_s (30 s) must be greater"),
        (at("<- unknown key"), "unknown key 'colour'"),
        (at("<- unknown parent"), "unknown parent area 'huyen-cu'"),
        (at("<- zero interval"), "heartbeat_interval_s: invalid value '0': expected `float` > 0"),
        (
            at("<- dup rc-1"),
            f"device 'rc-1' already defined at line {at('<- first rc-1')}",
        ),
        (at("<- unknown village"), "device 'rc-2': unknown village 'thon-9' in commune 'xa-a'"),
        (
            at("<- cam-1 again"),
            f"device 'cam-1' is listed under two agents: 'gw-radio' "
            f"(line {at('<- first cam-1')}) and 'gw-cctv'",
        ),
        (at("<- negative"), "offline_after_s: invalid value '-1': expected `float` > 0"),
    ]
    assert len(problems) == len(expected), "\n".join(map(str, problems))
    for problem, (line, text) in zip(problems, expected, strict=True):
        assert problem.file == str(path)
        assert problem.line == line, str(problem)
        assert text in problem.message, str(problem)
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_load_inventory_raises_one_error_listing_all_problems(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN)
    with pytest.raises(ConfigError) as caught:
        load_inventory(path)
    assert caught.value.problems == check_inventory_file(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 8
    assert lines[1] == f"{path}:{line_of(BROKEN, '<- unknown key')}: communes[0]: unknown key " + (
        "'colour' (allowed: code, name, kind, parents, villages, key_locations, agents, "
        "valid_from, valid_until, merged_into, former_names, outline)"
    )


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("kind: radio_gateway", "kind: radio_gateway\n       devices: [")
    problems = check_inventory_file(write(tmp_path, text))
    assert len(problems) == 1
    assert problems[0].line == line_of(text, "devices: [")
    assert problems[0].message.startswith("YAML syntax error:")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("id: rc-1,", "id: RC 1,", "device id 'RC 1' is not a valid id"),
        ("village: thon-1}", "}", "device 'rc-1': a radio_cluster must name its village"),
        ("type: radio_cluster", "type: camera", "device 'rc-1': a camera must name"),
        ("parents: [{area: tinh}]", "parents: []", "commune 'xa-a' has no parent area"),
        ("villages: [{code: thon-1, name: Thôn 1}]", "villages: []", "has no village"),
        ("level: province}", "level: region}", "level 'region' is not one of the levels"),
        ("name: Minimal", "name: Minimal\ntimezone: Asia/Hanoi", "unknown time zone"),
        ("schema: 1", "schema: 2", "unsupported schema 2"),
        ("kind: xa\n", "kind: xaa\n", "'xaa' must be one of 'xa', 'phuong', 'thi_tran'"),
        ("id: rc-1,", "id: gw-1,", "device id 'gw-1' already used by an agent at line"),
    ],
)
def test_single_problems(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    problems = check_inventory_file(write(tmp_path, text))
    assert any(message in p.message for p in problems), "\n".join(map(str, problems))


def test_parent_periods_must_not_overlap_nor_outlive_their_area(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  - {code: tinh, name: Tỉnh, level: province}",
        "  - {code: tinh, name: Tỉnh, level: province}\n"
        "  - {code: huyen, name: Huyện, level: district, parent: tinh, valid_until: 2025-06-30}",
    ).replace("levels: [province,", "levels: [province, district,")
    good = text.replace(
        "parents: [{area: tinh}]",
        "parents: [{area: huyen, valid_until: 2025-06-30}, {area: tinh, valid_from: 2025-07-01}]",
    )
    assert check_inventory_file(write(tmp_path, good)) == []

    bad = text.replace(
        "parents: [{area: tinh}]",
        "parents: [{area: huyen}, {area: tinh, valid_from: 2025-06-30}]",
    )
    messages = [p.message for p in check_inventory_file(write(tmp_path, bad))]
    assert any("link to 'huyen' (with no dates) reaches beyond" in m for m in messages)
    assert any("parent periods overlap" in m for m in messages)


# -- the YAML checker on its own ------------------------------------------------------


class _Link(msgspec.Struct, forbid_unknown_fields=True):
    # ``from`` is a Python keyword: the YAML name is given with ``name=``.
    from_: dt.date = msgspec.field(name="from")
    weight: float = 1.0


class _Root(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    links: list[_Link] = []
    counts: dict[str, int] = {}


def test_yamlcheck_converts_yaml_types_and_renamed_keys() -> None:
    text = "name: a\nlinks:\n  - from: 2025-07-01\n    weight: 2\ncounts: {no: 1}\n"
    value, problems, lines = load_struct_text(text, _Root)
    assert problems == []
    assert value == _Root("a", [_Link(dt.date(2025, 7, 1), 2.0)], {"no": 1})
    assert lines.of("links", 0, "weight") == 4
    assert lines.of("links", 0, "missing", 3) == 3  # nearest known parent
    assert lines.of() == 1


def test_yamlcheck_collects_all_problems_and_returns_no_instance() -> None:
    text = "name: a\nname: b\nlinks:\n  - {from: 2025-02-30}\n  - {to: 1}\ncounts: {x: '2'}\n"
    value, problems, _ = load_struct_text(text, _Root, file="x.yaml")
    assert value is None
    assert [str(p) for p in problems] == [
        "x.yaml:2: duplicate key 'name' (first at line 1)",
        "x.yaml:4: links[0].from: cannot read value '2025-02-30': day is out of range for month",
        "x.yaml:5: links[1]: unknown key 'to' (allowed: from, weight)",
        "x.yaml:5: links[1]: missing required key 'from'",
        # Strict: a quoted number is text, not a number.
        "x.yaml:6: counts.x: invalid value '2': expected `int`, got `str`",
    ]


def test_problem_without_line_names_the_file() -> None:
    assert str(Problem("a.yaml", 0, "cannot read")) == "a.yaml: cannot read"
    assert str(Problem("a.yaml", 3, "bad")) == "a.yaml:3: bad"


def test_a_scope_covers_a_merger_from_its_day_and_nothing_outside_it() -> None:
    """The rule every scope check uses (tests/data/merger-inventory.yaml: an + binh form
    an-binh, dai absorbs nho, on 16 August 2026; ben is in no merger)."""
    index = load_inventory(MERGERS).index()
    before, after = dt.date(2026, 8, 15), dt.date(2026, 8, 16)
    assert index.scope_on({"an"}, before) == {"an"}
    assert index.scope_on({"an"}, after) == {"an", "binh", "an-binh"}
    assert index.scope_on({"an-binh"}, before) == {"an-binh"}
    assert index.scope_on({"an-binh"}, after) == {"an", "binh", "an-binh"}
    assert index.scope_on({"dai"}, before) == {"dai"}
    assert index.scope_on({"dai"}, after) == {"dai", "nho"}
    assert index.scope_on({"nho"}, after) == {"dai", "nho"}
    assert index.scope_on({"ben", "nho"}, before) == {"ben", "nho"}
    assert index.scope_on({"ben"}, after) == {"ben"}
    assert index.scope_on({"gone"}, after) == {"gone"}  # since removed from the inventory
    assert index.held_on("an-binh", after) == ("an", "an-binh", "binh")
    assert index.held_on("an", after) == ("an",)
    assert index.members_on("an-binh", before) == ()
    assert index.members_on("an-binh", after) == ("an", "an-binh", "binh")
    assert index.members_on("an", after) == ()
    assert index.commune_on("nho-rc-1", before) == "nho"
    assert index.commune_on("nho-rc-1", after) == "dai"
    # A merger takes effect at local midnight (UTC+7).
    assert index.day_of(1_786_813_200_000) == after  # 2026-08-15T17:00Z
    assert index.day_of(1_786_813_199_999) == before
