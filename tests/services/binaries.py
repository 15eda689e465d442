"""Finding the service binaries the integration tests run."""

from __future__ import annotations

import os
import shutil

import pytest

# Debian installs mosquitto in /usr/sbin, which is not on every user's PATH.
_SYSTEM_DIRS = "/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"


def require_binary(name: str, apt_package: str) -> str:
    """The binary's path; otherwise skip the test, or fail it where services are
    required (``XASO_REQUIRE_SERVICES=1``, as in CI) so a missing install cannot pass."""
    path = shutil.which(name) or shutil.which(name, path=_SYSTEM_DIRS)
    if path is not None:
        return path
    message = f"{name} not installed: apt-get install {apt_package}"
    if os.environ.get("XASO_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)
