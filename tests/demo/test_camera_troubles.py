"""The demo's camera troubles: each picture looks like, and is judged as, what the
simulation says (by the agent's own picture checks), and the seeded past agrees with
what the live fleet then reports."""

from __future__ import annotations

import datetime as dt
import types
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import xaso.server.demo.camera_pictures as pictures
from xaso.agent.collectors.base import CameraSnapshot
from xaso.inventory import load_inventory
from xaso.protocol import PictureHealth
from xaso.server.demo.camera_recording import report
from xaso.server.demo.camera_troubles import Trouble, picture_troubles
from xaso.server.demo.fleet import is_steady
from xaso.server.demo.history import History, picture_transitions, recording_reports

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
INVENTORY = Path(pictures.__file__).with_name("devices.yaml")


def _looks(
    monkeypatch: pytest.MonkeyPatch, at: dt.datetime, troubles: dict[str, Trouble], n: int
) -> list[tuple[dict[str, PictureHealth], list[CameraSnapshot]]]:
    """``n`` cycles of snapshots of cameras ``a`` (with its trouble) and ``b`` at ``at``."""
    monkeypatch.setattr(pictures, "time", types.SimpleNamespace(time=at.timestamp))
    camera = pictures.CameraPictures(["a", "b"], TZ, troubles, every_s=0)
    return [camera.look({"a": None, "b": None}) for _ in range(n)]


def test_a_covered_camera_looks_covered_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    (health, shots), *_ = _looks(
        monkeypatch, dt.datetime(2026, 3, 2, 10, tzinfo=TZ), {"a": "covered"}, 1
    )
    assert health["a"].state == "covered" and health["b"].state == "ok"
    assert health["a"].uniform_pct is not None and health["a"].uniform_pct > 90
    assert not health["a"].learning  # the demo's cameras start with a baseline
    assert {s.device_id for s in shots} == {"a", "b"}


def test_the_camera_without_infrared_is_dark_at_night_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for hour, state in ((23, "dark"), (12, "ok")):
        (health, _), *_ = _looks(
            monkeypatch, dt.datetime(2026, 3, 2, hour, tzinfo=TZ), {"a": "dark_at_night"}, 1
        )
        assert (health["a"].state, health["b"].state) == (state, "ok"), hour


def test_the_freezing_camera_sends_the_same_frame_and_is_judged_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen_at = dt.datetime(2026, 3, 2, 10, 1, tzinfo=dt.UTC)  # 1 min into a frozen stretch
    looks = _looks(monkeypatch, frozen_at, {"a": "frozen_at_times"}, 3)
    assert [health["a"].state for health, _ in looks] == ["ok", "ok", "frozen"]
    assert [health["b"].state for health, _ in looks] == ["ok"] * 3


def test_the_seeded_past_agrees_with_the_live_cameras() -> None:
    index = load_inventory(INVENTORY).index()
    troubles = picture_troubles(index, is_steady)
    assert list(troubles.values()) == ["covered", "dark_at_night", "frozen_at_times"]
    end = int(dt.datetime(2026, 3, 2, 10, tzinfo=TZ).timestamp() * 1000)
    history = History(index, end - 30 * 86_400_000, end, seed=1)
    series: dict[str, list[tuple[str, str]]] = {}
    for record in picture_transitions(history, troubles):
        series.setdefault(record.device_id, []).append((record.status, record.previous))
    # Each transition leaves the status the one before entered.
    for changes in series.values():
        assert all(b[1] == a[0] for a, b in pairwise(changes))
    covered = next(iter(troubles))
    assert series[f"{covered}:picture"][-1][0] == "unusable"  # still covered at the end
    # The past's recorder gaps are the live recorder's over the same hours.
    reports = {r.device_id: r for r in recording_reports(history, 8)}
    camera = next(c for c in reports if is_steady(c) and reports[c].gaps)
    live = report(camera, end, TZ)
    day_before = [(g.from_ms, g.to_ms) for g in live.gaps]
    assert day_before and all(g in reports[camera].gaps for g in day_before)
