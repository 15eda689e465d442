"""What the declaration form means: its fields to the API's JSON body
(``POST /api/v1/indicators/declared``), and the API's problems (the declaration's and
the evidence upload's) in the user's words, each next to the field it is about.

Nothing here decides what is valid: the API's checks do (server/web/api/declared.py,
``checked_declaration`` and ``receive_file``). A value the form cannot read as a number
goes to the API as typed, so that the API says what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from xaso.server.indicators.gather.declared import DeclaredValue
from xaso.server.indicators.reports.text import format_number

# Where the form shows a problem.
FIELDS: Final = ("value", "ratio", "dates", "note", "documents", "other")


@dataclass
class DeclarationForm:
    """The form's fields as the browser sends them (strings), so that a refused form
    comes back exactly as it was typed."""

    indicator: str = ""
    value: str = ""
    numerator: str = ""
    denominator: str = ""
    valid_from: str = ""
    valid_until: str = ""
    note: str = ""
    documents: list[str] = field(default_factory=list)  # the sha256 of ticked documents

    @classmethod
    def posted(cls, fields: Mapping[str, Sequence[str]]) -> DeclarationForm:
        def text(name: str) -> str:
            values = fields.get(name) or [""]
            return values[0].strip()

        ticked = [v.strip() for v in fields.get("documents", ()) if v.strip()]
        return cls(
            indicator=text("indicator"),
            value=text("value"),
            numerator=text("numerator"),
            denominator=text("denominator"),
            valid_from=text("valid_from"),
            valid_until=text("valid_until"),
            # A note keeps its lines as typed, only its ends trimmed.
            note=(fields.get("note") or [""])[0].strip(),
            documents=list(dict.fromkeys(ticked)),
        )

    @classmethod
    def fresh(
        cls, indicator: str, first: dt.date, last: dt.date, current: DeclaredValue | None
    ) -> DeclarationForm:
        """A form for the period's days; with what is declared now, to correct it."""
        form = cls(indicator=indicator, valid_from=first.isoformat(), valid_until=last.isoformat())
        if current is not None:
            form.value = _typed(current.value)
            form.numerator = "" if current.numerator is None else _typed(current.numerator)
            form.denominator = "" if current.denominator is None else _typed(current.denominator)
            form.note = current.note
            form.documents = [doc.sha256 for doc in current.documents]
        return form

    def body(self, commune: str, uploaded: Sequence[str] = ()) -> dict[str, Any]:
        """The API's JSON body; ``uploaded``: the documents sent with the form."""
        body: dict[str, Any] = {
            "commune": commune,
            "indicator": self.indicator,
            "note": self.note,
            "documents": list(dict.fromkeys([*self.documents, *uploaded])),
        }
        if self.value:
            body["value"] = number(self.value)
        # Either given: the API says when the other is missing.
        for name in ("numerator", "denominator"):
            if getattr(self, name):
                body[name] = number(getattr(self, name))
        if self.valid_from:
            body["valid_from"] = self.valid_from
        if self.valid_until:
            body["valid_until"] = self.valid_until
        return body


def _typed(value: float) -> str:
    """A stored number as the form's input shows it: 95, 95.5."""
    return f"{value:g}"


def number(text: str) -> float | str:
    """A number typed in either way (95,5 or 95.5); the text as typed when it is not
    one, for the API to refuse."""
    cleaned = text.replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return text


# -- the API's problems in words, by field ------------------------------------------------

# (pattern, word key, field). A pattern's named groups fill the words' {placeholders};
# a group that is a number is written the user's way.
_PROBLEMS: Final = tuple(
    (re.compile(pattern), key, where)
    for pattern, key, where in (
        (r"^value: required", "value_required", "value"),
        (r"^value: must be a number", "value_number", "value"),
        (r"^value: must not be negative", "value_negative", "value"),
        (r"^value: (?P<value>\S+) is a percentage above 100", "value_above_100", "value"),
        (
            r"^value: (?P<value>\S+) % is not numerator ÷ denominator "
            r"\((?P<numerator>\S+) ÷ (?P<denominator>\S+) = (?P<share>\S+) %\)",
            "value_ratio",
            "value",
        ),
        (r"^numerator and denominator: give both", "ratio_both", "ratio"),
        (r"^denominator: must be more than 0", "ratio_zero", "ratio"),
        (r"^numerator: must not be more than", "ratio_over", "ratio"),
        (r"^(numerator|denominator): must be a number", "ratio_number", "ratio"),
        (r"^(numerator|denominator): must not be negative", "ratio_negative", "ratio"),
        (r"^valid_from: required", "from_required", "dates"),
        (r"^valid_from: must be a date", "from_date", "dates"),
        (r"^valid_until: must be a date", "until_date", "dates"),
        (r"^valid_until: .* is before valid_from", "until_before", "dates"),
        (r"^note: must be text of at most (?P<count>\d+)", "note_long", "note"),
        (r"^documents: at least one", "documents_required", "documents"),
        (r"^documents: at most (?P<count>\d+)", "documents_many", "documents"),
        (r"^documents\[\d+\]: no uploaded document", "document_unknown", "documents"),
        (r"^documents\[\d+\]:", "document_bad", "documents"),
        (
            r"^file \d+: (?:'(?P<name>.*)'|the file) is larger than (?P<count>\d+) MiB",
            "file_too_large",
            "documents",
        ),
        (r"^file \d+: (?:'(?P<name>.*)' is|the file is) empty", "file_empty", "documents"),
        (
            r"^file \d+: '(?P<name>.*)' is named like a (?P<suffix>\S+) file but its content "
            r"is (?P<kind>\w+)",
            "file_misnamed",
            "documents",
        ),
        (r"^file \d+: (?:'(?P<name>.*)'|the file) is not a ", "file_type", "documents"),
        (r"^at most (?P<count>\d+) files in one upload", "files_many", "documents"),
        (r"^indicator:", "indicator", "other"),
        (r"^commune:", "commune", "other"),
    )
)
_NUMBER: Final = re.compile(r"^\d+(\.\d+)?$")


def problem_words(problem: str, words: Mapping[str, str], lang: str) -> tuple[str, str]:
    """One of the API's problems: (the form's field, in words). One the table does not
    know is shown as the API wrote it."""
    for pattern, key, where in _PROBLEMS:
        found = pattern.search(problem)
        if found is None:
            continue
        values = {
            name: format_number(float(value), lang) if _NUMBER.match(value) else value
            for name, value in found.groupdict(default="").items()
        }
        if not values.get("name", "x"):
            values["name"] = words["ind.declarations.the_file"]
        return where, words[f"ind.declarations.problem.{key}"].format(**values)
    return "other", problem


def by_field(problems: Sequence[str], words: Mapping[str, str], lang: str) -> dict[str, list[str]]:
    """The problems in words, grouped for the template: every field present."""
    grouped: dict[str, list[str]] = {name: [] for name in FIELDS}
    for problem in problems:
        where, text = problem_words(problem, words, lang)
        if text not in grouped[where]:
            grouped[where].append(text)
    return grouped
