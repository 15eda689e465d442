"""Indicator profiles: which indicators a commune is evaluated on, and their targets.

Indicators are data: the default profile (``default-profile.yaml``, shipped with the
package) carries the catalogue of docs/domain.md#indicators; a **province profile** is a
file that names an area (``area: thanh-hoa``) and overrides thresholds or switches
indicators off for the communes under it, and may add declared indicators of its own
(``added``: values the commune declares, as N1–N4/N6). Provinces set their own figures
for the same target (docs/domain.md#sources), so nothing here is hard-wired but the
measures.

Profiles are layered: an area's profile builds on the profile of its nearest ancestor
area that has one (a district's on its province's), and a **commune profile**
(``commune: xuan-hong``) on the profile of the area the commune sits under. A commune
takes the layers of its own chain, looked up in the hierarchy as it was on the last day
of the evaluated period (``ProfileSet.for_commune``); without any, the default.

Files are read strictly (unknown keys rejected, ``xaso.yamlcheck``) and then checked as
a whole, and every problem comes back with its FILE:LINE, as for the inventory.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Final, Literal, NamedTuple, TypeVar, get_args

import msgspec

from xaso.inventory import InventoryIndex
from xaso.yamlcheck import ConfigError, Lines, Problem, load_struct, load_struct_text

__all__ = [
    "ADDED_UNITS",
    "DEFAULT_PROFILE_FILE",
    "CommuneLayer",
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
# Whether a camera counts as available (working) while online only, or while online
# with a usable picture too (server/monitoring/picture_state.py; docs/indicators.md).
Picture = Literal["ignored", "required"]

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
    "camera_availability": frozenset(
        {"window", "window_days", "min_known_pct", "recording_min_hours_per_day", "picture"}
    ),
    "broadcast_days": frozenset({"min_days", "min_known_pct"}),
    "emergency_readiness": frozenset({"max_delay_s", "max_age_days", "min_known_pct"}),
    "camera_operating": frozenset(
        {"working", "require_recording", "recording_lookback_s", "picture"}
    ),
    "key_location_coverage": frozenset({"working", "picture"}),
    "video_conference": frozenset(
        {"window", "window_days", "min_known_pct", "device_threshold_pct"}
    ),
    "declared": frozenset({"unit", "evidence_required"}),
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

# The units an added indicator may name by code (report words ``unit.*``); any other is
# written out in words, ``{vi: hộ, en: households}``.
ADDED_UNITS: Final = ("%", "points", "villages", "clusters", "cameras")
# An added indicator's id travels in URLs, form fields and CSV columns: ASCII, short.
_ADDED_ID: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")
# The catalogue's own form (R1, C3, N6...), kept for it: R4, R5 and R7 may come.
_CATALOGUE_ID: Final = re.compile(r"[RCNrcn][0-9]+")


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
    # C3: hours a camera's recorder must hold per day (0: recording not judged).
    recording_min_hours_per_day: Annotated[float, msgspec.Meta(ge=0, le=24)] | None = None
    evidence_required: bool | None = None
    picture: Picture | None = None


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


class UnitWords(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A unit of a province's own, in words: ``{vi: hộ, en: households}``."""

    vi: str
    en: str = ""  # "": the Vietnamese


