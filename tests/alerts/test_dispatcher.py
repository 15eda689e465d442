"""The dispatcher: retries with backoff, isolation between channels, bounded queues and
a clean shutdown. Channels here are in-memory fakes; time is a fake clock whose sleep
advances it, so an hour of backoff takes no real time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client import CollectorRegistry

from tests.alert_samples import power_cut
from xaso.server.alerts.channels import DeliveryError, build_channel
from xaso.server.alerts.dispatcher import Dispatcher, RetryPolicy
from xaso.server.alerts.message import AlertMessage
from xaso.server.alerts.metrics import AlertMetrics


class FakeTime:
    def __init__(self) -> None:
        self.now_s = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now_s

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now_s += seconds
        await asyncio.sleep(0)


class FakeChannel:
    """Fails with the scripted errors first, then delivers."""

    def __init__(self, name: str, failures: list[DeliveryError] | None = None) -> None:
        self.name = name
        self.failures = failures or []
        self.attempts = 0
        self.delivered: list[AlertMessage] = []
        self.closed = False

    async def send(self, message: AlertMessage) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(message)

    async def close(self) -> None:
        self.closed = True


class BrokenChannel(FakeChannel):
    async def send(self, message: AlertMessage) -> None:
        self.attempts += 1
        raise DeliveryError("connection refused", retryable=True)


class HangingChannel(FakeChannel):
    """A receiver that accepts the connection and never answers."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.cancelled = False

    async def send(self, message: AlertMessage) -> None:
        self.attempts += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def make(
    registry: CollectorRegistry, fake_time: FakeTime
) -> AsyncIterator[Callable[..., Dispatcher]]:
    """Dispatchers on fake time, closed after the test."""
    made: list[Dispatcher] = []

    def factory(*channels: Any, **options: Any) -> Dispatcher:
        options.setdefault("clock", fake_time.clock)
        options.setdefault("sleep", fake_time.sleep)
        options.setdefault("rng", lambda: 1.0)  # the top of the jitter range
        dispatcher = Dispatcher(list(channels), AlertMetrics(registry), **options)
        made.append(dispatcher)
        return dispatcher

    yield factory
    for dispatcher in made:
        await dispatcher.close()


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def test_a_channel_that_fails_twice_then_succeeds_delivers_once(
    make: Callable[..., Dispatcher], registry: CollectorRegistry, fake_time: FakeTime
) -> None:
    flaky = FakeChannel("tg", [DeliveryError("500", retryable=True)] * 2)
    dispatcher = make(flaky, retry=RetryPolicy(base_s=2, cap_s=300))
    dispatcher.start()
    dispatcher.submit(power_cut())
    await until(lambda: len(flaky.delivered) == 1)
    assert flaky.attempts == 3
    assert fake_time.sleeps == [2.0, 4.0]  # exponential: base * 2**attempt (rng = 1)
    assert sample(registry, "xaso_alerts_sent_total", channel="tg", state="firing") == 1
    assert sample(registry, "xaso_alert_failures_total", channel="tg", retryable="true") == 2


async def test_the_receivers_retry_after_is_honoured(
    make: Callable[..., Dispatcher], fake_time: FakeTime
) -> None:
    limited = FakeChannel("tg", [DeliveryError("429", retryable=True, retry_after_s=37)])
    dispatcher = make(limited)
    dispatcher.start()
    dispatcher.submit(power_cut())
    await until(lambda: len(limited.delivered) == 1)
    assert fake_time.sleeps == [37]


async def test_a_rejected_message_is_not_retried(
    make: Callable[..., Dispatcher], registry: CollectorRegistry
) -> None:
    rejecting = FakeChannel("hook", [DeliveryError("400", retryable=False)])
    dispatcher = make(rejecting)
    dispatcher.start()
    dispatcher.submit(power_cut())
    dispatcher.submit(power_cut("resolved"))
    await until(lambda: len(rejecting.delivered) == 1)
    assert rejecting.delivered[0].state == "resolved"  # the next message still goes
    assert sample(registry, "xaso_alerts_undelivered_total", channel="hook", reason="rejected")
    assert sample(registry, "xaso_alert_failures_total", channel="hook", retryable="false") == 1


