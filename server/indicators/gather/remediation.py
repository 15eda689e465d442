"""Remediation plans (kế hoạch khắc phục): for every indicator a commune did not meet
in a period (chưa đạt), the cause (nguyên nhân), the steps and the roadmap to fix it
(lộ trình), a deadline and who answers for it (trách nhiệm).

A plan goes through these states, each change made by a person of the right role (the
rules of who may are the API's, server/web/api/remediation.py):

- ``submitted``: the commune wrote it (or rewrote it); it waits for the verifier.
- ``returned``: the verifier sent it back with a comment; the commune edits it, and the
  edit submits it again.
- ``accepted``: the verifier agreed to it; the commune carries it out.
- ``done``: the commune says the work is finished, with a note of what was done. Only
  an accepted plan can be done: a plan no one agreed to is still a proposal.

Every change is a new row of one table whose triggers refuse UPDATE and DELETE, as the
sign-offs' do (``signoff.py``): who, when, what (the action, the comment, the plan's
fields as they stood after it). A plan is its rows; its state is its latest row's. A
plan is **overdue** when its deadline (a local date, the last day allowed) has passed
and it is not done.

The plans are few (a province's year: a few thousand), read by every indicators page
and written rarely, so they are mirrored in memory like a ``JsonTable``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, get_args
from zoneinfo import ZoneInfo

import msgspec

from xaso.server.indicators.period import local_day

__all__ = [
    "ACTIONS",
    "EDITABLE",
    "MAX_COMMENT_CHARS",
    "OPEN",
    "STATUSES",
    "Action",
    "Author",
    "PlanChange",
    "PlanFields",
    "Problem",
    "RemediationPlan",
    "RemediationStore",
    "Shortfall",
    "StateConflict",
    "Status",
    "changed_fields",
    "check_fields",
    "remediation_counts",
]

Status = Literal["submitted", "returned", "accepted", "done"]
# What a change did: ``edited`` a submitted plan (still submitted), ``resubmitted`` a
# returned one after editing it.
Action = Literal["submitted", "edited", "resubmitted", "accepted", "returned", "done"]
STATUSES: Final[tuple[str, ...]] = get_args(Status)
ACTIONS: Final[tuple[str, ...]] = get_args(Action)
OPEN: Final = frozenset({"submitted", "returned", "accepted"})
# The states in which the commune may still change what the plan says.
EDITABLE: Final = frozenset({"submitted", "returned"})

MAX_CAUSE_CHARS: Final = 2000
MAX_STEPS: Final = 20
MAX_STEP_CHARS: Final = 500
MAX_RESPONSIBLE_CHARS: Final = 200
MAX_COMMENT_CHARS: Final = 2000
# A roadmap, not a wish: a deadline at most this far ahead of the day it is set.
MAX_DEADLINE_DAYS: Final = 5 * 366


class Shortfall(msgspec.Struct, frozen=True, kw_only=True):
    """What a plan remedies: an indicator a commune did not meet in a period. The
    indicator's names are kept as the evaluation gave them when the plan was written,
    so a list of plans reads without evaluating anything."""

    commune: str
    from_ms: int
    to_ms: int
    period: str  # as asked ("2026-Q3"), or "" for explicit from/to
    indicator: str  # "R2"
    name: str  # the indicator's name, Vietnamese
    name_en: str = ""


class PlanFields(msgspec.Struct, frozen=True, kw_only=True):
    """What the commune writes: why, what it will do, by when, who answers for it."""

    cause: str  # nguyên nhân
    steps: tuple[str, ...]  # lộ trình: the steps in order
    deadline: dt.date  # the last local day the work may take
    responsible: str  # người / đơn vị chịu trách nhiệm


class Author(msgspec.Struct, frozen=True):
    """Who made a change: the display name, the account's (``u:``) or token's (``t:``)
    subject, the role."""

    name: str
    subject: str
    role: str


class PlanChange(msgspec.Struct, frozen=True, kw_only=True):
    """One change of a plan: its version (1, 2, …), what was done, the state it left the
    plan in, when (the server's clock), by whom, the comment (a verifier's on accepting
    or returning, the commune's note on finishing) and the plan's fields after it."""

    version: int
    action: Action
    status: Status
    at_ms: int
    by: Author
    comment: str = ""
    fields: PlanFields


class RemediationPlan(msgspec.Struct, frozen=True):
    id: str
    shortfall: Shortfall
    history: tuple[PlanChange, ...]  # oldest first, never empty

    @property
    def commune(self) -> str:
        return self.shortfall.commune

    @property
    def indicator(self) -> str:
        return self.shortfall.indicator

    @property
    def latest(self) -> PlanChange:
        return self.history[-1]

    @property
    def status(self) -> Status:
        return self.latest.status

    @property
    def fields(self) -> PlanFields:
        return self.latest.fields

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, today: dt.date) -> bool:
        """Its deadline has passed (``today`` is after it) and it is not done."""
        return self.is_open and self.fields.deadline < today

    def last_review(self) -> PlanChange | None:
        """The verifier's latest decision (accepted or returned), if any."""
        return next(
            (c for c in reversed(self.history) if c.action in ("accepted", "returned")), None
        )


class StateConflict(ValueError):
    """The change does not apply to the plan's state (accepting a done plan)."""


class _Row(msgspec.Struct, frozen=True):
    """A row's body: what the plan remedies (the same in every row of a plan) and the
    change."""

    shortfall: Shortfall
    change: PlanChange


TABLE: Final = "indicator_remediation"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id  TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    commune  TEXT    NOT NULL,
    from_ms  INTEGER NOT NULL,
    to_ms    INTEGER NOT NULL,
    status   TEXT    NOT NULL
        CHECK (status IN ('submitted', 'returned', 'accepted', 'done')),
    at_ms    INTEGER NOT NULL,
    body     TEXT    NOT NULL,
    UNIQUE (plan_id, version)
);
CREATE INDEX IF NOT EXISTS {TABLE}_period ON {TABLE} (commune, from_ms, to_ms);
-- Append-only: a plan's history is what the commune and the verifier said, when.
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'remediation plans are append-only'); END;
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'remediation plans are append-only'); END;
"""


class RemediationStore:
    """Every plan with every change, append-only, in the server's SQLite file; ``tz``
    is the inventory's time zone, in which deadlines are days."""

    def __init__(self, db: sqlite3.Connection, tz: ZoneInfo) -> None:
        self.tz = tz
        self._db = db
        self._db.executescript(_SCHEMA)
        # By plan, the plans in the order they were written (a plan's first row comes
        # first), each plan's changes in theirs.
        rows: dict[str, list[_Row]] = {}
        for plan_id, body in self._db.execute(f"SELECT plan_id, body FROM {TABLE} ORDER BY seq"):
            rows.setdefault(plan_id, []).append(msgspec.json.decode(body, type=_Row))
        self._plans: dict[str, RemediationPlan] = {
            plan_id: RemediationPlan(plan_id, found[0].shortfall, tuple(r.change for r in found))
            for plan_id, found in rows.items()
        }

    # -- reading ---------------------------------------------------------------------

    def get(self, plan_id: str) -> RemediationPlan | None:
        return self._plans.get(plan_id)

    def find(
        self,
        commune: str | None = None,
        from_ms: int | None = None,
        to_ms: int | None = None,
        indicator: str | None = None,
    ) -> list[RemediationPlan]:
        """Plans, in the order they were written; of one commune, exactly one period,
        one indicator if given."""
        return [
            plan
            for plan in self._plans.values()
            if (commune is None or plan.commune == commune)
            and (from_ms is None or plan.shortfall.from_ms == from_ms)
            and (to_ms is None or plan.shortfall.to_ms == to_ms)
            and (indicator is None or plan.indicator == indicator)
        ]

    def plan_for(self, shortfall: Shortfall) -> RemediationPlan | None:
        """The plan of this commune, period and indicator, if one was written."""
        found = self.find(
            shortfall.commune, shortfall.from_ms, shortfall.to_ms, shortfall.indicator
        )
        return found[0] if found else None

    def today(self, now_ms: int) -> dt.date:
        return local_day(now_ms, self.tz)

    # -- changing --------------------------------------------------------------------

    def submit(
        self, shortfall: Shortfall, fields: PlanFields, by: Author, at_ms: int
    ) -> RemediationPlan:
        """A new plan, submitted; its id is assigned here. One plan per commune,
        period and indicator: a second is a ``StateConflict`` (edit the first)."""
        if self.plan_for(shortfall) is not None:
            raise StateConflict(
                f"{shortfall.indicator} of {shortfall.commune} in that period has a plan "
                "already: edit it instead"
            )
        plan_id = f"rp-{secrets.token_hex(6)}"
        change = PlanChange(
            version=1, action="submitted", status="submitted", at_ms=at_ms, by=by, fields=fields
        )
        return self._append(RemediationPlan(plan_id, shortfall, ()), change)

    def edit(self, plan_id: str, fields: PlanFields, by: Author, at_ms: int) -> RemediationPlan:
        """The commune's new text of a submitted or returned plan: submitted (again)."""
        plan = self._existing(plan_id)
        if plan.status not in EDITABLE:
            raise StateConflict(
                f"a plan {plan.status} can no longer be changed; only one submitted or returned can"
            )
        action: Action = "resubmitted" if plan.status == "returned" else "edited"
        if action == "edited" and fields == plan.fields:
            raise StateConflict("nothing changed: the plan already says that")
        return self._append(plan, self._next(plan, action, "submitted", at_ms, by, "", fields))

    def review(
        self,
        plan_id: str,
        decision: Literal["accepted", "returned"],
        comment: str,
        by: Author,
        at_ms: int,
    ) -> RemediationPlan:
        """The verifier's decision on a submitted plan; returning one needs a comment
        (what to change)."""
        plan = self._existing(plan_id)
        if decision == "returned" and not comment.strip():
            raise ValueError("a plan is returned with a comment saying what to change")
        if plan.status != "submitted":
            raise StateConflict(
                f"only a submitted plan is accepted or returned; this one is {plan.status}"
            )
        change = self._next(plan, decision, decision, at_ms, by, comment, plan.fields)
        return self._append(plan, change)

    def finish(self, plan_id: str, note: str, by: Author, at_ms: int) -> RemediationPlan:
        """The commune's word that the work is done, with a note of what was done."""
        plan = self._existing(plan_id)
        if not note.strip():
            raise ValueError("a plan is marked done with a note of what was done")
        if plan.status != "accepted":
            raise StateConflict(
                f"only an accepted plan can be marked done; this one is {plan.status}"
            )
        return self._append(plan, self._next(plan, "done", "done", at_ms, by, note, plan.fields))

    def _existing(self, plan_id: str) -> RemediationPlan:
        plan = self._plans.get(plan_id)
        if plan is None:
            raise KeyError(plan_id)
        return plan

    @staticmethod
    def _next(
        plan: RemediationPlan,
        action: Action,
        status: Status,
        at_ms: int,
        by: Author,
        comment: str,
        fields: PlanFields,
    ) -> PlanChange:
        return PlanChange(
            version=plan.latest.version + 1,
            action=action,
            status=status,
            at_ms=at_ms,
            by=by,
            comment=comment,
            fields=fields,
        )

    def _append(self, plan: RemediationPlan, change: PlanChange) -> RemediationPlan:
        # One row, one statement: the UNIQUE (plan_id, version) refuses a second change
        # built on the same version.
        shortfall = plan.shortfall
        self._db.execute(
            f"INSERT INTO {TABLE} "
            "(plan_id, version, commune, from_ms, to_ms, status, at_ms, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                plan.id,
                change.version,
                shortfall.commune,
                shortfall.from_ms,
                shortfall.to_ms,
                change.status,
                change.at_ms,
                msgspec.json.encode(_Row(shortfall, change)).decode(),
            ),
        )
        saved = RemediationPlan(plan.id, shortfall, (*plan.history, change))
        self._plans[plan.id] = saved
        return saved


