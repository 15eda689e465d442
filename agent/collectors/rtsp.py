"""Just enough RTSP (RFC 2326 / 7826) to ask a camera whether its stream is there:
OPTIONS, then DESCRIBE, with Basic or Digest authentication (RFC 2617; MD5 is what
cameras use), all within one deadline.

No media is set up or received: DESCRIBE answering 200 with a session description is
the cheapest proof that the encoder and its RTSP server are alive, and costs a camera
far less than a PLAY.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import time
from typing import NamedTuple
from urllib.parse import unquote, urlsplit, urlunsplit

from xaso.agent.collectors.credentials import Credentials
from xaso.agent.collectors.webclient import describe_os_error

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 64 * 1024
DEFAULT_PORT = 554


class RtspUrl(NamedTuple):
    host: str
    port: int
    # The URL sent in requests: without the user:pass@ part.
    request_url: str
    credentials: Credentials | None


def parse_rtsp_url(url: str) -> RtspUrl:
    """Raise ValueError for anything but rtsp://[user:pass@]host[:port]/path."""
    parts = urlsplit(url)
    if parts.scheme != "rtsp" or not parts.hostname:
        raise ValueError("url must be rtsp://host[:port]/path")
    port = parts.port or DEFAULT_PORT  # ValueError when out of range
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    clean = urlunsplit(("rtsp", netloc, parts.path or "/", parts.query, ""))
    credentials = None
    if parts.username is not None:
        credentials = Credentials(unquote(parts.username), unquote(parts.password or ""))
    return RtspUrl(parts.hostname, port, clean, credentials)


class RtspResponse(NamedTuple):
    status: int
    reason: str
    headers: list[tuple[str, str]]  # in order, names lower-cased; may repeat
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]


class RtspError(Exception):
    """The exchange failed; the message is the short text the dashboard shows."""


class ConnectionClosed(RtspError):
    pass


_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_challenge(value: str) -> tuple[str, dict[str, str]]:
    """``Digest realm="x", nonce="y"`` -> ("digest", {"realm": "x", "nonce": "y"})."""
    scheme, _, rest = value.strip().partition(" ")
    params = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _PARAM.finditer(rest)
    }
    return scheme.lower(), params


