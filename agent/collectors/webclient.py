"""A small HTTP client with one deadline for the whole exchange.

``http.client``'s timeout bounds each socket operation, so a device that trickles a byte
a second could hold a collector for minutes; here every read gets only what is left of
the exchange's budget, and bodies are capped (a device's status document is small).
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import time
from urllib.parse import urlsplit

from xaso.agent.collectors.credentials import Credentials

MAX_BODY_BYTES = 512 * 1024


class HttpError(Exception):
    """No usable answer. ``reached`` tells whether the device answered at all (an HTTP
    error status) or could not be reached (refused, timeout, reset)."""

    def __init__(self, message: str, *, reached: bool) -> None:
        super().__init__(message)
        self.reached = reached


class Response:
    def __init__(
        self,
        status: int,
        reason: str,
        content_type: str,
        body: bytes,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.content_type = content_type
        self.body = body
        self.headers = headers or []  # in order, names lower-cased; a name may repeat

    def all(self, name: str) -> list[str]:
        """Every value of header ``name`` (lower-case), e.g. the challenges of a 401."""
        return [value for key, value in self.headers if key == name]


def describe_os_error(exc: BaseException) -> str:
    """The short error texts the dashboard shows ("connection refused", "timeout")."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, socket.gaierror):
        return f"name resolution failed: {exc.strerror or exc}"
    if isinstance(exc, ssl.SSLError):
        return f"tls: {exc.reason or exc}"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__


def request(
    method: str,
    url: str,
    *,
    timeout_s: float,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    credentials: Credentials | None = None,
    tls_verify: bool = True,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Response:
    parts = urlsplit(url)
    host = parts.hostname or ""
    deadline = time.monotonic() + timeout_s
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        if not tls_verify:  # self-signed recorders on the LAN; the operator chose this
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(host, parts.port, timeout=timeout_s, context=context)
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=timeout_s)
    all_headers = {"User-Agent": "xaso-agent", "Connection": "close", **(headers or {})}
    if credentials is not None:
        token = f"{credentials.username}:{credentials.password}".encode()
        all_headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    reached = False
    try:
        conn.request(method, target, body=body, headers=all_headers)
        _remaining(conn, deadline)
        answer = conn.getresponse()
        reached = True
        data = bytearray()
        while True:
            _remaining(conn, deadline)
            chunk = answer.read(65536)
            if not chunk:
                break
            data += chunk
            if len(data) > max_body_bytes:
                raise HttpError(f"answer larger than {max_body_bytes} bytes", reached=True)
        content_type = answer.getheader("Content-Type", "") or ""
        answered = [(name.lower(), value) for name, value in answer.getheaders()]
        return Response(answer.status, answer.reason, content_type, bytes(data), answered)
    except HttpError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        text = describe_os_error(exc) if isinstance(exc, OSError) else f"bad http answer: {exc!r}"
        raise HttpError(text, reached=reached) from None
    finally:
        conn.close()


def _remaining(conn: http.client.HTTPConnection, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timeout")
    if conn.sock is not None:
        conn.sock.settimeout(left)
