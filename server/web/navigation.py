"""The menu every page shows: what each role can open, in the order people look for it.

A page adds its entry here when it exists; a role sees only the entries it may open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from xaso.server.web.tokens import Principal, Role


@dataclass(frozen=True)
class MenuEntry:
    path: str
    word: str  # its name, a key of the word catalogue (server/words.py)
    roles: frozenset[Role] | None = None  # None: every signed-in role
    # The paths the entry stands for, when more than its own: "/admin" marks the
    # administration entry current on each of its pages.
    section: str | None = None


MENU: Final = (
    MenuEntry("/", "menu.overview"),
    MenuEntry("/problems", "menu.problems"),
    MenuEntry("/communes", "menu.communes"),
    MenuEntry("/gateways", "menu.gateways"),
    MenuEntry("/map", "menu.map"),
    MenuEntry("/radio/calendar", "menu.radio", section="/radio"),
    MenuEntry("/maintenance", "menu.maintenance"),
    MenuEntry("/alerts", "menu.alerts"),
    MenuEntry("/indicators", "menu.indicators"),
    MenuEntry("/admin/users", "menu.admin", frozenset({Role.ADMIN}), section="/admin"),
    MenuEntry("/help", "menu.help"),
)


def menu_for(principal: Principal | None) -> list[MenuEntry]:
    if principal is None:
        return []
    return [e for e in MENU if e.roles is None or principal.role in e.roles]


# Pages with no entry of their own, under the entry they are reached from.
REACHED_FROM: Final = {"/devices": "/communes"}


def current_entry(path: str) -> str:
    """The menu entry a path belongs to (the longest prefix), to mark it as current."""
    for prefix, entry in REACHED_FROM.items():
        if path.startswith(prefix + "/"):
            path = entry + path.removeprefix(prefix)
    inside = [entry for entry in MENU if entry.path != "/" and _covers(entry, path)]
    best = max(inside, key=lambda entry: len(entry.section or entry.path), default=None)
    if best is not None:
        return best.path
    # A page of no entry (the person's own account) marks none, not the overview.
    return "/" if path == "/" else ""


def _covers(entry: MenuEntry, path: str) -> bool:
    prefix = entry.section or entry.path
    return path == prefix or path.startswith(prefix + "/")
