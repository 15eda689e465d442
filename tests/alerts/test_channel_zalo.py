"""The Zalo channel against a loopback stand-in of Zalo's APIs (``standins.ZaloStandIn``):
ZNS by phone, OA messages by user id, and the access token's refresh with the refresh
token's rotation, saved in the server's database and taken up again after a restart."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.alert_samples import power_cut
from tests.alerts.standins import ZaloStandIn
from xaso.server.alerts.channels import ChannelConfigError, DeliveryError, build_channel
from xaso.server.alerts.zalo_tokens import ZaloTokenStore, seed_of
from xaso.server.database import connect

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
APP_ID = "4291763606161179100"
SECRET_KEY = "Zalo-Secret-Key-xyz"
FIRST_REFRESH = "ref-first-authorisation-token"
FOLLOWER = "4872340967209417113"
ENV = {"ZALO_SECRET": SECRET_KEY, "ZALO_REFRESH": FIRST_REFRESH}


@pytest.fixture
async def zalo(aiohttp_server: ServerFactory) -> AsyncIterator[tuple[ZaloStandIn, str]]:
    stand_in = ZaloStandIn(app_id=APP_ID, secret_key=SECRET_KEY, refresh_token=FIRST_REFRESH)
    server = await aiohttp_server(stand_in.app())
    yield stand_in, f"http://127.0.0.1:{server.port}"


@pytest.fixture
def database(tmp_path: Path) -> sqlite3.Connection:
    return connect(tmp_path / "xaso.db")


def _config(base: str, **extra: Any) -> dict[str, Any]:
    return {
        "app_id": APP_ID,
        "secret_key_env": "ZALO_SECRET",
        "refresh_token_env": "ZALO_REFRESH",
        "template_id": "331977",
        "template_data": {"xa": "commune", "su_co": "headline", "muc_do": "severity"},
        "oa_api_base": base,
        "zns_api_base": base,
        "oauth_base": base,
        "timeout_s": 5,
        **extra,
    }


def _channel(base: str, database: sqlite3.Connection | None, **extra: Any) -> Any:
    return build_channel(
        "zalo", _config(base, **extra), "channels[0]", name="zalo", environ=ENV, database=database
    )


async def test_zns_by_phone_and_oa_by_user_id(
    zalo: tuple[ZaloStandIn, str], database: sqlite3.Connection
) -> None:
    stand_in, base = zalo
    channel = _channel(base, database, phones=["0912 345 678"], user_ids=[FOLLOWER])
    try:
        await channel.send(power_cut())
    finally:
        await channel.close()
    [zns] = stand_in.zns
    assert zns["phone"] == "84912345678"
    assert zns["template_id"] == "331977"
    assert zns["template_data"] == {
        "xa": "Xã Xuân Hồng",
        "su_co": "Xã Xuân Hồng: 20 thiết bị mất kết nối (mất điện?)"[:100],
        "muc_do": "Nghiêm trọng",
    }
    assert len(zns["tracking_id"]) == 32
    [oa] = stand_in.oa
    assert oa["recipient"] == {"user_id": FOLLOWER}
    assert oa["message"]["text"].startswith("Xã Xuân Hồng: 20 thiết bị mất kết nối")
    assert stand_in.refreshes == 1  # one token for both


async def test_an_expired_token_is_renewed_and_the_rotation_kept_across_a_restart(
    zalo: tuple[ZaloStandIn, str], database: sqlite3.Connection, tmp_path: Path
) -> None:
    stand_in, base = zalo
    channel = _channel(base, database)
    await channel.send_to(power_cut(), "phone:84912345678")
    first_rotation = stand_in.refresh_token
    assert first_rotation != FIRST_REFRESH
    # Zalo's ~25 h pass: the token is refused (-124); the channel renews it and sends
    # once more, with the refresh token of the last exchange.
    stand_in.expire_all()
    await channel.send_to(power_cut("resolved"), "phone:84912345678")
    assert stand_in.refreshes == 2
    assert len(stand_in.zns) == 2
    await channel.close()
    database.close()

    # A restart: a new connection, a new channel, the same environment (holding the
    # first refresh token, which Zalo no longer takes). The saved chain goes on.
    stand_in.expire_all()
    reopened = connect(tmp_path / "xaso.db")
    again = _channel(base, reopened)
    try:
        await again.send_to(power_cut(), f"user:{FOLLOWER}")  # -216 first, then renewed
    finally:
        await again.close()
    assert stand_in.refreshes == 3
    assert len(stand_in.oa) == 1
    saved = ZaloTokenStore(reopened).load(APP_ID, seed_of(FIRST_REFRESH))
    assert saved is not None and saved.refresh_token == stand_in.refresh_token
    reopened.close()


async def test_a_valid_saved_token_is_used_without_a_refresh(
    zalo: tuple[ZaloStandIn, str], database: sqlite3.Connection
) -> None:
    stand_in, base = zalo
    first = _channel(base, database)
    await first.send_to(power_cut(), "phone:84912345678")
    await first.close()
    second = _channel(base, database)  # a channel built for a test message, say
    try:
        await second.send_to(power_cut(), "phone:84987654321")
    finally:
        await second.close()
    assert stand_in.refreshes == 1


async def test_a_new_refresh_token_from_the_administrator_starts_a_new_chain(
    zalo: tuple[ZaloStandIn, str], database: sqlite3.Connection
) -> None:
    stand_in, base = zalo
    channel = _channel(base, database)
    await channel.send_to(power_cut(), "phone:84912345678")
    await channel.close()
    # The OA is authorised again by hand; its new refresh token goes in the environment.
    stand_in.refresh_token = "ref-authorised-again"
    stand_in.expire_all()
    renewed = build_channel(
        "zalo",
        _config(base),
        "channels[0]",
        name="zalo",
        environ={**ENV, "ZALO_REFRESH": "ref-authorised-again"},
        database=database,
    )
    try:
        await renewed.send_to(power_cut(), "phone:84912345678")
    finally:
        await renewed.close()
    assert len(stand_in.zns) == 2


async def test_a_refused_refresh_token_is_final_and_hidden(
    zalo: tuple[ZaloStandIn, str], database: sqlite3.Connection
) -> None:
    stand_in, base = zalo
    stand_in.refresh_token = "ref-someone-else-rotated-it"
    channel = _channel(base, database)
    try:
        with pytest.raises(DeliveryError) as caught:
            await channel.send_to(power_cut(), "phone:84912345678")
    finally:
        await channel.close()
    assert not caught.value.retryable
    assert "-14014" in str(caught.value)
    assert FIRST_REFRESH not in str(caught.value) and SECRET_KEY not in str(caught.value)


async def test_zalo_refusals_are_final_and_network_errors_retryable(
    zalo: tuple[ZaloStandIn, str], database: sqlite3.Connection
) -> None:
    _, base = zalo
    channel = _channel(base, database)
    try:
        with pytest.raises(DeliveryError) as caught:
            await channel.send_to(power_cut(), "user:not-a-follower")
        assert not caught.value.retryable and "-213" in str(caught.value)
    finally:
        await channel.close()
    gone = _channel("http://127.0.0.1:9", None)
    try:
        with pytest.raises(DeliveryError) as unreachable:
            await gone.send_to(power_cut(), "phone:84912345678")
    finally:
        await gone.close()
    assert unreachable.value.retryable
    assert SECRET_KEY not in str(unreachable.value)


async def test_a_partial_failure_is_not_sent_twice(
    zalo: tuple[ZaloStandIn, str], database: sqlite3.Connection
) -> None:
    stand_in, base = zalo
    second = "1234567890"
    stand_in.followers.add(second)
    stand_in.busy_once.add(second)  # Zalo is busy for the second follower, once
    channel = _channel(base, database, phones=["0912345678"], user_ids=[FOLLOWER, second])
    try:
        with pytest.raises(DeliveryError) as caught:
            await channel.send(power_cut())
        assert caught.value.retryable and "-100" in str(caught.value)
        assert [m["recipient"]["user_id"] for m in stand_in.oa] == [FOLLOWER]
        await channel.send(power_cut())  # the dispatcher's retry
    finally:
        await channel.close()
    # The first follower not twice; then the second, then the phone.
    assert [m["recipient"]["user_id"] for m in stand_in.oa] == [FOLLOWER, second]
    assert len(stand_in.zns) == 1


@pytest.mark.parametrize(
    ("extra", "path", "message"),
    [
        ({"phones": ["12345"]}, "channels[0].phones[0]", "not a Vietnamese mobile"),
        ({"template_id": None, "phones": ["0912345678"]}, "channels[0].template_id", "needs"),
        ({"template_data": {}}, "channels[0].template_data", "fills"),
        ({"template_data": {"x": "nope"}}, "channels[0].template_data[...]", "Invalid enum"),
        ({"oauth_base": "ftp://x"}, "channels[0].oauth_base", "http://"),
        ({"secret_key_env": "UNSET"}, "channels[0].secret_key_env", "UNSET is unset"),
    ],
)
def test_bad_zalo_configs(extra: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(ChannelConfigError) as caught:
        _channel("http://127.0.0.1:1", None, **extra)
    assert caught.value.path == path
    assert message in caught.value.message
