"""Picture health on real images: JPEGs made with Pillow (a street, the same darkened,
blurred, covered, a frame repeated) served by a real HTTP snapshot server and a real
ONVIF responder on 127.0.0.1, through the camera collector."""

from __future__ import annotations

import io
import json
import random
import struct
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from PIL import Image

from tests.agent.device_servers import (
    MEDIA_PATH,
    SnapshotCamera,
    closed_port,
    http_server,
    onvif_route,
    rtsp_server,
    snapshot_server,
)
from tests.agent.picture_fixtures import (
    blurred,
    covered,
    darkened,
    jpeg,
    night_infrared,
    scene,
)
from xaso.agent.collectors import CollectorsConfig, config_problems
from xaso.agent.collectors.camera import CameraCollector, CameraConfig, CameraDevice
from xaso.agent.collectors.picture.config import (
    CameraPicture,
    PictureConfig,
    PictureLimits,
    resolve,
)
from xaso.agent.collectors.picture.measure import PictureError, measure
from xaso.protocol import CameraStatus, DeviceReading, PictureHealth

USER, PASSWORD = "admin", "Cam#2025"
# Each collect takes a snapshot: the interval is shorter than a cycle.
EVERY_CYCLE = 1e-6


class Camera:
    """One camera (RTSP stream, HTTP snapshots) and the collector watching it."""

    def __init__(self, cameras: CameraCollector, snapshots: SnapshotCamera, rtsp_port: int) -> None:
        self.collector, self.snapshots, self.rtsp_port = cameras, snapshots, rtsp_port

    def sees(self, picture: Image.Image | bytes) -> PictureHealth:
        self.snapshots.picture = picture if isinstance(picture, bytes) else jpeg(picture)
        return self.look()

    def look(self) -> PictureHealth:
        result = self.collector.collect()
        (reading,) = result.readings
        self.last_reading, self.last_snapshots = reading, result.snapshots
        assert reading.camera is not None and reading.camera.picture is not None
        return reading.camera.picture


@contextmanager
def camera(
    picture: PictureConfig | None = None,
    *,
    state_dir: Path | None = None,
    auth: str | None = None,
    own: CameraPicture | None = None,
    timeout_s: float = 2.0,
) -> Iterator[Camera]:
    snapshots = SnapshotCamera(auth=auth, user=USER, password=PASSWORD)
    with ExitStack() as stack:
        rtsp = stack.enter_context(rtsp_server("ok"))
        web = stack.enter_context(snapshot_server(snapshots))
        config = CameraConfig(
            username=USER,
            password_env="XASO_TEST_CAMERA_PW",
            timeout_s=timeout_s,
            picture=picture or PictureConfig(snapshot_interval_s=EVERY_CYCLE),
            devices=[
                CameraDevice(
                    id="cam-cho",
                    url=f"rtsp://127.0.0.1:{rtsp.port}/Streaming/101",
                    snapshot_url=web.url("/snapshot.jpg"),
                    picture=own,
                )
            ],
        )
        built = CameraCollector(config, state_dir=str(state_dir) if state_dir else None)
        stack.callback(built.close)
        yield Camera(built, snapshots, rtsp.port)


@pytest.fixture(autouse=True)
def _camera_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XASO_TEST_CAMERA_PW", PASSWORD)


def learning_forever() -> PictureConfig:
    return PictureConfig(snapshot_interval_s=EVERY_CYCLE, learning_snapshots=10_000)


