"""Per-person routing in the real app: an officer of Xã Alpha gets Alpha's alert on Zalo
(ZNS, stand-in) and by SMS (Apprise's SMSEagle service, stand-in), and nothing of Xã
Beta's; the choices on their page (severities, kinds) are honoured; the history names
whom each delivery was for. Also the ``personal:`` section's checks and the routing
function on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.alert_samples import power_cut
from tests.alerts.standins import SmsEagle, ZaloStandIn
from tests.apps import small_deps
from tests.doubles import Clock, Receiver
from tests.messages import SMALL_INVENTORY, heartbeat, payload, status
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.alerts.config import check_alerts_config_file
from xaso.server.alerts.contacts import Contact, ContactStore
from xaso.server.alerts.history import HistoryQuery
from xaso.server.alerts.personal import Person, PersonalRouting, deliveries
from xaso.server.alerts.wiring import ALERT_HISTORY, alerts_cleanup_ctx
from xaso.server.app import create_app
from xaso.server.keys import DATABASE
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
NOW = 1_800_000_000_000
SMS_TOKEN = "eagle-token-for-tests"
ENV = {
    "ZALO_SECRET": "zalo-secret",
    "ZALO_REFRESH": "ref-first",
    "SMS_URL": "",  # set per test: the stand-in's port
}


def _alerts_file(tmp_path: Path, zalo_base: str, hook: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        f"""
interval_s: 0.02
channels:
  - {{name: hook, type: webhook, url: "{hook}"}}
  - name: zalo
    type: zalo
    app_id: "4291763606161179100"
    secret_key_env: ZALO_SECRET
    refresh_token_env: ZALO_REFRESH
    template_id: "331977"
    template_data: {{xa: commune, su_co: headline}}
    oa_api_base: {zalo_base}
    zns_api_base: {zalo_base}
    oauth_base: {zalo_base}
  - {{name: sms, type: apprise, to_url_env: SMS_URL, body: short}}
personal: {{zalo: zalo, sms: sms}}
rules:
  - {{name: mat-ket-noi, type: device_down, down_for_s: 60}}
