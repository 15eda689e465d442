"""Indicator profiles: the shipped default, province overrides, and bad files rejected
with every problem and its line (also by ``xaso check``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import DATA, REPO
from xaso.cli import main
from xaso.inventory import load_inventory
from xaso.server.indicators.profile import (
    Indicator,
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