def test_each_state_is_detected_and_cleared_by_the_fixed_limits() -> None:
    with camera(learning_forever()) as cam:
        seen = [cam.sees(scene(0))]
        for fault in (darkened(1), blurred(2), covered(3)):
            seen.append(cam.sees(fault))
            seen.append(cam.sees(scene(4 + len(seen))))
        frame = jpeg(scene(20))
        seen += [cam.sees(frame) for _ in range(3)]  # the encoder stuck on one frame
        seen.append(cam.sees(scene(21)))
    states = [s.state for s in seen]
    assert states == [
        "ok", "dark", "ok", "blurred", "ok", "covered", "ok", "ok", "ok", "frozen", "ok"
    ]  # fmt: skip
    assert all(s.learning for s in seen)
    frozen = seen[9]
    assert frozen.change is not None and frozen.change < 0.5
    dark, blur, cover = seen[1], seen[3], seen[5]
    assert dark.brightness is not None and dark.brightness < 20
    assert blur.sharpness is not None and seen[0].sharpness is not None
    assert blur.sharpness * 10 < seen[0].sharpness
    assert cover.uniform_pct is not None and cover.uniform_pct > 85


def test_every_snapshot_gives_a_small_thumbnail_and_the_reading_its_measures() -> None:
    with camera() as cam:
        health = cam.sees(scene(0))
        (snapshot,) = cam.last_snapshots
    assert health.state == "ok" and health.taken_ms == snapshot.taken_ms
    assert abs(snapshot.taken_ms - time.time() * 1000) < 10_000
    assert snapshot.device_id == "cam-cho"
    thumbnail = Image.open(io.BytesIO(snapshot.jpeg))
    assert thumbnail.format == "JPEG" and thumbnail.size == (snapshot.width, snapshot.height)
    assert snapshot.width == 320 and snapshot.height == 180
    assert len(snapshot.jpeg) <= 20_000
    # The wire contract takes it: the reading encodes and decodes with its picture.
    encoded = DeviceReading(id="x", reachable=True, camera=CameraStatus(picture=health))
    assert "brightness" in json.dumps(__import__("msgspec").to_builtins(encoded))


def test_snapshots_follow_the_interval_and_repeat_the_verdict_between() -> None:
    with camera(PictureConfig(snapshot_interval_s=0.6)) as cam:
        first = cam.sees(covered(0))
        assert len(cam.last_snapshots) == 1
        cam.snapshots.picture = jpeg(scene(1))  # uncovered, but not looked at yet
        again = cam.look()
        assert again == first and cam.last_snapshots == []
        time.sleep(0.7)
        later = cam.look()
    assert first.state == "covered" and later.state == "ok"
    assert len(cam.last_snapshots) == 1
    assert cam.snapshots.authorizations.__len__() == 2  # two fetches, three cycles


def test_learning_then_thresholds_relative_to_the_cameras_own_pictures(tmp_path: Path) -> None:
    config = PictureConfig(snapshot_interval_s=EVERY_CYCLE, learning_snapshots=4, learning_hours=0)
    dim, soft = darkened(0, factor=0.3), blurred(0, radius=1.5)
    with camera(learning_forever()) as cam:
        # Learning: only the fixed limits, and a dimmer or softer street passes them.
        assert [cam.sees(dim).state, cam.sees(soft).state] == ["ok", "ok"]
    with camera(config, state_dir=tmp_path) as cam:
        learning = [cam.sees(scene(i)) for i in range(4)]
        assert all(h.learning for h in learning)
        # Learnt (four snapshots): now the same pictures are wrong for this camera.
        learnt = cam.sees(scene(9))
        assert not learnt.learning and learnt.state == "ok"
        assert cam.sees(dim).state == "dark"
        assert cam.sees(soft).state == "blurred"
        assert cam.sees(scene(11)).state == "ok"
    stored = json.loads((tmp_path / "picture" / "cam-cho.json").read_text())
    assert stored["baseline"]["brightness_low"] > 30 and stored["samples"] == []
    # A restart does not learn again.
    with camera(config, state_dir=tmp_path) as cam:
        again = cam.sees(dim)
    assert not again.learning and again.state == "dark"


