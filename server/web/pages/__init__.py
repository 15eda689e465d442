"""The pages people work in, one module each, and the static files they link.

Every page extends ``templates/base.html`` (the navigation, who is signed in, the
language switch, htmx) and renders through ``rendering.render``. A page module has one
job and a ``setup_routes(app)``; this package registers them all.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from xaso.server.web.auth import STATIC_PREFIX
from xaso.server.web.pages import (
    admin_audit,
    admin_tokens,
    admin_users,
    alerts,
    communes,
    device,
    excused,
    gateways,
    help_page,
    indicators_commune,
    indicators_declarations,
    indicators_overview,
    indicators_remediation,
    indicators_signoff,
    indicators_summary,
    indicators_trend,
    maintenance,
    map_page,
    my_account,
    overview,
    problems,
    radio_calendar,
    radio_gateways,
    radio_log,
    radio_media,
    radio_now,
    radio_occurrence,
    radio_record,
    radio_schedules,
    radio_settings,
    radio_speech,
)

# excused before maintenance: its fixed paths before the windows' {window_id}.
_PAGES = (
    overview,
    problems,
    communes,
    device,
    gateways,
    map_page,
    excused,
    maintenance,
    alerts,
    radio_settings,
    radio_schedules,
    radio_speech,
    radio_now,
    radio_gateways,
    radio_media,
    radio_record,
    help_page,
    radio_calendar,
    radio_occurrence,
    admin_users,
    admin_tokens,
    admin_audit,
    my_account,
    radio_log,
    indicators_commune,
    indicators_signoff,
    indicators_declarations,
    indicators_remediation,
    indicators_overview,
    indicators_trend,
    indicators_summary,
)


def setup_routes(app: web.Application) -> None:
    # The pages' style sheets and scripts: files, so the Content-Security-Policy needs
    # nothing inline.
    app.router.add_static(STATIC_PREFIX, Path(__file__).parent.parent / "static")
    for page in _PAGES:
        page.setup_routes(app)
