"""Reconnect delays: exponential with full jitter.

After a power cut the gateways of a whole province come back within seconds of each
other; without jitter they would all hit the broker in the same second, again and again
(AWS Architecture Blog, "Exponential Backoff And Jitter": full jitter spreads them best).
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(
        self, base_s: float = 1.0, cap_s: float = 300.0, rng: Callable[[], float] = random.random
    ) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self._rng = rng
        self._attempt = 0

    def next_delay_s(self) -> float:
        """A delay drawn uniformly from [0, min(cap, base * 2**attempt)]."""
        ceiling = min(self.cap_s, self.base_s * 2**self._attempt)
        self._attempt = min(self._attempt + 1, 30)  # far past any cap; keeps the power finite
        return self._rng() * ceiling

    def reset(self) -> None:
        self._attempt = 0
