"""The gateways' schedules: which radio gateways of a commune hold the schedule set
due to them and its audio, which are behind, and since when.

Each gateway is the gateways page's row (``gateway_row``: its status, the set it should
hold against the one it reports, how far ahead that set lists occurrences), with what
this page adds:

- **behind since when**: the moment the set it holds stopped being the one due (the
  distributor remembers when each version it planned was replaced,
  ``ScheduleDistributor.planned``); unknown for a set planned before the server started;
- **the audio**: for each item of the set due, whether the gateway confirmed holding it
  and its content on each cluster — a ``received`` event of the item's revision
  (docs/broadcasts.md: sent once the file is fetched, the speech rendered) — and which
  clusters have not.

One store read for the whole commune (the ``received`` events of the sets' items).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.protocol import ScheduleItem
from xaso.server.broadcasts.keys import CONTENT, DISTRIBUTOR
from xaso.server.broadcasts.playout_outcome import CONTENT_TEXT, PRIORITY_TEXT
from xaso.server.keys import CLOCK_MS, INDEX, STORE
from xaso.server.store.base import StoreUnavailable
from xaso.server.web.pages.gateways import GatewayRow, gateway_row
from xaso.server.web.pages.live import local_time
from xaso.server.web.pages.radio_shared import radio_place, render_radio
from xaso.server.web.rendering import request_language
from xaso.server.words import duration

TAB: Final = "/radio/gateways"


@dataclass
class AudioLine:
    """One item of the set due: whether the gateway holds it, cluster by cluster."""

    id: str
    title: str
    priority: str
    priority_word: str
    content: str  # its kind in words, with the file's name or the text's beginning
    clusters: int
    confirmed: int
    missing: list[str]  # the clusters' names without a ``received``


@dataclass
class RadioGateway:
    row: GatewayRow
    sync: str  # in_sync | behind | not_reported | none_due
    due_since: str  # when the set due now became due
    behind_since: str  # "" unless behind; "?" when not known
    behind_for: str
    held_horizon: str
    held_horizon_passed: bool
    audio: list[AudioLine] | None = field(default=None)  # None: the store is down

    @property
    def missing_audio(self) -> int:
        return sum(1 for a in self.audio or () if a.missing)


def _content_words(item: ScheduleItem, app: web.Application, lang: str) -> str:
    content = item.content
    kind = CONTENT_TEXT[lang].get(content.type, content.type)
    if content.type == "file":
        info = app[CONTENT].table.items.get(content.sha256 or "")
        name = info.name if info is not None and info.name else (content.sha256 or "")[:12]
        return f"{kind}: {name} ({duration(content.duration_s, lang)})"
    if content.type == "tts":
        text = content.text or ""
        return f"{kind}: “{text[:60]}{'…' if len(text) > 60 else ''}”"
    return kind


async def gateways_of(request: web.Request, commune: str) -> tuple[list[RadioGateway], bool]:
    """The commune's radio gateways as this page shows them, and whether the store could
    not be read (then the audio is unknown)."""
    app = request.app
    index = app[INDEX]
    distributor = app[DISTRIBUTOR]
    now_ms = app[CLOCK_MS]()
    day = index.day_of(now_ms)
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    agents = sorted(a for a in distributor.agents if index.commune_on(a, day) == commune)
    items = {a: distributor.due[a].items if a in distributor.due else [] for a in agents}
    wanted = sorted({item.id for found in items.values() for item in found})
    received: set[tuple[str, int, str]] | None = set()
    if wanted:
        try:
            events = await app[STORE].broadcast_events(
                sorted(index.merge_family(commune)), now_ms, now_ms + 1, wanted
            )
            received = {
                (e.schedule, e.revision, e.cluster) for e in events if e.event == "received"
            }
        except StoreUnavailable:
            received = None
    found = []
    for agent in agents:
        row = gateway_row(app, agent, now_ms, lang, tz)
        found.append(_radio_gateway(app, agent, row, items[agent], received, now_ms, lang, tz))
    found.sort(key=lambda g: (g.sync == "in_sync", g.row.name))
    return found, received is None


def _radio_gateway(
    app: web.Application,
    agent: str,
    row: GatewayRow,
    items: list[ScheduleItem],
    received: set[tuple[str, int, str]] | None,
    now_ms: int,
    lang: str,
    tz: ZoneInfo,
) -> RadioGateway:
    distributor = app[DISTRIBUTOR]
    index = app[INDEX]
    schedule = row.schedule or {}
    expected, reported = schedule.get("expected_version"), schedule.get("reported_version")
    due = distributor.planned(agent, expected) if expected else None
    held = distributor.planned(agent, reported) if reported else None
    if expected is None:
        sync = "none_due"
    elif reported is None:
        sync = "not_reported"
    else:
        sync = "in_sync" if reported == expected else "behind"
    behind_since, behind_for = "", ""
    if sync == "behind":
        since_ms = held.replaced_ms if held is not None else None
        behind_since = local_time(since_ms, tz) if since_ms is not None else "?"
        behind_for = duration((now_ms - since_ms) / 1000, lang) if since_ms is not None else ""
    audio = None
    if received is not None:
        audio = []
        for item in items:
            missing = [
                index.devices[c].name
                for c in item.clusters
                if (item.id, item.revision, c) not in received
            ]
            audio.append(
                AudioLine(
                    id=item.id,
                    title=item.title,
                    priority=item.priority,
                    priority_word=PRIORITY_TEXT[lang].get(item.priority, item.priority),
                    content=_content_words(item, app, lang),
                    clusters=len(item.clusters),
                    confirmed=len(item.clusters) - len(missing),
                    missing=missing,
                )
            )
    return RadioGateway(
        row=row,
        sync=sync,
        due_since=local_time(due.due_from_ms, tz) if due is not None else "—",
        behind_since=behind_since,
        behind_for=behind_for,
        held_horizon=local_time(held.horizon_ms, tz) if held is not None else "—",
        held_horizon_passed=held is not None and held.horizon_ms <= now_ms,
        audio=audio,
    )


async def radio_gateways(request: web.Request) -> web.Response:
    place = radio_place(request)
    gateways, store_down = await gateways_of(request, place.code)
    tz = ZoneInfo(request.app[INDEX].inventory.timezone)
    return render_radio(
        request,
        "radio_gateways.html",
        place,
        TAB,
        gateways=gateways,
        store_down=store_down,
        updated=local_time(request.app[CLOCK_MS](), tz),
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TAB, radio_gateways)
