"""Delivery of alert messages to every channel, off the ingest path.

Each channel has a bounded queue and one worker task, so a channel that hangs or fails
(an SMTP server down for an hour) delays only itself: ``submit`` is a plain function
that appends to the queues and returns, and it never raises into the caller.

Retryable failures are retried with exponential backoff and full jitter (AWS
Architecture Blog, "Exponential Backoff And Jitter") until the message is older than
``max_age_s``: an alert about a power cut three hours ago, delivered now, misleads more
than it helps. Messages of one channel go out in order (a recovery never overtakes its
alert), so while one message waits for a retry the ones behind it wait too.

When a queue is full the least useful message goes first: reminders (the next one will
say the same), then alerts, and a recovery last of all — "resolved never sent" is a top
complaint about other monitors. Queues live in memory: what is queued at shutdown is
lost and logged.

``on_outcome`` is told what finally became of each message on each channel (sent,
failed with its error, dropped): the server records it in the alert history
(``server/alerts/history.py``). It is called on the worker and must not block.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Final, Literal, NamedTuple

import msgspec

from xaso.server.alerts.channels.base import Addressable, Channel, DeliveryError
from xaso.server.alerts.message import AlertMessage
from xaso.server.alerts.metrics import AlertMetrics

log = logging.getLogger("xaso.alerts")

# Which message a full queue gives up first (lowest first).
_KEEP_RANK: Final = {"reminder": 0, "firing": 1, "resolved": 2}

Outcome = Literal["sent", "failed", "dropped"]
# Told what finally became of a message on a channel: sent, failed (refused, or given up
# after its retries; with the error) or dropped (a full queue, or closed).
OutcomeHook = Callable[[str, AlertMessage, Outcome, str | None], None]


class RetryPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    base_s: float = 2.0  # the first retry waits up to this long
    cap_s: float = 300.0  # no wait is longer than this (unless the receiver asks)
    max_age_s: float = 3600.0  # give up on a message this long after it was submitted

    def delay_s(self, attempt: int, rng: Callable[[], float]) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return rng() * min(self.cap_s, self.base_s * 2 ** min(attempt, 30))


class _Queued(NamedTuple):
    message: AlertMessage
    submitted_s: float
    # A message for one person (``personal.py``): the address the channel's ``send_to``
    # takes, and whom it is for (their login: the outcome names them, not the address).
    address: str | None = None
    person: str | None = None

    def label(self, channel: str) -> str:
        """The channel as the outcome names it: ``zalo-oa`` or ``zalo-oa → nguyenvana``."""
        return channel if self.person is None else f"{channel} → {self.person}"


class _Lane:
    """One channel, its queue and its worker."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.items: deque[_Queued] = deque()
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None


