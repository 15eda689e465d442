"""Indicator profiles: the shipped default, province overrides, and bad files rejected
with every problem and its line (also by ``xaso check``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.paths import DATA, REPO
from xaso.cli import main
from xaso.inventory import load_inventory
from xaso.server.indicators.profile import (
    Indicator,
    IndicatorProfile,
    ProfileSet,
    check_profile_file,
    load_default_profile,
    load_profiles,
)
from xaso.yamlcheck import ConfigError

DEFAULT_FILE = REPO / "server" / "indicators" / "default-profile.yaml"
INVENTORY = DATA / "indicators-inventory.yaml"


def write(tmp_path: Path, text: str, name: str = "profile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)


def test_the_default_profile_is_the_catalogue_of_docs_domain() -> None:
    profile = load_default_profile()
    ids = [i.id for i in profile.indicators]
    assert ids == [
        "R1", "R2", "R3", "R6", "R8", "R9", "C1", "C2", "C3", "N5",
        "N1", "N2", "N3", "N4", "N6",
    ]  # fmt: skip
    targets = {i.id: (i.threshold, i.unit, i.enabled) for i in profile.indicators}
    assert targets["R1"] == (1, "", True)
    assert targets["R2"] == (100, "%", True)
    assert targets["R3"] == (15, "clusters", False)  # off by default (a provincial plan)
    assert targets["R6"] == (95, "%", True)
    assert targets["R8"] == (5, "days/week", True)
    assert targets["C2"] == (100, "%", True)
    assert [targets[n][0] for n in ("N1", "N2", "N3", "N4")] == [100, 80, 1, 100]
    r6 = profile.get("R6")
    assert r6 is not None and (r6.window, r6.window_days, r6.min_known_pct) == ("trailing", 30, 75)
    r9 = profile.get("R9")
    assert r9 is not None and (r9.max_delay_s, r9.max_age_days) == (60, 90)
    r2 = profile.get("R2")
    assert r2 is not None and profile.working(r2).id == "R6"
    assert all(i.name and i.name_en for i in profile.indicators)
    assert check_profile_file(DEFAULT_FILE) == []


def test_comparisons_forgive_float_noise_only() -> None:
    r6 = load_default_profile().get("R6")
    assert r6 is not None
    assert r6.meets(95.0) and r6.meets(94.99999999999999) and not r6.meets(94.999)
    below = Indicator(id="X", name="x", name_en="x", measure="declared", unit="%", threshold=10)
    below = Indicator(**{**_fields(below), "comparison": "<="})
    assert below.meets(10) and below.meets(3) and not below.meets(10.1)


def _fields(indicator: Indicator) -> dict[str, object]:
    return {f: getattr(indicator, f) for f in indicator.__struct_fields__}


BAD_BASE = """\
schema: 2
name: broken
indicators:
  R1:
    name: a
    name_en: b
    measure: radio_statoin                  # <- misspelt measure
    threshold: 1
  R2:
    name: a
    name_en: b
    measure: village_radio_coverage
    working: R1                             # <- not an availability indicator
    threshold: 120                          # <- above 100 %
  R6:
    name: a
    name_en: b
    measure: radio_availability
    threshold: 95
    max_delay_s: 60                         # <- means nothing here
    colour: red                             # <- unknown key
  N1:
    name: a
    name_en: b
    measure: declared                       # <- no unit
    threshold: 100