def test_a_night_time_infrared_camera_is_not_dark_once_learnt(tmp_path: Path) -> None:
    config = PictureConfig(snapshot_interval_s=EVERY_CYCLE, learning_snapshots=6, learning_hours=0)
    with camera(config, state_dir=tmp_path) as cam:
        nights = [cam.sees(night_infrared(i) if i % 2 else scene(i)) for i in range(6)]
        assert [h.state for h in nights] == ["ok", "dark"] * 3  # fixed limit: 20
        assert cam.sees(night_infrared(7)).state == "ok"  # its own night
        assert cam.sees(darkened(8)).state == "dark"  # but black is black


def test_learning_needs_its_hours_as_well_as_its_snapshots(tmp_path: Path) -> None:
    config = PictureConfig(snapshot_interval_s=EVERY_CYCLE, learning_snapshots=2, learning_hours=1)
    with camera(config, state_dir=tmp_path) as cam:
        seen = [cam.sees(scene(i)) for i in range(4)]
    assert all(h.learning for h in seen)
    stored = json.loads((tmp_path / "picture" / "cam-cho.json").read_text())
    assert stored["baseline"] is None and stored["seen"] == 4 and len(stored["samples"]) == 4


def test_covered_and_frozen_pictures_are_not_learnt_from(tmp_path: Path) -> None:
    config = PictureConfig(snapshot_interval_s=EVERY_CYCLE, learning_snapshots=3, learning_hours=0)
    with camera(config, state_dir=tmp_path) as cam:
        cam.sees(covered(0))
        frame = jpeg(scene(1))
        [cam.sees(frame) for _ in range(3)]  # ok, ok, frozen
        stored = json.loads((tmp_path / "picture" / "cam-cho.json").read_text())
        assert stored["seen"] == 2  # the two first of the stuck frames, not the cloth


def test_limits_per_camera_and_per_kind_override_the_collectors() -> None:
    config = PictureConfig(
        snapshot_interval_s=EVERY_CYCLE,
        learning_snapshots=10_000,
        limits=PictureLimits(dark_brightness=35.0),
        kinds={"tunnel": PictureLimits(dark_brightness=10.0, blurred_sharpness=300.0)},
    )
    dim = darkened(0, factor=0.3)  # brightness about 32
    with camera(config) as cam:
        assert cam.sees(dim).state == "dark"  # the collector's 35
    with camera(config, own=CameraPicture(kind="tunnel")) as cam:
        assert cam.sees(dim).state == "blurred"  # the kind's 10 and 300
    tunnel_but_sharp = CameraPicture(kind="tunnel", limits=PictureLimits(blurred_sharpness=1.0))
    with camera(config, own=tunnel_but_sharp) as cam:
        assert cam.sees(dim).state == "ok"
    assert resolve(None, PictureLimits(frozen_snapshots=5)).frozen_snapshots == 5
    assert resolve().dark_brightness == 20.0


def test_digest_authentication_with_the_cameras_credentials() -> None:
    with camera(auth="digest") as cam:
        health = cam.sees(scene(0))
        tried = list(cam.snapshots.authorizations)
    assert health.state == "ok", health.error
    # Nothing sent before the camera asked; then a digest, never the password in clear.
    assert tried[0] == "" and tried[1].startswith("Digest ") and PASSWORD not in tried[1]


def test_basic_authentication_when_that_is_all_the_camera_offers() -> None:
    with camera(auth="basic") as cam:
        assert cam.sees(scene(0)).state == "ok"


def test_a_wrong_password_is_no_picture_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XASO_TEST_CAMERA_PW", "wrong")
    with camera(auth="digest") as cam:
        health = cam.sees(scene(0))
    assert health.state == "no_picture" and health.error == "http 401 unauthorized"
    assert cam.last_snapshots == []


