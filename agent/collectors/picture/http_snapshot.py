"""A snapshot over HTTP, as cameras serve it: GET, and a 401 answered once with the
camera's credentials, Digest when offered (RFC 2617, as for RTSP), Basic otherwise.

No password goes out before the camera asks for one, and none in clear when the camera
can take a digest: snapshot URLs are plain HTTP on most cameras.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from xaso.agent.collectors.credentials import Credentials
from xaso.agent.collectors.rtsp import basic_authorization, digest_authorization, parse_challenge
from xaso.agent.collectors.webclient import HttpError, Response, request

# A 4K camera's snapshot is 1-2 MB; more is not a snapshot.
MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024


class SnapshotError(Exception):
    """No snapshot; the message is the short reason the reading carries."""


def fetch(url: str, credentials: Credentials | None, *, timeout_s: float) -> bytes:
    """The body of ``GET url``, or ``SnapshotError``; all of it within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    answer = _get(url, {}, deadline)
    if answer.status == 401 and credentials is not None:
        offered = [parse_challenge(v) for v in answer.all("www-authenticate")]
        chosen = next((c for c in offered if c[0] == "digest"), None) or next(
            (c for c in offered if c[0] == "basic"), None
        )
        if chosen is not None:
            scheme, params = chosen
            if scheme == "digest":
                authorization = digest_authorization(credentials, params, "GET", _target(url))
            else:
                authorization = basic_authorization(credentials)
            answer = _get(url, {"Authorization": authorization}, deadline)
    if answer.status == 401:
        hint = "" if credentials is not None else " (no credentials configured)"
        raise SnapshotError(f"http 401 unauthorized{hint}")
    if answer.status != 200:
        raise SnapshotError(f"http {answer.status} {answer.reason.lower()}".strip())
    return answer.body


def _get(url: str, headers: dict[str, str], deadline: float) -> Response:
    left = deadline - time.monotonic()
    if left <= 0:
        raise SnapshotError("timeout")
    try:
        return request(
            "GET",
            url,
            timeout_s=left,
            headers={"Accept": "image/jpeg, image/*", **headers},
            max_body_bytes=MAX_SNAPSHOT_BYTES,
        )
    except HttpError as exc:
        raise SnapshotError(str(exc)) from None


def _target(url: str) -> str:
    """The request-target, which is the ``uri`` of a Digest response."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
