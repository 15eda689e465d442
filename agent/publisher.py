"""Drains the on-disk outbox to the broker, live records first, a window at a time.

A record leaves the outbox only when the broker acknowledged it (QoS 1 PUBACK). At most
``window`` records are in flight, so after a long outage the live heartbeat is not stuck
behind a day of backlog, and the backlog drains in order, marked ``historical`` so the
server stores it with its original timestamps without raising live alerts.

Acknowledgements arrive on paho's network thread while it holds its own locks; they are
only queued there and processed here, on the publisher's thread, so no lock of ours is
ever taken inside a paho callback.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import msgspec

from agent.connection import BrokerConnection
from agent.outbox import Entry, Outbox
from xaso.protocol import QOS_RECORDS

log = logging.getLogger("xaso.agent.publisher")

REPLAY_QUIET_S = 60.0


def mark_historical(payload: bytes) -> bytes:
    """The same record, flagged as replayed. Every record kind carries ``historical``."""
    document = msgspec.json.decode(payload)
    document["historical"] = True
    return msgspec.json.encode(document)


class Publisher:
    def __init__(self, outbox: Outbox, connection: BrokerConnection, window: int = 32) -> None:
        self._outbox = outbox
        self._connection = connection
        self._window = window
        # ("ack", mid), ("lost", 0) where a connection ended — its place among the acks
        # says which belong to the old connection, since mids restart with every client
        # — and ("replay", from_seq) when the server asks for records again.
        self._events: queue.SimpleQueue[tuple[str, int]] = queue.SimpleQueue()
        self._last_replay = (0, -1.0)  # (from_seq, monotonic time)
        self._in_flight: dict[int, int] = {}  # mid -> seq, for the current connection
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="publisher", daemon=True)

    # -- called from other threads ----------------------------------------------------

    def on_published(self, mid: int) -> None:
        """paho's network thread: a PUBACK arrived."""
        self._events.put(("ack", mid))
        self._wake.set()

    def on_replay(self, from_seq: int) -> None:
        """paho's network thread: the server asks for records from ``from_seq`` again."""
        self._events.put(("replay", from_seq))
        self._wake.set()

    def on_connected(self) -> None:
        self._wake.set()

    def on_disconnected(self) -> None:
        self._events.put(("lost", 0))
        self._wake.set()

    def wake(self) -> None:
        """A new record is in the outbox."""
        self._wake.set()

    # -- the publisher's own thread ------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            self._handle_events()
            if self._connection.connected.is_set():
                self._fill_window()

    def _handle_events(self) -> None:
        while True:
            try:
                kind, number = self._events.get_nowait()
            except queue.Empty:
                return
            if kind == "ack":
                self._settle(number)
            elif kind == "lost":
                self._connection_lost()
            else:
                self._replay(number)

    def _settle(self, mid: int) -> None:
        seq = self._in_flight.pop(mid, None)
        # An unknown mid is one of our own status messages. (No ack can overtake the
        # publish() it answers: acks are handled on this thread, after _send recorded
        # the mid.) Keeping unknown mids would settle an unsent record once paho's mid
        # counter wraps round to them.
        if seq is not None:
            self._outbox.mark_acked(seq)

    def _connection_lost(self) -> None:
        # Each connection is a fresh paho client: what was in flight is sent again
        # from the outbox. A duplicate at the server overwrites itself (same timestamp).
        self._in_flight.clear()
        requeued = self._outbox.requeue_inflight()
        if requeued:
            log.info(
                "connection lost with %d records unacknowledged; they will be resent", requeued
            )

    def _replay(self, from_seq: int) -> None:
        # The same request repeated within a minute (a retained echo, a retry crossing
        # our answer) is answered once.
        last_seq, last_at = self._last_replay
        if from_seq >= last_seq and time.monotonic() - last_at < REPLAY_QUIET_S:
            return
        self._last_replay = (from_seq, time.monotonic())
        count = self._outbox.replay(from_seq)
        log.info("server asked for records from seq %d: %d sent again", from_seq, count)

    def _fill_window(self) -> None:
        room = self._window - len(self._in_flight)
        if room <= 0:
            return
        for entry in self._outbox.next_batch(room):
            if not self._send(entry):
                return

    def _send(self, entry: Entry) -> bool:
        payload = entry.payload if self._outbox.is_live(entry) else mark_historical(entry.payload)
        mid = self._connection.publish(entry.topic, payload, QOS_RECORDS)
        if mid is None:
            return False
        self._outbox.mark_inflight(entry.seq)
        self._in_flight[mid] = entry.seq
        return True