"""


def test_a_bad_base_profile_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_BASE)
    problems = check_profile_file(path)
    text = BAD_BASE
    expected = {
        1: "unsupported schema 2",
        line_of(text, "misspelt"): "did you mean 'radio_station'",
        line_of(text, "not an availability"): "working: 'R1' must name an indicator of measure",
        line_of(text, "above 100"): "threshold 120 is a percentage above 100",
        line_of(text, "means nothing"): "'max_delay_s' means nothing for measure",
        line_of(text, "unknown key"): "unknown key 'colour'",
        line_of(text, "N1:"): "must name its unit",
    }
    found = {p.line: p.message for p in problems}
    for line, message in expected.items():
        assert message in found.get(line, ""), (line, message, problems)
    assert all(p.file == str(path) for p in problems)


def test_a_province_profile_overrides_the_default(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    write(
        folder,
        "schema: 1\nname: Tỉnh Thử\narea: prov\noverrides:\n"
        "  R3: {enabled: true, threshold: 10}\n  R8: {enabled: false}\n"
        "  R6: {threshold: 90, min_known_pct: 50}\n",
        "prov.yaml",
    )
    profiles = load_profiles(folder, load_inventory(INVENTORY).index())
    province = profiles.for_ancestors(["d1", "prov"])
    assert province.name == "Tỉnh Thử" and province.area == "prov"
    changed = {i.id: i for i in province.indicators}
    assert (changed["R3"].enabled, changed["R3"].threshold) == (True, 10)
    assert changed["R8"].enabled is False
    assert (changed["R6"].threshold, changed["R6"].min_known_pct) == (90, 50)
    assert changed["R6"].window == "trailing"  # the rest as in the default
    assert [i.id for i in province.indicators] == [i.id for i in profiles.default.indicators]
    assert profiles.for_ancestors(["prov2"]) is profiles.default
    assert profiles.for_ancestors([]) is profiles.default


def test_the_nearest_area_with_a_profile_wins() -> None:
    default = load_default_profile()
    district = type(default)(name="district", indicators=default.indicators, area="d1")
    province = type(default)(name="province", indicators=default.indicators, area="prov")
    profiles = ProfileSet(default, {"d1": district, "prov": province})
    assert profiles.for_ancestors(["d1", "prov"]).name == "district"
    assert profiles.for_ancestors(["d2", "prov"]).name == "province"


BAD_PROVINCE = """\
schema: 1
name: x
area: prov
indicators: {}
overrides:
  R9: {max_delay_s: 30, window_days: 7}  # <- window_days means nothing for R9
  R2: {threshold: 101}                   # <- above 100 %
  Z7: {threshold: 1}                     # <- no such indicator
  R6: {measure: declared}                # <- a province cannot change the measure
"""


def test_a_bad_province_profile_lists_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    path = write(folder, BAD_PROVINCE, "prov.yaml")
    write(folder, "schema: 1\nname: y\narea: prov2\noverrides: {}\n", "prov2.yaml")
    write(folder, "schema: 1\nname: z\narea: prov2\noverrides: {}\n", "prov2-again.yaml")
    with pytest.raises(ConfigError) as caught:
        load_profiles(folder, load_inventory(INVENTORY).index())
    messages = [str(p) for p in caught.value.problems]
    text = BAD_PROVINCE
    for marker, words in [
        ("window_days means", "'window_days' means nothing"),
        ("above 100", "threshold 101"),
        ("no such indicator", "unknown indicator 'Z7'"),
        ("cannot change", "unknown key 'measure'"),
    ]:
        line = line_of(text, marker)
        assert any(f"{path}:{line}:" in m and words in m for m in messages), (marker, messages)
    # Files are read in name order: the second one for an area is refused.
    assert any(
        m.startswith(f"{folder / 'prov2.yaml'}:3:") and "already has a profile" in m
        for m in messages
    )


def test_a_profile_for_an_unknown_area(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    write(folder, "schema: 1\nname: y\narea: atlantis\noverrides: {}\n", "x.yaml")
    with pytest.raises(ConfigError, match=r"x\.yaml:3: unknown area 'atlantis'"):
        load_profiles(folder, load_inventory(INVENTORY).index())


def test_xaso_check_recognises_a_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "schema: 1\nname: y\narea: prov\noverrides:\n  R3: {enabled: true}\n")
    assert main(["check", str(good), str(DEFAULT_FILE)]) == 0
    assert capsys.readouterr().out.count(": ok") == 2
    bad = write(tmp_path, BAD_PROVINCE, "bad.yaml")
    assert main(["check", str(bad)]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 4
    assert all(error.startswith(f"{bad}:") for error in errors)


# -- indicators a province adds -------------------------------------------------------

DEMO = REPO / "server" / "demo"
DEMO_INVENTORY = DEMO / "devices.yaml"

PROVINCE_ADDS = """\
schema: 1
name: Tỉnh Thử
area: prov
overrides:
  N6: {enabled: false}
