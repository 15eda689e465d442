"""Hand-built evaluations for the report, sign-off and overview tests, where what is
under test is what happens to an evaluation, not how it is computed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.indicators.result import CommuneEvaluation, EvidenceItem, IndicatorResult, Verdict

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def ms(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=TZ).timestamp() * 1000)


class FakeEvaluation:
    """An ``Evaluate``: R2 of every commune from ``r2_at`` or ``r2_value`` (met at 100,
    default 100), N1 without data; ``calls`` records what was asked. Change the values
    to change the data."""

    def __init__(self, names: dict[str, str], parent: str = "prov") -> None:
        self.names = names
        self.parent = parent
        self.r2_value: dict[str, float] = {}
        self.r2_at: dict[tuple[str, int], float] = {}  # (commune, period start): value
        self.calls: list[tuple[list[str], int, int]] = []
        self.excused: list[bool] = []
        self.computed_ms = 0
        self.error: Exception | None = None  # raised by the next calls when set

    def result(self, commune: str, from_ms: int, to_ms: int) -> list[IndicatorResult]:
        value = self.r2_at.get((commune, from_ms), self.r2_value.get(commune, 100.0))
        verdict: Verdict = "met" if value >= 100 else "not_met"
        return [
            IndicatorResult(
                indicator="R2",
                name="Tỷ lệ thôn có cụm loa truyền thanh hoạt động",
                commune=commune,
                from_ms=from_ms,
                to_ms=to_ms,
                verdict=verdict,
                method="Số thôn có ít nhất một cụm loa đạt R6 chia cho tổng số thôn",
                source="telemetry",
                value=value,
                unit="%",
                numerator=value / 100 * 4,
                denominator=4,
                threshold=100,
                evidence=[
                    EvidenceItem(kind="village", id=f"{commune}.t1", label="Thôn 1", counted=True),
                    EvidenceItem(
                        kind="outage",
                        id=f"{commune}-rc-1",
                        label="Cụm loa 1",
                        note="Mất điện lưới",
                        from_ms=from_ms + 3_600_000,
                        to_ms=from_ms + 7_200_000,
                    ),
                ],
            ),
            IndicatorResult(
                indicator="N1",
                name="Tỷ lệ thôn được phủ sóng 4G",
                commune=commune,
                from_ms=from_ms,
                to_ms=to_ms,
                verdict="insufficient_data",
                method="Số liệu kê khai có minh chứng",
                source="declared",
                unit="%",
                threshold=100,
                reason="Chưa có số liệu kê khai cho kỳ này",
            ),
        ]

    def evaluation(self, commune: str, from_ms: int, to_ms: int) -> CommuneEvaluation:
        self.computed_ms += 1  # a new computation time each call: never part of the hash
        return CommuneEvaluation(
            commune=commune,
            commune_name=self.names[commune],
            parent=self.parent,
            profile="mặc định",
            from_ms=from_ms,
            to_ms=to_ms,
            computed_ms=to_ms + self.computed_ms,
            results=self.result(commune, from_ms, to_ms),
        )

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
        if self.error is not None:
            raise self.error
        self.calls.append((list(communes), from_ms, to_ms))
        self.excused.append(excused)
        return [self.evaluation(code, from_ms, to_ms) for code in communes if code in self.names]


def small_fake() -> FakeEvaluation:
    return FakeEvaluation({"alpha": "Xã Alpha", "beta": "Xã Beta"})
