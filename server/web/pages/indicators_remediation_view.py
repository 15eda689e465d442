"""What the remediation page shows, in words: a plan's state and history, a commune's
indicators not met with their plans, the open plans of every commune in order of
urgency, and the API's problems next to the field they are about. Pure: the page
(``indicators_remediation.py``) hands it the plans, the evaluation and the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from xaso.server.indicators.gather.remediation import (
    EDITABLE,
    PlanFields,
    Problem,
    RemediationPlan,
    changed_fields,
)
from xaso.server.indicators.reports.text import (
    COMPARISON_SIGNS,
    format_day,
    format_time,
    named_period,
    quantity_text,
)
from xaso.server.indicators.result import IndicatorResult
from xaso.server.words import role_name


@dataclass
class PlanForm:
    """A form sent back with problems: which one (``new:R2``, ``edit:<plan id>``,
    ``review:<plan id>``, ``done:<plan id>``), its values as typed, and the problems by
    field ("" for those about no field)."""

    target: str
    values: dict[str, str] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)


def problems_by_field(
    problems: Iterable[Problem], words: Mapping[str, str]
) -> dict[str, list[str]]:
    """The API's problems in the user's words, by the form field they are about (the
    others under "")."""
    shown = {"cause", "steps", "deadline", "responsible", "comment", "note"}
    found: dict[str, list[str]] = {}
    for problem in problems:
        text = words.get(f"ind.remediation.problem.{problem.code}", problem.text)
        found.setdefault(problem.field if problem.field in shown else "", []).append(text)
    return found


def fields_form(fields: PlanFields | None) -> dict[str, str]:
    """A plan's fields as the form shows them (empty for a new plan)."""
    if fields is None:
        return {"cause": "", "steps": "", "deadline": "", "responsible": ""}
    return {
        "cause": fields.cause,
        "steps": "\n".join(fields.steps),
        "deadline": fields.deadline.isoformat(),
        "responsible": fields.responsible,
    }


def overdue_text(plan: RemediationPlan, day: dt.date, words: Mapping[str, str]) -> str:
    if not plan.overdue(day):
        return ""
    return words["ind.remediation.overdue"].format(days=(day - plan.fields.deadline).days)


def plan_words(
    plan: RemediationPlan, day: dt.date, tz: ZoneInfo, lang: str, words: Mapping[str, str]
) -> dict[str, Any]:
    """A plan as the page reads it: its state, what it says, the verifier's latest word,
    the note it was finished with, and every change (newest first)."""
    fields = plan.fields
    review = plan.last_review()
    history = []
    before: PlanFields | None = None
    for change in plan.history:
        changed = changed_fields(before, change.fields)
        history.append(
            {
                "when": format_time(change.at_ms, tz, lang),
                "who": change.by.name,
                "role": role_name(change.by.role, dict(words)),
                "action": words[f"ind.remediation.action.{change.action}"],
                "comment": change.comment,
                "changed": ", ".join(words[f"ind.remediation.field.{name}"] for name in changed),
            }
        )
        before = change.fields
    history.reverse()
    return {
        "id": plan.id,
        "status": plan.status,
        "status_text": words[f"ind.remediation.status.{plan.status}"],
        "overdue": plan.overdue(day),
        "overdue_text": overdue_text(plan, day, words),
        "cause": fields.cause,
        "steps": list(fields.steps),
        "deadline": format_day(fields.deadline, lang),
        "responsible": fields.responsible,
        "review": None
        if review is None
        else {
            "decision": review.action,
            "text": words[f"ind.remediation.action.{review.action}"],
            "comment": review.comment,
            "who": review.by.name,
            "when": format_time(review.at_ms, tz, lang),
        },
        "done_note": plan.latest.comment if plan.status == "done" else "",
        "history": history,
        "editable": plan.status in EDITABLE,
        "form": fields_form(fields),
    }


def indicator_name(name: str, name_en: str, lang: str) -> str:
    return name_en if lang == "en" and name_en else name


def result_words(result: IndicatorResult, words: Mapping[str, str], lang: str) -> dict[str, Any]:
    """An indicator not met: its name, what it reached and what it must reach."""
    w = dict(words)
    target = ""
    if result.threshold is not None:
        sign = COMPARISON_SIGNS.get(result.comparison, result.comparison)
        target = f"{sign} {quantity_text(result.threshold, result.unit, w, lang)}"
    return {
        "id": result.indicator,
        "name": indicator_name(result.name, result.name_en, lang),
        "value": quantity_text(result.value, result.unit, w, lang),
        "target": target,
        "verdict": words[f"verdict.{result.verdict}"],
    }


@dataclass(frozen=True)
class Card:
    """One indicator of the commune's period on the page: not met now (``result``), or
    no longer (``result`` None), with its plan if one was written."""

    indicator: str
    result: dict[str, Any] | None
    name: str
    plan: RemediationPlan | None


def commune_cards(
    results: Sequence[IndicatorResult],
    plans: Sequence[RemediationPlan],
    lang: str,
    words: Mapping[str, str],
) -> list[Card]:
    """The commune's indicators not met, in the profile's order, each with its plan;
    then the plans of indicators that are no longer not met."""
    by_indicator = {plan.indicator: plan for plan in plans}
    cards = [
        Card(r.indicator, result_words(r, words, lang), "", by_indicator.pop(r.indicator, None))
        for r in results
        if r.verdict == "not_met"
    ]
    cards += [
        Card(
            plan.indicator,
            None,
            indicator_name(plan.shortfall.name, plan.shortfall.name_en, lang),
            plan,
        )
        for plan in by_indicator.values()
    ]
    return cards


def _urgency(plan: RemediationPlan, day: dt.date) -> tuple[int, dt.date, int]:
    """Overdue first, then awaiting the verifier, then the rest; sooner deadlines first."""
    rank = 0 if plan.overdue(day) else 1 if plan.status == "submitted" else 2
    return (rank, plan.fields.deadline, plan.history[0].at_ms)


def open_rows(
    plans: Iterable[RemediationPlan],
    day: dt.date,
    commune_names: Mapping[str, str],
    tz: ZoneInfo,
    lang: str,
    words: Mapping[str, str],
    link: Any,
) -> list[dict[str, Any]]:
    """Every open plan given as a row of the list, most urgent first; ``link(plan)`` is
    where its row leads (the commune's page for the plan's period)."""
    rows = []
    for plan in sorted((p for p in plans if p.is_open), key=lambda p: _urgency(p, day)):
        shortfall = plan.shortfall
        rows.append(
            {
                "commune": commune_names.get(plan.commune, plan.commune),
                "indicator": plan.indicator,
                "name": indicator_name(shortfall.name, shortfall.name_en, lang),
                "period": named_period(shortfall.from_ms, shortfall.to_ms, tz, lang),
                "deadline": format_day(plan.fields.deadline, lang),
                "status": plan.status,
                "status_text": words[f"ind.remediation.status.{plan.status}"],
                "overdue": plan.overdue(day),
                "overdue_text": overdue_text(plan, day, words),
                "responsible": plan.fields.responsible,
                "href": link(plan),
            }
        )
    return rows