def changed_fields(before: PlanFields | None, after: PlanFields) -> list[str]:
    """The fields ``after`` says otherwise than ``before`` (none for a first version)."""
    if before is None:
        return []
    return [
        name for name in after.__struct_fields__ if getattr(before, name) != getattr(after, name)
    ]


def remediation_counts(
    store: RemediationStore, communes: Iterable[str], now_ms: int
) -> dict[str, tuple[int, int]]:
    """For each commune asked, ``(open, overdue)``: how many of its plans, of every
    period, are not done yet, and how many of those are past their deadline on the
    local day of ``now_ms`` (``overdue <= open``). A commune without plans is (0, 0).
    What the province summary shows per commune; one pass over the plans in memory."""
    wanted = list(communes)
    counts = {code: [0, 0] for code in wanted}
    today = store.today(now_ms)
    for plan in store.find():
        tally = counts.get(plan.commune)
        if tally is None or not plan.is_open:
            continue
        tally[0] += 1
        tally[1] += plan.overdue(today)
    return {code: (tally[0], tally[1]) for code, tally in counts.items()}


# -- checking what the API receives ---------------------------------------------------


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong with a request: the field it is about, a short code the pages
    turn into words (``ind.remediation.problem.<code>``), the API's text."""

    field: str
    code: str
    text: str