async def test_a_failing_channel_blocks_neither_submit_nor_the_others(
    make: Callable[..., Dispatcher], registry: CollectorRegistry, fake_time: FakeTime
) -> None:
    broken, hanging, good = BrokenChannel("mail"), HangingChannel("hook"), FakeChannel("tg")
    dispatcher = make(broken, hanging, good, retry=RetryPolicy(max_age_s=3600))
    dispatcher.start()
    for _ in range(50):
        dispatcher.submit(power_cut())
    # submit only queues: fifty of them return without the loop running any delivery.
    assert good.delivered == [] and hanging.attempts == 0
    assert sample(registry, "xaso_alert_queue_depth", channel="tg") == 50
    await until(lambda: len(good.delivered) == 50)
    # The broken channel gives up on each message once it is an hour old (fake time).
    await until(lambda: sample(registry, "xaso_alerts_undelivered_total", channel="mail",
                               reason="expired") >= 1)  # fmt: skip
    assert max(fake_time.sleeps) <= 300  # capped
    assert hanging.attempts == 1
    assert sample(registry, "xaso_alert_queue_depth", channel="hook") == 49


async def test_a_full_queue_drops_reminders_first_and_keeps_recoveries(
    make: Callable[..., Dispatcher], registry: CollectorRegistry
) -> None:
    channel = FakeChannel("tg")
    dispatcher = make(channel, queue_size=3)  # not started: nothing drains yet
    submitted = [
        power_cut("firing", key="a"),
        power_cut("reminder", key="b"),
        power_cut("reminder", key="c"),
        power_cut("resolved", key="d"),  # drops reminder b (the oldest reminder)
        power_cut("firing", key="e"),  # drops reminder c
        power_cut("reminder", key="f"),  # nothing ranks lower: f itself is dropped
        power_cut("resolved", key="g"),  # drops firing a (alerts before recoveries)
    ]
    for message in submitted:
        dispatcher.submit(message)
    assert sample(registry, "xaso_alerts_dropped_total", channel="tg") == 4
    assert sample(registry, "xaso_alert_queue_depth", channel="tg") == 3
    dispatcher.start()
    await until(lambda: len(channel.delivered) == 3)
    assert [m.key for m in channel.delivered] == ["d", "e", "g"]  # still in order


async def test_submit_can_address_some_channels_and_never_raises(
    make: Callable[..., Dispatcher],
) -> None:
    a, b = FakeChannel("a"), FakeChannel("b")
    dispatcher = make(a, b)
    dispatcher.start()
    dispatcher.submit(power_cut(), channels={"b", "nope"})
    await until(lambda: len(b.delivered) == 1)
    assert a.delivered == []


async def test_close_cancels_the_workers_and_leaves_no_task(
    make: Callable[..., Dispatcher], registry: CollectorRegistry
) -> None:
    hanging, idle = HangingChannel("hook"), FakeChannel("tg", [])
    dispatcher = make(hanging, idle)
    dispatcher.start()
    dispatcher.submit(power_cut(), channels={"hook"})
    await until(lambda: hanging.attempts == 1)
    await dispatcher.close()
    assert hanging.cancelled and hanging.closed and idle.closed
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not [t for t in others if t.get_name().startswith("alerts:")]
    dispatcher.submit(power_cut())  # after close: counted, not raised
    assert sample(registry, "xaso_alerts_dropped_total", channel="tg") == 1


async def test_retries_against_a_real_telegram_receiver(
    aiohttp_server: Callable[[web.Application], Any],
    registry: CollectorRegistry,
    fake_time: FakeTime,
    make: Callable[..., Dispatcher],
) -> None:
    """500, then 429 with retry_after, then 200: delivered once, after waiting as told."""
    script = [
        (500, {"ok": False, "description": "Internal Server Error"}),
        (429, {"ok": False, "description": "Too Many Requests", "parameters": {"retry_after": 7}}),
    ]
    texts: list[str] = []

    async def send_message(request: web.Request) -> web.Response:
        texts.append((await request.json())["text"])
        status, body = script.pop(0) if script else (200, {"ok": True})
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_post("/bot{token}/sendMessage", send_message)
    server: TestServer = await aiohttp_server(app)
    config = {"bot_token_env": "BOT", "chat_id": 42, "api_base": str(server.make_url(""))}
    channel = build_channel("telegram", config, "c", name="tg", environ={"BOT": "1:x"})
    dispatcher = make(channel, retry=RetryPolicy(base_s=1))
    dispatcher.start()
    dispatcher.submit(power_cut("resolved"))
    await until(lambda: sample(registry, "xaso_alerts_sent_total", channel="tg",
                               state="resolved") == 1)  # fmt: skip
    assert len(texts) == 3
    assert fake_time.sleeps == [1.0, 7.0]
    assert sample(registry, "xaso_alert_failures_total", channel="tg", retryable="true") == 2


