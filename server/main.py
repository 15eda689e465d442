"""``xaso server``: load settings, build the app, run it."""

from __future__ import annotations

import logging

from aiohttp import web

from server.app import create_app
from server.forwarded import parse_trusted_proxies
from server.settings import Settings

log = logging.getLogger("xaso.server")


def run_server(settings: Settings) -> int:
    try:
        host, port = settings.listen_host_port
        parse_trusted_proxies(settings.trusted_proxies)
    except ValueError as exc:
        print(f"xaso server: {exc}")
        return 2
    if settings.alerts:
        # Every problem of the alerts file, with its line, before anything starts.
        from server.alerts.config import check_alerts_config_file
        from xaso.inventory import load_inventory

        problems = check_alerts_config_file(
            settings.alerts, load_inventory(settings.inventory).index()
        )
        if problems:
            for problem in problems:
                print(problem)
            return 1
    app = create_app(settings)
    log.info("serving on http://%s:%d", host, port)
    web.run_app(app, host=host, port=port, shutdown_timeout=5, print=None)
    return 0
