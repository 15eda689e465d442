"""Streaming an upload to disk, hashing it as it comes: the one way the server receives
files (broadcast audio, evidence documents), so a size limit and the cleanup of a
refused upload are written once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import NamedTuple


class Received(NamedTuple):
    path: Path  # a temporary file in the store's folder: rename it to keep it
    sha256: str
    size: int


async def receive(
    chunks: AsyncIterator[bytes],
    folder: Path,
    max_bytes: int,
    too_large: Callable[[], Exception],
) -> Received:
    """Write ``chunks`` to a temporary file in ``folder``; over ``max_bytes``, remove it
    and raise ``too_large()``. The caller removes the file if it refuses it later."""
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise too_large()
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(path, digest.hexdigest(), size)
