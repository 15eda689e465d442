"""What a commune's report page showed, kept a little while by its evidence hash, so
that a sign-off refused because the data changed meanwhile can say what changed
between what the verifier looked at and the data now.

The page sends only the hash of what it showed; the evaluation itself stays here, in
memory, as the sign-off store keeps it (the canonical bytes, zlib-compressed: ~11 kB a
commune's quarter). A page opened long ago, or before the server restarted, is no longer
here: the refusal then says that the data changed, not how.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from typing import Final

from aiohttp import web

from xaso.server.indicators.evidence import canonical_bytes, evaluation_from_canonical
from xaso.server.indicators.result import CommuneEvaluation

# The reports last shown, by hash: enough for the verifiers at work at one time.
KEPT: Final = 64


class ShownReports:
    """The evaluations last shown, by evidence hash, the oldest forgotten first."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._by_hash: OrderedDict[str, bytes] = OrderedDict()

    def remember(self, sha256: str, evaluation: CommuneEvaluation) -> None:
        if sha256 in self._by_hash:
            self._by_hash.move_to_end(sha256)
            return
        self._by_hash[sha256] = zlib.compress(canonical_bytes(evaluation))
        while len(self._by_hash) > self._kept:
            self._by_hash.popitem(last=False)

    def get(self, sha256: str) -> CommuneEvaluation | None:
        kept = self._by_hash.get(sha256)
        if kept is None:
            return None
        return evaluation_from_canonical(zlib.decompress(kept), computed_ms=0)


SHOWN = web.AppKey("indicator_reports_shown", ShownReports)


def shown_reports(app: web.Application) -> ShownReports:
    return app[SHOWN]


def setup(app: web.Application) -> None:
    app[SHOWN] = ShownReports()
