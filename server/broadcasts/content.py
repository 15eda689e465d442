"""Uploaded broadcast audio, stored by its sha256.

Agents fetch files ahead of time and check the hash, so a broadcast plays on time even
if the link drops at that hour, and never plays a file that was damaged on the way.
The duration is read from the file (mutagen), not taken from the uploader.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import mutagen

from xaso.server.json_table import JsonTable
from xaso.server.uploads import receive

MAX_BYTES = 200 * 2**20
MAX_DURATION_S = 4 * 3600


class Upload(msgspec.Struct, frozen=True):
    """One upload of a file: under what name, by whom, for which communes."""

    name: str = ""
    uploaded_by: str = ""
    uploaded_ms: int = 0
    # The uploader's communes: who may see it. Empty (an admin's upload, say a
    # provincial bulletin): every commune.
    communes: list[str] = []

    def visible_to(self, communes: frozenset[str]) -> bool:
        """Seen by a caller limited to ``communes`` (empty: every commune)."""
        return not self.communes or not communes or bool(communes & set(self.communes))


class ContentInfo(msgspec.Struct, frozen=True):
    """A file by its hash, and every upload of it.

    Communes upload the same bulletin (a provincial recording, say) each for itself:
    a later upload adds its communes and never takes the file from the earlier ones,
    and each caller is shown only the uploads of its own communes.
    """

    id: str  # the sha256, hex
    size: int
    duration_s: float
    mime: str
    # The first upload, where rows stored before a file could have several keep it.
    name: str = ""
    uploaded_by: str = ""
    uploaded_ms: int = 0
    communes: list[str] = []
    # Uploads after the first, by callers whose communes the earlier ones did not cover.
    later_uploads: list[Upload] = []

    @property
    def uploads(self) -> list[Upload]:
        first = Upload(self.name, self.uploaded_by, self.uploaded_ms, self.communes)
        return [first, *self.later_uploads]

    def visible_to(self, communes: frozenset[str]) -> bool:
        return any(upload.visible_to(communes) for upload in self.uploads)

    def serves(self, commune: str) -> bool:
        """Uploaded for ``commune`` (or for every commune): its gateways may fetch it."""
        return any(not u.communes or commune in u.communes for u in self.uploads)

    def with_upload(self, upload: Upload) -> ContentInfo:
        """This file uploaded once more; nothing changes when the earlier uploads already
        reach every commune of this one."""
        if all(self.serves(commune) for commune in upload.communes) and (
            upload.communes or any(not u.communes for u in self.uploads)
        ):
            return self
        return msgspec.structs.replace(self, later_uploads=[*self.later_uploads, upload])

    def view_for(self, communes: frozenset[str]) -> dict[str, Any]:
        """What a caller limited to ``communes`` (empty: every commune) is shown: the
        file, its first upload it may see, and the communes it serves among the
        caller's. Nothing of another commune's upload."""
        seen = [u for u in self.uploads if u.visible_to(communes)]
        first = seen[0] if seen else Upload()
        if any(not u.communes for u in seen):
            served: list[str] = []
        else:
            served = sorted({c for u in seen for c in u.communes})
            if communes:
                served = [c for c in served if c in communes]
        return {
            "id": self.id,
            "size": self.size,
            "duration_s": self.duration_s,
            "mime": self.mime,
            "name": first.name,
            "uploaded_by": first.uploaded_by,
            "uploaded_ms": first.uploaded_ms,
            "communes": served,
        }


class ContentError(ValueError):
    pass


class ContentStore:
    def __init__(self, folder: Path, db: sqlite3.Connection) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._db = db
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
        this = Upload(name, uploaded_by, int(time.time() * 1000), sorted(communes or []))
        try:
            # mutagen reads what it needs from the file, off the event loop.
            info = await asyncio.to_thread(_audio_info, upload.path, upload.sha256, upload.size)
            os.replace(upload.path, self.folder / info.id)
        except BaseException:
            upload.path.unlink(missing_ok=True)
            raise
        known = self.table.items.get(info.id)
        if known is None:
            info = msgspec.structs.replace(
                info,
                name=this.name,
                uploaded_by=this.uploaded_by,
                uploaded_ms=this.uploaded_ms,
                communes=this.communes,
            )
        else:
            info = known.with_upload(this)
        if info is not known:
            self.table.put(info)
        return info


def _audio_info(path: Path, sha256: str, size: int) -> ContentInfo:
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
    )
