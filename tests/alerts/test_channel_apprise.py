"""The Apprise channel against loopback stand-ins of three of Apprise's services: a JSON
receiver (``json://``), an SMSEagle SMS gateway (``smseagle://``) and a self-hosted ntfy
server (``ntfy://``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.alert_samples import power_cut
from tests.alerts.standins import JsonReceiver, NtfyServer, SmsEagle
from xaso.server.alerts.channels import ChannelConfigError, DeliveryError, build_channel
from xaso.server.alerts.channels.base import Addressable

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
SMS_TOKEN = "eagle-Secret-Token-42"


@pytest.fixture
async def channels() -> AsyncIterator[list[Any]]:
    """The channels a test built, closed after it (their worker threads end)."""
    built: list[Any] = []
    yield built
    for channel in built:
        await channel.close()


def _apprise(environ: dict[str, str], **config: Any) -> Any:
    return build_channel("apprise", config, "channels[0]", name="apprise", environ=environ)


async def test_json_service_gets_subject_and_text(
    aiohttp_server: ServerFactory, channels: list[Any]
) -> None:
    receiver = JsonReceiver()
    server = await aiohttp_server(receiver.app())
    url = f"json://127.0.0.1:{server.port}/hooks/K3y-in-path"
    channel = _apprise({"NOC_URL": url}, url_env="NOC_URL")
    channels.append(channel)
    await channel.send(power_cut())
    [body] = receiver.received
    assert body["path"] == "/hooks/K3y-in-path"
    assert body["title"] == "[NGHIÊM TRỌNG] Xã Xuân Hồng: 20 thiết bị mất kết nối (mất điện?)"
    assert "Cụm loa thôn 1 (Cụm loa truyền thanh)" in body["message"]
    assert body["type"] == "failure"  # critical


async def test_a_refusal_is_retryable_and_hides_the_url(
    aiohttp_server: ServerFactory, channels: list[Any]
) -> None:
    receiver = JsonReceiver(status=503)
    server = await aiohttp_server(receiver.app())
    url = f"json://127.0.0.1:{server.port}/hooks/K3y-in-path"
    channel = _apprise({"NOC_URL": url}, url_env="NOC_URL", timeout_s=5)
    channels.append(channel)
    with pytest.raises(DeliveryError) as caught:
        await channel.send(power_cut())
    assert caught.value.retryable
    assert "K3y-in-path" not in str(caught.value)
    assert "503" in str(caught.value)


async def test_sms_through_smseagle_to_each_officer(
    aiohttp_server: ServerFactory, caplog: pytest.LogCaptureFixture, channels: list[Any]
) -> None:
    gateway = SmsEagle(token=SMS_TOKEN)
    server = await aiohttp_server(gateway.app())
    template = f"smseagle://{SMS_TOKEN}@127.0.0.1:{server.port}/{{to}}?status=no"
    channel = _apprise({"SMS": template}, to_url_env="SMS", body="short")
    channels.append(channel)
    assert isinstance(channel, Addressable) and not channel.shared
    with caplog.at_level(logging.DEBUG):
        await channel.send_to(power_cut(), "84912345678")
    [sms] = gateway.sent
    assert sms["to"] == "84912345678"
    # An SMS carries the subject only.
    assert sms["message"] == "[NGHIÊM TRỌNG] Xã Xuân Hồng: 20 thiết bị mất kết nối (mất điện?)"
    assert SMS_TOKEN not in caplog.text
    with pytest.raises(DeliveryError) as caught:
        await channel.send(power_cut())  # no shared destination
    assert not caught.value.retryable


async def test_a_wrong_gateway_token_fails_without_showing_it(
    aiohttp_server: ServerFactory, channels: list[Any]
) -> None:
    gateway = SmsEagle(token=SMS_TOKEN)
    server = await aiohttp_server(gateway.app())
    template = f"smseagle://Wrong-Token-999@127.0.0.1:{server.port}/{{to_local}}"
    channel = _apprise({"SMS": template}, to_url_env="SMS", body="short", timeout_s=5)
    channels.append(channel)
    with pytest.raises(DeliveryError) as caught:
        await channel.send_to(power_cut(), "84912345678")
    assert caught.value.retryable
    assert "Wrong-Token-999" not in str(caught.value)
    assert gateway.sent == []


async def test_ntfy_on_the_provinces_own_server(
    aiohttp_server: ServerFactory, channels: list[Any]
) -> None:
    ntfy = NtfyServer(token="tk_province0secret")
    server = await aiohttp_server(ntfy.app())
    good = _apprise(
        {"U": f"ntfy://tk_province0secret@127.0.0.1:{server.port}/xaso-noc"}, url_env="U"
    )
    channels.append(good)
    await good.send(power_cut("resolved"))
    [published] = ntfy.published
    assert published["topic"] == "xaso-noc"
    assert published["title"].startswith("[ĐÃ KHÔI PHỤC] Xã Xuân Hồng")
    assert "Xã Xuân Hồng" in published["message"]
    wrong = _apprise(
        {"U": f"ntfy://tk_not0the0token@127.0.0.1:{server.port}/xaso-noc"}, url_env="U"
    )
    channels.append(wrong)
    with pytest.raises(DeliveryError) as caught:
        await wrong.send(power_cut())
    assert caught.value.retryable and "tk_not0the0token" not in str(caught.value)
    assert len(ntfy.published) == 1


async def test_an_unreachable_service_is_retryable(channels: list[Any]) -> None:
    channel = _apprise({"U": "json://127.0.0.1:9/x?cto=1&rto=1"}, url_env="U", timeout_s=3)
    channels.append(channel)
    with pytest.raises(DeliveryError) as caught:
        await channel.send(power_cut())
    assert caught.value.retryable


def test_the_url_may_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "url"
    secret.write_text("# the NOC's receiver\njson://127.0.0.1:8080/hook\n")
    channel = _apprise({}, url_file=str(secret))
    assert channel.shared
    assert "hook" not in repr(channel)


@pytest.mark.parametrize(
    ("config", "environ", "path", "message"),
    [
        ({}, {}, "channels[0]", "needs a destination"),
        ({"url_env": "U"}, {}, "channels[0].url_env", "U is unset"),
        ({"url_env": "U"}, {"U": "nosuch://x"}, "channels[0].url_env", "Apprise does not take"),
        ({"to_url_env": "T"}, {"T": "json://h/x"}, "channels[0].to_url_env", "{to}"),
        ({"url_env": "U", "url_file": "/f"}, {"U": "json://h"}, "channels[0].url_file", "exclude"),
        ({"url_file": "/nonexistent/x"}, {}, "channels[0].url_file", "cannot read"),
        ({"url_env": "U", "body": "long"}, {"U": "json://h"}, "channels[0].body", "Invalid enum"),
    ],
)
def test_bad_apprise_configs(
    config: dict[str, Any], environ: dict[str, str], path: str, message: str
) -> None:
    with pytest.raises(ChannelConfigError) as caught:
        _apprise(environ, **config)
    assert caught.value.path == path
    assert message in caught.value.message
    for value in environ.values():
        assert value not in str(caught.value)
