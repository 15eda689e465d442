"""Indicator profiles: which indicators a commune is evaluated on, and their targets.

Indicators are data: the default profile (``default-profile.yaml``, shipped with the
package) carries the catalogue of docs/domain.md#indicators; a **province profile** is a
file that names an area (``area: thanh-hoa``) and overrides thresholds or switches
indicators off for the communes under it. Provinces set their own figures for the same
target (docs/domain.md#sources), so nothing here is hard-wired but the measures.

A commune takes the profile of its nearest ancestor area that has one, looked up in the
hierarchy as it was on the last day of the evaluated period; otherwise the default.

Files are read strictly (unknown keys rejected, ``xaso.yamlcheck``) and then checked as
a whole, and every problem comes back with its FILE:LINE, as for the inventory.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Final, Literal, TypeVar, get_args

import msgspec

from xaso.inventory import InventoryIndex
from xaso.yamlcheck import ConfigError, Lines, Problem, load_struct, load_struct_text

__all__ = [
    "DEFAULT_PROFILE_FILE",
    "Indicator",
    "IndicatorProfile",
    "ProfileSet",
    "check_profile_file",
    "load_default_profile",
    "load_profiles",
]

T = TypeVar("T")

SCHEMA: Final = 1
DEFAULT_PROFILE_FILE: Final = "default-profile.yaml"

Measure = Literal[
    "radio_station",
    "village_radio_coverage",
    "cluster_count",
    "radio_availability",
    "broadcast_days",
    "emergency_readiness",
    "camera_operating",
    "key_location_coverage",
    "camera_availability",
    "video_conference",
    "declared",
]
MEASURES: Final[tuple[str, ...]] = get_args(Measure)
Comparison = Literal[">=", ">", "<=", "<", "=="]
Window = Literal["trailing", "period"]

Pct = Annotated[float, msgspec.Meta(ge=0, le=100)]
PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]

# The unit each measure reports in (report.py translates them); a declared indicator
# names its own.
UNITS: Final[dict[str, str]] = {
    "radio_station": "",
    "village_radio_coverage": "%",
    "cluster_count": "clusters",
    "radio_availability": "%",
    "broadcast_days": "days/week",
    "emergency_readiness": "%",
    "camera_operating": "",
    "key_location_coverage": "%",
    "camera_availability": "%",
    "video_conference": "",
}
# Which parameters mean something for which measure: anything else is a mistake.
_PARAMETERS: Final[dict[str, frozenset[str]]] = {
    "radio_station": frozenset({"working"}),
    "village_radio_coverage": frozenset({"working"}),
    "cluster_count": frozenset(),
    "radio_availability": frozenset({"window", "window_days", "min_known_pct"}),
    "camera_availability": frozenset({"window", "window_days", "min_known_pct"}),
    "broadcast_days": frozenset({"min_days", "min_known_pct"}),
    "emergency_readiness": frozenset({"max_delay_s", "max_age_days", "min_known_pct"}),
    "camera_operating": frozenset({"working", "require_recording", "recording_lookback_s"}),
    "key_location_coverage": frozenset({"working"}),
    "video_conference": frozenset(
        {"window", "window_days", "min_known_pct", "device_threshold_pct"}
    ),
    "declared": frozenset({"unit"}),
}
_ALL_PARAMETERS: Final = frozenset().union(*_PARAMETERS.values())
# "working: R6" must name an availability indicator of the matching kind of device.
_WORKING_MEASURE: Final = {
    "radio_station": "radio_availability",
    "village_radio_coverage": "radio_availability",
    "camera_operating": "camera_availability",
    "key_location_coverage": "camera_availability",
}
# Values used when a profile leaves a parameter out (docs/indicators.md).
DEFAULT_WINDOW: Final = "period"
DEFAULT_WINDOW_DAYS: Final = 30
# The usual data-completeness rule of environmental reporting (a figure needs 75 % of
# its period measured); proposed, configurable.
DEFAULT_MIN_KNOWN_PCT: Final = 75.0
DEFAULT_DEVICE_THRESHOLD_PCT: Final = 95.0
DEFAULT_MIN_DAYS: Final = 7
DEFAULT_MAX_DELAY_S: Final = 60.0
DEFAULT_MAX_AGE_DAYS: Final = 90
DEFAULT_RECORDING_LOOKBACK_S: Final = 3600.0


# -- the files ------------------------------------------------------------------------


class _Parameters(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The parameters of the measures (``_PARAMETERS`` says which means what for which
    measure), declared once for the base profile and the province overrides."""

    window: Window | None = None
    window_days: PositiveInt | None = None
    min_known_pct: Pct | None = None
    device_threshold_pct: Pct | None = None
    min_days: PositiveInt | None = None
    max_delay_s: PositiveFloat | None = None
    max_age_days: PositiveInt | None = None
    require_recording: bool | None = None
    recording_lookback_s: PositiveFloat | None = None