def test_a_snapshot_server_that_hangs_is_no_picture_within_the_budget() -> None:
    with camera(timeout_s=0.5) as cam:
        cam.snapshots.mode = "hang"
        started = time.monotonic()
        health = cam.look()
        elapsed = time.monotonic() - started
    assert health.state == "no_picture" and health.error == "timeout"
    assert elapsed < 1.5  # the RTSP check's budget and the snapshot's, no more


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("html", "not an image (an html page)"),
        (b"\xff\xd8\xff\xe0 truncated", "unreadable image"),
        (b"", "not an image (empty answer)"),
    ],
)
def test_an_answer_that_is_not_a_picture_is_no_picture(answer: str | bytes, error: str) -> None:
    with camera() as cam:
        if answer == "html":
            cam.snapshots.mode = "html"
            health = cam.look()
        else:
            assert isinstance(answer, bytes)
            health = cam.sees(answer)
    assert health.state == "no_picture"
    assert health.error is not None and health.error.startswith(error)
    assert cam.last_reading.camera is not None and cam.last_reading.camera.stream_ok


def test_the_picture_recovers_after_no_picture() -> None:
    with camera() as cam:
        cam.snapshots.mode = "html"
        assert cam.look().state == "no_picture"
        cam.snapshots.mode = "ok"
        assert cam.sees(scene(0)).state == "ok"


def test_an_unreachable_camera_is_not_asked_for_a_snapshot() -> None:
    snapshots = SnapshotCamera(jpeg(scene(0)))
    with snapshot_server(snapshots) as web:
        device = CameraDevice(
            id="cam-1",
            url=f"rtsp://127.0.0.1:{closed_port()}/live",
            snapshot_url=web.url("/snapshot.jpg"),
        )
        config = CameraConfig(
            devices=[device], picture=PictureConfig(snapshot_interval_s=EVERY_CYCLE)
        )
        cameras = CameraCollector(config)
        try:
            (reading,) = cameras.collect().readings
        finally:
            cameras.close()
    assert reading.camera is not None and reading.camera.picture is not None
    assert reading.camera.picture.state == "no_picture"
    assert reading.camera.picture.error == "camera not reached: connection refused"
    assert web.hits == []


def test_onvif_names_the_snapshot_uri_once_and_it_is_used() -> None:
    snapshots = SnapshotCamera(jpeg(scene(0)), auth="digest", user=USER, password=PASSWORD)
    route = onvif_route(offset_s=30, user=USER, password=PASSWORD, snapshot_path="/snap.jpg")
    with (
        rtsp_server("ok") as rtsp,
        http_server(
            {"/onvif/device_service": route, MEDIA_PATH: route, "/snap.jpg": snapshots.route}
        ) as web,
    ):
        device = CameraDevice(
            id="cam-onvif",
            url=f"rtsp://127.0.0.1:{rtsp.port}/live",
            onvif_url=web.url("/onvif/device_service"),
        )
        config = CameraConfig(
            devices=[device],
            username=USER,
            password_env="XASO_TEST_CAMERA_PW",
            picture=PictureConfig(snapshot_interval_s=EVERY_CYCLE),
        )
        cameras = CameraCollector(config)
        try:
            first = cameras.collect()
            snapshots.picture = jpeg(covered(1))
            second = cameras.collect()
        finally:
            cameras.close()
    pictures = [r.readings[0].camera.picture for r in (first, second)]  # type: ignore[union-attr]
    assert [p.state for p in pictures if p] == ["ok", "covered"], pictures
    assert len(first.snapshots) == 1 and len(second.snapshots) == 1
    # Asked once, then the cached URI (the clock and device information every cycle).
    assert web.calls.count("GetSnapshotUri") == 1 and web.calls.count("GetProfiles") == 1
    assert web.hits.count("/snap.jpg") == 4  # 401 then digest, twice


