"""A commune's loudspeaker settings through the API (docs/api.md): each cluster's volume
and the standing relay (``server/broadcasts/radio_settings.py``, ``standing_relay.py``).

Viewers read; operators change their communes', admins any. A change is checked with
every problem named, saved with its version, and published to the gateways at once in
their schedule sets, as a schedule change is. The page ``/radio/settings`` shows and
saves the same through ``settings_view`` and ``save_settings``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from xaso.server.broadcasts.keys import DISTRIBUTOR, RADIO_SETTINGS, SCHEDULES, SYNC_SCHEDULES
from xaso.server.broadcasts.radio_settings import RadioSettings, volume_problems
from xaso.server.broadcasts.schedule import Targets, clusters_of, schedule_problems
from xaso.server.broadcasts.standing_relay import (
    StandingRelay,
    relay_of,
    relay_problems,
    relay_schedule,
)
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.exclusions import new_id
from xaso.server.monitoring.keys import STATE
from xaso.server.web.api.schedules import invalid
from xaso.server.web.auditing import AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.http import bad_request, forbidden, json_body, json_response, not_found
from xaso.server.web.views import iso_utc


class SettingsChange(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``PUT`` body: what is given replaces what was; what is left out stays."""

    commune: str
    # cluster -> volume; a cluster not listed (or null) plays at its gateway's volume.
    volumes: dict[str, int | None] | msgspec.UnsetType = msgspec.UNSET
    # The standing relay; null removes it (switching it off is ``"on": false``).
    relay: StandingRelay | msgspec.UnsetType | None = msgspec.UNSET


def settings_view(app: web.Application, commune: str) -> dict[str, Any]:
    """A commune's settings as the API answers them and the page shows them: its
    clusters (with the volume set and the volume the loudspeakers last reported), and
    its standing relay with its schedule."""
    index = app[INDEX]
    day = today(app)
    settings = app[RADIO_SETTINGS].of(commune)
    states = app[STATE].devices
    villages = {
        v.code: v.name
        for held in index.held_on(commune, day)
        for v in index.communes[held].villages
    }
    clusters = []
    for cluster in sorted(clusters_of(commune, Targets(), index, day)):
        entry = index.devices[cluster]
        state = states.get(cluster)
        reading = state.last_reading if state is not None else None
        radio = reading.radio if reading is not None else None
        clusters.append(
            {
                "id": cluster,
                "name": entry.name,
                "village": entry.village,
                "village_name": villages.get(entry.village or "", entry.village),
                "agent": entry.agent_id,
                "volume": settings.volumes.get(cluster),
                # What the last heartbeat said: a controller's reading, or the
                # gateway's own playout while it plays (agent/playout/now_playing.py).
                "reported_volume": radio.volume if radio is not None else None,
                "reported": (
                    iso_utc(state.last_seen_ms)
                    if state is not None and state.last_seen_ms is not None and radio is not None
                    else None
                ),
                "status": state.status if state is not None else None,
            }
        )
    relay = app[SCHEDULES].items.get(settings.relay or "")
    return {
        "commune": commune,
        "revision": settings.revision,
        "changed_by": settings.changed_by or None,
        "changed": iso_utc(settings.changed_ms) if settings.changed_ms else None,
        "clusters": clusters,
        "relay": msgspec.to_builtins(relay_of(relay)) if relay is not None else None,
        "relay_schedule": relay.id if relay is not None else None,
    }


def change_problems(app: web.Application, change: SettingsChange) -> list[str]:
    """Every problem of a change, each starting with its field."""
    index = app[INDEX]
    day = today(app)
    found: list[str] = []
    if not isinstance(change.volumes, msgspec.UnsetType):
        given = {c: v for c, v in change.volumes.items() if v is not None}
        found += volume_problems(change.commune, given, index, day)
    if isinstance(change.relay, StandingRelay):
        own = relay_problems(change.relay)
        found += own
        if not own:
            schedule = relay_schedule(
                change.relay,
                schedule_id="ts-check",
                commune=change.commune,
                today=day,
                timezone=index.inventory.timezone,
                created_by="",
                revision=1,
            )
            for problem in schedule_problems(schedule, index, day, "relay.targets."):
                found.append(problem if problem.startswith("relay.") else f"relay.{problem}")
    return found


def save_settings(request: web.Request, change: SettingsChange) -> dict[str, Any]:
    """Save a checked change (``change_problems`` empty) by the signed-in user, publish
    the sets, and answer the new view with the gateways the sets went to."""
    app = request.app
    by = request[PRINCIPAL].name
    now_ms = app[CLOCK_MS]()
    table = app[RADIO_SETTINGS]
    current = table.of(change.commune)
    volumes = current.volumes
    if not isinstance(change.volumes, msgspec.UnsetType):
        volumes = {c: v for c, v in sorted(change.volumes.items()) if v is not None}
    relay_id = current.relay
    schedules = app[SCHEDULES]
    existing = schedules.items.get(relay_id or "")
    relay_changed = False
    if change.relay is None and existing is not None:
        schedules.remove(existing.id, by=by)
        relay_id, relay_changed = None, True
    elif isinstance(change.relay, StandingRelay):
        index = app[INDEX]
        schedule = relay_schedule(
            change.relay,
            schedule_id=existing.id if existing is not None else new_id("ts"),
            commune=change.commune,
            today=today(app),
            timezone=index.inventory.timezone,
            created_by=existing.created_by if existing is not None else by,
            revision=existing.revision + 1 if existing is not None else 1,
        )
        # Saving the form again unchanged makes no new version of the relay.
        if existing is None or relay_of(existing) != relay_of(schedule):
            schedules.put(schedule, by=by)
            relay_id, relay_changed = schedule.id, True
    if volumes != current.volumes or relay_id != current.relay:
        table.save(
            RadioSettings(id=change.commune, volumes=volumes, relay=relay_id), by=by, at_ms=now_ms
        )
    published = set(app[SYNC_SCHEDULES]())
    gateways = app[DISTRIBUTOR].gateways_of(
        clusters_of(change.commune, Targets(), app[INDEX], today(app))
    )
    request[AUDIT_DETAIL] = {
        "commune": change.commune,
        "volumes": volumes,
        "relay": relay_id,
        "relay_changed": relay_changed,
    }
    return {
        **settings_view(app, change.commune),
        "sent_to": [g for g in gateways if g in published],
        "not_sent": [g for g in gateways if g not in published],
    }


async def get_settings(request: web.Request) -> web.Response:
    commune = request.query.get("commune")
    if not commune:
        raise bad_request("give ?commune=")
    if commune not in request.app[INDEX].communes or not request[PRINCIPAL].may_see(commune):
        raise not_found("commune")
    return json_response(settings_view(request.app, commune))


async def put_settings(request: web.Request) -> web.Response:
    try:
        change = msgspec.convert(await json_body(request), SettingsChange)
    except msgspec.ValidationError as exc:
        raise invalid("invalid radio settings", [str(exc)]) from None
    principal = request[PRINCIPAL]
    if not principal.may_see(change.commune):
        raise not_found("commune")
    if not principal.may_act(change.commune):
        raise forbidden()
    problems = change_problems(request.app, change)
    if problems:
        raise invalid("invalid radio settings", problems)
    return json_response(save_settings(request, change))


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/radio/settings", get_settings)
    app.router.add_put("/api/v1/radio/settings", put_settings)