added:
  T1:
    name: Tỷ lệ thôn có tổ công nghệ số cộng đồng
    name_en: Villages with a community digital technology team
    unit: "%"
    threshold: 80
    method: Số thôn có tổ ÷ tổng số thôn
  hh-qr:
    name: Số hộ kinh doanh thanh toán bằng mã QR
    unit: {vi: hộ, en: households}
    threshold: 20
    comparison: ">"
    evidence_required: false
"""


def test_a_province_adds_declared_indicators_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    write(folder, PROVINCE_ADDS, "prov.yaml")
    profiles = load_profiles(folder, load_inventory(INVENTORY).index())
    province = profiles.for_ancestors(["prov"])
    t1, qr = province.get("T1"), province.get("hh-qr")
    assert t1 is not None and qr is not None
    assert (t1.measure, t1.unit, t1.unit_en, t1.threshold, t1.comparison) == (
        "declared", "%", "", 80, ">="
    )  # fmt: skip
    assert (t1.evidence_required, t1.added_by, t1.method) == (
        True,
        "prov",
        "Số thôn có tổ ÷ tổng số thôn",
    )
    # English falls back to the Vietnamese; a unit of its own carries its words.
    assert (qr.name_en, qr.unit, qr.unit_en) == (qr.name, "hộ", "households")
    assert (qr.comparison, qr.evidence_required) == (">", False)
    # After the catalogue, in the file's order; the one switched off is not declared.
    assert [i.id for i in province.indicators][-3:] == ["N6", "T1", "hh-qr"]
    assert [i.id for i in province.declared_indicators()] == ["N1", "N2", "N3", "N4", "T1", "hh-qr"]
    assert [i.id for i in profiles.default.declared_indicators()] == ["N1", "N2", "N3", "N4", "N6"]
    assert all(i.added_by is None for i in profiles.default.indicators)


BAD_ADDED = """\
schema: 1
name: x
area: prov
added:
  N7: {name: a, unit: "%", threshold: 1}                   # <- the catalogue's form
  "x y": {name: a, unit: "%", threshold: 1}                # <- not an id
  T2: {name: " ", unit: "%", threshold: 1}                 # <- no name
  T3: {name: a, unit: hộ, threshold: 1}                    # <- unit not known
  T4: {name: a, unit: {vi: "", en: x}, threshold: 1}       # <- no Vietnamese unit
  T5: {name: a, unit: "%", threshold: 120}                 # <- above 100 %
  T6: {name: a, unit: "%", threshold: 1, colour: red}      # <- unknown key
  T7: {name: a, unit: "%"}                                 # <- no threshold
  T8: {name: a, unit: "%", threshold: 1, comparison: "=>"} # <- no such comparison
  T9: {name: a, unit: {vi: "%"}, threshold: 1}              # <- a known unit in words
  T10: {name: a, unit: points, threshold: 1, measure: cluster_count}  # <- declared only
"""


def test_bad_added_indicators_are_refused_with_their_lines(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    path = write(folder, BAD_ADDED, "prov.yaml")
    with pytest.raises(ConfigError) as caught:
        load_profiles(folder, load_inventory(INVENTORY).index())
    messages = [str(p) for p in caught.value.problems]
    for marker, words in [
        ("catalogue's form", "N7: ids of a letter R, C or N and digits are kept for the catalogue"),
        ("not an id", "indicator id 'x y' must start with a letter"),
        ("no name", "T2: name must say the indicator in Vietnamese"),
        ("unit not known", "T3: unknown unit 'hộ' (one of %, points"),
        ("no Vietnamese unit", "T4: unit.vi must be the unit in Vietnamese"),
        ("above 100", "T5: threshold 120 is a percentage above 100"),
        ("unknown key", "unknown key 'colour'"),
        ("no threshold", "missing required key 'threshold'"),
        ("no such comparison", "'=>'"),
        ("known unit in words", "T9: '%' is a unit xaso knows"),
        ("declared only", "unknown key 'measure'"),
    ]:
        line = line_of(BAD_ADDED, marker)
        assert any(f"{path}:{line}:" in m and words in m for m in messages), (marker, messages)
    # The same file, alone, through `xaso check`.
    assert len(check_profile_file(path)) == len(messages)


LAYERS = {
    "thanh-hoa.yaml": """\