def test_onvif_refusing_the_token_is_no_picture_with_its_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    route = onvif_route(offset_s=0, user=USER, password="other", snapshot_path="/snap.jpg")
    with rtsp_server("ok") as rtsp, http_server({"/onvif": route, MEDIA_PATH: route}) as web:
        device = CameraDevice(
            id="cam-1", url=f"rtsp://127.0.0.1:{rtsp.port}/live", onvif_url=web.url("/onvif")
        )
        config = CameraConfig(
            devices=[device],
            username=USER,
            password_env="XASO_TEST_CAMERA_PW",
            picture=PictureConfig(snapshot_interval_s=EVERY_CYCLE),
        )
        cameras = CameraCollector(config)
        try:
            (reading,) = cameras.collect().readings
        finally:
            cameras.close()
    assert reading.camera is not None and reading.camera.picture is not None
    assert reading.camera.picture.state == "no_picture"
    assert reading.camera.picture.error == "onvif: GetCapabilities: Sender not authorized"


def test_rtsp_frames_without_ffmpeg_say_so() -> None:
    config = PictureConfig(
        snapshot_interval_s=EVERY_CYCLE, source="rtsp", ffmpeg="xaso-no-such-ffmpeg"
    )
    with camera(config) as cam:
        health = cam.look()
    assert health.state == "no_picture"
    assert health.error == "ffmpeg not installed (needed for a frame of the rtsp stream)"


def test_config_problems_name_the_key() -> None:
    picture = PictureConfig(
        snapshot_interval_s=0,
        kinds={"dim": PictureLimits(dark_ratio=2.0)},
    )
    devices = [
        CameraDevice(id="a", url="rtsp://10.0.0.1/x", picture=CameraPicture(source="http")),
        CameraDevice(id="b", url="rtsp://10.0.0.2/x", snapshot_url="http://u:p@10.0.0.2/snap.jpg"),
        CameraDevice(id="c", url="rtsp://10.0.0.3/x", picture=CameraPicture(kind="nope")),
        CameraDevice(id="d", url="rtsp://10.0.0.4/x", picture=CameraPicture(source="onvif")),
    ]
    found = dict(
        config_problems(CollectorsConfig(camera=CameraConfig(devices=devices, picture=picture)))
    )
    assert found == {
        ("camera", "devices", 0, "picture", "source"): (
            "source http needs the camera's snapshot_url"
        ),
        ("camera", "devices", 1, "snapshot_url"): "snapshot_url must not carry credentials",
        ("camera", "devices", 2, "picture", "kind"): "kind 'nope' is not in picture.kinds (dim)",
        ("camera", "devices", 3, "picture", "source"): (
            "source onvif needs the camera's onvif_url"
        ),
        ("camera", "picture", "snapshot_interval_s"): "snapshot_interval_s must be positive",
        ("camera", "picture", "kinds", "dim", "dark_ratio"): (
            "dark_ratio must be above 0 and at most 1"
        ),
    }
    lone = CameraConfig(devices=[CameraDevice(id="a", url="rtsp://h/x", picture=CameraPicture())])
    assert dict(config_problems(CollectorsConfig(camera=lone))) == {
        ("camera", "devices", 0, "picture"): "picture needs collectors.camera.picture to be set"
    }


def _stand_in_ffmpeg(folder: Path, body: str) -> Path:
    """A program in ffmpeg's place (the real one is not installed on every gateway, nor
    here): it records its arguments and does what ``body`` says."""
    program = folder / "ffmpeg"
    program.write_text(
        f"#!{sys.executable}\n"
        "import sys, time\n"
        f"open({str(folder / 'argv')!r}, 'w').write('\\n'.join(sys.argv[1:]))\n" + body
    )
    program.chmod(0o755)
    return program


def test_a_frame_of_the_rtsp_stream_through_ffmpeg(tmp_path: Path) -> None:
    frame = tmp_path / "frame.jpg"
    frame.write_bytes(jpeg(covered(0)))
    serve = f"sys.stdout.buffer.write(open({str(frame)!r}, 'rb').read())\n"
    program = _stand_in_ffmpeg(tmp_path, serve)
    config = PictureConfig(snapshot_interval_s=EVERY_CYCLE, source="rtsp", ffmpeg=str(program))
    with camera(config) as cam:
        health = cam.look()
        port = cam.rtsp_port
    assert health.state == "covered" and len(cam.last_snapshots) == 1
    argv = (tmp_path / "argv").read_text().split("\n")
    assert argv[argv.index("-frames:v") + 1] == "1"
    assert argv[argv.index("-rtsp_transport") + 1] == "tcp"
    # ffmpeg takes the credentials only in the URL, percent-encoded.
    assert argv[argv.index("-i") + 1] == f"rtsp://admin:Cam%232025@127.0.0.1:{port}/Streaming/101"


