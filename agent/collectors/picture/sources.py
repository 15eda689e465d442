"""Where a camera's snapshot comes from: an HTTP snapshot URL, the URL ONVIF names, or
a frame of the RTSP stream. Each ``take`` returns the image's bytes within its budget
or raises ``SnapshotError`` with a short reason."""

from __future__ import annotations

import time
from typing import Protocol

from xaso.agent.collectors import onvif
from xaso.agent.collectors.credentials import Credentials
from xaso.agent.collectors.picture import http_snapshot
from xaso.agent.collectors.picture.http_snapshot import SnapshotError
from xaso.agent.collectors.picture.rtsp_frame import RtspFrame


class SnapshotSource(Protocol):
    name: str

    def take(
        self, credentials: Credentials | None, timeout_s: float, clock_offset_ms: float | None
    ) -> bytes: ...


class HttpSnapshot:
    name = "http"

    def __init__(self, url: str) -> None:
        self.url = url

    def take(
        self, credentials: Credentials | None, timeout_s: float, clock_offset_ms: float | None
    ) -> bytes:
        return http_snapshot.fetch(self.url, credentials, timeout_s=timeout_s)


class OnvifSnapshot:
    """GetSnapshotUri once, then that URL until it fails (the camera was reconfigured,
    or it names a URL that does not work): then it is asked again next time."""

    name = "onvif"

    def __init__(self, device_url: str) -> None:
        self.device_url = device_url
        self.uri: str | None = None

    def take(
        self, credentials: Credentials | None, timeout_s: float, clock_offset_ms: float | None
    ) -> bytes:
        deadline = time.monotonic() + timeout_s
        if self.uri is None:
            try:
                self.uri = onvif.snapshot_uri(
                    self.device_url,
                    timeout_s=timeout_s,
                    credentials=credentials,
                    clock_offset_ms=clock_offset_ms,
                )
            except onvif.OnvifError as exc:
                raise SnapshotError(f"onvif: {exc}") from None
        left = deadline - time.monotonic()
        if left <= 0:
            raise SnapshotError("timeout")
        try:
            return http_snapshot.fetch(self.uri, credentials, timeout_s=left)
        except SnapshotError:
            self.uri = None
            raise


class FfmpegSnapshot:
    name = "rtsp"

    def __init__(self, rtsp_url: str, ffmpeg: str) -> None:
        self._frame = RtspFrame(rtsp_url, ffmpeg)

    def take(
        self, credentials: Credentials | None, timeout_s: float, clock_offset_ms: float | None
    ) -> bytes:
        return self._frame.take(credentials, timeout_s)
