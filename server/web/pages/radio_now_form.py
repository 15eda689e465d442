"""What the "emergency now" and "silence now" forms mean: the zone (the whole commune,
some villages, some clusters), the content, the minutes, turned into the API's own
requests (``EmergencyRequest``, ``SilenceRequest``); and the zone said in words, for
the confirmation ("Thôn 1, Thôn 3 (4 cụm loa)").

Nothing here decides who may do what or what is valid: the API's functions do
(server/web/api/broadcasts.py). A problem the form can see before them (no village
ticked, no text, no minutes) is said here, in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.schedule import Targets, clusters_of
from xaso.server.broadcasts.silence import MAX_MINUTES
from xaso.server.web.api.broadcasts import EmergencyContent, EmergencyRequest, SilenceRequest

ZONE_KINDS: Final = ("commune", "villages", "clusters")
CONTENT_KINDS: Final = ("tts", "file")
# "Silence now" for the usual spans, or any number of minutes up to a day.
SILENCE_PRESETS: Final = ("15", "30", "60", "120")
DEFAULT_SPEECH_MINUTES: Final = "2"
MAX_SPEECH_MINUTES: Final = 240  # the longest slot a schedule may have (4 h)


def _text(data: Mapping[str, Any], name: str, default: str = "") -> str:
    return str(data.get(name, default)).strip()


def _all(data: Mapping[str, Any], name: str) -> list[str]:
    getall = getattr(data, "getall", None)
    return [str(v) for v in getall(name, [])] if getall else []


@dataclass
class ZoneFields:
    """Where: the whole commune, ticked villages or ticked clusters."""

    kind: str = "commune"
    villages: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)

    @classmethod
    def posted(cls, data: Mapping[str, Any]) -> ZoneFields:
        kind = _text(data, "zone", "commune")
        return cls(
            kind=kind if kind in ZONE_KINDS else "commune",
            villages=_all(data, "village"),
            clusters=_all(data, "cluster"),
        )

    def targets(self) -> Targets:
        """The API's targets: only what the chosen kind ticks (both empty: the commune)."""
        if self.kind == "villages":
            return Targets(zones=self.villages)
        if self.kind == "clusters":
            return Targets(clusters=self.clusters)
        return Targets()

    def problems(self) -> list[str]:
        if self.kind == "villages" and not self.villages:
            return ["now.form.no_village"]
        if self.kind == "clusters" and not self.clusters:
            return ["now.form.no_cluster"]
        return []


@dataclass
class EmergencyForm:
    commune: str = ""
    zone: ZoneFields = field(default_factory=ZoneFields)
    content: str = "tts"
    text: str = ""
    minutes: str = DEFAULT_SPEECH_MINUTES  # the spoken text's slot
    sha256: str = ""
    title: str = ""

    @classmethod
    def posted(cls, data: Mapping[str, Any]) -> EmergencyForm:
        content = _text(data, "content", "tts")
        return cls(
            commune=_text(data, "commune"),
            zone=ZoneFields.posted(data),
            content=content if content in CONTENT_KINDS else "tts",
            text=_text(data, "text"),
            minutes=_text(data, "minutes", DEFAULT_SPEECH_MINUTES),
            sha256=_text(data, "sha256"),
            title=_text(data, "title"),
        )

    def speech_s(self) -> float | None:
        try:
            minutes = float(self.minutes.replace(",", "."))
        except ValueError:
            return None
        return minutes * 60 if 0 < minutes <= MAX_SPEECH_MINUTES else None

    def problems(self) -> list[str]:
        """Word keys of what the form itself can tell is missing."""
        found = self.zone.problems()
        if self.content == "tts":
            if not self.text:
                found.append("now.form.no_text")
            if self.speech_s() is None:
                found.append("now.form.bad_speech_minutes")
        elif not self.sha256:
            found.append("now.form.no_file")
        if not self.title:
            found.append("now.form.no_title")
        return found

    def request(self) -> EmergencyRequest:
        """The API's request; check ``problems`` first."""
        targets = self.zone.targets()
        if self.content == "tts":
            content = EmergencyContent(
                type="tts", text=self.text, duration_s=self.speech_s(), title=self.title
            )
        else:  # the file's own length is taken
            content = EmergencyContent(type="file", sha256=self.sha256, title=self.title)
        return EmergencyRequest(
            commune=self.commune,
            content=content,
            zones=targets.zones,
            clusters=targets.clusters,
            title=self.title,
        )