class AddedIndicator(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """An indicator a province (a district, a commune) adds to the catalogue: a value
    the commune declares for the period, judged as N1–N4/N6."""

    name: str
    name_en: str = ""  # "": the Vietnamese name
    unit: str | UnitWords  # one of ADDED_UNITS, or words
    threshold: float
    comparison: Comparison = ">="
    # Without a document the declared value is "không đủ dữ liệu", not "đạt".
    evidence_required: bool = True
    # How the commune arrives at the value (the report prints it before the rule).
    method: str = ""
    method_en: str = ""
    basis: str = ""


class ProfileFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A profile file: the base (``indicators``), an area's (``area``) or a commune's
    (``commune``), each of the last two with ``overrides`` and ``added``."""

    schema: int
    name: str
    area: str | None = None
    commune: str | None = None
    description: str = ""
    indicators: dict[str, IndicatorSpec] = {}
    overrides: dict[str, IndicatorOverride] = {}
    added: dict[str, AddedIndicator] = {}

    @property
    def target(self) -> str | None:
        """The area or commune the file is for; None: a base profile."""
        return self.commune if self.commune is not None else self.area


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
    recording_min_hours_per_day: float = 0.0  # off (server/indicators/recording.py)
    # C1/C2/C3: "required" counts a camera as available only while online with a usable
    # picture (its picture series), "ignored" while online.
    picture: Picture = "ignored"
    # Declared indicators: whether the value needs a document to be "đạt".
    evidence_required: bool = True
    # A unit in words (an added indicator's own): ``unit`` is then the Vietnamese word.
    unit_en: str = ""
    # How the value is arrived at, as the profile says it (added indicators).
    method: str = ""
    method_en: str = ""
    # The area or commune whose profile added it; None: the catalogue's.
    added_by: str | None = None

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
    indicators: list[Indicator]  # the base profile's order, then those added by layer
    area: str | None = None  # None: the default profile
    source: str = ""  # the file it came from
    commune: str | None = None  # a commune's own profile (over ``area``'s)

    def declared_indicators(self) -> list[Indicator]:
        """The indicators a commune declares (N1–N4, N6 and those a profile added) that
        are switched on, in profile order: what it is asked to enter, and what the
        declaring API accepts."""
        return [i for i in self.indicators if i.measure == "declared" and i.enabled]

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
        if indicator.picture == "required" and found.picture != "required":
            # C2 asking for the picture judges cameras by C3 with the picture required.
            return msgspec.structs.replace(found, picture="required")
        return found


class CommuneLayer(NamedTuple):
    """A commune's own profile file, applied over whichever area profile the commune
    takes on the day asked (its parent changes over time)."""

    loaded: ProfileFile
    source: str


class ProfileSet:
    """The default profile, the area profiles (each with the layers above it applied),
    by area code, and the communes' own layers, by commune code."""

    def __init__(
        self,
        default: IndicatorProfile,
        by_area: Mapping[str, IndicatorProfile] | None = None,
        by_commune: Mapping[str, CommuneLayer] | None = None,
    ) -> None:
        self.default = default
        self.by_area = dict(by_area or {})
        self.by_commune = dict(by_commune or {})
        self._layered: dict[tuple[str, str | None], IndicatorProfile] = {}

    def for_ancestors(self, ancestors: Iterable[str]) -> IndicatorProfile:
        """The profile of the nearest ancestor area that has one, else the default."""
        for area in ancestors:
            profile = self.by_area.get(area)
            if profile is not None:
                return profile
        return self.default

    def for_commune(self, commune: str, ancestors: Iterable[str]) -> IndicatorProfile:
        """The profile ``commune`` is evaluated with under ``ancestors`` (its areas,
        nearest first, on the day that counts): its own layer, if it has one, over the
        nearest area profile."""
        base = self.for_ancestors(ancestors)
        layer = self.by_commune.get(commune)
        if layer is None:
            return base
        key = (commune, base.area)
        if key not in self._layered:
            self._layered[key] = _layered(base, layer.loaded, layer.source)
        return self._layered[key]

    def commune_profile(
        self, index: InventoryIndex, commune: str, day: dt.date
    ) -> IndicatorProfile:
        """The profile of ``commune`` in the hierarchy of ``day`` (the evaluation asks
        for the last day of the period; the declaring API for today)."""
        return self.for_commune(commune, index.ancestors(commune, day))


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
        recording_min_hours_per_day=spec.recording_min_hours_per_day or 0.0,
        evidence_required=_or(spec.evidence_required, True),
        picture=spec.picture or "ignored",
    )


def _resolve_added(indicator_id: str, spec: AddedIndicator, added_by: str | None) -> Indicator:
    if isinstance(spec.unit, UnitWords):
        unit, unit_en = spec.unit.vi, spec.unit.en or spec.unit.vi
    else:
        unit, unit_en = spec.unit, ""
    return Indicator(
        id=indicator_id,
        name=spec.name,
        name_en=spec.name_en or spec.name,
        measure="declared",
        unit=unit,
        unit_en=unit_en,
        threshold=spec.threshold,
        comparison=spec.comparison,
        basis=spec.basis,
        evidence_required=spec.evidence_required,
        method=spec.method,
        method_en=spec.method_en,
        added_by=added_by,
    )


