"""The indicators capability's application state."""

from __future__ import annotations

from aiohttp import web

from xaso.server.indicators.evidence import Evaluate
from xaso.server.indicators.gather.declared import DeclaredStore
from xaso.server.indicators.gather.documents import DocumentStore
from xaso.server.indicators.gather.evaluated import EvaluatedResults
from xaso.server.indicators.gather.remediation import RemediationStore
from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.indicators.gather.signoff import SignOffStore
from xaso.server.indicators.profile import ProfileSet

# Declared indicators (N1–N4, N6) and their evidence documents.
DECLARED = web.AppKey("declared", DeclaredStore)
DOCUMENTS = web.AppKey("documents", DocumentStore)
SIGNOFFS = web.AppKey("signoffs", SignOffStore)
# Remediation plans for the indicators a commune did not meet (chưa đạt).
REMEDIATION = web.AppKey("remediation", RemediationStore)
# The indicator evaluation as reports, sign-off and the overview call it.
EVALUATE = web.AppKey("evaluate", Evaluate)
# The indicator profiles: the default and the provinces' (profile.py).
INDICATOR_PROFILES = web.AppKey("indicator_profiles", ProfileSet)
# The rollups of closed days the evaluation reuses (gather/rollups.py).
ROLLUPS = web.AppKey("indicator_rollups", DayRollups)
# Each commune's evaluation of a closed period, kept while its inputs stay the same
# (gather/evaluated.py).
EVALUATED = web.AppKey("indicator_evaluated", EvaluatedResults)