def _md5(text: str) -> str:
    # Digest authentication is defined on MD5; this is not a use for security.
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_authorization(
    credentials: Credentials,
    params: dict[str, str],
    method: str,
    uri: str,
    *,
    nonce_count: int = 1,
    cnonce: str | None = None,
) -> str:
    """The Authorization header for a Digest challenge (RFC 2617 section 3.2.2)."""
    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    algorithm = params.get("algorithm", "MD5")
    ha1 = _md5(f"{credentials.username}:{realm}:{credentials.password}")
    cnonce = cnonce or os.urandom(8).hex()
    if algorithm.upper() == "MD5-SESS":
        ha1 = _md5(f"{ha1}:{nonce}:{cnonce}")
    ha2 = _md5(f"{method}:{uri}")
    qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
    fields = [
        f'username="{credentials.username}"',
        f'realm="{realm}"',
        f'nonce="{nonce}"',
        f'uri="{uri}"',
    ]
    if "auth" in qops:
        nc = f"{nonce_count:08x}"
        response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        fields += [f'response="{response}"', "qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
    else:  # RFC 2069 compatibility: what most cameras send
        fields.append(f'response="{_md5(f"{ha1}:{nonce}:{ha2}")}"')
    if "algorithm" in params:
        fields.append(f"algorithm={algorithm}")
    if "opaque" in params:
        fields.append(f'opaque="{params["opaque"]}"')
    return "Digest " + ", ".join(fields)


def basic_authorization(credentials: Credentials) -> str:
    token = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(token).decode("ascii")


class RtspClient:
    """One connection to a camera, used for a few requests within one deadline."""

    def __init__(self, url: RtspUrl, deadline: float) -> None:
        self._url = url
        self._deadline = deadline
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._cseq = 0
        self._challenge: tuple[str, dict[str, str]] | None = None
        self._nonce_count = 0
        self.connect_ms: float | None = None

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise RtspError("timeout")
        return left

    def connect(self) -> None:
        started = time.perf_counter()
        try:
            self._sock = socket.create_connection(
                (self._url.host, self._url.port), timeout=self._left()
            )
        except OSError as exc:
            raise RtspError(describe_os_error(exc)) from None
        self.connect_ms = round((time.perf_counter() - started) * 1000.0, 2)
        self._buffer = b""

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def request(
        self, method: str, credentials: Credentials | None, extra: dict[str, str] | None = None
    ) -> RtspResponse:
        """Send ``method`` and, on 401 with credentials, once more with authorization."""
        answer = self._exchange(method, credentials, extra)
        if answer.status == 401 and credentials is not None:
            offered = [parse_challenge(v) for v in answer.all("www-authenticate")]
            # Digest when offered: Basic sends the password in clear over the LAN.
            chosen = next((c for c in offered if c[0] == "digest"), None) or next(
                (c for c in offered if c[0] == "basic"), None
            )
            if chosen is None:
                return answer
            self._challenge, self._nonce_count = chosen, 0
            if (answer.header("connection") or "").lower() == "close":
                self.close()
            try:
                answer = self._exchange(method, credentials, extra)
            except ConnectionClosed:
                # Some cameras hang up after a 401 without saying so: one fresh try.
                self.close()
                answer = self._exchange(method, credentials, extra)
        return answer

    def _exchange(
        self, method: str, credentials: Credentials | None, extra: dict[str, str] | None
    ) -> RtspResponse:
        if self._sock is None:
            self.connect()
        self._cseq += 1
        headers = {"CSeq": str(self._cseq), "User-Agent": "xaso-agent", **(extra or {})}
        if credentials is not None and self._challenge is not None:
            scheme, params = self._challenge
            if scheme == "digest":
                self._nonce_count += 1
                headers["Authorization"] = digest_authorization(
                    credentials,
                    params,
                    method,
                    self._url.request_url,
                    nonce_count=self._nonce_count,
                )
            else:
                headers["Authorization"] = basic_authorization(credentials)
        lines = [f"{method} {self._url.request_url} RTSP/1.0"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        try:
            assert self._sock is not None
            self._sock.settimeout(self._left())
            self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
            return self._read_response()
        except (ConnectionResetError, BrokenPipeError):
            raise ConnectionClosed("connection reset") from None
        except OSError as exc:
            raise RtspError(describe_os_error(exc)) from None

    def _recv(self) -> bytes:
        assert self._sock is not None
        self._sock.settimeout(self._left())
        chunk = self._sock.recv(4096)
        if not chunk:
            raise ConnectionClosed("connection closed by the camera")
        return chunk

    def _read_response(self) -> RtspResponse:
        while b"\r\n\r\n" not in self._buffer:
            if len(self._buffer) > MAX_HEADER_BYTES:
                raise RtspError("rtsp answer headers too long")
            self._buffer += self._recv()
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("utf-8", "replace").split("\r\n")
        match = re.match(r"RTSP/\d\.\d (\d{3}) ?(.*)", status_line)
        if match is None:
            raise RtspError("not an rtsp answer")
        headers = []
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers.append((name.strip().lower(), value.strip()))
        length_text = next((v for k, v in headers if k == "content-length"), "0")
        try:
            length = int(length_text)
        except ValueError:
            raise RtspError("invalid content-length") from None
        if not 0 <= length <= MAX_BODY_BYTES:
            raise RtspError("rtsp answer body too large")
        while len(self._buffer) < length:
            self._buffer += self._recv()
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return RtspResponse(int(match.group(1)), match.group(2).strip(), headers, body)