def _or(value: T | None, default: T) -> T:
    return default if value is None else value


def _apply(indicator: Indicator, change: IndicatorOverride) -> Indicator:
    changes = {
        field: value for field, value in msgspec.structs.asdict(change).items() if value is not None
    }
    return msgspec.structs.replace(indicator, **changes)


def _layered(base: IndicatorProfile, loaded: ProfileFile, source: str) -> IndicatorProfile:
    """``loaded``'s overrides and added indicators over ``base``. An override of an
    indicator ``base`` does not have is left out: a commune's layer may build on the
    profile of an earlier parent that lacked one its province added."""
    indicators = [
        _apply(indicator, loaded.overrides[indicator.id])
        if indicator.id in loaded.overrides
        else indicator
        for indicator in base.indicators
    ]
    taken = {indicator.id for indicator in indicators}
    indicators += [
        _resolve_added(key, spec, loaded.target)
        for key, spec in loaded.added.items()
        if key not in taken
    ]
    return IndicatorProfile(
        name=loaded.name,
        indicators=indicators,
        area=base.area if loaded.commune is not None else loaded.area,
        source=source,
        commune=loaded.commune,
    )


def _profile_label(bases: Sequence[IndicatorProfile]) -> str:
    if all(base.area is None and base.commune is None for base in bases):
        return "the default profile"
    names = " / ".join(dict.fromkeys(base.name for base in bases))
    return f"the profile it builds on ({names})"


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
        if loaded.area is not None and loaded.commune is not None:
            self.report(
                "a profile is for an area or for a commune: give 'area' or 'commune', not both",
                "commune",
            )
        if loaded.target is None:
            if loaded.overrides:
                self.report(
                    "overrides belong in a province profile: add 'area: <area code>', or "
                    "define the indicators in full under 'indicators'",
                    "overrides",
                )
            if loaded.added:
                self.report(
                    "added indicators belong in a province profile: add 'area: <area "
                    "code>', or define them in full under 'indicators'",
                    "added",
                )
            if not loaded.indicators:
                self.report("a base profile must define its indicators", "indicators")
            self.check_base(loaded.indicators)
        elif loaded.indicators:
            self.report(
                "a province profile changes the default one under 'overrides' and adds "
                "declared indicators of its own under 'added'; it cannot define them under "
                "'indicators'",
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

    def check_overrides(self, loaded: ProfileFile, bases: Sequence[IndicatorProfile]) -> None:
        """``bases``: every profile the file may build on (a commune's, one per area it
        sat under); an override must name an indicator of at least one."""
        for indicator_id, change in loaded.overrides.items():
            where = ("overrides", indicator_id)
            found = [i for base in bases if (i := base.get(indicator_id)) is not None]
            if not found:
                known = ", ".join(dict.fromkeys(i.id for base in bases for i in base.indicators))
                self.report(
                    f"unknown indicator '{indicator_id}' ({_profile_label(bases)} has: {known})",
                    *where,
                )
                continue
            for indicator in found:
                given = {
                    name for name in _ALL_PARAMETERS if getattr(change, name, None) is not None
                }
                for name in sorted(given - _PARAMETERS[indicator.measure]):
                    self.report(
                        f"{indicator_id}: '{name}' means nothing for measure '{indicator.measure}'",
                        *where,
                        name,
                    )
                self.check_threshold(indicator_id, change.threshold, indicator.unit, where)

    def check_added(
        self, loaded: ProfileFile, taken: Collection[str], bases: Sequence[IndicatorProfile]
    ) -> None:
        """``taken``: the ids of the profiles the file builds on, which an added
        indicator must not reuse."""
        for indicator_id, spec in loaded.added.items():
            where = ("added", indicator_id)
            if not _ADDED_ID.fullmatch(indicator_id):
                self.report(
                    f"indicator id '{indicator_id}' must start with a letter and be at most "
                    "16 letters, digits, '-' or '_' (e.g. T1)",
                    *where,
                )
            elif _CATALOGUE_ID.fullmatch(indicator_id):
                self.report(
                    f"{indicator_id}: ids of a letter R, C or N and digits are kept for the "
                    "catalogue; choose another (e.g. T1)",
                    *where,
                )
            elif indicator_id in taken:
                self.report(
                    f"{indicator_id}: already an indicator of {_profile_label(bases)}; change "
                    "it under 'overrides', or choose another id",
                    *where,
                )
            if not spec.name.strip():
                self.report(f"{indicator_id}: name must say the indicator in Vietnamese", *where)
            unit = self.check_unit(indicator_id, spec.unit, where)
            self.check_threshold(indicator_id, spec.threshold, unit, where)

    def check_unit(self, indicator_id: str, unit: str | UnitWords, where: tuple[str, str]) -> str:
        """The unit's code (or Vietnamese word), after reporting what is wrong with it."""
        if isinstance(unit, UnitWords):
            if not unit.vi.strip():
                self.report(
                    f"{indicator_id}: unit.vi must be the unit in Vietnamese (e.g. hộ)",
                    *where,
                    "unit",
                )
            elif unit.vi in ADDED_UNITS:
                self.report(
                    f"{indicator_id}: '{unit.vi}' is a unit xaso knows: write unit: '{unit.vi}'",
                    *where,
                    "unit",
                )
            return unit.vi
        if unit not in ADDED_UNITS:
            self.report(
                f"{indicator_id}: unknown unit '{unit}' (one of {', '.join(ADDED_UNITS)}, or "
                "one of your own in words: {vi: hộ, en: households})",
                *where,
                "unit",
            )
        return unit

    def check_layer(self, loaded: ProfileFile, bases: Sequence[IndicatorProfile]) -> None:
        """An area's or a commune's file against what it builds on."""
        self.check_overrides(loaded, bases)
        taken = {indicator.id for base in bases for indicator in base.indicators}
        self.check_added(loaded, taken, bases)


class _Read(NamedTuple):
    """One profile file as read, and its checks so far."""

    path: Path
    loaded: ProfileFile | None
    checker: _Checker

    def report(self, message: str, *path: str | int) -> None:
        self.checker.report(message, *path)

    def problems(self) -> list[Problem]:
        return sorted(dict.fromkeys(self.checker.problems), key=lambda p: p.line)


def _read(path: Path) -> _Read:
    # A partial load lets the checks run on what could be read, so that one run
    # reports everything (as the inventory does).
    loaded, problems, lines = load_struct(path, ProfileFile, partial=True)
    checker = _Checker(str(path), lines)
    checker.problems += problems
    if loaded is not None:
        checker.check_file(loaded)
    return _Read(path, loaded, checker)


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


def _profile_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))


