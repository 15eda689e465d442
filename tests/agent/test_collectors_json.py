"""NVR and radio collectors: vendor JSON over real HTTP on 127.0.0.1, or from a command."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.agent.device_servers import closed_port, http_server, json_route
from xaso.agent.collectors.jsonsource import MISSING, JsonStatusCollector, extract
from xaso.agent.collectors.nvr import NvrConfig, NvrDevice
from xaso.agent.collectors.nvr import build as build_nvr
from xaso.agent.collectors.radio import RadioConfig, RadioDevice
from xaso.agent.collectors.radio import build as build_radio
from xaso.protocol import NvrStatus, RadioStatus

HIK_LIKE = {
    "DeviceStatus": {
        "storage": [{"id": 1, "freePct": "12.5"}],
        "channels": {"total": 16, "recording": 15},
        "retentionDays": 28,
    }
}

CONTROLLER = {
    "station": "xuan-hong",
    "clusters": [
        {"id": "loa-01", "state": 1, "vol": 70, "mute": False, "relay": "ON", "sched": "ab12"},
        {"id": "loa-02", "state": 0, "vol": 55.0, "mute": True, "relay": "OFF", "sched": "ab12"},
    ],
}


@contextmanager
def built(collector: JsonStatusCollector[Any, Any]) -> Iterator[JsonStatusCollector[Any, Any]]:
    try:
        yield collector
    finally:
        collector.close()


def test_nvr_vendor_document_is_mapped_with_basic_auth(monkeypatch: Any) -> None:
    monkeypatch.setenv("XASO_NVR_PW", "s3cret")
    with http_server({"/status": json_route(HIK_LIKE, user="viewer", password="s3cret")}) as web:
        device = NvrDevice(
            id="nvr-xa",
            url=web.url("/status"),
            username="viewer",
            password_env="XASO_NVR_PW",
            root="DeviceStatus",
            fields={
                "disk_free_pct": "storage.0.freePct",
                "channels_total": "channels.total",
                "channels_recording": "channels.recording",
                "retention_days": "retentionDays",
            },
        )
        with built(build_nvr(NvrConfig(devices=[device]))) as nvr:
            (reading,) = nvr.collect().readings
    assert reading.reachable and reading.error is None
    # "12.5" as text is read as a number; recording follows from 15 channels recording.
    assert reading.nvr == NvrStatus(
        recording=True,
        channels_recording=15,
        channels_total=16,
        disk_free_pct=12.5,
        retention_days=28.0,
    )


def test_nvr_wrong_password_and_dead_recorder_are_told_apart() -> None:
    with http_server({"/status": json_route(HIK_LIKE, user="viewer", password="x")}) as web:
        devices = [
            NvrDevice(id="nvr-a", url=web.url("/status")),
            NvrDevice(id="nvr-b", url=f"http://127.0.0.1:{closed_port()}/status"),
        ]
        with built(build_nvr(NvrConfig(devices=devices, timeout_s=1))) as nvr:
            a, b = nvr.collect().readings
    assert a.reachable and a.error == "http 401 unauthorized" and a.nvr is None
    assert not b.reachable and b.error == "connection refused"


def test_one_controller_document_serves_every_cluster_in_one_fetch() -> None:
    with http_server({"/api/clusters": json_route(CONTROLLER)}) as web:
        common: dict[str, Any] = {
            "url": web.url("/api/clusters"),
            "fields": {
                "play_state": "state",
                "volume": "vol",
                "muted": "mute",
                "relay_on": "relay",
                "schedule_version": "sched",
            },
            "value_map": {
                "play_state": {"0": "idle", "1": "playing"},
                "relay_on": {"ON": True, "OFF": False},
            },
        }
        devices = [
            RadioDevice(id="loa-01", root="clusters.id=loa-01", **common),
            RadioDevice(id="loa-02", root="clusters.id=loa-02", **common),
            RadioDevice(id="loa-09", root="clusters.id=loa-09", **common),
        ]
        with built(build_radio(RadioConfig(devices=devices))) as radio:
            one, two, missing = radio.collect().readings
        assert web.hits == ["/api/clusters"]
    assert one.radio == RadioStatus(
        play_state="playing", volume=70, muted=False, relay_on=True, schedule_version="ab12"
    )
    assert two.radio is not None and two.radio.play_state == "idle" and two.radio.volume == 55
    assert two.radio.relay_on is False and two.radio.muted is True
    assert (
        missing.radio is None
        and missing.error == "root 'clusters.id=loa-09' not found in the document"
    )


def test_radio_bad_values_are_named_and_the_rest_kept() -> None:
    document = {"play_state": "BUSY", "volume": 40, "buffer_ms": "lots"}
    argv = [sys.executable, "-c", f"print({json.dumps(json.dumps(document))})"]
    with built(build_radio(RadioConfig(devices=[RadioDevice(id="loa-03", command=argv)]))) as radio:
        (reading,) = radio.collect().readings
    assert reading.radio is not None and reading.radio.volume == 40
    assert reading.radio.play_state is None and reading.radio.buffer_ms is None
    assert reading.error is not None
    assert "play_state" in reading.error and "buffer_ms" in reading.error


def test_radio_command_failures_are_readings_not_crashes() -> None:
    fails = [sys.executable, "-c", "import sys; sys.exit('controller busy')"]
    garbage = [sys.executable, "-c", "print('<html>')"]
    hangs = [sys.executable, "-c", "import time; time.sleep(30)"]
    devices = [
        RadioDevice(id="loa-a", command=fails),
        RadioDevice(id="loa-b", command=garbage),
        RadioDevice(id="loa-c", command=hangs),
    ]
    with built(build_radio(RadioConfig(devices=devices, timeout_s=0.5))) as radio:
        a, b, c = radio.collect().readings
    assert a.error == "command exit 1: controller busy"
    assert b.error is not None and b.error.startswith("not JSON")
    assert c.error == "command: timed out after 0.5s"
    assert not (a.reachable or b.reachable or c.reachable)


def test_dotted_paths() -> None:
    doc = {"a": [{"k": "x", "v": 1}, {"k": "y", "v": [5, 6]}], "b": None}
    assert extract(doc, "a.k=y.v.1") == 6
    assert extract(doc, "a.0.v") == 1
    assert extract(doc, "a.-1.k") == "y"
    assert extract(doc, "b") is None
    assert extract(doc, "a.9") is MISSING and extract(doc, "b.c") is MISSING
