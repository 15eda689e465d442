"""Log a repeated problem at most once per interval and key, counting what was held back."""

from __future__ import annotations

import logging


class RateLimitedLog:
    def __init__(self, logger: logging.Logger, interval_s: float = 60.0) -> None:
        self._logger = logger
        self._interval_ms = interval_s * 1000
        # key -> (time of the last line logged, how many were held back since)
        self._last: dict[tuple[str, str], tuple[int, int]] = {}

    def warning(self, key: tuple[str, str], now_ms: int, msg: str, *args: object) -> None:
        previous = self._last.get(key)
        if previous is not None and now_ms - previous[0] < self._interval_ms:
            self._last[key] = (previous[0], previous[1] + 1)
            return
        if previous is not None and previous[1]:
            msg += " (%d more like it since the last report)"
            args = (*args, previous[1])
        self._logger.warning(msg, *args)
        self._last[key] = (now_ms, 0)
