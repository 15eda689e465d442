"""The ``picture_unusable`` rule: a camera up whose picture is unusable (covered, dark…)
past the rule's threshold, grouped per commune, with the picture's state as cause."""

from __future__ import annotations

import msgspec

from tests.alerts.test_engine import HOUR, INDEX, MIN, T0, S, Site, all_up, messages, run
from xaso.protocol import CameraStatus, DeviceReading, PictureHealth
from xaso.server.alerts.config import RuleConfig
from xaso.server.alerts.engine import AlertEngine
from xaso.server.alerts.templates import Renderer

PICTURE = RuleConfig(name="hinh-anh", type="picture_unusable", down_for_s=600)


def _seen(picture: str, taken_ms: int) -> dict[str, DeviceReading]:
    health = PictureHealth(state=picture, taken_ms=taken_ms)  # type: ignore[arg-type]
    camera = CameraStatus(stream_ok=True, picture=health)
    return {"xh-cam-1": DeviceReading(id="xh-cam-1", reachable=True, camera=camera)}


def test_a_covered_camera_alerts_past_its_threshold_and_resolves_when_seen_again() -> None:
    engine = AlertEngine([PICTURE], INDEX)
    site = Site()
    all_up(site, T0)
    site.beat("xh-gw", T0 + MIN, extra=_seen("ok", T0 + MIN))
    # Covered: two snapshots past the grace (one heartbeat, 30 s) make it unusable.
    covered = T0 + 5 * MIN
    site.beat("xh-gw", covered, extra=_seen("covered", covered))
    unusable = covered + MIN
    site.beat("xh-gw", unusable, extra=_seen("covered", unusable))
    assert run(engine, site, covered, unusable + 10 * MIN - S, step_ms=MIN) == []
    fired = messages(engine.evaluate(site.fleet, unusable + 10 * MIN))
    assert [(m.state, m.rule, [(d.id, d.status, d.cause) for d in m.devices]) for m in fired] == [
        ("firing", "picture_unusable", [("xh-cam-1", "picture", "picture_covered")])
    ]
    assert fired[0].started_ms == unusable
    rendered = Renderer().render(fired[0])
    assert rendered.subject == "[CẢNH BÁO] Xã Xuân Hồng: Camera 1: hình ảnh bị che"
    assert "Hình ảnh bị che" in rendered.text
    english = Renderer().render(msgspec.structs.replace(fired[0], lang="en"))
    assert english.subject == "[WARNING] Xã Xuân Hồng: Camera 1: picture covered"
    cleared = unusable + HOUR
    site.beat("xh-gw", cleared, extra=_seen("ok", cleared))
    resolved = messages(engine.evaluate(site.fleet, cleared))
    assert [m.state for m in resolved] == ["resolved"]
    # The camera as it is now says nothing of the cloth: the recovery names the problem.
    recovery = Renderer().render(resolved[0]).subject
    assert recovery.startswith("[ĐÃ KHÔI PHỤC] Xã Xuân Hồng: Camera 1: hình ảnh không dùng được")


def test_one_bad_frame_raises_nothing() -> None:
    engine = AlertEngine([msgspec_replace(PICTURE, 0)], INDEX)
    site = Site()
    all_up(site, T0)
    site.beat("xh-gw", T0 + MIN, extra=_seen("ok", T0 + MIN))
    site.beat("xh-gw", T0 + 2 * MIN, extra=_seen("dark", T0 + 2 * MIN))
    site.beat("xh-gw", T0 + 3 * MIN, extra=_seen("ok", T0 + 3 * MIN))
    assert run(engine, site, T0 + MIN, T0 + 4 * MIN, step_ms=30 * S) == []


def test_a_camera_going_offline_holds_the_group_instead_of_resolving_it() -> None:
    engine = AlertEngine([msgspec_replace(PICTURE, 0)], INDEX)
    site = Site()
    all_up(site, T0)
    site.beat("xh-gw", T0 + MIN, extra=_seen("covered", T0 + MIN))
    site.beat("xh-gw", T0 + 2 * MIN, extra=_seen("covered", T0 + 2 * MIN))
    assert [m.state for m in messages(engine.evaluate(site.fleet, T0 + 2 * MIN))] == ["firing"]
    site.beat("xh-gw", T0 + 3 * MIN, down=["xh-cam-1"])  # pending: not up, not cleared
    assert messages(engine.evaluate(site.fleet, T0 + 3 * MIN)) == []


def msgspec_replace(rule: RuleConfig, down_for_s: float) -> RuleConfig:
    return msgspec.structs.replace(rule, down_for_s=down_for_s)
