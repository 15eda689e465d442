"""``xaso server``: load settings, build the app, run it."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from xaso.server import heap
from xaso.server.app import create_app
from xaso.server.settings import Settings
from xaso.server.startup import StartupError, listen
from xaso.server.web.forwarded import parse_trusted_proxies
from xaso.server.web.map_tiles import tile_source

log = logging.getLogger("xaso.server")


def run_server(settings: Settings) -> int:
    try:
        host, port = settings.listen_host_port
        parse_trusted_proxies(settings.trusted_proxies)
        tile_source(settings)
    except ValueError as exc:
        return _cannot_start(str(exc))
    if settings.alerts:
        # Every problem of the alerts file, with its line, before anything starts.
        from xaso.inventory import load_inventory
        from xaso.server.alerts.config import check_alerts_config_file

        problems = check_alerts_config_file(
            settings.alerts, load_inventory(settings.inventory).index()
        )
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            return 1
    try:
        # The port first: a server started twice by mistake stops here, before it takes
        # the first one's MQTT session.
        listener = listen(host, port)
        app = create_app(settings)
        app.cleanup_ctx.append(_announce(host, port))
        web.run_app(app, sock=listener, shutdown_timeout=5, print=None)
    except StartupError as exc:
        return _cannot_start(str(exc))
    return 0


def _announce(host: str, port: int) -> Callable[[web.Application], AsyncIterator[None]]:
    async def announce(app: web.Application) -> AsyncIterator[None]:
        # Last of the contexts: the store, the data and the broker link are set up.
        heap.settle()
        log.info("serving on http://%s:%d", host, port)
        yield

    return announce


def _cannot_start(reason: str) -> int:
    print(f"xaso server: {reason}", file=sys.stderr)
    return 2