def _with_siblings(default: IndicatorProfile, path: Path) -> IndicatorProfile:
    """The default profile with the indicators the other files of ``path``'s folder
    add. Alone, a file cannot know which of them the areas above it add (the inventory
    says, at server start), so overriding any of them passes here."""
    indicators = list(default.indicators)
    ids = {indicator.id for indicator in indicators}
    for other in _profile_files(path.parent):
        if other.resolve() == path.resolve():
            continue
        loaded, _, _ = load_struct(other, ProfileFile, partial=True)
        if loaded is None:
            continue
        for key, spec in loaded.added.items():
            if key not in ids:
                ids.add(key)
                indicators.append(_resolve_added(key, spec, loaded.target))
    return msgspec.structs.replace(default, indicators=indicators)


def check_profile_file(path: str | Path, index: InventoryIndex | None = None) -> list[Problem]:
    """Every problem of one profile file (an area's or a commune's is checked against
    the default profile and what the other files of its folder add, and its area or
    commune against ``index`` when given); empty when it is valid."""
    read = _read(Path(path))
    loaded = read.loaded
    if loaded is not None and loaded.target is not None:
        default = load_default_profile()
        read.checker.check_overrides(loaded, [_with_siblings(default, read.path)])
        read.checker.check_added(loaded, {i.id for i in default.indicators}, [default])
        if index is not None:
            _check_target(read, index)
    return read.problems()


def _check_target(read: _Read, index: InventoryIndex) -> bool:
    """Whether the area or commune the file names is in the inventory (else reported)."""
    loaded = read.loaded
    assert loaded is not None
    if loaded.commune is not None and loaded.commune not in index.communes:
        read.report(f"unknown commune '{loaded.commune}' in the inventory", "commune")
        return False
    if loaded.area is not None and loaded.area not in index.areas:
        read.report(f"unknown area '{loaded.area}' in the inventory", "area")
        return False
    return True


