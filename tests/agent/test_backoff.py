"""Reconnect delays: exponential, capped, with full jitter."""

from __future__ import annotations

from xaso.agent.backoff import Backoff


def test_ceilings_double_up_to_the_cap_and_draws_are_spread_over_them() -> None:
    ceilings = _draws(Backoff(base_s=1, cap_s=30, rng=lambda: 1.0), 7)
    assert ceilings == [1, 2, 4, 8, 16, 30, 30]
    assert _draws(Backoff(base_s=1, cap_s=30, rng=lambda: 0.0), 3) == [0, 0, 0]
    assert _draws(Backoff(base_s=1, cap_s=30, rng=lambda: 0.5), 3) == [0.5, 1, 2]


def test_reset_starts_again_from_the_base() -> None:
    backoff = Backoff(base_s=2, cap_s=60, rng=lambda: 1.0)
    _draws(backoff, 5)
    backoff.reset()
    assert backoff.next_delay_s() == 2


def test_a_province_reconnecting_at_once_is_spread_out() -> None:
    # 10,000 gateways on their fourth attempt: with full jitter they arrive spread over
    # the whole window, not in the same second.
    delays = []
    for _ in range(10_000):
        backoff = Backoff(base_s=1, cap_s=300)
        delays.append(_draws(backoff, 4)[-1])
    per_second = [0] * 8
    for delay in delays:
        per_second[min(int(delay), 7)] += 1
    assert max(per_second) < 0.2 * len(delays)


def _draws(backoff: Backoff, n: int) -> list[float]:
    return [backoff.next_delay_s() for _ in range(n)]
