"""Cameras: is the stream served, do our credentials work, and (with ONVIF) the model,
firmware and clock offset.

Per camera and cycle: RTSP OPTIONS then DESCRIBE on its stream URL (``rtsp``), then, when
``onvif_url`` is given, GetSystemDateAndTime and GetDeviceInformation (``onvif``). All of
one camera's exchanges share one deadline, ``timeout_s``; cameras are checked in
parallel, so a cycle costs about one timeout however many cameras are dead.

With ``picture`` set, each camera's picture is checked too (``picture`` package,
docs/cameras.md): a snapshot every ``snapshot_interval_s``, within a budget of its own
``timeout_s``, in the same worker thread; the reading carries its ``PictureHealth``
and the collector's result the thumbnail.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import msgspec

from xaso.agent.collectors import onvif, picture
from xaso.agent.collectors.base import CameraSnapshot, CollectorResult
from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.collectors.credentials import Credentials, read_credentials
from xaso.agent.collectors.picture.config import (
    CameraPicture,
    PictureConfig,
    limit_problems,
)
from xaso.agent.collectors.picture.config import problems as picture_problems
from xaso.agent.collectors.recording import (
    RecorderError,
    RecorderSource,
    RecordingWatch,
    source_problems,
)
from xaso.agent.collectors.rtsp import RtspClient, RtspError, parse_rtsp_url
from xaso.protocol import CameraStatus, DeviceReading


class CameraDevice(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    url: str  # rtsp://[user:pass@]host[:port]/path of the stream to check
    onvif_url: str | None = None  # http://host[:port]/onvif/device_service
    # Per-camera credentials, when they differ from the collector's.
    username: str | None = None
    password_file: str | None = None
    password_env: str | None = None
    timeout_s: float | None = None  # default: the collector's timeout_s
    # Where its recording is asked about (recording continuity, docs/cameras.md).
    recorder: RecorderSource | None = None
    # http://host/path of a JPEG snapshot (picture checks); the camera's credentials.
    snapshot_url: str | None = None
    picture: CameraPicture | None = None  # this camera's source, kind, limits


class CameraConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    devices: list[CameraDevice] = []
    # Credentials for every camera that has none of its own (in its url or entry).
    username: str | None = None
    password_file: str | None = None
    password_env: str | None = None
    timeout_s: float = 5.0  # per camera: all its RTSP and ONVIF exchanges together
    max_workers: int = 8
    # Recording continuity: how often each camera's recorder is asked (not every cycle:
    # a search costs the recorder), over how many trailing hours, and the shortest
    # stretch without footage that counts as a gap (shorter: the seams between files).
    recording_every_s: float = 900.0
    recording_window_h: float = 24.0
    recording_min_gap_s: float = 60.0
    recording_timeout_s: float = 10.0
    picture: PictureConfig | None = None  # present: pictures are checked


def problems(config: CameraConfig, problems: Problems, where: YamlPath) -> None:
    problems.positive(config, where, "timeout_s", config.timeout_s)
    problems.positive(config, where, "max_workers", config.max_workers)
    for key in ("recording_every_s", "recording_window_h", "recording_timeout_s"):
        problems.positive(config, where, key, getattr(config, key))
    if config.recording_window_h > 168:
        # The server keeps a report's last 8 days at most; a week is plenty to catch up.
        problems.add(config, where, "recording_window_h", "recording_window_h must be ≤ 168")
    if config.recording_min_gap_s < 0:
        problems.add(config, where, "recording_min_gap_s", "recording_min_gap_s must be ≥ 0")
    problems.one_password(config, where, config.password_file, config.password_env)
    problems.device_ids(config.devices, (*where, "devices"))
    for index, device in enumerate(config.devices):
        at = (*where, "devices", index)
        try:
            parse_rtsp_url(device.url)
        except ValueError:
            problems.add(device, at, "url", "url must be rtsp://host[:port]/path")
        if device.onvif_url is not None:
            problems.http_url(device, at, "onvif_url", device.onvif_url)
            if urlsplit(device.onvif_url).scheme == "https":
                problems.add(device, at, "onvif_url", "onvif_url must be plain http://")
        problems.one_password(device, at, device.password_file, device.password_env)
        problems.positive(device, at, "timeout_s", device.timeout_s)
        if device.recorder is not None:
            source_problems(device.recorder, problems, (*at, "recorder"))
        _picture_problems(config.picture, device, problems, at)
    if config.picture is not None:
        picture_problems(config.picture, problems, (*where, "picture"))


def _picture_problems(
    config: PictureConfig | None, device: CameraDevice, problems: Problems, at: YamlPath
) -> None:
    if device.snapshot_url is not None:
        problems.http_url(device, at, "snapshot_url", device.snapshot_url)
    own = device.picture
    if own is None:
        return
    if config is None:
        problems.add(device, at, "picture", "picture needs collectors.camera.picture to be set")
        return
    where = (*at, "picture")
    if own.kind is not None and own.kind not in config.kinds:
        known = ", ".join(sorted(config.kinds)) or "none"
        problems.add(own, where, "kind", f"kind {own.kind!r} is not in picture.kinds ({known})")
    if own.limits is not None:
        limit_problems(own.limits, problems, (*where, "limits"))
    source = picture.source_name(
        config, own, snapshot_url=device.snapshot_url, onvif_url=device.onvif_url
    )
    if source == "http" and device.snapshot_url is None:
        problems.add(own, where, "source", "source http needs the camera's snapshot_url")
    if source == "onvif" and device.onvif_url is None:
        problems.add(own, where, "source", "source onvif needs the camera's onvif_url")


class CameraCheck(msgspec.Struct, frozen=True):
    """What the RTSP exchange found, before ONVIF adds to it."""

    reachable: bool
    rtt_ms: float | None = None
    stream_ok: bool | None = None
    auth_ok: bool | None = None
    error: str | None = None


def check_stream(url: str, credentials: Credentials | None, timeout_s: float) -> CameraCheck:
    """OPTIONS then DESCRIBE; stream_ok when DESCRIBE answers 200 with an SDP body."""
    target = parse_rtsp_url(url)
    credentials = target.credentials or credentials  # the URL's own win: it is specific
    client = RtspClient(target, time.monotonic() + timeout_s)
    try:
        client.connect()
    except RtspError as exc:
        # Never reached: whether the stream or the password is good is unknown.
        return CameraCheck(reachable=False, error=str(exc))
    try:
        # OPTIONS first: some cameras refuse a DESCRIBE that is not preceded by one. Its
        # status does not matter; the DESCRIBE answer is the verdict.
        client.request("OPTIONS", credentials)
        answer = client.request("DESCRIBE", credentials, {"Accept": "application/sdp"})
    except RtspError as exc:
        # Connected but no (sane) answer: the camera is on the network, its RTSP
        # server is not serving. Whether our password is right is unknown.
        return CameraCheck(
            reachable=True, rtt_ms=client.connect_ms, stream_ok=False, error=str(exc)
        )
    finally:
        client.close()
    if answer.status == 401:
        hint = "" if credentials is not None else " (no credentials configured)"
        return _refused(client, 401, "unauthorized" + hint, auth_ok=False)
    if answer.status != 200:
        # 404, 454, 503...: past authentication or not, the answer does not say.
        return _refused(client, answer.status, answer.reason, auth_ok=None)
    content_type = (answer.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/sdp" or not answer.body.lstrip().startswith(b"v="):
        return CameraCheck(
            reachable=True,
            rtt_ms=client.connect_ms,
            stream_ok=False,
            auth_ok=True,
            error="describe answered without a session description",
        )
    return CameraCheck(reachable=True, rtt_ms=client.connect_ms, stream_ok=True, auth_ok=True)


def _refused(client: RtspClient, status: int, reason: str, *, auth_ok: bool | None) -> CameraCheck:
    return CameraCheck(
        reachable=True,
        rtt_ms=client.connect_ms,
        stream_ok=False,
        auth_ok=auth_ok,
        error=f"rtsp {status} {reason.lower()}".strip(),
    )


class CameraCollector:
    name = "camera"

    def __init__(self, config: CameraConfig, *, state_dir: str | None = None) -> None:
        """``state_dir``: where the picture baselines are kept; None keeps them in
        memory only (a restart learns again)."""
        self._config = config
        shared = read_credentials(config.username, config.password_file, config.password_env)
        self._credentials: dict[str, Credentials | None] = {
            d.id: read_credentials(d.username, d.password_file, d.password_env) or shared
            for d in config.devices
        }
        self._recording = RecordingWatch(
            {d.id: d.recorder for d in config.devices if d.recorder is not None},
            camera_credentials=self._credentials,
            every_s=config.recording_every_s,
            window_h=config.recording_window_h,
            min_gap_s=config.recording_min_gap_s,
            max_workers=config.max_workers,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, min(config.max_workers, len(config.devices))),
            thread_name_prefix="collect-camera",
        )
        self._watches: dict[str, picture.PictureWatch] = {}
        if config.picture is not None:
            for d in config.devices:
                watch = picture.watch_for(
                    d.id,
                    config.picture,
                    d.picture,
                    url=d.url,
                    snapshot_url=d.snapshot_url,
                    onvif_url=d.onvif_url,
                    state_dir=state_dir,
                )
                if watch is not None:
                    self._watches[d.id] = watch

    def collect(self) -> CollectorResult:
        checked = list(self._pool.map(self._check, self._config.devices))
        return CollectorResult(
            readings=[reading for reading, _ in checked],
            snapshots=[snapshot for _, snapshot in checked if snapshot is not None],
        )

    def _check(self, device: CameraDevice) -> tuple[DeviceReading, CameraSnapshot | None]:
        timeout_s = device.timeout_s or self._config.timeout_s
        credentials = self._credentials[device.id]
        found = check_stream(device.url, credentials, timeout_s)
        status = CameraStatus(stream_ok=found.stream_ok, auth_ok=found.auth_ok)
        errors = [found.error] if found.error else []
        if device.onvif_url is not None:
            # A budget of its own: ONVIF still names the model of a camera whose RTSP
            # server hangs, which is when the administrator wants it.
            status, onvif_errors = _ask_onvif(device.onvif_url, status, credentials, timeout_s)
            errors += [f"onvif: {e}" for e in onvif_errors]
        try:
            recorded = self._recording.poll(device.id, self._config.recording_timeout_s)
            if recorded is not None:
                status = msgspec.structs.replace(status, recorded=recorded)
        except RecorderError as exc:
            errors.append(f"recorder: {exc}")
        snapshot = None
        watch = self._watches.get(device.id)
        if watch is not None:
            # The URL's own credentials win, as for the stream check.
            own = parse_rtsp_url(device.url).credentials
            health, snapshot = watch.look(
                own or credentials,
                timeout_s,
                clock_offset_ms=status.clock_offset_ms,
                unreachable=None if found.reachable else (found.error or "unreachable"),
            )
            status = msgspec.structs.replace(status, picture=health)
        reading = DeviceReading(
            id=device.id,
            reachable=found.reachable,
            rtt_ms=found.rtt_ms,
            error="; ".join(errors)[:300] or None,
            camera=status,
        )
        return reading, snapshot

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._recording.close()


def _ask_onvif(
    url: str, status: CameraStatus, credentials: Credentials | None, timeout_s: float
) -> tuple[CameraStatus, list[str]]:
    """Fill clock offset, model and firmware; what fails stays None and is named."""
    deadline = time.monotonic() + timeout_s
    errors: list[str] = []
    try:
        offset_ms = onvif.camera_clock_offset_ms(url, timeout_s=timeout_s)
        status = msgspec.structs.replace(status, clock_offset_ms=offset_ms)
    except onvif.OnvifError as exc:
        errors.append(str(exc))
        if str(exc) in ("timeout", "connection refused"):
            return status, errors  # the second call would only fail the same way
    left = deadline - time.monotonic()
    if left <= 0:
        return status, [*errors, "timeout"]
    try:
        info = onvif.device_information(
            url, timeout_s=left, credentials=credentials, clock_offset_ms=status.clock_offset_ms
        )
    except onvif.OnvifError as exc:
        return status, [*errors, str(exc)]
    return msgspec.structs.replace(status, model=info.model, firmware=info.firmware), errors


def build(config: CameraConfig, *, state_dir: str | None = None) -> CameraCollector:
    return CameraCollector(config, state_dir=state_dir)
