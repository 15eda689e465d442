"""Acknowledged problems: who has seen that a device is down, when, and what they said.

Kept in the server's database (``server/database.py``), so an acknowledgement survives a
restart, with every one that ended (recovered, withdrawn, replaced) kept as history. An
acknowledgement belongs to one problem: it ends by itself when its device recovers (any
status that is not a problem, ``problems.py``), so the next outage is new and nobody's.
The live state tells of every change (``FleetState.watchers``); after a restart the
devices whose restored status is no longer a problem are let go the same way.

The current ones are held in memory as well: the problems page and the alert engine read
them every few seconds, and a device's acknowledgement is one dictionary lookup.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from xaso.server.database import transaction
from xaso.server.monitoring.fleet_state import DeviceState, FleetState
from xaso.server.monitoring.problems import Acknowledgement, is_problem

log = logging.getLogger("xaso.acknowledgements")

MAX_COMMENT: Final = 500  # characters: a line or two, not a report

EndedWhy = Literal["recovered", "withdrawn", "replaced", "gone"]


class AcknowledgementStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.execute(
            """CREATE TABLE IF NOT EXISTS problem_acknowledgement (
                id INTEGER PRIMARY KEY,
                device_id TEXT NOT NULL,
                by_subject TEXT NOT NULL,
                by_name TEXT NOT NULL,
                at_ms INTEGER NOT NULL,
                comment TEXT NOT NULL,
                ended_ms INTEGER,
                ended_why TEXT,
                ended_by TEXT
            )"""
        )
        # One current acknowledgement per device; the ended ones are its history.
        db.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS problem_acknowledgement_current "
            "ON problem_acknowledgement (device_id) WHERE ended_ms IS NULL"
        )
        rows = db.execute(
            "SELECT device_id, by_subject, by_name, at_ms, comment "
            "FROM problem_acknowledgement WHERE ended_ms IS NULL"
        ).fetchall()
        self._current: dict[str, Acknowledgement] = {row[0]: Acknowledgement(*row) for row in rows}

    @property
    def current(self) -> Mapping[str, Acknowledgement]:
        """The acknowledgements in force, by device id (read-only)."""
        return MappingProxyType(self._current)

    def get(self, device_id: str) -> Acknowledgement | None:
        return self._current.get(device_id)

    def acknowledge(
        self, device_id: str, by_subject: str, by_name: str, comment: str, now_ms: int
    ) -> Acknowledgement:
        """Acknowledge the device's problem now; one already there is replaced (its
        history kept): the latest word stands."""
        comment = comment.strip()
        if len(comment) > MAX_COMMENT:
            raise ValueError(f"a comment has at most {MAX_COMMENT} characters")
        made = Acknowledgement(device_id, by_subject, by_name, now_ms, comment)
        with transaction(self._db):
            self._end(device_id, now_ms, "replaced", by_name)
            self._db.execute(
                "INSERT INTO problem_acknowledgement "
                "(device_id, by_subject, by_name, at_ms, comment) VALUES (?, ?, ?, ?, ?)",
                (device_id, by_subject, by_name, now_ms, comment),
            )
        self._current[device_id] = made
        return made

    def withdraw(self, device_id: str, by_name: str, now_ms: int) -> bool:
        """Take an acknowledgement back; False when there was none."""
        if device_id not in self._current:
            return False
        self._end(device_id, now_ms, "withdrawn", by_name)
        del self._current[device_id]
        return True

    def watch(self, fleet: FleetState, now_ms: int) -> None:
        """End the acknowledgements whose problem is over (the state as restored after a
        restart, or a device gone from the inventory), then every one whose device
        recovers from now on."""
        for device_id in list(self._current):
            state = fleet.devices.get(device_id)
            if state is None:
                self._ended(device_id, now_ms, "gone")
            elif not is_problem(state):
                self._ended(device_id, state.since_ms or now_ms, "recovered")
        fleet.watchers.append(self._status_changed)

    def _status_changed(self, state: DeviceState) -> None:
        device_id = state.entry.id
        if device_id in self._current and not is_problem(state):
            self._ended(device_id, state.since_ms or 0, "recovered")

    def _ended(self, device_id: str, now_ms: int, why: EndedWhy) -> None:
        del self._current[device_id]
        try:
            self._end(device_id, now_ms, why, None)
        except sqlite3.Error:
            # Called from the live state's update: a disk problem must not stop intake.
            # Gone from memory all the same; the next start ends it again (watch).
            log.exception("could not record the end of %s's acknowledgement", device_id)

    def _end(self, device_id: str, now_ms: int, why: EndedWhy, by_name: str | None) -> None:
        self._db.execute(
            "UPDATE problem_acknowledgement SET ended_ms = ?, ended_why = ?, ended_by = ? "
            "WHERE device_id = ? AND ended_ms IS NULL",
            (now_ms, why, by_name, device_id),
        )
