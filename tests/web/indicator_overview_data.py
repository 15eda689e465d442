"""A province for the indicators overview's tests: communes under two districts, and an
evaluation of every indicator of the default catalogue whose verdicts follow a fixed
pattern by commune, indicator and period (so the counts are known without computing
anything). The clock stands in November 2026: the default period is 2026-Q3."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from aiohttp import web

from tests.indicator_fakes import ms
from xaso.server.indicators.profile import load_default_profile
from xaso.server.indicators.result import CommuneEvaluation, IndicatorResult, Verdict

NOW: Final = ms("2026-11-15T10:00")
DISTRICTS: Final = ("d1", "d2")


def commune_code(number: int) -> str:
    return f"c{number:02d}"


def commune_name(number: int) -> str:
    return f"Xã Thử Nghiệm {number:02d}"


def district_of(number: int) -> str:
    return DISTRICTS[number % 2]


def write_inventory(folder: Path, communes: int) -> Path:
    """A province ("prov") with two districts and ``communes`` communes split between
    them, alternately."""
    lines = [
        "schema: 1",
        "name: overview test",
        "timezone: Asia/Ho_Chi_Minh",
        "levels: [province, district, commune, village]",
        "areas:",
        "  - {code: prov, name: Tỉnh Thử, level: province}",
        "  - {code: d1, name: Huyện Một, level: district, parent: prov}",
        "  - {code: d2, name: Huyện Hai, level: district, parent: prov}",
        "communes:",
    ]
    for number in range(1, communes + 1):
        code = commune_code(number)
        lines += [
            f"  - code: {code}",
            f"    name: {commune_name(number)}",
            "    kind: xa",
            f"    parents: [{{area: {district_of(number)}}}]",
            f"    villages: [{{code: {code}.t1, name: Thôn 1}}]",
        ]
    path = folder / "overview-inventory.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def verdict_of(commune: str, indicator_position: int, from_ms: int) -> Verdict:
    """R3 is switched off (as in the catalogue); every fourth commune meets everything
    else; otherwise one cell in eleven is not met and one in thirteen lacks data,
    shifting with the period."""
    if indicator_position == 2:
        return "not_applicable"
    number = int(commune[1:])
    if number % 4 == 0:
        return "met"
    quarter = from_ms // 7_776_000_000
    key = number * 7 + indicator_position * 3 + quarter
    if key % 11 == 0:
        return "not_met"
    if key % 13 == 0:
        return "insufficient_data"
    return "met"


# A value that meets, and one that does not, by unit ("": yes or no).
_VALUES: Final = {
    "%": (100.0, 62.5),
    "days/week": (7.0, 3.0),
    "points": (2.0, 0.0),
    "clusters": (16.0, 9.0),
    "": (1.0, 0.0),
}


def _value(unit: str, verdict: Verdict) -> float | None:
    met, not_met = _VALUES.get(unit, (1.0, 0.0))
    return {"met": met, "not_met": not_met}.get(verdict)


class CatalogueEvaluation:
    """An ``Evaluate`` of every catalogue indicator for the communes asked."""

    def __init__(self) -> None:
        self.indicators = load_default_profile().indicators
        self.calls: list[tuple[list[str], int, int]] = []

    def results(self, commune: str, from_ms: int, to_ms: int) -> list[IndicatorResult]:
        found = []
        for position, indicator in enumerate(self.indicators):
            verdict = verdict_of(commune, position, from_ms)
            found.append(
                IndicatorResult(
                    indicator=indicator.id,
                    name=indicator.name,
                    name_en=indicator.name_en,
                    commune=commune,
                    from_ms=from_ms,
                    to_ms=to_ms,
                    verdict=verdict,
                    method="",
                    source="telemetry",
                    value=_value(indicator.unit, verdict),
                    unit=indicator.unit,
                    threshold=indicator.threshold,
                )
            )
        return found

    async def __call__(
        self,
        app: web.Application,
        communes: list[str],
        from_ms: int,
        to_ms: int,
        *,
        now_ms: int | None = None,
        excused: bool = False,
    ) -> list[CommuneEvaluation]:
        self.calls.append((list(communes), from_ms, to_ms))
        return [
            CommuneEvaluation(
                commune=code,
                commune_name=commune_name(int(code[1:])),
                parent=district_of(int(code[1:])),
                profile="mặc định",
                from_ms=from_ms,
                to_ms=to_ms,
                computed_ms=to_ms,
                results=self.results(code, from_ms, to_ms),
            )
            for code in communes
        ]
