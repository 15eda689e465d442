"""How many wrong passwords a login name, or an address, may try before it must wait.

Per login: a few failures in a window, so nobody can guess one person's password, however
many addresses they try from. Per address: more (a commune office shares one address),
so one machine cannot try every login in turn. A success clears its login's count. The
counts live in the server process: a restart forgives, which the window would soon have
done anyway, and nothing is written per attempt.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Final

# So a flood of made-up logins cannot grow the memory without bound: the least recently
# failing keys are forgotten first.
_MAX_KEYS: Final = 10_000


@dataclass(frozen=True)
class ThrottleRules:
    window_s: float = 900.0
    per_login: int = 5
    per_address: int = 30


class LoginThrottle:
    def __init__(self, rules: ThrottleRules | None = None) -> None:
        self.rules = rules or ThrottleRules()
        self._failures: OrderedDict[str, deque[int]] = OrderedDict()

    def wait_s(self, login: str, address: str, now_ms: int) -> float:
        """0 when this attempt may go ahead; else how long until it may."""
        waits = [
            self._wait_s(f"login:{login.strip().lower()}", self.rules.per_login, now_ms),
            self._wait_s(f"address:{address}", self.rules.per_address, now_ms),
        ]
        return max(waits)

    def failed(self, login: str, address: str, now_ms: int) -> None:
        for key in (f"login:{login.strip().lower()}", f"address:{address}"):
            times = self._failures.pop(key, None) or deque()
            times.append(now_ms)
            self._failures[key] = times  # the most recent at the end
        while len(self._failures) > _MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, login: str) -> None:
        self._failures.pop(f"login:{login.strip().lower()}", None)

    def _wait_s(self, key: str, allowed: int, now_ms: int) -> float:
        times = self._failures.get(key)
        if not times:
            return 0.0
        window_ms = self.rules.window_s * 1000
        while times and now_ms - times[0] >= window_ms:
            times.popleft()
        if len(times) < allowed:
            return 0.0
        # Free again when the oldest failure that still counts leaves the window.
        return (times[len(times) - allowed] + window_ms - now_ms) / 1000
