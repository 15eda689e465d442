"""A small disk that really fills up: a tmpfs mounted for the test (root only)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path


class CannotMount(RuntimeError):
    """This machine does not let us mount a tmpfs (not root, or in a container)."""


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``2m``) mounted on ``path`` while the block runs."""
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise CannotMount(result.stderr.strip() or f"mount exited {result.returncode}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> Path:
    """Write until the disk refuses another byte; the file to delete to free it."""
    ballast = disk / "ballast"
    for chunk in (b"\0" * 65536, b"\0" * 512, b"\0"):
        with contextlib.suppress(OSError), ballast.open("ab", buffering=0) as f:
            while True:
                f.write(chunk)
    return ballast
