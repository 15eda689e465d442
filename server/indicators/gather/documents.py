"""Evidence documents (minh chứng) for declared indicators, stored by their sha256.

A commune backs a declared value (fibre, 4G, Wi-Fi at cultural houses, officials with
computers) with scanned decisions, contracts, photos or spreadsheets; the verifier and an
inspection later open exactly those bytes, and the sha256 proves they are the same.

What a file is gets decided by its content, not its name: a PDF must start ``%PDF-``,
a DOCX/XLSX must be a ZIP holding the parts Office Open XML requires. A file is written
to a temporary name while it is hashed and checked, and appears under its hash only once
accepted, so a refused upload leaves nothing behind (the approach of ``server.broadcasts.content``).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath, PureWindowsPath

import msgspec

from xaso.server.json_table import JsonTable
from xaso.server.uploads import receive

# Scanned A4 decisions run at 1–5 MB a page; a 20-page scan at a high setting stays
# under this. Larger files are a sign of a mistake (a video, an archive).
MAX_DOCUMENT_BYTES = 25 * 2**20
MAX_NAME_CHARS = 200

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The names a file of each type may carry; a name that says otherwise is refused.
EXTENSIONS = {
    ".pdf": PDF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".png": PNG,
    ".docx": DOCX,
    ".xlsx": XLSX,
}
ALLOWED_TYPES = "PDF, JPEG, PNG, DOCX or XLSX"

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DocumentInfo(msgspec.Struct, frozen=True):
    id: str  # the sha256, hex
    name: str
    size: int
    content_type: str
    uploaded_by: str = ""
    uploaded_ms: int = 0
    # Who may open it: the communes it was uploaded for. Empty (an admin's provincial
    # document): every commune.
    communes: list[str] = []

    @property
    def sha256(self) -> str:
        return self.id

    def visible_to(self, communes: frozenset[str]) -> bool:
        """Visible to a caller limited to ``communes`` (empty: every commune)."""
        return not self.communes or not communes or bool(communes & set(self.communes))

    def serves(self, commune: str) -> bool:
        """May back a value of ``commune``."""
        return not self.communes or commune in self.communes


class DocumentError(ValueError):
    pass


def is_sha256(text: str) -> bool:
    return bool(_SHA256.match(text))


def clean_name(name: str) -> str:
    """The file's own name, without any folder a browser or client put before it."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    return _CONTROL.sub("", base).strip()[:MAX_NAME_CHARS]


def sniff(path: Path) -> str | None:
    """The type of a file from its content, or None if it is none of the allowed ones."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(path)
    return None


def _office_type(path: Path) -> str | None:
    # Only the central directory is read: the parts are not decompressed, so a ZIP bomb
    # costs nothing here.
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def check_type(path: Path, name: str) -> str:
    """The content type of an accepted file; raises DocumentError with the reason."""
    found = sniff(path)
    label = f"'{name}'" if name else "the file"
    if found is None:
        raise DocumentError(f"{label} is not a {ALLOWED_TYPES} file (checked by its content)")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix and EXTENSIONS.get(suffix) != found:
        kind = next(ext for ext, mime in EXTENSIONS.items() if mime == found)
        raise DocumentError(
            f"{label} is named like a {suffix} file but its content is {kind[1:].upper()}; "
            f"rename it or upload the right file"
        )
    return found


class PendingDocument(msgspec.Struct, frozen=True):
    """A checked upload still under its temporary name; ``DocumentStore.keep`` files it."""

    info: DocumentInfo
    tmp: str


class DocumentStore:
    def __init__(self, folder: Path, db: sqlite3.Connection) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._db = db
        self.table = JsonTable(self._db, "evidence_document", DocumentInfo)

    def path(self, sha256: str) -> Path | None:
        if sha256 not in self.table.items:
            return None
        return self.folder / sha256

    async def receive(
        self, chunks: AsyncIterator[bytes], *, name: str, uploaded_by: str, communes: list[str]
    ) -> PendingDocument:
        """Stream one upload to a temporary file, hashing as it comes, and check it.
        Raises DocumentError (the temporary file removed) if it is refused."""
        name = clean_name(name)
        label = f"'{name}'" if name else "the file"
        upload = await receive(
            chunks,
            self.folder,
            MAX_DOCUMENT_BYTES,
            lambda: DocumentError(f"{label} is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB"),
        )
        try:
            if upload.size == 0:
                raise DocumentError(f"'{name}' is empty" if name else "the file is empty")
            content_type = check_type(upload.path, name)
        except BaseException:
            upload.path.unlink(missing_ok=True)
            raise
        info = DocumentInfo(
            id=upload.sha256,
            name=name,
            size=upload.size,
            content_type=content_type,
            uploaded_by=uploaded_by,
            uploaded_ms=int(time.time() * 1000),
            communes=sorted(communes),
        )
        return PendingDocument(info, str(upload.path))

    def keep(self, pending: PendingDocument) -> DocumentInfo:
        """File a checked upload under its hash. The same bytes uploaded again (by
        another commune) keep the first record and widen who may open them."""
        os.replace(pending.tmp, self.folder / pending.info.id)
        known = self.table.items.get(pending.info.id)
        info = pending.info
        if known is not None:
            communes = (
                []
                if not known.communes or not info.communes
                else sorted(set(known.communes) | set(info.communes))
            )
            info = msgspec.structs.replace(known, communes=communes)
        self.table.put(info)
        return info

    @staticmethod
    def discard(pending: PendingDocument) -> None:
        Path(pending.tmp).unlink(missing_ok=True)
