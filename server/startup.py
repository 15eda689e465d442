"""Why the server cannot start, said in one paragraph an operator can act on.

A wrong ``--store`` URL, a data folder this user may not write, a port another process
holds: each is the operator's to fix, and a 40-line traceback hides the one line that
says how. The contexts that open such resources raise ``StartupError`` with that line;
``xaso server`` prints it and exits 2 (server/main.py).
"""

from __future__ import annotations

import socket


class StartupError(Exception):
    """The server cannot start for a reason its operator can fix."""


def listen(host: str, port: int) -> socket.socket:
    """The HTTP listening socket, bound before anything else starts: a second server
    started by mistake fails here, before it connects to the broker and takes over the
    first one's MQTT session."""
    try:
        return socket.create_server((host, port), backlog=512)
    except OSError as exc:
        hint = (
            " (another xaso server, or another program, listens there: stop it or choose "
            "another --listen)"
            if exc.errno in (98, 48)  # EADDRINUSE on Linux, BSD/macOS
            else ""
        )
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from exc


def unwritable(what: str, setting: str, path: str, exc: BaseException) -> StartupError:
    """A file or folder the server could not open, with the setting that names it."""
    return StartupError(
        f"cannot open {what} at {path} ({setting}): {exc}. Does the folder exist, and may "
        "the user the server runs as write there?"
    )
