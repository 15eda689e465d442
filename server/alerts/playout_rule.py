"""The ``broadcast_not_played`` rule: alerts over the playout log rather than the live
state (``AlertEngine.evaluate_playout`` hands over to ``PlayoutRules.evaluate``).

- **A broadcast that did not play is one message per commune and occurrence**: keyed
  ``"<rule>:<commune>:<schedule>@<planned start ms>"``, sent once every cluster of the
  occurrence is decided, naming the bulletin and the clusters that failed, missed it or
  never received it; resolved if later events (a gateway's backlog) show none of them
  failing any more. An occurrence is announced at most once, ever (remembered while it
  is in the rule's window, across restarts); one decided only by events replayed from
  a backlog, or on a gateway whose records are known to be on their way, is not.

Its groups live in the engine's ``EngineState`` beside the live-state rules' ones, so
that one snapshot carries both across a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from xaso.inventory import InventoryIndex
from xaso.server.alerts.config import RuleConfig
from xaso.server.alerts.groups import EngineState, Group, Notice, make_notice
from xaso.server.alerts.message import AlertBulletin, AlertDevice, Language
from xaso.server.broadcasts.playout_outcome import PROBLEM_STATUSES, STATUS_TEXT, PlayoutOutcome

__all__ = ["DEFAULT_WITHIN_S", "PLAYOUT_RULE_TYPES", "PlayoutRules", "window_ms"]

# Rules over the playout log rather than the live state.
PLAYOUT_RULE_TYPES: Final = frozenset({"broadcast_not_played"})
DEFAULT_WITHIN_S: Final = 6 * 3600.0
# Not decided yet: an occurrence is told about once all its clusters are decided.
_UNDECIDED: Final = frozenset({"upcoming", "playing"})


def window_ms(rule: RuleConfig) -> int:
    """How far back a playout rule looks: occurrences planned to start since then."""
    return round((rule.within_s or DEFAULT_WITHIN_S) * 1000)


class PlayoutRules:
    """The configured playout rules, in rule order, and where they look."""

    def __init__(
        self,
        rules: Iterable[RuleConfig],
        communes: Mapping[str, list[str]],
        index: InventoryIndex,
    ) -> None:
        self.rules = [rule for rule in rules if rule.type in PLAYOUT_RULE_TYPES]
        self._communes = communes  # by rule name
        self._index = index

    def scope(self) -> tuple[list[str], int]:
        """The communes the playout rules watch and how far back (ms) they look."""
        communes = sorted({c for rule in self.rules for c in self._communes[rule.name]})
        return communes, max((window_ms(rule) for rule in self.rules), default=0)

    def evaluate(
        self,
        state: EngineState,
        outcomes: Sequence[PlayoutOutcome],
        now_ms: int,
        unsure_agents: frozenset[str],
    ) -> list[Notice]:
        """See ``AlertEngine.evaluate_playout``."""
        occurrences: dict[tuple[str, str, int], list[PlayoutOutcome]] = {}
        for outcome in outcomes:
            if outcome.status != "manual":
                where = (outcome.commune, outcome.schedule, outcome.planned_start_ms)
                occurrences.setdefault(where, []).append(outcome)
        notices: list[Notice] = []
        for rule in self.rules:
            since_ms = now_ms - window_ms(rule)
            scope = set(self._communes[rule.name])
            seen: set[str] = set()
            for (commune, schedule, start_ms), found in sorted(occurrences.items()):
                if commune not in scope or start_ms < since_ms:
                    continue
                key = f"{rule.name}:{commune}:{schedule}@{start_ms}"
                seen.add(key)
                notice = self._step_occurrence(state, rule, key, found, now_ms, unsure_agents)
                if notice is not None:
                    notices.append(notice)
            for group in [g for g in state.groups.values() if g.rule == rule.name]:
                start = group.bulletin.planned_start_ms if group.bulletin else 0
                if group.key not in seen and start < since_ms:
                    # Out of the window and never cleared: a bulletin that did not play
                    # stays so. It was told; there is nothing to resolve.
                    del state.groups[group.key]
        oldest_ms = now_ms - self.scope()[1]
        state.playout_done = {k: t for k, t in state.playout_done.items() if t >= oldest_ms}
        return notices

    def _step_occurrence(
        self,
        state: EngineState,
        rule: RuleConfig,
        key: str,
        found: list[PlayoutOutcome],
        now_ms: int,
        unsure_agents: frozenset[str],
    ) -> Notice | None:
        """What one occurrence's group sends now, if anything."""
        problems = [o for o in found if o.status in PROBLEM_STATUSES]
        undecided = any(o.status in _UNDECIDED for o in found)
        group = state.groups.get(key)
        if group is None:
            if undecided or not problems or key in state.playout_done:
                return None
            # A gateway whose records may be on their way decides nothing yet (they may
            # well show it played); the others' problems are told without waiting.
            problems = [o for o in problems if o.agent not in unsure_agents]
            if not problems:
                return None
            first = found[0]
            state.playout_done[key] = first.planned_start_ms
            if all(o.historical for o in problems):
                return None  # learnt from a backlog: history, not a live alert
            group = Group(
                key=key,
                rule=rule.name,
                type=rule.type,
                commune=first.commune,
                severity=rule.effective_severity,
                lang=rule.lang,
                channels=list(rule.channels),
                started_ms=first.planned_start_ms,
                last_sent_ms=now_ms,
                members={o.cluster: self._cluster_view(o) for o in problems},
                summary=_playout_summary(rule.lang, problems, len(found)),
                bulletin=AlertBulletin(
                    schedule=first.schedule,
                    title=first.title,
                    priority=first.priority,
                    planned_start_ms=first.planned_start_ms,
                    planned_end_ms=first.planned_end_ms,
                ),
            )
            state.groups[key] = group
            members = list(group.members.values())
            return make_notice(self._index, group, "firing", members, now_ms)
        group.severity, group.lang = rule.effective_severity, rule.lang
        group.channels = list(rule.channels)
        if problems or undecided:
            # Still failing (perhaps otherwise: not received, then failed), or a late
            # play under way: the next pass decides. No reminders: it is an event.
            group.members.update((o.cluster, self._cluster_view(o)) for o in problems)
            return None
        del state.groups[key]
        now = {o.cluster: o for o in found}
        devices = [
            self._cluster_view(now[cluster]) if cluster in now else device
            for cluster, device in group.members.items()
        ]
        group.summary = None
        return make_notice(self._index, group, "resolved", devices, now_ms, resolved_ms=now_ms)

    def _cluster_view(self, outcome: PlayoutOutcome) -> AlertDevice:
        entry = self._index.devices.get(outcome.cluster)
        return AlertDevice(
            id=outcome.cluster,
            kind="radio_cluster",
            status=outcome.status,
            name=entry.name if entry is not None else None,
            since_ms=outcome.planned_start_ms,
            cause=outcome.error,
        )


def _playout_summary(lang: Language, problems: list[PlayoutOutcome], total: int) -> str:
    """E.g. "2/3 cụm loa không phát được: 1 không phát, 1 chưa nhận lịch"."""
    counts: dict[str, int] = {}
    for outcome in problems:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    words = STATUS_TEXT[lang]
    parts = ", ".join(f"{n} {words[status].lower()}" for status, n in sorted(counts.items()))
    if lang == "vi":
        return f"{len(problems)}/{total} cụm loa không phát được: {parts}"
    return f"{len(problems)}/{total} clusters did not play: {parts}"
