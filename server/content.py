"""Uploaded broadcast audio, stored by its sha256.

Agents fetch files ahead of time and check the hash, so a broadcast plays on time even
if the link drops at that hour, and never plays a file that was damaged on the way.
The duration is read from the file (mutagen), not taken from the uploader.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import mutagen

from server.json_table import JsonTable, open_db
from server.uploads import receive

MAX_BYTES = 200 * 2**20
MAX_DURATION_S = 4 * 3600


class ContentInfo(msgspec.Struct, frozen=True):
    id: str  # the sha256, hex
    size: int
    duration_s: float
    mime: str
    name: str = ""
    uploaded_by: str = ""
    uploaded_ms: int = 0
    # The uploader's communes: who else may see it. Empty (an admin's upload, say a
    # provincial bulletin): every commune.
    communes: list[str] = []


class ContentError(ValueError):
    pass


class ContentStore:
    def __init__(self, folder: Path, db_path: str) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._db = open_db(db_path)
        self.table = JsonTable(self._db, "audio_content", ContentInfo)

    def path(self, sha256: str) -> Path | None:
        if sha256 not in self.table.items:
            return None
        return self.folder / sha256

    async def save(
        self,
        chunks: AsyncIterator[bytes],
        *,
        name: str,
        uploaded_by: str,
        communes: list[str] | None = None,
    ) -> ContentInfo:
        """Stream an upload to disk, hashing as it comes; keep it only if it is audio."""
        upload = await receive(
            chunks,
            self.folder,
            MAX_BYTES,
            lambda: ContentError(f"larger than {MAX_BYTES // 2**20} MiB"),
        )
        try:
            # mutagen reads what it needs from the file, off the event loop.
            info = await asyncio.to_thread(
                _audio_info, upload.path, upload.sha256, upload.size, name, uploaded_by
            )
            info = msgspec.structs.replace(info, communes=sorted(communes or []))
            os.replace(upload.path, self.folder / info.id)
        except BaseException:
            upload.path.unlink(missing_ok=True)
            raise
        self.table.put(info)
        return info

    def close(self) -> None:
        self._db.close()


def _audio_info(path: Path, sha256: str, size: int, name: str, by: str) -> ContentInfo:
    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError as exc:
        raise ContentError(f"not a readable audio file: {exc}") from None
    length = getattr(getattr(audio, "info", None), "length", 0) or 0
    if audio is None or not 0 < length <= MAX_DURATION_S:
        raise ContentError("not an audio file (MP3, WAV, OGG, M4A...) of up to 4 hours")
    return ContentInfo(
        id=sha256,
        size=size,
        duration_s=round(float(length), 3),
        mime=(audio.mime or ["audio/unknown"])[0],
        name=name,
        uploaded_by=by,
        uploaded_ms=int(time.time() * 1000),
    )
