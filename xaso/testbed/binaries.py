"""Finding the service binaries the tests and benchmarks run."""

from __future__ import annotations

import shutil

# Debian installs mosquitto in /usr/sbin, which is not on every user's PATH.
_SYSTEM_DIRS = "/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"


class MissingBinary(RuntimeError):
    """A service binary is not installed; the message names the package to install."""


def require_binary(name: str, apt_package: str) -> str:
    """The binary's path, or :class:`MissingBinary` saying what to install."""
    path = shutil.which(name) or shutil.which(name, path=_SYSTEM_DIRS)
    if path is None:
        raise MissingBinary(f"{name} not installed: apt-get install {apt_package}")
    return path
