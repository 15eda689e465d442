"""The garbage collector set for a long-running server that allocates a lot per message.

Every heartbeat makes a few hundred short-lived objects (the decoded message, records,
their detail dicts). With CPython's defaults a young collection runs every 700
allocations, and each older collection walks the inventory and the live state too: on
the documented heartbeat shape that cost as much as ingest itself. So once started, the
objects made so far (inventory, live state, tables, code; some 145,000 objects for
30,000 devices, which every full collection walked again in ~33 ms to find nothing) are
frozen out of the collector's reach (``gc.freeze``), and young collections run less
often. Not in ``create_app``: tests build many apps in one process, and what is frozen
is never collected. Reference
counting still frees nearly everything at once; the collector is only for cycles.
"""

from __future__ import annotations

import gc

# Young collections after this many allocations net (CPython's default: 700).
YOUNG_THRESHOLD = 20_000


def settle() -> None:
    """Call once everything long-lived is built."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