def check_fields(
    body: Mapping[str, Any],
    today: dt.date,
    *,
    current: PlanFields | None = None,
    whole: bool = True,
) -> tuple[PlanFields | None, list[Problem]]:
    """The plan's fields a request body gives (``cause``, ``steps``, ``deadline``,
    ``responsible``), or every problem with them. ``whole``: every field is needed (a
    new plan, a PUT); else those missing keep ``current``'s (a PATCH). A deadline set
    now must not have passed (``today``: the local day) nor lie more than five years
    ahead; one left as it was may have passed (the plan is then overdue)."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name in ("cause", "responsible"):
        limit = MAX_CAUSE_CHARS if name == "cause" else MAX_RESPONSIBLE_CHARS
        if name not in body and not whole and current is not None:
            values[name] = getattr(current, name)
            continue
        text = body.get(name)
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(name, f"{name}_missing", f"{name}: required, a non-empty text"))
        elif len(text) > limit:
            problems.append(Problem(name, f"{name}_long", f"{name}: at most {limit} characters"))
        else:
            values[name] = text.strip()
    steps = _steps(body, problems, current.steps if current and not whole else None)
    deadline = _deadline(
        body, today, problems, current.deadline if current else None, fill=not whole
    )
    if problems or steps is None or deadline is None:
        return None, problems
    return (
        PlanFields(
            cause=values["cause"],
            steps=steps,
            deadline=deadline,
            responsible=values["responsible"],
        ),
        [],
    )


def _steps(
    body: Mapping[str, Any], problems: list[Problem], kept: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    if "steps" not in body and kept is not None:
        return kept
    given = body.get("steps")
    if not isinstance(given, list) or not all(isinstance(s, str) for s in given):
        problems.append(
            Problem("steps", "steps_missing", "steps: required, a list of texts (one a step)")
        )
        return None
    steps = tuple(s.strip() for s in given if s.strip())
    if not steps:
        problems.append(Problem("steps", "steps_missing", "steps: at least one step"))
        return None
    if len(steps) > MAX_STEPS:
        problems.append(Problem("steps", "steps_many", f"steps: at most {MAX_STEPS} steps"))
        return None
    if any(len(s) > MAX_STEP_CHARS for s in steps):
        problems.append(
            Problem("steps", "step_long", f"steps: at most {MAX_STEP_CHARS} characters a step")
        )
        return None
    return steps


def _deadline(
    body: Mapping[str, Any],
    today: dt.date,
    problems: list[Problem],
    current: dt.date | None,
    *,
    fill: bool,
) -> dt.date | None:
    if "deadline" not in body and fill and current is not None:
        return current
    text = body.get("deadline")
    try:
        if not isinstance(text, str):
            raise ValueError
        deadline = dt.date.fromisoformat(text)
    except ValueError:
        problems.append(
            Problem("deadline", "deadline_missing", "deadline: required, a date YYYY-MM-DD")
        )
        return None
    if deadline == current:
        return deadline  # left as it was, passed or not
    if deadline < today:
        problems.append(
            Problem(
                "deadline",
                "deadline_past",
                f"deadline: {deadline.isoformat()} has passed; give today or a later day",
            )
        )
        return None
    if (deadline - today).days > MAX_DEADLINE_DAYS:
        problems.append(Problem("deadline", "deadline_far", "deadline: at most five years ahead"))
        return None
    return deadline
