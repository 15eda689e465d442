"""Maintenance windows: the model and the pure computations on it.

A window silences one device, one agent (the gateway and everything behind it), one
commune or one kind of device, once or on an RFC 5545 recurrence rule evaluated on the
commune's wall clock (``server/recurrence.py`` states those rules). Availability
excludes these intervals. ``duration_s`` is elapsed time; ``start`` is the DTSTART, a
wall time in ``timezone``.

All times in and out of the functions are epoch milliseconds UTC, ranges half-open
``[from_ms, to_ms)``, like the store. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, Protocol, get_args

import msgspec

from xaso.inventory import DEFAULT_TIMEZONE, DEVICE_KINDS, DeviceEntry
from xaso.protocol import is_valid_id
from xaso.server import recurrence
from xaso.server.monitoring.availability import merge_windows
from xaso.server.recurrence import recurrence_problems, recurring_intervals

__all__ = [
    "RETROACTIVE_TOLERANCE_MS",
    "SCOPES",
    "InvalidWindow",
    "MaintenanceWindow",
    "Scope",
    "applies_to",
    "decode_window",
    "first_start_ms",
    "in_maintenance",
    "is_retroactive",
    "occurrences",
    "whole_occurrences",
    "windows_for",
]

Scope = Literal["device", "agent", "commune", "kind"]
SCOPES: Final[tuple[str, ...]] = get_args(Scope)

# Ten years: longer than any plausible outage plan, and it bounds how far back a query
# must look for an occurrence that started before the range.
MAX_DURATION_S: Final = 3660 * 86_400.0

# A "from now" form sends the current minute, and the browser's clock may be a little
# off the server's: a window whose first occurrence starts up to this long before it was
# created is not taken as reaching into the past (docs/availability.md).
RETROACTIVE_TOLERANCE_MS: Final = 60_000


class InvalidWindow(ValueError):
    """Every problem found in a window, each a message naming its field."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class MaintenanceWindow(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One maintenance window, as the API receives it (JSON) and stores it.

    ``target`` is a device id (scope ``device``), an agent id (``agent``: the gateway
    and every device behind it), a commune code (``commune``) or a device kind
    (``kind``: "camera", "radio_cluster"...). ``rrule`` is one RFC 5545 RRULE value,
    e.g. ``FREQ=WEEKLY;BYDAY=SU;COUNT=10``, without DTSTART (``start`` is the DTSTART);
    None for a one-off window. Construction (and decoding) checks everything and
    raises ``InvalidWindow`` listing every problem.
    """

    id: str
    scope: Scope
    target: str
    start: dt.datetime
    duration_s: float
    rrule: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    reason: str = ""
    created_by: str = ""

    def __post_init__(self) -> None:
        found = _problems(self)
        if found:
            raise InvalidWindow(found)


def decode_window(data: bytes | str | Mapping[str, Any]) -> MaintenanceWindow:
    """A window from API JSON (bytes or str) or an already parsed JSON object.

    Raises ``InvalidWindow``: one problem when the shape is wrong (msgspec stops at the
    first, and names its path, e.g. ``Expected `float`, got `str` - at `$.duration_s```),
    otherwise every problem of the values at once.
    """
    try:
        if isinstance(data, bytes | str):
            return msgspec.json.decode(data, type=MaintenanceWindow)
        return msgspec.convert(data, MaintenanceWindow)
    except msgspec.ValidationError as exc:
        # msgspec wraps what __post_init__ raised; keep its separate messages.
        if isinstance(exc.__cause__, InvalidWindow):
            raise InvalidWindow(exc.__cause__.problems) from None
        raise InvalidWindow([str(exc)]) from None
    except msgspec.DecodeError as exc:
        raise InvalidWindow([f"not valid JSON: {exc}"]) from None


# -- validation -------------------------------------------------------------------------


def _problems(window: MaintenanceWindow) -> list[str]:
    found: list[str] = []
    if not is_valid_id(window.id):
        found.append(f"id: '{window.id}' is not a valid id (lower-case letters, digits, ._-)")
    if window.scope not in SCOPES:
        found.append(f"scope: must be one of {', '.join(SCOPES)}, got '{window.scope}'")
    if not window.target:
        found.append("target: must not be empty")
    elif window.scope == "kind" and window.target not in DEVICE_KINDS:
        found.append(
            f"target: unknown device kind '{window.target}' (one of {', '.join(DEVICE_KINDS)})"
        )
    duration = window.duration_s
    if not (math.isfinite(duration) and 0 < duration <= MAX_DURATION_S):
        found.append(
            f"duration_s: must be a number of seconds above 0 and at most "
            f"{MAX_DURATION_S:.0f} (ten years), got {duration!r}"
        )
    return found + recurrence_problems(window.start, window.rrule, window.timezone)


def _duration_ms(window: MaintenanceWindow) -> int:
    return max(1, round(window.duration_s * 1000))


def _intervals(window: MaintenanceWindow, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
    return recurring_intervals(
        window.start, window.rrule, window.timezone, _duration_ms(window), from_ms, to_ms
    )


def whole_occurrences(window: MaintenanceWindow, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
    """Each occurrence of ``window`` overlapping ``[from_ms, to_ms)``, whole (not
    clipped to the range), in start order: when it really ran, for a report."""
    return _intervals(window, from_ms, to_ms)


def occurrences(window: MaintenanceWindow, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
    """Each occurrence of ``window`` overlapping ``[from_ms, to_ms)``, clipped to it, in
    start order. Occurrences of one window may overlap (a duration longer than the
    period); ``windows_for`` merges them."""
    return [
        (max(start, from_ms), min(end, to_ms)) for start, end in _intervals(window, from_ms, to_ms)
    ]


def first_start_ms(window: MaintenanceWindow) -> int | None:
    """When the window's first occurrence starts; None when its rule never produces one."""
    return recurrence.first_start_ms(window.start, window.rrule, window.timezone)