schema: 1
name: Tỉnh Thanh Hóa
area: thanh-hoa
overrides:
  R2: {threshold: 90}
added:
  T1: {name: Tổ công nghệ số, unit: "%", threshold: 80}
""",
    "tho-xuan.yaml": """\
schema: 1
name: Huyện Thọ Xuân
area: tho-xuan
overrides:
  T1: {threshold: 70}
  R8: {enabled: false}
""",
    "xuan-hong.yaml": """\
schema: 1
name: Xã Xuân Hồng
commune: xuan-hong
overrides:
  T1: {threshold: 60, evidence_required: false}
added:
  X1: {name: Điểm bưu điện văn hóa xã, unit: points, threshold: 1}
""",
}


def _layers(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    for name, text in {**LAYERS, **(extra or {})}.items():
        write(folder, text, name)
    return folder


def test_profiles_build_on_the_ones_above_them(tmp_path: Path) -> None:
    """The province adds T1; its district (before July 2025) and a commune change its
    threshold as they would a catalogue indicator's, and keep the province's other
    changes."""
    index = load_inventory(DEMO_INVENTORY).index()
    profiles = load_profiles(_layers(tmp_path), index)

    def figures(profile: IndicatorProfile) -> tuple[object, ...]:
        t1, r2, r8 = (profile.get(i) for i in ("T1", "R2", "R8"))
        assert t1 is not None and r2 is not None and r8 is not None
        return profile.name, t1.threshold, t1.evidence_required, r2.threshold, r8.enabled

    assert figures(profiles.for_ancestors(["thanh-hoa"])) == ("Tỉnh Thanh Hóa", 80, True, 90, True)
    district = profiles.for_ancestors(["tho-xuan", "thanh-hoa"])
    assert figures(district) == ("Huyện Thọ Xuân", 70, True, 90, False)
    # Xuân Hồng sat under the district until 30 June 2025, under the province after.
    before = profiles.commune_profile(index, "xuan-hong", dt.date(2025, 6, 30))
    after = profiles.commune_profile(index, "xuan-hong", dt.date(2025, 7, 1))
    assert figures(before) == ("Xã Xuân Hồng", 60, False, 90, False)
    assert figures(after) == ("Xã Xuân Hồng", 60, False, 90, True)
    assert (after.area, after.commune) == ("thanh-hoa", "xuan-hong")
    assert [i.id for i in after.declared_indicators()][-2:] == ["T1", "X1"]
    x1 = after.get("X1")
    assert x1 is not None and x1.added_by == "xuan-hong"
    # Another commune takes its area's profile; the commune's own is cached.
    assert profiles.commune_profile(index, "xuan-lai", dt.date(2025, 7, 1)).get("X1") is None
    assert profiles.for_commune("xuan-hong", ["thanh-hoa"]) is after


BAD_LAYERS = {
    "tho-xuan.yaml": """\
schema: 1
name: Huyện Thọ Xuân
area: tho-xuan
overrides:
  T9: {threshold: 70}                      # <- no such indicator above
added:
  T1: {name: a, unit: "%", threshold: 1}   # <- the province's already
""",
    "xuan-lai.yaml": """\
schema: 1
name: Xã Xuân Lai
commune: xuan-lai                          # <- both
area: thanh-hoa
""",
    "xuan-nowhere.yaml": """\
schema: 1
name: x
commune: nowhere                           # <- unknown commune
""",
    "xuan-hong2.yaml": """\
schema: 1
name: again
commune: xuan-hong                         # <- a second file
overrides:
  T1: {threshold: 101}                     # <- above 100 %