async def test_the_outcome_of_each_message_is_told(make: Callable[..., Dispatcher]) -> None:
    told: list[tuple[str, str, str, str | None]] = []

    def note(channel: str, message: AlertMessage, outcome: str, detail: str | None) -> None:
        told.append((channel, message.state, outcome, detail))

    good = FakeChannel("hook")
    refused = FakeChannel("mail", [DeliveryError("SMTP 554: no", retryable=False)])
    dispatcher = make(good, refused, queue_size=1, on_outcome=note)
    dispatcher.submit(power_cut("reminder"))
    dispatcher.submit(power_cut("firing"))  # the queue holds one: the reminder is dropped
    dispatcher.start()
    await until(lambda: len(told) == 4)
    assert sorted(told) == [
        ("hook", "firing", "sent", None),
        ("hook", "reminder", "dropped", "the queue is full"),
        ("mail", "firing", "failed", "rejected: SMTP 554: no"),
        ("mail", "reminder", "dropped", "the queue is full"),
    ]


async def test_a_failing_outcome_hook_does_not_stop_delivery(
    make: Callable[..., Dispatcher],
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the history is gone")

    good = FakeChannel("hook")
    dispatcher = make(good, on_outcome=broken)
    dispatcher.start()
    dispatcher.submit(power_cut("firing"))
    dispatcher.submit(power_cut("resolved"))
    await until(lambda: len(good.delivered) == 2)


class PeopleChannel(FakeChannel):
    """A channel that only reaches people (an SMS gateway's URL template)."""

    def __init__(self, name: str, failures: list[DeliveryError] | None = None) -> None:
        super().__init__(name, failures)
        self.shared = False
        self.to: list[tuple[str, str]] = []

    async def send_to(self, message: AlertMessage, address: str) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.to.append((message.key, address))


async def test_a_message_for_one_person_is_retried_and_named_by_login(
    make: Callable[..., Dispatcher], fake_time: FakeTime
) -> None:
    outcomes: list[tuple[str, str]] = []
    sms = PeopleChannel("sms", [DeliveryError("gateway busy", retryable=True)])
    dispatcher = make(sms, on_outcome=lambda ch, _m, outcome, _d: outcomes.append((ch, outcome)))
    dispatcher.start()
    dispatcher.submit(power_cut())  # shared: a people-only channel takes none
    dispatcher.submit_to(power_cut(), "sms", "84912345678", "can-bo-a")
    await until(lambda: len(sms.to) == 1)
    assert sms.to == [(power_cut().key, "84912345678")]
    assert sms.delivered == []
    assert fake_time.sleeps == [2.0]
    assert outcomes == [("sms → can-bo-a", "sent")]


async def test_a_channel_that_cannot_reach_a_person_refuses_at_once(
    make: Callable[..., Dispatcher],
) -> None:
    outcomes: list[tuple[str, str, str | None]] = []
    hook = FakeChannel("hook")
    dispatcher = make(hook, on_outcome=lambda ch, _m, outcome, d: outcomes.append((ch, outcome, d)))
    dispatcher.start()
    dispatcher.submit_to(power_cut(), "hook", "x", "can-bo-a")
    dispatcher.submit_to(power_cut(), "nowhere", "x", "can-bo-a")  # logged, not raised
    await until(lambda: len(outcomes) == 1)
    assert outcomes[0][:2] == ("hook → can-bo-a", "failed")
    assert hook.attempts == 0
