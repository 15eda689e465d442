"""Drains the on-disk outbox to the broker, live records first, a window at a time.

A record leaves the outbox only when the broker acknowledged it (QoS 1 PUBACK). At most
``window`` records are in flight, so after a long outage the live heartbeat is not stuck
behind a day of backlog, and the backlog drains in order, marked ``historical`` so the
server stores it with its original timestamps without raising live alerts.

Acknowledgements arrive on paho's network thread while it holds its own locks; they are
only queued there and processed here, on the publisher's thread, so no lock of ours is
ever taken inside a paho callback.

A publish the broker refuses (MQTT 5: "Not authorized" by its ACL, a quota) is no
delivery: the record stays queued, its topic is held back with a growing pause (30 s up
to 10 min) so a misconfigured broker is not hammered, and ``refusals`` says what is held
and why, for the heartbeat.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import msgspec

from xaso.agent.connection import BrokerConnection
from xaso.agent.outbox import Entry, Outbox
from xaso.protocol import QOS_RECORDS

log = logging.getLogger("xaso.agent.publisher")

# The same replay request again within this long (a retry crossing our answer) is
# answered once. The server asks for a gap again only after --replay-after-s (60 s by
# default), so this must stay well below that, or a lost answer is never sent again.
REPLAY_QUIET_S = 5.0
# A topic the broker refused is tried again after this long, doubling up to the max.
REFUSED_PAUSE_MIN_S = 30.0
REFUSED_PAUSE_MAX_S = 600.0


def mark_historical(payload: bytes) -> bytes:
    """The same record, flagged as replayed. Every record kind carries ``historical``."""
    document = msgspec.json.decode(payload)
    document["historical"] = True
    return msgspec.json.encode(document)


class _Held:
    """A topic the broker refused: not published again before ``until`` (monotonic);
    then one record tries (``probing``), and its answer decides."""

    def __init__(self, reason: str, pause_s: float) -> None:
        self.reason, self.pause_s = reason, pause_s
        self.until = time.monotonic() + pause_s
        self.probing = False


class Publisher:
    def __init__(self, outbox: Outbox, connection: BrokerConnection, window: int = 32) -> None:
        self._outbox = outbox
        self._connection = connection
        self._window = window
        # ("ack", mid, None), ("refused", mid, reason), ("lost", 0, None) where a
        # connection ended — its place among the acks says which belong to the old
        # connection, since mids restart with every client — and ("replay", from_seq,
        # to_seq) when the server asks for records again.
        self._events: queue.SimpleQueue[tuple[str, int, object]] = queue.SimpleQueue()
        self._last_replay: tuple[int, int | None, float] = (0, None, -1.0)
        self._in_flight: dict[int, tuple[int, str]] = {}  # mid -> (seq, topic)
        self._held: dict[str, _Held] = {}  # topic -> why and until when it is held back
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="publisher", daemon=True)

    # -- called from other threads ----------------------------------------------------

    def on_published(self, mid: int) -> None:
        """paho's network thread: a PUBACK arrived."""
        self._events.put(("ack", mid, None))
        self._wake.set()

    def on_refused(self, mid: int, reason: str) -> None:
        """paho's network thread: a PUBACK with a failure reason (MQTT 5)."""
        self._events.put(("refused", mid, reason))
        self._wake.set()

    def on_replay(self, from_seq: int, to_seq: int | None = None) -> None:
        """paho's network thread: the server asks for records ``from_seq`` (up to
        ``to_seq``) again."""
        self._events.put(("replay", from_seq, to_seq))
        self._wake.set()

    def on_connected(self) -> None:
        self._wake.set()

    def on_disconnected(self) -> None:
        self._events.put(("lost", 0, None))
        self._wake.set()

    def refusals(self) -> str | None:
        """What the broker refuses now, for the heartbeat's ``queue_error``; None if
        nothing. (Read from the agent's loop: a snapshot of a dict is enough.)"""
        held = dict(self._held)
        if not held:
            return None
        return "; ".join(f"broker refused {topic}: {h.reason}" for topic, h in sorted(held.items()))

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
                kind, number, extra = self._events.get_nowait()
            except queue.Empty:
                return
            if kind == "ack":
                self._settle(number)
            elif kind == "refused":
                self._refused(number, str(extra))
            elif kind == "lost":
                self._connection_lost()
            else:
                self._replay(number, extra if isinstance(extra, int) else None)

    def _settle(self, mid: int) -> None:
        sent = self._in_flight.pop(mid, None)
        # An unknown mid is one of our own status messages. (No ack can overtake the
        # publish() it answers: acks are handled on this thread, after _send recorded
        # the mid.) Keeping unknown mids would settle an unsent record once paho's mid
        # counter wraps round to them.
        if sent is not None:
            seq, topic = sent
            self._outbox.mark_acked(seq)
            if self._held.pop(topic, None) is not None:
                log.info("the broker takes %s again", topic)

    def _refused(self, mid: int, reason: str) -> None:
        sent = self._in_flight.pop(mid, None)
        if sent is None:
            log.error("the broker refused one of our status messages: %s", reason)
            return
        seq, topic = sent
        self._outbox.release(seq)  # still queued, sent again once the pause is over
        held = self._held.get(topic)
        if held is not None and not held.probing:
            return  # another of the window sent before the first refusal came back
        pause_s = (
            REFUSED_PAUSE_MIN_S if held is None else min(held.pause_s * 2, REFUSED_PAUSE_MAX_S)
        )
        self._held[topic] = _Held(reason, pause_s)
        log.error(
            "the broker refused record %d on %s (%s); kept, next try in %.0f s",
            seq,
            topic,
            reason,
            pause_s,
        )

    def _connection_lost(self) -> None:
        # Each connection is a fresh paho client: what was in flight is sent again
        # from the outbox. A duplicate at the server overwrites itself (same timestamp).
        self._in_flight.clear()
        # A new connection may find the broker's ACL mended: try every topic again.
        self._held.clear()
        requeued = self._outbox.requeue_inflight()
        if requeued:
            log.info(
                "connection lost with %d records unacknowledged; they will be resent", requeued
            )

    def _replay(self, from_seq: int, to_seq: int | None) -> None:
        # The same request repeated shortly after (a retry crossing our answer) is
        # answered once: a range within the last one answered adds nothing.
        last_from, last_to, last_at = self._last_replay
        within = from_seq >= last_from and (last_to is None or (to_seq or 2**63) <= last_to)
        if within and time.monotonic() - last_at < REPLAY_QUIET_S:
            return
        self._last_replay = (from_seq, to_seq, time.monotonic())
        count = self._outbox.replay(from_seq, to_seq)
        log.info(
            "server asked for records %d..%s: %d sent again",
            from_seq,
            "" if to_seq is None else to_seq,
            count,
        )

    def _fill_window(self) -> None:
        room = self._window - len(self._in_flight)
        if room <= 0:
            return
        now = time.monotonic()
        for topic, held in list(self._held.items()):
            if not held.probing and now >= held.until:
                # One record tries; its answer decides. None waiting: look again later.
                held.probing = self._fill_one(topic)
                if not held.probing:
                    held.until = now + held.pause_s
        refused_topics = frozenset(self._held)
        for entry in self._outbox.next_batch(room, exclude_topics=refused_topics):
            if not self._send(entry):
                return

    def _fill_one(self, topic: str) -> bool:
        """The pause of a refused topic is over: send its next record alone; whether one
        went."""
        return any(self._send(entry) for entry in self._outbox.next_batch(1, only_topic=topic))

    def _send(self, entry: Entry) -> bool:
        payload = entry.payload if self._outbox.is_live(entry) else mark_historical(entry.payload)
        mid = self._connection.publish(entry.topic, payload, QOS_RECORDS)
        if mid is None:
            return False
        self._outbox.mark_inflight(entry.seq)
        self._in_flight[mid] = (entry.seq, entry.topic)
        return True
