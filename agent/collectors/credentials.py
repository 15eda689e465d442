"""Device credentials: a username in the config, the password from a file or the
environment (never written in the config, as for the MQTT password)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple


class Credentials(NamedTuple):
    username: str
    password: str


def read_credentials(
    username: str | None, password_file: str | None, password_env: str | None
) -> Credentials | None:
    """Read once, when the collector is built: a missing file stops the agent at start
    with a clear message rather than failing every cycle in the field."""
    if not username:
        return None
    password = ""
    if password_file:
        try:
            password = Path(password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(
                f"cannot read password_file {password_file}: {exc.strerror or exc}"
            ) from None
    elif password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise ValueError(f"environment variable {password_env} (password_env) is not set")
        password = value
    return Credentials(username, password)
