"""The evidence hash of a commune's period evaluation: what a verifier signs.

One canonical encoding, one sha256, used by every report format and by sign-off, so the
hash printed on a PDF, the one in the CSV and the one a verifier approved are the same
number for the same data.

The encoding is the evaluation as JSON without ``computed_ms`` (when it was computed is
not what it says), keys sorted, no spaces, UTF-8. Numbers are normalised so that the
hash depends on the figures and not on how they were computed: a float is rounded to
6 decimals (summing the same outage seconds in another order must not look like a
change of data) and a whole number is written without a fraction (``95.0`` and ``95``
are the same value).

These bytes are also what a sign-off keeps of what it approved (``signoff.py``), and
``evaluation_from_canonical`` reads them back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from xaso.server.indicators.result import CommuneEvaluation

if TYPE_CHECKING:
    from xaso.server.indicators.gather.evaluate import IndicatorSources

FLOAT_DECIMALS = 6


def _normal(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        rounded = round(value, FLOAT_DECIMALS)
        return int(rounded) if rounded.is_integer() else rounded
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value


def canonical_bytes(evaluation: CommuneEvaluation) -> bytes:
    data = msgspec.to_builtins(evaluation)
    data.pop("computed_ms", None)
    if not data.get("exclusions"):
        # Absent before windows and excused periods were listed: the hashes of reports
        # without any, signed off then, stay the same.
        data.pop("exclusions", None)
    return msgspec.json.encode(_normal(data), order="sorted")


def evidence_sha256(evaluation: CommuneEvaluation) -> str:
    """The sha256 (hex) of the evaluation's canonical encoding."""
    return hashlib.sha256(canonical_bytes(evaluation)).hexdigest()


def evaluation_from_canonical(data: bytes, *, computed_ms: int) -> CommuneEvaluation:
    """The evaluation a canonical encoding describes (what a sign-off keeps), with its
    numbers as normalised. The encoding leaves out when it was computed: the caller says
    (for a sign-off, when it was signed — the server evaluates again to sign)."""
    fields = msgspec.json.decode(data)
    return msgspec.convert({**fields, "computed_ms": computed_ms}, CommuneEvaluation)


class Evaluate(Protocol):
    """What reports, sign-off and the overview need of the evaluation
    (``indicators.gather.evaluate.evaluate_communes``, given its sources); tests hand in
    their own."""

    def __call__(
        self,
        sources: IndicatorSources,
        communes: list[str],
        from_ms: int,
        to_ms: int,
        *,
        now_ms: int | None = None,
        excused: bool = False,
    ) -> Awaitable[list[CommuneEvaluation]]: ...
