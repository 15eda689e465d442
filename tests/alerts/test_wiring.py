"""Alerting in the real app: messages in through ingest, a webhook receiver on loopback,
and a restart between the alert and its recovery. Also the alerts file and its errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.apps import small_deps
from tests.doubles import Clock, Receiver
from tests.messages import SMALL_INVENTORY, heartbeat, payload, status
from tests.paths import REPO
from xaso.inventory import load_inventory
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.alerts.config import check_alerts_config_file, load_alerts_config
from xaso.server.alerts.wiring import ALERTS, active_alerts, alerts_cleanup_ctx
from xaso.server.app import create_app
from xaso.server.keys import METRICS
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.yamlcheck import ConfigError

NOW = 1_800_000_000_000


def _alerts_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        f"""
interval_s: 0.02
channels:
  - {{name: hook, type: webhook, url: "{url}"}}
rules:
  - {{name: mat-ket-noi, type: device_down, down_for_s: 60}}
""",
        encoding="utf-8",
    )
    return path


async def _started(app: web.Application) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()  # runs every cleanup context up to its yield
    return runner


async def test_alert_and_its_recovery_across_a_restart(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    config = _alerts_file(tmp_path, url)
    clock = Clock(NOW)
    store = await SqliteStore.open(":memory:")  # the time-series store outlives restarts
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path / "data"))

    def server_app() -> web.Application:
        app = create_app(
            settings,
            small_deps(store, clock),
        )
        app.cleanup_ctx.append(alerts_cleanup_ctx(str(config), clock_ms=clock))
        return app

    async def feed(app: web.Application, topic: str, message: Any, at_ms: int) -> None:
        clock.now_ms = at_ms
        await store.write(app[INGEST].handle(topic, payload(message), at_ms).records)

    app = server_app()
    runner = await _started(app)
    try:
        # Alpha up with its two installed devices, then its will: the commune is dark.
        await feed(app, status_topic("alpha-gw"), status("alpha-gw", "online"), NOW)
        beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "alpha-cam-1": True})
        await feed(app, heartbeat_topic("alpha-gw"), beat, NOW + 1000)
        await feed(app, status_topic("alpha-gw"), status("alpha-gw", "offline"), NOW + 2000)
        await asyncio.sleep(0.1)  # a few evaluations: not yet the rule's minute
        assert hook.bodies == []
        clock.now_ms = NOW + 2000 + 60_000
        (firing,) = await hook.wait_for(1)
        assert firing["state"] == "firing"
        assert firing["key"] == "mat-ket-noi:alpha"
        assert firing["commune_name"] == "Xã Alpha"
        assert [(d["id"], d["status"]) for d in firing["devices"]] == [
            ("alpha-gw", "offline"),
            ("alpha-cam-1", "unknown"),
            ("alpha-rc-1", "unknown"),
        ]
        assert firing["subject"].startswith("[NGHIÊM TRỌNG] Xã Alpha: 3 thiết bị mất kết nối")
        assert [a["key"] for a in active_alerts(app)] == ["mat-ket-noi:alpha"]
        registry = app[METRICS].registry
        sent = registry.get_sample_value(
            "xaso_alerts_sent_total", {"channel": "hook", "state": "firing"}
        )
        assert sent == 1.0
        firing_groups = registry.get_sample_value(
            "xaso_alert_groups_firing", {"rule": "mat-ket-noi"}
        )
        assert firing_groups == 1.0
        await asyncio.sleep(0.1)
        assert len(hook.bodies) == 1  # once, not once per evaluation
    finally:
        await runner.cleanup()
    assert (tmp_path / "data" / "alerts.db").exists()

    # The server restarts; the gateway is still dark, then comes back.
    app = server_app()
    runner = await _started(app)
    try:
        await asyncio.sleep(0.1)
        assert len(hook.bodies) == 1  # the outage in progress is not announced again
        assert [a["key"] for a in active_alerts(app)] == ["mat-ket-noi:alpha"]
        back = NOW + 3_600_000
        await feed(app, status_topic("alpha-gw"), status("alpha-gw", "online", 2), back)
        up = heartbeat("alpha-gw", 2, {"alpha-rc-1": True, "alpha-cam-1": True}, session=2)
        await feed(app, heartbeat_topic("alpha-gw"), up, back + 1000)  # a heartbeat up
        _, resolved = await hook.wait_for(2)
        assert resolved["state"] == "resolved"
        assert resolved["key"] == "mat-ket-noi:alpha"
        assert resolved["started_ms"] == firing["started_ms"] == NOW + 2000
        assert resolved["resolved_ms"] == back + 1000
        assert {d["status"] for d in resolved["devices"]} == {"online"}
        assert resolved["subject"].startswith("[ĐÃ KHÔI PHỤC] Xã Alpha")
        assert active_alerts(app) == []
    finally:
        await runner.cleanup()
        await store.close()
    assert len(hook.bodies) == 2


async def test_without_an_alerts_file_alerting_is_off(tmp_path: Path) -> None:
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    app = create_app(
        settings,
        small_deps(store),
    )
    app.cleanup_ctx.append(alerts_cleanup_ctx(None))
    runner = await _started(app)
    try:
        assert active_alerts(app) == []
        assert ALERTS not in app
    finally:
        await runner.cleanup()
        await store.close()


async def test_a_bad_alerts_file_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "alerts.yaml"
    bad.write_text("channels: []\nrules:\n  - {name: x, type: device_down}\n", encoding="utf-8")
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    app = create_app(
        settings,
        small_deps(store),
    )
    app.cleanup_ctx.append(alerts_cleanup_ctx(str(bad)))
    runner = web.AppRunner(app)
    try:
        with pytest.raises(ConfigError, match="needs down_for_s"):
            await runner.setup()
    finally:
        await runner.cleanup()
        await store.close()


# -- the alerts file ----------------------------------------------------------------

SECRETS = {
    "XASO_WEBHOOK_SECRET": "s",
    "XASO_TELEGRAM_TOKEN": "123:abc",
    "XASO_SMTP_PASSWORD": "p",
    "XASO_NTFY_URL": "ntfys://ntfy.thanhhoa.example.vn/xaso",
    "XASO_SMS_URL": "smseagles://API-TOKEN@sms.thanhhoa.example.vn/{to}",
    "XASO_ZALO_SECRET_KEY": "k",
    "XASO_ZALO_REFRESH_TOKEN": "r",
}


def test_the_shipped_example_is_valid() -> None:
    index = load_inventory(REPO / "server/demo/devices.yaml").index()
    config = load_alerts_config(REPO / "deploy/alerts.yaml", index, environ=SECRETS)
    assert {rule.type for rule in config.rules} == {
        "device_down",
        "commune_radio_below",
        "camera_not_recording",
        "clock_offset",
        "broadcast_not_played",
        "recording_gap",
        "picture_unusable",
    }
    assert [c["name"] for c in config.channels] == [
        "noc-webhook",
        "nhom-ky-thuat",
        "tinh-email",
        "noc-ntfy",
        "sms",
        "zalo-oa",
    ]
    assert config.personal is not None
    assert config.personal.channels() == {
        "zalo": "zalo-oa",
        "sms": "sms",
        "email": "tinh-email",
        "telegram": "nhom-ky-thuat",
    }


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        """channels:
  - {name: hook, type: webhook, url: ftp://x}
  - {name: tg, type: telegram, bot_token_env: NOPE, chat_id: 1}
rules:
  - name: down
    type: device_down
  - name: radio
    type: commune_radio_below
    min_up_pct: 80
    max_offset_ms: 5
  - name: cams
    type: camera_not_recording
    not_recording_for_s: 60
    kinds: [radio_cluster]
    channels: [hook, pager]
  - name: down
    type: device_down
    down_for_s: 1
    communes: [atlantis]
    reminder_evry_s: 5
""",
        encoding="utf-8",
    )
    index = load_inventory(SMALL_INVENTORY).index()
    problems = [str(p) for p in check_alerts_config_file(path, index, environ={})]
    file = str(path)
    assert problems == [
        f"{file}:2: channels[0].url: must start with http:// or https://",
        f"{file}:3: channels[1].bot_token_env: environment variable NOPE is unset",
        f"{file}:6: rule 'down': a device_down rule needs down_for_s",
        f"{file}:10: rule 'radio': max_offset_ms does not apply to a commune_radio_below rule",
        f"{file}:14: rule 'cams': kinds ['radio_cluster'] do not apply "
        "(allowed: ['camera', 'nvr'])",
        f"{file}:15: rule 'cams': no channel is named 'pager'",
        f"{file}:16: rule 'down': duplicate rule name",
        f"{file}:19: rule 'down': commune 'atlantis' is not in the inventory",
        f"{file}:20: rules[3]: unknown key 'reminder_evry_s' (did you mean 'reminder_every_s'?)",
    ]
    with pytest.raises(ConfigError):
        load_alerts_config(path, index, environ={})


def test_the_documented_file_shape_is_valid(tmp_path: Path) -> None:
    docs = (REPO / "docs/alerts.md").read_text(encoding="utf-8")
    section = docs[docs.index("## The alerts file") :]
    example = section[section.index("```yaml\n") + 8 : section.index("```\n", 10)]
    path = tmp_path / "alerts.yaml"
    path.write_text(example, encoding="utf-8")
    config = load_alerts_config(path, environ={})
    assert [rule.name for rule in config.rules] == ["mat-ket-noi"]


@pytest.mark.parametrize("historical", [True, False])
async def test_a_backlog_through_ingest_raises_no_alert(
    tmp_path: Path, receiver: tuple[Receiver, str], historical: bool
) -> None:
    """A gateway back from a cut-off sends its queued readings, all failing: they are
    history (stored, never live), so no alert goes out. The same readings sent live
    (the control case) do raise one."""
    hook, url = receiver
    clock = Clock(NOW)
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    app = create_app(
        settings,
        small_deps(store, clock),
    )
    app.cleanup_ctx.append(alerts_cleanup_ctx(_alerts_file(tmp_path, url), clock_ms=clock))
    runner = await _started(app)
    try:
        ingest = app[INGEST]
        ingest.handle(status_topic("alpha-gw"), payload(status("alpha-gw", "online")), NOW)
        for seq in range(1, 10):
            beat = heartbeat(
                "alpha-gw",
                seq,
                {"alpha-rc-1": False, "alpha-cam-1": False},
                ts_ms=NOW - 3_600_000 + seq * 60_000,
                historical=historical,
            )
            received_ms = NOW + seq * 2000
            await store.write(
                ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), received_ms).records
            )
        clock.now_ms = NOW + 3_600_000
        if historical:
            await asyncio.sleep(0.1)
            assert hook.bodies == []
            assert active_alerts(app) == []
        else:
            (firing,) = await hook.wait_for(1)
            assert [d["id"] for d in firing["devices"]] == ["alpha-cam-1", "alpha-rc-1"]
    finally:
        await runner.cleanup()
        await store.close()