""",
}


def test_a_layer_is_checked_against_what_it_builds_on(tmp_path: Path) -> None:
    index = load_inventory(DEMO_INVENTORY).index()
    folder = _layers(tmp_path, BAD_LAYERS)
    with pytest.raises(ConfigError) as caught:
        load_profiles(folder, index)
    messages = [str(p) for p in caught.value.problems]
    for name, marker, words in [
        ("tho-xuan.yaml", "no such indicator", "unknown indicator 'T9' (the profile it builds on"),
        ("tho-xuan.yaml", "already", "T1: already an indicator of the profile it builds on"),
        ("xuan-lai.yaml", "both", "give 'area' or 'commune', not both"),
        ("xuan-nowhere.yaml", "unknown commune", "unknown commune 'nowhere'"),
        ("xuan-hong2.yaml", "a second file", "commune 'xuan-hong' already has a profile"),
        ("xuan-hong2.yaml", "above 100", "T1: threshold 101 is a percentage above 100"),
    ]:
        line = line_of(BAD_LAYERS[name], marker)
        assert any(f"{folder / name}:{line}:" in m and words in m for m in messages), (
            marker,
            messages,
        )


def test_xaso_check_knows_what_the_other_files_of_the_folder_add(tmp_path: Path) -> None:
    folder = _layers(tmp_path)
    # Alone, the commune's file cannot know that its province adds T1: its folder says.
    assert check_profile_file(folder / "xuan-hong.yaml") == []
    assert main(["check", str(folder / "tho-xuan.yaml")]) == 0
    (folder / "thanh-hoa.yaml").unlink()
    [problem] = check_profile_file(folder / "tho-xuan.yaml")
    assert "unknown indicator 'T1'" in problem.message and problem.line == 5


def test_the_demo_province_adds_t1() -> None:
    index = load_inventory(DEMO_INVENTORY).index()
    profile = load_profiles(DEMO / "profiles", index).commune_profile(
        index, "xuan-hong", dt.date(2026, 9, 30)
    )
    t1 = profile.get("T1")
    assert t1 is not None and t1.name == "Tỷ lệ thôn có tổ công nghệ số cộng đồng"
    assert (t1.unit, t1.threshold, t1.comparison, t1.evidence_required) == ("%", 80, ">=", True)
    assert check_profile_file(DEMO / "profiles" / "thanh-hoa.yaml", index) == []


def test_the_example_in_docs_indicators_is_a_valid_profile(tmp_path: Path) -> None:
    text = (REPO / "docs" / "indicators.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    [example] = [block for block in blocks if "added:" in block]
    path = write(tmp_path, example)
    assert check_profile_file(path, load_inventory(DEMO_INVENTORY).index()) == []


def test_picture_required_on_a_camera_indicator_passes_to_what_judges_for_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    write(
        folder,
        "schema: 1\nname: Tỉnh Thử\narea: prov\noverrides:\n  C2: {picture: required}\n",
        "prov.yaml",
    )
    province = load_profiles(folder, load_inventory(INVENTORY).index()).for_ancestors(["prov"])
    by_id = {i.id: i for i in province.indicators}
    assert by_id["C2"].picture == "required"
    assert by_id["C3"].picture == "ignored"  # C3 itself stays the online figure
    assert by_id["C1"].picture == "ignored"
    judge = province.working(by_id["C2"])
    assert (judge.id, judge.picture) == ("C3", "required")
    assert province.working(by_id["C1"]).picture == "ignored"
    assert load_default_profile().get("C3").picture == "ignored"  # type: ignore[union-attr]


def test_picture_means_nothing_for_the_radio(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    write(
        folder,
        "schema: 1\nname: x\narea: prov\noverrides:\n  R6: {picture: required}\n"
        "  C3: {picture: maybe}\n",
        "prov.yaml",
    )
    with pytest.raises(ConfigError) as caught:
        load_profiles(folder, load_inventory(INVENTORY).index())
    messages = " ".join(str(p) for p in caught.value.problems)
    assert "'picture' means nothing for measure 'radio_availability'" in messages
    assert "maybe" in messages
