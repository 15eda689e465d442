"""Whether a snapshot from an agent is one to keep: a small JPEG of a camera of its own.

Everything refused is one bad message (a reason label for the metrics and a detail for
the dead letter), never an exception.
"""

from __future__ import annotations

from typing import Final

from xaso.inventory import InventoryIndex
from xaso.protocol import MAX_SNAPSHOT_JPEG_BYTES, Snapshot

# Start of image, and the first byte of the next marker (every JPEG's first segment);
# end of image. A truncated upload or another format fails one or the other.
JPEG_START: Final = b"\xff\xd8\xff"
JPEG_END: Final = b"\xff\xd9"
# A thumbnail's sides; a bigger claim is a broken or hostile message.
MAX_SIDE: Final = 4096


def snapshot_problem(
    message: Snapshot, agent_id: str, index: InventoryIndex
) -> tuple[str, str] | None:
    """``(reason, detail)`` when the snapshot must be refused, else None."""
    size = len(message.jpeg)
    if size > MAX_SNAPSHOT_JPEG_BYTES:
        return "snapshot_too_big", f"{size} bytes > {MAX_SNAPSHOT_JPEG_BYTES}"
    if not (message.jpeg.startswith(JPEG_START) and message.jpeg.endswith(JPEG_END)):
        return "snapshot_not_jpeg", f"{size} bytes without JPEG start and end markers"
    if not (0 < message.width <= MAX_SIDE and 0 < message.height <= MAX_SIDE):
        return "snapshot_bad_size", f"{message.width} x {message.height}"
    entry = index.devices.get(message.device)
    if entry is None:
        return "unknown_camera", f"device {message.device!r} is not in the inventory"
    if entry.kind != "camera":
        return "not_a_camera", f"device {message.device!r} is a {entry.kind}"
    if message.device not in index.devices_of_agent.get(agent_id, frozenset()):
        return "foreign_camera", f"camera {message.device!r} is not behind {agent_id}"
    return None