@dataclass
class SilenceForm:
    commune: str = ""
    zone: ZoneFields = field(default_factory=ZoneFields)
    preset: str = "30"  # one of SILENCE_PRESETS, or "custom"
    custom: str = ""  # minutes, when preset is "custom"
    reason: str = ""

    @classmethod
    def posted(cls, data: Mapping[str, Any]) -> SilenceForm:
        preset = _text(data, "preset", "30")
        return cls(
            commune=_text(data, "commune"),
            zone=ZoneFields.posted(data),
            preset=preset if preset in (*SILENCE_PRESETS, "custom") else "30",
            custom=_text(data, "custom"),
            reason=_text(data, "reason"),
        )

    def minutes(self) -> float | None:
        given = self.custom if self.preset == "custom" else self.preset
        try:
            minutes = float(given.replace(",", "."))
        except ValueError:
            return None
        return minutes if 0 < minutes <= MAX_MINUTES else None

    def problems(self) -> list[str]:
        found = self.zone.problems()
        if self.minutes() is None:
            found.append("now.form.bad_silence_minutes")
        return found

    def request(self) -> SilenceRequest:
        targets = self.zone.targets()
        return SilenceRequest(
            commune=self.commune,
            zones=targets.zones,
            clusters=targets.clusters,
            minutes=self.minutes() or 0.0,
            reason=self.reason,
        )


# -- the zone, as the page shows it ---------------------------------------------------------


@dataclass(frozen=True, order=True)
class ClusterChoice:
    id: str
    name: str


@dataclass(frozen=True)
class VillageChoice:
    code: str
    name: str
    clusters: tuple[ClusterChoice, ...]


def zone_choices(index: InventoryIndex, commune: str, day: dt.date) -> list[VillageChoice]:
    """The villages the commune holds on ``day``, each with its installed clusters (the
    ones a command reaches), in the inventory's order."""
    installed = clusters_of(commune, Targets(), index, day)
    found = []
    for code in index.held_on(commune, day):
        for village in index.communes[code].villages:
            own = sorted(
                ClusterChoice(d, index.devices[d].name)
                for d in installed
                if index.devices[d].village == village.code
            )
            found.append(VillageChoice(village.code, village.name, tuple(own)))
    return found


def zone_words(
    index: InventoryIndex,
    commune: str,
    targets: Targets,
    day: dt.date,
    words: Mapping[str, str],
) -> tuple[str, int]:
    """The zone named as an officer says it, and how many clusters it reaches: "Toàn
    xã Xã Alpha", "Thôn 1, Thôn 3", "Cụm loa 1 (Thôn 1), …"."""
    clusters = clusters_of(commune, targets, index, day)
    if not targets.zones and not targets.clusters:
        name = index.communes[commune].name if commune in index.communes else commune
        return words["now.zone.whole"].format(commune=name), len(clusters)
    villages = {
        v.code: v.name
        for code in index.held_on(commune, day)
        for v in index.communes[code].villages
    }
    named = [villages.get(z, z) for z in targets.zones]
    for cluster in sorted(targets.clusters):
        entry = index.devices.get(cluster)
        if entry is None:
            named.append(cluster)
            continue
        village = villages.get(entry.village or "", "")
        named.append(f"{entry.name} ({village})" if village else entry.name)
    return ", ".join(named), len(clusters)
