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


MENU: Final = (
    MenuEntry("/", "menu.overview"),
    MenuEntry("/problems", "menu.problems"),
    MenuEntry("/indicators", "menu.indicators"),
)


def menu_for(principal: Principal | None) -> list[MenuEntry]:
    if principal is None:
        return []
    return [e for e in MENU if e.roles is None or principal.role in e.roles]


def current_entry(path: str) -> str:
    """The menu entry a path belongs to (the longest prefix), to mark it as current."""
    inside = [
        entry.path
        for entry in MENU
        if entry.path != "/" and (path == entry.path or path.startswith(entry.path + "/"))
    ]
    return max(inside, key=len, default="/")