def is_retroactive(window: MaintenanceWindow, created_ms: int) -> bool:
    """Whether ``window``, created at ``created_ms``, reaches into the past: its first
    occurrence starts more than ``RETROACTIVE_TOLERANCE_MS`` before it was created. Such
    a window would excuse what already happened, so it needs a verifier's approval."""
    first = first_start_ms(window)
    return first is not None and first < created_ms - RETROACTIVE_TOLERANCE_MS


class Scoped(Protocol):
    """What decides which devices something covers: maintenance windows, excused
    periods."""

    @property
    def scope(self) -> str: ...

    @property
    def target(self) -> str: ...


def applies_to(window: Scoped, device: DeviceEntry) -> bool:
    """Whether ``window`` covers ``device``. Agent scope covers the gateway itself (its
    ``agent_id`` is its own id) and every device behind it."""
    if window.scope == "device":
        return device.id == window.target
    if window.scope == "agent":
        return device.agent_id == window.target
    if window.scope == "commune":
        return device.commune == window.target
    return device.kind == window.target


def windows_for(
    device: DeviceEntry, windows: Iterable[MaintenanceWindow], from_ms: int, to_ms: int
) -> list[tuple[int, int]]:
    """The time in ``[from_ms, to_ms)`` when ``device`` is under any maintenance window:
    sorted, disjoint, non-touching intervals."""
    return merge_windows(
        interval
        for window in windows
        if applies_to(window, device)
        for interval in occurrences(window, from_ms, to_ms)
    )


def in_maintenance(
    device: DeviceEntry, windows: Iterable[MaintenanceWindow], now_ms: int
) -> MaintenanceWindow | None:
    """The window ``device`` is under at ``now_ms``, or None. When several are running,
    the one whose current occurrence ends last (the one that says "until when"); on a
    tie, the first given."""
    best: MaintenanceWindow | None = None
    best_end = 0
    for window in windows:
        if not applies_to(window, device):
            continue
        running = _intervals(window, now_ms, now_ms + 1)
        if running:
            end = max(end for _, end in running)
            if best is None or end > best_end:
                best, best_end = window, end
    return best