class IndicatorSpec(_Parameters, frozen=True, kw_only=True):
    """One indicator as the base profile defines it."""

    name: str
    name_en: str
    measure: Measure
    threshold: float
    comparison: Comparison = ">="
    enabled: bool = True
    basis: str = ""
    unit: str | None = None
    working: str | None = None


class IndicatorOverride(_Parameters, frozen=True, kw_only=True):
    """What a province profile may change of an indicator: its target, its wording,
    whether it applies, its parameters; never what it measures (nor ``working`` and
    ``unit``, which only the base profile sets)."""

    name: str | None = None
    name_en: str | None = None
    threshold: float | None = None
    comparison: Comparison | None = None
    enabled: bool | None = None
    basis: str | None = None


class ProfileFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A profile file: the base (``indicators``) or a province's (``area`` and
    ``overrides``)."""

    schema: int
    name: str
    area: str | None = None
    description: str = ""
    indicators: dict[str, IndicatorSpec] = {}
    overrides: dict[str, IndicatorOverride] = {}


# -- the effective profile ------------------------------------------------------------


class Indicator(msgspec.Struct, frozen=True, kw_only=True):
    """One indicator with every parameter resolved: what the evaluation reads."""

    id: str
    name: str
    name_en: str
    measure: Measure
    unit: str
    threshold: float
    comparison: Comparison = ">="
    enabled: bool = True
    basis: str = ""
    working: str | None = None
    window: Window = "period"
    window_days: int = DEFAULT_WINDOW_DAYS
    min_known_pct: float = DEFAULT_MIN_KNOWN_PCT
    device_threshold_pct: float = DEFAULT_DEVICE_THRESHOLD_PCT
    min_days: int = DEFAULT_MIN_DAYS
    max_delay_s: float = DEFAULT_MAX_DELAY_S
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    require_recording: bool = True
    recording_lookback_s: float = DEFAULT_RECORDING_LOOKBACK_S

    def meets(self, value: float) -> bool:
        """Whether ``value`` meets the threshold (a hair of float noise forgiven, so
        that 95 % computed as 94.99999999999999 is 95 %)."""
        eps = 1e-9 * max(1.0, abs(self.threshold))
        if self.comparison == ">=":
            return value >= self.threshold - eps
        if self.comparison == ">":
            return value > self.threshold + eps
        if self.comparison == "<=":
            return value <= self.threshold + eps
        if self.comparison == "<":
            return value < self.threshold - eps
        return abs(value - self.threshold) <= eps


class IndicatorProfile(msgspec.Struct, frozen=True):
    name: str
    indicators: list[Indicator]  # in the order of the base profile
    area: str | None = None  # None: the default profile
    source: str = ""  # the file it came from

    def get(self, indicator_id: str) -> Indicator | None:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        return None

    def working(self, indicator: Indicator) -> Indicator:
        """The availability indicator that decides whether a device works for
        ``indicator`` (R1/R2: R6; C1/C2: C3); checked when the profile was loaded."""
        found = self.get(indicator.working or "")
        if found is None:
            raise KeyError(f"{indicator.id}: working indicator {indicator.working!r} not found")
        return found


class ProfileSet:
    """The default profile and the province profiles, by area code."""

    def __init__(
        self, default: IndicatorProfile, by_area: Mapping[str, IndicatorProfile] | None = None
    ) -> None:
        self.default = default
        self.by_area = dict(by_area or {})

    def for_ancestors(self, ancestors: Iterable[str]) -> IndicatorProfile:
        """The profile of the nearest ancestor area that has one, else the default."""
        for area in ancestors:
            profile = self.by_area.get(area)
            if profile is not None:
                return profile
        return self.default


# -- loading and checking -------------------------------------------------------------


def _resolve(indicator_id: str, spec: IndicatorSpec) -> Indicator:
    return Indicator(
        id=indicator_id,
        name=spec.name,
        name_en=spec.name_en,
        measure=spec.measure,
        unit=spec.unit if spec.unit is not None else UNITS.get(spec.measure, ""),
        threshold=spec.threshold,
        comparison=spec.comparison,
        enabled=spec.enabled,
        basis=spec.basis,
        working=spec.working,
        window=spec.window or DEFAULT_WINDOW,
        window_days=spec.window_days or DEFAULT_WINDOW_DAYS,
        min_known_pct=_or(spec.min_known_pct, DEFAULT_MIN_KNOWN_PCT),
        device_threshold_pct=_or(spec.device_threshold_pct, DEFAULT_DEVICE_THRESHOLD_PCT),
        min_days=spec.min_days or DEFAULT_MIN_DAYS,
        max_delay_s=spec.max_delay_s or DEFAULT_MAX_DELAY_S,
        max_age_days=spec.max_age_days or DEFAULT_MAX_AGE_DAYS,
        require_recording=_or(spec.require_recording, True),
        recording_lookback_s=spec.recording_lookback_s or DEFAULT_RECORDING_LOOKBACK_S,
    )


def _or(value: T | None, default: T) -> T:
    return default if value is None else value


def _apply(indicator: Indicator, change: IndicatorOverride) -> Indicator:
    changes = {
        field: value for field, value in msgspec.structs.asdict(change).items() if value is not None
    }
    return msgspec.structs.replace(indicator, **changes)


class _Checker:
    def __init__(self, file: str, lines: Lines) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def report(self, message: str, *path: str | int) -> None:
        self.problems.append(Problem(self.file, self.lines.of(*path), message))

    def check_file(self, loaded: ProfileFile) -> None:
        if loaded.schema != SCHEMA:
            self.report(f"unsupported schema {loaded.schema}: this xaso reads {SCHEMA}", "schema")
        if loaded.area is None:
            if loaded.overrides:
                self.report(
                    "overrides belong in a province profile: add 'area: <area code>', or "
                    "define the indicators in full under 'indicators'",
                    "overrides",
                )
            if not loaded.indicators:
                self.report("a base profile must define its indicators", "indicators")
            self.check_base(loaded.indicators)
        elif loaded.indicators:
            self.report(
                "a province profile changes the default one under 'overrides'; it cannot "
                "define indicators of its own",
                "indicators",
            )

    def check_base(self, specs: Mapping[str, IndicatorSpec]) -> None:
        for indicator_id, spec in specs.items():
            where = ("indicators", indicator_id)
            self.check_id(indicator_id, *where)
            given = {name for name in _ALL_PARAMETERS if getattr(spec, name, None) is not None}
            for name in sorted(given - _PARAMETERS[spec.measure]):
                self.report(
                    f"{indicator_id}: '{name}' means nothing for measure '{spec.measure}' "
                    f"(it takes: {', '.join(sorted(_PARAMETERS[spec.measure])) or 'nothing'})",
                    *where,
                    name,
                )
            if spec.measure == "declared" and spec.unit is None:
                self.report(
                    f"{indicator_id}: a declared indicator must name its unit ('%', 'points'...)",
                    *where,
                )
            unit = UNITS.get(spec.measure, spec.unit)
            self.check_threshold(indicator_id, spec.threshold, unit, where)
            needed = _WORKING_MEASURE.get(spec.measure)
            if needed is not None:
                target = specs.get(spec.working or "")
                if spec.working is None:
                    self.report(
                        f"{indicator_id}: measure '{spec.measure}' needs 'working: <id>', the "
                        f"'{needed}' indicator that says when a device works",
                        *where,
                    )
                elif target is None or target.measure != needed:
                    self.report(
                        f"{indicator_id}: working: '{spec.working}' must name an indicator of "
                        f"measure '{needed}' in this profile",
                        *where,
                        "working",
                    )

    def check_threshold(
        self, indicator_id: str, threshold: float | None, unit: str | None, where: tuple[str, str]
    ) -> None:
        if threshold is None:
            return
        if not math.isfinite(threshold) or threshold < 0:
            self.report(f"{indicator_id}: threshold must be a number ≥ 0", *where, "threshold")
        elif unit == "%" and threshold > 100:
            self.report(
                f"{indicator_id}: threshold {threshold:g} is a percentage above 100",
                *where,
                "threshold",
            )

    def check_id(self, indicator_id: str, *where: str) -> None:
        if not indicator_id or not indicator_id.replace("_", "").isalnum():
            self.report(
                f"indicator id '{indicator_id}' must be letters and digits (e.g. R6)", *where
            )

    def check_overrides(self, loaded: ProfileFile, base: IndicatorProfile) -> None:
        for indicator_id, change in loaded.overrides.items():
            where = ("overrides", indicator_id)
            indicator = base.get(indicator_id)
            if indicator is None:
                known = ", ".join(i.id for i in base.indicators)
                self.report(
                    f"unknown indicator '{indicator_id}' (the default profile has: {known})",
                    *where,
                )
                continue
            given = {name for name in _ALL_PARAMETERS if getattr(change, name, None) is not None}
            for name in sorted(given - _PARAMETERS[indicator.measure]):
                self.report(
                    f"{indicator_id}: '{name}' means nothing for measure '{indicator.measure}'",
                    *where,
                    name,
                )
            self.check_threshold(indicator_id, change.threshold, indicator.unit, where)


def _base_profile(loaded: ProfileFile, checker: _Checker, source: str) -> IndicatorProfile | None:
    checker.check_file(loaded)
    if checker.problems:
        return None
    indicators = [_resolve(key, spec) for key, spec in loaded.indicators.items()]
    return IndicatorProfile(name=loaded.name, indicators=indicators, source=source)


def load_default_profile() -> IndicatorProfile:
    """The profile shipped with xaso; raises ``ConfigError`` if it is broken."""
    text = (
        resources.files("xaso.server.indicators").joinpath(DEFAULT_PROFILE_FILE).read_text("utf-8")
    )
    loaded, problems, lines = load_struct_text(text, ProfileFile, file=DEFAULT_PROFILE_FILE)
    if loaded is None or problems:
        raise ConfigError(problems)
    checker = _Checker(DEFAULT_PROFILE_FILE, lines)
    profile = _base_profile(loaded, checker, DEFAULT_PROFILE_FILE)
    if profile is None:
        raise ConfigError(checker.problems)
    return profile


def _load_file(
    path: Path, base: IndicatorProfile
) -> tuple[IndicatorProfile | None, list[Problem], Lines, ProfileFile | None]:
    """The profile of one file, its problems, its lines, and what was read of it (for
    checks that do not need a valid profile, such as its area)."""
    # A partial load lets the checks run on what could be read, so that one run
    # reports everything (as the inventory does).
    loaded, problems, lines = load_struct(path, ProfileFile, partial=True)
    if loaded is None:
        return None, problems, lines, None
    checker = _Checker(str(path), lines)
    checker.check_file(loaded)
    if loaded.area is not None:
        checker.check_overrides(loaded, base)
    problems = sorted(dict.fromkeys(problems + checker.problems), key=lambda p: p.line)
    if problems:
        return None, problems, lines, loaded
    if loaded.area is None:
        indicators = [_resolve(key, spec) for key, spec in loaded.indicators.items()]
    else:
        indicators = [
            _apply(indicator, loaded.overrides[indicator.id])
            if indicator.id in loaded.overrides
            else indicator
            for indicator in base.indicators
        ]
    profile = IndicatorProfile(
        name=loaded.name, indicators=indicators, area=loaded.area, source=str(path)
    )
    return profile, [], lines, loaded


def check_profile_file(path: str | Path, index: InventoryIndex | None = None) -> list[Problem]:
    """Every problem of one profile file (a province's is checked against the default
    profile, and its area against ``index`` when given); empty when it is valid."""
    _, problems, lines, loaded = _load_file(Path(path), load_default_profile())
    if loaded is not None and index is not None and loaded.area not in (None, *index.areas):
        problems = [
            *problems,
            Problem(str(path), lines.of("area"), f"unknown area '{loaded.area}' in the inventory"),
        ]
    return sorted(problems, key=lambda p: p.line)


def load_profiles(folder: str | Path | None, index: InventoryIndex) -> ProfileSet:
    """The default profile and every province profile (``*.yaml``) in ``folder``;
    raises ``ConfigError`` listing every problem of every file, with its line."""
    default = load_default_profile()
    if folder is None:
        return ProfileSet(default)
    directory = Path(folder)
    if not directory.is_dir():
        raise ConfigError([Problem(str(directory), 0, "no such folder of indicator profiles")])
    problems: list[Problem] = []
    by_area: dict[str, IndicatorProfile] = {}
    first_file: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        profile, found, lines, loaded = _load_file(path, default)
        where = str(path)
        if loaded is None:
            pass  # unreadable: its problems say why
        elif loaded.area is None:
            found.append(
                Problem(
                    where,
                    lines.of("name"),
                    "a profile in this folder must name its area ('area: <code>'); the "
                    "default profile is built in",
                )
            )
        elif loaded.area not in index.areas:
            found.append(Problem(where, lines.of("area"), f"unknown area '{loaded.area}'"))
        elif loaded.area in by_area:
            found.append(
                Problem(
                    where,
                    lines.of("area"),
                    f"area '{loaded.area}' already has a profile ({first_file[loaded.area]})",
                )
            )
        elif profile is not None:
            by_area[loaded.area] = profile
            first_file[loaded.area] = where
        problems += sorted(found, key=lambda p: p.line)
    if problems:
        raise ConfigError(problems)
    return ProfileSet(default, by_area)