class Dispatcher:
    def __init__(
        self,
        channels: Sequence[Channel],
        metrics: AlertMetrics,
        *,
        queue_size: int = 200,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        on_outcome: OutcomeHook | None = None,
    ) -> None:
        names = [channel.name for channel in channels]
        if len(set(names)) != len(names):
            raise ValueError(f"channel names must be unique: {names}")
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._lanes = {channel.name: _Lane(channel) for channel in channels}
        self._metrics = metrics
        self._queue_size = queue_size
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._on_outcome = on_outcome
        self._closed = False
        for name in self._lanes:
            metrics.queue_depth.labels(name).set(0)

    @property
    def channel_names(self) -> list[str]:
        return list(self._lanes)

    def start(self) -> None:
        """Start one worker per channel; call on the running event loop."""
        for name, lane in self._lanes.items():
            if lane.task is None:
                lane.task = asyncio.create_task(self._work(lane), name=f"alerts:{name}")

    async def __aenter__(self) -> Dispatcher:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def submit(self, message: AlertMessage, channels: Collection[str] | None = None) -> None:
        """Queue ``message`` for every channel (or only those named) and return at once.
        A channel that only reaches people (``shared`` false) takes none. Never raises: a
        problem here must not break ingest, so it is logged instead."""
        try:
            now = self._clock()
            for name, lane in self._lanes.items():
                if channels is not None and name not in channels:
                    continue
                if getattr(lane.channel, "shared", True):
                    self._enqueue(lane, _Queued(message, now))
            for name in set(channels or ()) - self._lanes.keys():
                log.error("alert %s for unknown channel %s", message.key, name)
        except Exception:
            log.exception("alert %s could not be queued", message.key)

    def submit_to(self, message: AlertMessage, channel: str, address: str, person: str) -> None:
        """Queue ``message`` for one person on ``channel`` (its ``send_to``), behind the
        channel's other messages; like ``submit``, it never raises."""
        try:
            lane = self._lanes.get(channel)
            if lane is None:
                log.error("alert %s for unknown channel %s", message.key, channel)
                return
            self._enqueue(lane, _Queued(message, self._clock(), address, person))
        except Exception:
            log.exception("alert %s could not be queued for %s", message.key, person)

    def _enqueue(self, lane: _Lane, item: _Queued) -> None:
        name = lane.channel.name
        if self._closed:
            self._drop(name, item, "the dispatcher is closed")
            return
        if len(lane.items) >= self._queue_size:
            victim = _victim(lane.items, item.message)
            if victim is None:
                self._drop(name, item, "the queue is full")
                return
            self._drop(name, lane.items[victim], "the queue is full")
            del lane.items[victim]
        lane.items.append(item)
        lane.ready.set()
        self._metrics.queue_depth.labels(name).set(len(lane.items))

    def _drop(self, channel: str, item: _Queued, why: str) -> None:
        message, label = item.message, item.label(channel)
        self._metrics.dropped.labels(channel).inc()
        log.warning("alert %s (%s) dropped for %s: %s", message.key, message.state, label, why)
        self._tell(label, message, "dropped", why)

    def _tell(
        self, channel: str, message: AlertMessage, outcome: Outcome, detail: str | None
    ) -> None:
        if self._on_outcome is None:
            return
        try:
            self._on_outcome(channel, message, outcome, detail)
        except Exception:
            # Keeping a record must never stop delivery.
            log.exception("the outcome of alert %s on %s could not be noted", message.key, channel)

    async def _work(self, lane: _Lane) -> None:
        while True:
            while not lane.items:
                lane.ready.clear()
                await lane.ready.wait()
            item = lane.items.popleft()
            self._metrics.queue_depth.labels(lane.channel.name).set(len(lane.items))
            await self._deliver(lane.channel, item)

    async def _deliver(self, channel: Channel, item: _Queued) -> None:
        message, name, label = item.message, channel.name, item.label(channel.name)
        attempt = 0
        while True:
            try:
                if item.address is None:
                    await channel.send(message)
                elif isinstance(channel, Addressable):
                    await channel.send_to(message, item.address)
                else:
                    raise DeliveryError("this channel cannot reach one person", retryable=False)
            except DeliveryError as exc:
                error = exc
            except Exception as exc:
                # A bug in a channel must not end its worker; it may be transient.
                log.exception("channel %s failed unexpectedly", name)
                error = DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
            else:
                self._metrics.sent.labels(name, message.state).inc()
                self._tell(label, message, "sent", None)
                return
            self._metrics.failures.labels(name, "true" if error.retryable else "false").inc()
            if not error.retryable:
                self._give_up(name, label, message, "rejected", error)
                return
            if error.retry_after_s is not None:
                delay = error.retry_after_s  # the receiver knows its own limits best
            else:
                delay = self._retry.delay_s(attempt, self._rng)
            if self._clock() + delay - item.submitted_s > self._retry.max_age_s:
                self._give_up(name, label, message, "expired", error)
                return
            log.warning(
                "alert %s to %s failed (%s); retry %d in %.1f s",
                message.key,
                label,
                error,
                attempt + 1,
                delay,
            )
            await self._sleep(delay)
            attempt += 1

    def _give_up(
        self, channel: str, label: str, message: AlertMessage, reason: str, error: Exception
    ) -> None:
        self._metrics.undelivered.labels(channel, reason).inc()
        log.error(
            "alert %s (%s) to %s given up (%s): %s",
            message.key,
            message.state,
            label,
            reason,
            error,
        )
        self._tell(label, message, "failed", f"{reason}: {error}")

    async def close(self) -> None:
        """Stop the workers (cancelled and awaited) and close the channels. Whatever is
        still queued is lost: the count is logged."""
        self._closed = True
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            # ``wait`` collects the workers' cancellations without raising them; if
            # close() itself is cancelled meanwhile, that CancelledError propagates.
            await asyncio.wait(tasks)
        for name, lane in self._lanes.items():
            lane.task = None
            if lane.items:
                log.warning("%d alert messages for %s not sent at shutdown", len(lane.items), name)
            try:
                await lane.channel.close()
            except Exception:
                log.exception("channel %s did not close cleanly", name)


def _victim(items: deque[_Queued], incoming: AlertMessage) -> int | None:
    """The index of the queued message to drop for ``incoming``, or None to drop
    ``incoming`` itself: the lowest-ranked, oldest first; ties go against the queued one
    (the newer message says more about now)."""
    lowest, rank = min(
        ((i, _KEEP_RANK[item.message.state]) for i, item in enumerate(items)),
        key=lambda pair: (pair[1], pair[0]),
    )
    return None if _KEEP_RANK[incoming.state] < rank else lowest