def _area_chain(index: InventoryIndex, area: str) -> list[str]:
    """The area and the areas above it, nearest first."""
    chain: list[str] = []
    code: str | None = area
    while code is not None and code not in chain:
        chain.append(code)
        found = index.areas.get(code)
        code = found.parent if found is not None else None
    return chain


def _commune_bases(
    profiles: ProfileSet, index: InventoryIndex, commune: str
) -> list[IndicatorProfile]:
    """The area profiles a commune's own layer may build on: one per area it sits
    under at some time (the district's before July 2025, the province's after)."""
    links = index.communes[commune].parents
    chains = [_area_chain(index, link.area) for link in links] or [[]]
    bases: list[IndicatorProfile] = []
    for chain in chains:
        base = profiles.for_ancestors(chain)
        if all(base is not known for known in bases):
            bases.append(base)
    return bases


def load_profiles(folder: str | Path | None, index: InventoryIndex) -> ProfileSet:
    """The default profile and every area and commune profile (``*.yaml``) in
    ``folder``, each area's built on the areas' above it; raises ``ConfigError``
    listing every problem of every file, with its line."""
    default = load_default_profile()
    if folder is None:
        return ProfileSet(default)
    directory = Path(folder)
    if not directory.is_dir():
        raise ConfigError([Problem(str(directory), 0, "no such folder of indicator profiles")])
    reads = [_read(path) for path in _profile_files(directory)]
    first_file: dict[tuple[str, str], str] = {}
    area_reads: list[_Read] = []
    commune_reads: list[_Read] = []
    second_files: list[_Read] = []  # a second file for an area or commune: refused
    for read in reads:
        loaded = read.loaded
        if loaded is None:
            continue  # unreadable: its problems say why
        if loaded.target is None:
            read.report(
                "a profile in this folder must name its area ('area: <code>') or commune "
                "('commune: <code>'); the default profile is built in",
                "name",
            )
            continue
        if loaded.area is not None and loaded.commune is not None:
            continue  # reported by check_file
        if not _check_target(read, index):
            read.checker.check_layer(loaded, [default])  # the rest of it, at least
            continue
        key = ("commune", loaded.commune) if loaded.commune else ("area", loaded.target)
        if key in first_file:
            read.report(f"{key[0]} '{key[1]}' already has a profile ({first_file[key]})", key[0])
            second_files.append(read)
            continue
        first_file[key] = str(read.path)
        (commune_reads if loaded.commune else area_reads).append(read)

    # Areas above first, so that each builds on the finished profiles over it. A file
    # with problems is still layered (from what could be read), so that the files
    # below it are checked against what it meant and not against the default.
    by_area: dict[str, IndicatorProfile] = {}
    for read in sorted(area_reads, key=lambda r: len(_area_chain(index, _area_of(r)))):
        area = _area_of(read)
        base = ProfileSet(default, by_area).for_ancestors(_area_chain(index, area)[1:])
        assert read.loaded is not None
        read.checker.check_layer(read.loaded, [base])
        by_area[area] = _layered(base, read.loaded, str(read.path))
    areas = ProfileSet(default, by_area)
    by_commune: dict[str, CommuneLayer] = {}
    for read in commune_reads:
        assert read.loaded is not None and read.loaded.commune is not None
        commune = read.loaded.commune
        read.checker.check_layer(read.loaded, _commune_bases(areas, index, commune))
        by_commune[commune] = CommuneLayer(read.loaded, str(read.path))
    for read in second_files:  # refused, but checked as the first one was
        assert read.loaded is not None
        if read.loaded.commune is not None:
            bases = _commune_bases(areas, index, read.loaded.commune)
        else:
            bases = [areas.for_ancestors(_area_chain(index, _area_of(read))[1:])]
        read.checker.check_layer(read.loaded, bases)

    problems = [problem for read in reads for problem in read.problems()]
    if problems:
        raise ConfigError(problems)
    return ProfileSet(default, by_area, by_commune)


def _area_of(read: _Read) -> str:
    assert read.loaded is not None and read.loaded.area is not None
    return read.loaded.area
