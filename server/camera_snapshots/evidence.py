"""A kept camera picture made evidence (minh chứng): a copy filed with the uploaded
evidence documents, under its sha256, for the camera's commune.

The rolling store drops old day pictures past its bounds; a picture someone chose as
evidence must outlive them, and must be opened, hashed and attached as every other
document is (``server/indicators/gather/documents.py``): to a declared value, in a
report's list of documents, by its hash. So it is copied, named for what it shows:
"Ảnh camera <camera> - <key location> - <day time>.jpg".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

from xaso.inventory import DeviceEntry, InventoryIndex
from xaso.server.camera_snapshots.store import KeptSnapshot
from xaso.server.indicators.gather.documents import DocumentInfo, DocumentStore
from xaso.server.web.tokens import Principal, Role


def may_keep_as_evidence(principal: Principal, commune: str) -> bool:
    """Those who put evidence together or judge it: the commune's operators (and
    admins), and the verifiers whose scope covers it."""
    return principal.may_act(commune) or (
        principal.role is Role.VERIFIER and principal.may_see(commune)
    )


def evidence_name(entry: DeviceEntry, index: InventoryIndex, kept: KeptSnapshot) -> str:
    commune = index.communes[index.listed_commune[entry.id]]
    places = {k.code: k.name for k in commune.key_locations}
    where = places.get(entry.location or "", "")
    taken = dt.datetime.fromtimestamp(kept.taken_ms / 1000, ZoneInfo(index.inventory.timezone))
    parts = [f"Ảnh camera {entry.name}", where, taken.strftime("%d-%m-%Y %Hh%M")]
    return " - ".join(p for p in parts if p) + ".jpg"


async def keep_as_evidence(
    documents: DocumentStore,
    jpeg: bytes,
    *,
    name: str,
    commune: str,
    by: str,
) -> DocumentInfo:
    """File the picture as an evidence document of ``commune``; the same picture kept
    twice is one document."""

    async def chunks() -> AsyncIterator[bytes]:
        yield jpeg

    pending = await documents.receive(chunks(), name=name, uploaded_by=by, communes=[commune])
    return documents.keep(pending)