def test_ffmpeg_that_hangs_or_fails_is_no_picture_without_the_password(tmp_path: Path) -> None:
    hanging = _stand_in_ffmpeg(tmp_path, "time.sleep(30)\n")
    config = PictureConfig(snapshot_interval_s=EVERY_CYCLE, source="rtsp", ffmpeg=str(hanging))
    with camera(config, timeout_s=0.5) as cam:
        started = time.monotonic()
        health = cam.look()
        assert time.monotonic() - started < 2.0
    assert health.state == "no_picture" and health.error == "ffmpeg: timed out after 0.5s"
    failing = _stand_in_ffmpeg(
        tmp_path,
        "sys.stderr.write(sys.argv[sys.argv.index('-i') + 1] + ': Server returned 401 "
        "Unauthorized (authorization failed)\\n'); sys.exit(1)\n",
    )
    config = PictureConfig(snapshot_interval_s=EVERY_CYCLE, source="rtsp", ffmpeg=str(failing))
    with camera(config) as cam:
        health = cam.look()
    assert health.state == "no_picture" and health.error == "ffmpeg: rtsp 401 unauthorized"


def _png_claiming(width: int, height: int) -> bytes:
    """A valid small PNG whose header claims another size (CRC fixed up)."""
    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    header = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def test_a_huge_or_tiny_image_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(PictureError, match="implausible snapshot size 10000x5000"):
        measure(_png_claiming(10_000, 5_000))
    with pytest.raises(PictureError, match="image too large to be a snapshot"):
        measure(_png_claiming(20_000, 20_000))  # Pillow's own bomb limit, before ours
    with pytest.raises(PictureError, match="implausible snapshot size 4x4"):
        measure(_png_claiming(4, 4))


def test_a_small_snapshot_is_not_enlarged_and_a_png_is_measured_too() -> None:
    small = scene(0).resize((176, 144))  # a QCIF sub-stream
    out = io.BytesIO()
    small.save(out, "PNG")
    seen = measure(out.getvalue())
    assert (seen.width, seen.height) == (176, 144)
    assert seen.grey.size == (160, 131) and seen.sharpness > 80


def test_damaged_snapshots_are_refused_with_a_reason_never_an_exception() -> None:
    good = jpeg(scene(0))
    rng = random.Random(16)
    damaged = [good[:cut] for cut in (2, 20, 200, 2_000, len(good) // 2)]
    for _ in range(30):
        flipped = bytearray(good)
        for _ in range(20):
            flipped[rng.randrange(2, len(flipped))] = rng.randrange(256)
        damaged.append(bytes(flipped))
    for data in damaged:
        try:
            seen = measure(data)
        except PictureError as exc:
            assert str(exc).startswith(("unreadable image", "not an image", "implausible"))
        else:  # libjpeg recovers from some damage: then it is a picture like another
            assert 0 <= seen.brightness <= 255


def test_a_damaged_baseline_file_is_ignored_and_learning_starts_again(tmp_path: Path) -> None:
    stored = tmp_path / "picture" / "cam-cho.json"
    stored.parent.mkdir()
    stored.write_text('{"version": 1, "baseline": {"brightness_low": "dark"}}')
    with camera(learning_forever(), state_dir=tmp_path) as cam:
        health = cam.sees(scene(0))
    assert health.state == "ok" and health.learning
    assert json.loads(stored.read_text())["seen"] == 1
