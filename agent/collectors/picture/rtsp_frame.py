"""One frame of a camera's RTSP stream, decoded by ffmpeg, for cameras that serve no
snapshot over HTTP.

ffmpeg is a program the gateway may or may not have (it is large, so it is not a
dependency of the agent): it is looked up once, and without it every attempt says so
plainly. It runs through ``process.run_command``, which kills its whole process group at
the deadline, so a stream that never sends a key frame costs the budget and no more.
"""

from __future__ import annotations

import shutil
from urllib.parse import quote

from xaso.agent.collectors.credentials import Credentials
from xaso.agent.collectors.picture.http_snapshot import MAX_SNAPSHOT_BYTES, SnapshotError
from xaso.agent.collectors.process import CommandError, run_command
from xaso.agent.collectors.rtsp import parse_rtsp_url


def ffmpeg_argv(ffmpeg: str, url: str, timeout_s: float) -> list[str]:
    """Read the stream over TCP (UDP through a gateway's NAT loses packets and so key
    frames), take the first decoded frame, write it as one JPEG to stdout, scaled to
    640 px wide at most: the measures need no more, and the pipe carries less."""
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-rtsp_transport",
        "tcp",
        # ffmpeg's own socket timeout (microseconds), so it gives up rather than be killed.
        "-timeout",
        str(int(timeout_s * 1_000_000)),
        "-i",
        url,
        "-frames:v",
        "1",
        "-vf",
        "scale='min(640,iw)':-2",
        "-q:v",
        "5",
        "-f",
        "image2pipe",
        "-vcodec",
        "mjpeg",
        "pipe:1",
    ]


def with_credentials(url: str, credentials: Credentials | None) -> str:
    """ffmpeg takes RTSP credentials only in the URL."""
    target = parse_rtsp_url(url)
    if target.credentials is not None or credentials is None:
        return url
    user = quote(credentials.username, safe="")
    password = quote(credentials.password, safe="")
    scheme, _, rest = target.request_url.partition("://")
    return f"{scheme}://{user}:{password}@{rest}"


class RtspFrame:
    def __init__(self, url: str, ffmpeg: str = "ffmpeg") -> None:
        self._url = url
        self._ffmpeg = shutil.which(ffmpeg)

    def take(self, credentials: Credentials | None, timeout_s: float) -> bytes:
        if self._ffmpeg is None:
            raise SnapshotError("ffmpeg not installed (needed for a frame of the rtsp stream)")
        argv = ffmpeg_argv(self._ffmpeg, with_credentials(self._url, credentials), timeout_s)
        try:
            done = run_command(argv, timeout_s=timeout_s, max_output_bytes=MAX_SNAPSHOT_BYTES)
        except CommandError as exc:
            raise SnapshotError(f"ffmpeg: {exc}") from None
        if done.returncode != 0 or not done.stdout:
            # The URL (with its password) is in ffmpeg's messages: never repeat them.
            reason = _reason(done.stderr.decode("utf-8", "replace"))
            raise SnapshotError(f"ffmpeg: {reason}")
        return done.stdout


def _reason(stderr: str) -> str:
    """A short, password-free reason from ffmpeg's error output."""
    lowered = stderr.lower()
    for needle, reason in (
        ("401", "rtsp 401 unauthorized"),
        ("connection refused", "connection refused"),
        ("timed out", "timeout"),
        ("404", "rtsp 404 stream not found"),
    ):
        if needle in lowered:
            return reason
    return "no frame decoded"