""",
        encoding="utf-8",
    )
    return path


async def _until(condition: Callable[[], bool], timeout_s: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_an_officer_gets_their_communes_alerts_on_zalo_and_sms(
    tmp_path: Path, aiohttp_server: ServerFactory, receiver: tuple[Receiver, str]
) -> None:
    hook, hook_url = receiver
    zalo = ZaloStandIn(
        app_id="4291763606161179100", secret_key="zalo-secret", refresh_token="ref-first"
    )
    zalo_server = await aiohttp_server(zalo.app())
    gateway = SmsEagle(token=SMS_TOKEN)
    sms_server = await aiohttp_server(gateway.app())
    environ = {**ENV, "SMS_URL": f"smseagle://{SMS_TOKEN}@127.0.0.1:{sms_server.port}/{{to}}"}
    config = _alerts_file(tmp_path, f"http://127.0.0.1:{zalo_server.port}", hook_url)
    clock = Clock(NOW)
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path / "data"))
    app = create_app(settings, small_deps(store, clock))
    app.cleanup_ctx.append(alerts_cleanup_ctx(str(config), clock_ms=clock, environ=environ))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        accounts = app[ACCOUNTS]
        a = accounts.create(
            "can-bo-alpha", "mat-khau-dai-1", Role.OPERATOR, NOW, communes=frozenset({"alpha"})
        )
        b = accounts.create(
            "can-bo-beta", "mat-khau-dai-2", Role.OPERATOR, NOW, communes=frozenset({"beta"})
        )
        contacts = ContactStore(app[DATABASE].connection)
        contacts.save(Contact(a.id, zalo_phone="84912345678", sms_phone="84912345678"))
        contacts.save(Contact(b.id, zalo_phone="84987654321", sms_phone="84987654321"))

        async def feed(topic: str, message: Any, at_ms: int) -> None:
            clock.now_ms = at_ms
            await store.write(app[INGEST].handle(topic, payload(message), at_ms).records)

        # Xã Alpha goes dark.
        await feed(status_topic("alpha-gw"), status("alpha-gw", "online"), NOW)
        beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "alpha-cam-1": True})
        await feed(heartbeat_topic("alpha-gw"), beat, NOW + 1000)
        await feed(status_topic("alpha-gw"), status("alpha-gw", "offline"), NOW + 2000)
        clock.now_ms = NOW + 2000 + 60_000
        await hook.wait_for(1)  # the shared channel as before
        await _until(lambda: len(zalo.zns) == 1 and len(gateway.sent) == 1)
        [zns] = zalo.zns
        assert zns["phone"] == "84912345678"
        assert zns["template_data"]["xa"] == "Xã Alpha"
        [sms] = gateway.sent
        assert sms["to"] == "84912345678"
        assert sms["message"].startswith("[NGHIÊM TRỌNG] Xã Alpha: 3 thiết bị mất kết nối")
        await asyncio.sleep(0.2)
        assert len(zalo.zns) == 1 and len(gateway.sent) == 1  # nothing for Beta's officer

        # The history says whom each went to, never the number.
        history = app[ALERT_HISTORY]
        await _until(lambda: len(history.query(HistoryQuery())[0].deliveries) == 3)
        [event] = history.query(HistoryQuery())
        channels = sorted(d.channel for d in event.deliveries)
        assert channels == ["hook", "sms → can-bo-alpha", "zalo → can-bo-alpha"]
        assert all(d.outcome == "sent" for d in event.deliveries)

        # Then Xã Beta: its officer, and only them.
        await feed(status_topic("beta-gw"), status("beta-gw", "online"), NOW + 70_000)
        await feed(
            heartbeat_topic("beta-gw"), heartbeat("beta-gw", 1, {"beta-rc-1": True}), NOW + 71_000
        )
        await feed(status_topic("beta-gw"), status("beta-gw", "offline"), NOW + 72_000)
        clock.now_ms = NOW + 72_000 + 60_000
        await _until(lambda: len(zalo.zns) == 2 and len(gateway.sent) == 2)
        assert zalo.zns[1]["phone"] == "84987654321"
        assert zalo.zns[1]["template_data"]["xa"] == "Xã Beta"
        assert gateway.sent[1]["to"] == "84987654321"
        await asyncio.sleep(0.2)
        assert len(zalo.zns) == 2 and len(gateway.sent) == 2
    finally:
        await runner.cleanup()
        await store.close()


def _person(account_id: str, *communes: str) -> Person:
    scope = frozenset(communes)
    return Person(
        account_id, f"login-{account_id}", (lambda c: True) if not scope else scope.__contains__
    )


def test_routing_follows_scope_choices_and_addresses() -> None:
    routing = PersonalRouting(zalo="zalo", sms="sms", email="mail")
    people = [
        _person("a", "xuan-hong"),
        _person("b", "tho-lap"),
        _person("p"),
        _person("n", "xuan-hong"),
    ]
    contacts = {
        "a": Contact(
            "a", zalo_user_id="4872340967209417113", sms_phone="84912345678", telegram_chat="12345"
        ),
        "b": Contact("b", zalo_phone="84987654321"),
        # The province's engineer: every commune, critical alerts only, e-mail.
        "p": Contact("p", email="ktv@tinh.example.vn", severities=frozenset({"critical"})),
        # No power-cut alerts wanted.
        "n": Contact("n", sms_phone="84911111111", muted_kinds=frozenset({"device_down"})),
    }
    found = deliveries(power_cut(), routing, people, contacts)
    assert sorted(found) == [
        ("mail", "ktv@tinh.example.vn", "login-p"),
        ("sms", "84912345678", "login-a"),
        ("zalo", "user:4872340967209417113", "login-a"),  # no telegram channel set
    ]
    assert deliveries(power_cut(severity="warning"), routing, people, contacts) == [
        ("zalo", "user:4872340967209417113", "login-a"),
        ("sms", "84912345678", "login-a"),
    ]
    assert deliveries(power_cut(commune=None), routing, people, contacts) == []
    # A kind of alert the server learns later reaches those who muted others.
    later = deliveries(power_cut(rule="camera_picture_unusable"), routing, people, contacts)
    assert ("sms", "84911111111", "login-n") in later


@pytest.mark.parametrize(
    ("personal", "message"),
    [
        ("{zalo: nope}", "personal.zalo: no channel is named 'nope'"),
        ("{sms: hook}", "personal.sms: channel 'hook' is not of type apprise"),
        ("{sms: shared-sms}", "personal.sms: channel 'shared-sms' has no to_url_env"),
        ("{fax: hook}", "personal: unknown key 'fax'"),
    ],
)
def test_the_personal_section_is_checked(tmp_path: Path, personal: str, message: str) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        f"""
channels:
  - {{name: hook, type: webhook, url: "http://127.0.0.1:1/x"}}
  - {{name: shared-sms, type: apprise, url_env: U}}
  - {{name: only-people, type: apprise, to_url_env: T}}
personal: {personal}
rules:
  - {{name: r, type: device_down, down_for_s: 60, channels: [only-people]}}
""",
        encoding="utf-8",
    )
    environ = {"U": "json://127.0.0.1/x", "T": "json://127.0.0.1/{to}"}
    problems = [str(p) for p in check_alerts_config_file(path, environ=environ)]
    assert any(message in p for p in problems), problems
    assert any("channel 'only-people' only reaches people" in p for p in problems), problems
