"""The camera collector against real RTSP and ONVIF servers on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.agent.device_servers import (
    closed_port,
    http_server,
    onvif_route,
    rtsp_server,
)
from xaso.agent.collectors.camera import CameraCollector, CameraConfig, CameraDevice, check_stream
from xaso.agent.collectors.credentials import Credentials
from xaso.agent.collectors.rtsp import digest_authorization, parse_challenge, parse_rtsp_url

USER, PASSWORD = "admin", "Cam#2025"


@contextmanager
def collector(config: CameraConfig) -> Iterator[CameraCollector]:
    built = CameraCollector(config)
    try:
        yield built
    finally:
        built.close()


def test_stream_answering_describe_with_sdp_is_ok() -> None:
    with rtsp_server("ok") as server:
        found = check_stream(f"rtsp://127.0.0.1:{server.port}/Streaming/101", None, 2.0)
    assert found.reachable and found.stream_ok and found.auth_ok
    assert found.error is None and found.rtt_ms is not None
    assert [r.split(" ")[0] for r in server.requests] == ["OPTIONS", "DESCRIBE"]
    assert "Accept: application/sdp" in server.requests[1]


@pytest.mark.parametrize("qop", [False, True])
def test_digest_challenge_is_answered_with_the_right_credentials(qop: bool) -> None:
    with rtsp_server("digest", user=USER, password=PASSWORD, qop=qop) as server:
        found = check_stream(
            f"rtsp://127.0.0.1:{server.port}/live", Credentials(USER, PASSWORD), 2.0
        )
    assert found.stream_ok and found.auth_ok, found
    # Digest was chosen over the Basic also offered: no password in clear.
    assert not any("Authorization: Basic" in r for r in server.requests)
    assert any("Authorization: Digest" in r for r in server.requests)


def test_credentials_in_the_url_are_used_and_not_sent_in_the_request_line() -> None:
    with rtsp_server("digest", user=USER, password=PASSWORD) as server:
        url = f"rtsp://{USER}:Cam%232025@127.0.0.1:{server.port}/live"
        found = check_stream(url, None, 2.0)
    assert found.stream_ok
    assert all(f"{USER}:" not in r.split("\r\n")[0] for r in server.requests)


def test_wrong_password_is_reported_as_auth_failure() -> None:
    with rtsp_server("digest", user=USER, password=PASSWORD) as server:
        found = check_stream(f"rtsp://127.0.0.1:{server.port}/live", Credentials(USER, "x"), 2.0)
    assert found.reachable and found.auth_ok is False and found.stream_ok is False
    assert found.error == "rtsp 401 unauthorized"


def test_no_credentials_against_a_protected_camera_says_so() -> None:
    with rtsp_server("digest", user=USER, password=PASSWORD) as server:
        found = check_stream(f"rtsp://127.0.0.1:{server.port}/live", None, 2.0)
    assert found.auth_ok is False
    assert found.error == "rtsp 401 unauthorized (no credentials configured)"


def test_missing_stream_is_not_ok_and_auth_is_unknown() -> None:
    with rtsp_server("no-sdp") as server:
        found = check_stream(f"rtsp://127.0.0.1:{server.port}/nope", None, 2.0)
    assert found.reachable and found.stream_ok is False and found.auth_ok is None
    assert found.error == "rtsp 404 stream not found"


def test_refused_connection_is_unreachable_with_unknown_stream() -> None:
    found = check_stream(f"rtsp://127.0.0.1:{closed_port()}/live", None, 2.0)
    assert not found.reachable and found.stream_ok is None and found.auth_ok is None
    assert found.error == "connection refused"


def test_camera_that_never_answers_costs_its_timeout_once() -> None:
    with rtsp_server("silent") as server:
        devices = [
            CameraDevice(id=f"cam-{i}", url=f"rtsp://127.0.0.1:{server.port}/live")
            for i in range(4)
        ]
        with collector(CameraConfig(devices=devices, timeout_s=0.5)) as cameras:
            started = time.monotonic()
            readings = cameras.collect().readings
            elapsed = time.monotonic() - started
    # In parallel: four silent cameras cost one timeout, not four.
    assert elapsed < 1.5
    assert {r.error for r in readings} == {"timeout"}
    assert all(r.reachable and r.camera and r.camera.stream_ok is False for r in readings)


def test_onvif_fills_model_firmware_and_clock_offset(tmp_path: Path) -> None:
    password_file = tmp_path / "cam.pw"
    password_file.write_text(PASSWORD + "\n")
    with (
        rtsp_server("digest", user=USER, password=PASSWORD) as rtsp,
        http_server(
            {"/onvif/device_service": onvif_route(offset_s=90, user=USER, password=PASSWORD)}
        ) as web,
    ):
        config = CameraConfig(
            username=USER,
            password_file=str(password_file),
            devices=[
                CameraDevice(
                    id="cam-cho",
                    url=f"rtsp://127.0.0.1:{rtsp.port}/Streaming/101",
                    onvif_url=web.url("/onvif/device_service"),
                )
            ],
        )
        with collector(config) as cameras:
            (reading,) = cameras.collect().readings
    assert reading.error is None, reading.error
    camera = reading.camera
    assert camera is not None and camera.stream_ok and camera.auth_ok
    assert camera.model == "Hikvision DS-2CD1023G0"
    assert camera.firmware == "V5.7.3 build 220112"
    assert camera.clock_offset_ms is not None and abs(camera.clock_offset_ms - 90_000) <= 1_500


def test_onvif_refusing_our_token_is_named_but_keeps_the_clock() -> None:
    with (
        rtsp_server("ok") as rtsp,
        http_server({"/onvif": onvif_route(offset_s=0, user=USER, password="other")}) as web,
    ):
        device = CameraDevice(
            id="cam-1", url=f"rtsp://127.0.0.1:{rtsp.port}/live", onvif_url=web.url("/onvif")
        )
        config = CameraConfig(devices=[device], username=USER, password_env="XASO_TEST_UNSET")
        with pytest.raises(ValueError, match="XASO_TEST_UNSET"):
            CameraCollector(config)  # an unset password variable stops the agent at start
        with collector(CameraConfig(devices=[device])) as cameras:
            (reading,) = cameras.collect().readings
    assert reading.camera is not None and reading.camera.stream_ok
    assert reading.camera.clock_offset_ms is not None and reading.camera.model is None
    assert reading.error == "onvif: GetDeviceInformation: Sender not authorized"


def test_url_parsing_and_digest_computation_follow_rfc_2617() -> None:
    url = parse_rtsp_url("rtsp://u%40x:p%3Aw@10.0.0.5/ch1?sub=1")
    assert url.request_url == "rtsp://10.0.0.5/ch1?sub=1" and url.port == 554
    assert url.credentials == Credentials("u@x", "p:w")
    with pytest.raises(ValueError):
        parse_rtsp_url("http://10.0.0.5/ch1")
    # RFC 2617 section 3.5 example (HTTP, qop=auth), reproduced exactly.
    _, params = parse_challenge(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    header = digest_authorization(
        Credentials("Mufasa", "Circle Of Life"),
        params,
        "GET",
        "/dir/index.html",
        nonce_count=1,
        cnonce="0a4f113b",
    )
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
