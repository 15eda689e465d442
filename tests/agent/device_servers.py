"""Small real servers on 127.0.0.1 for the collector tests (helpers, no tests here):
RTSP and HTTP (JSON documents, ONVIF with its media service, camera snapshots).

They speak the real protocols, implemented here independently of the agent's client
(the Digest check below is written from RFC 2617, not imported), so a test passes only
when the two sides agree on the wire.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SDP = (
    b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\n"
    b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
)
REALM = "IP Camera(C1234)"
NONCE = "a1b2c3d4e5f6"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_ok(header: str, method: str, user: str, password: str) -> bool:
    """RFC 2617 check of an Authorization: Digest header, with or without qop."""
    if not header.startswith("Digest "):
        return False
    params = dict(
        (m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
        for m in re.finditer(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', header[7:])
    )
    if params.get("username") != user or params.get("nonce") != NONCE:
        return False
    ha1 = _md5(f"{user}:{REALM}:{password}")
    ha2 = _md5(f"{method}:{params.get('uri')}")
    if params.get("qop") == "auth":
        expected = _md5(f"{ha1}:{NONCE}:{params['nc']}:{params['cnonce']}:auth:{ha2}")
    else:
        expected = _md5(f"{ha1}:{NONCE}:{ha2}")
    return params.get("response") == expected


class RtspHandler(socketserver.BaseRequestHandler):
    server: RtspServer

    def handle(self) -> None:
        self.request.settimeout(5)
        buffer = b""
        while True:
            try:
                chunk = self.request.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\r\n\r\n" in buffer:
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                self.server.requests.append(head.decode())
                if self.server.mode == "silent":
                    continue  # accepts, reads, never answers
                self.request.sendall(self._answer(head.decode()))

    def _answer(self, head: str) -> bytes:
        request_line, *lines = head.split("\r\n")
        method = request_line.split(" ")[0]
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
        cseq = headers.get("cseq", "0")
        if self.server.mode == "digest":
            auth = headers.get("authorization", "")
            if not digest_ok(auth, method, self.server.user, self.server.password):
                qop = ', qop="auth"' if self.server.qop else ""
                return (
                    f"RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\n"
                    f'WWW-Authenticate: Basic realm="{REALM}"\r\n'
                    f'WWW-Authenticate: Digest realm="{REALM}", nonce="{NONCE}"{qop}\r\n\r\n'
                ).encode()
        if method == "OPTIONS":
            return (
                f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n"
                "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n"
            ).encode()
        if method == "DESCRIBE":
            if self.server.mode == "no-sdp":
                return f"RTSP/1.0 404 Stream Not Found\r\nCSeq: {cseq}\r\n\r\n".encode()
            return (
                f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Type: application/sdp\r\n"
                f"Content-Length: {len(SDP)}\r\n\r\n"
            ).encode() + SDP
        return f"RTSP/1.0 501 Not Implemented\r\nCSeq: {cseq}\r\n\r\n".encode()


class RtspServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True

    def __init__(self, mode: str, user: str = "", password: str = "", qop: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), RtspHandler)
        self.mode, self.user, self.password, self.qop = mode, user, password, qop
        self.requests: list[str] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@contextmanager
def running(server: socketserver.BaseServer) -> Iterator[Any]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()  # joins the handler threads
        thread.join(5)


@contextmanager
def rtsp_server(mode: str, **kwargs: Any) -> Iterator[RtspServer]:
    with running(RtspServer(mode, **kwargs)) as server:
        yield server


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- HTTP: JSON documents and ONVIF ------------------------------------------------------

# (status, content type, body), or with a fourth item: headers to add (a 401's challenge).
Answer = tuple[int, str, bytes] | tuple[int, str, bytes, dict[str, str]]
Route = Callable[["HttpHandler"], Answer]


class HttpHandler(BaseHTTPRequestHandler):
    server: HttpServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet tests
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        self.server.hits.append(self.path)
        route = self.server.routes.get(self.path) or self.server.routes.get(
            self.path.partition("?")[0]
        )
        extra: dict[str, str] = {}
        if route is None:
            status, content_type, body = 404, "text/plain", b"not found"
        else:
            status, content_type, body, *more = route(self)
            extra = more[0] if more else {}
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _serve
    do_POST = _serve


class HttpServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), HttpHandler)
        self.routes = routes
        self.hits: list[str] = []
        self.calls: list[str] = []  # SOAP operations, in order

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@contextmanager
def http_server(routes: dict[str, Route]) -> Iterator[HttpServer]:
    with running(HttpServer(routes)) as server:
        yield server


def json_route(document: Any, *, user: str | None = None, password: str = "") -> Route:
    def route(handler: HttpHandler) -> tuple[int, str, bytes]:
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            if handler.headers.get("Authorization") != f"Basic {token}":
                return 401, "text/plain", b"unauthorized"
        return 200, "application/json", json.dumps(document).encode()

    return route


MEDIA_PATH = "/onvif/Media"
PROFILE_TOKEN = "Profile_1"


def onvif_route(
    *, offset_s: float, user: str, password: str, snapshot_path: str | None = None
) -> Route:
    """An ONVIF device service: the clock without auth, device information only with a
    valid WS-Security UsernameToken (PasswordDigest). With ``snapshot_path``, also the
    media service (to be routed at ``MEDIA_PATH`` as well): GetCapabilities names it,
    GetProfiles lists two profiles, GetSnapshotUri answers ``snapshot_path`` on this
    server for the first, all three only with a valid token."""

    def route(handler: HttpHandler) -> tuple[int, str, bytes]:
        body = handler.body.decode()
        operation = re.search(r"<s:Body><(\w+)", body)
        handler.server.calls.append(operation.group(1) if operation else "?")
        if snapshot_path is not None and (
            answer := _media(handler, body, user, password, snapshot_path)
        ):
            return answer
        if "GetSystemDateAndTime" in body:
            now = dt.datetime.fromtimestamp(time.time() + offset_s, tz=dt.UTC)
            return 200, "application/soap+xml", _soap(_date_time(now))
        if "GetDeviceInformation" in body:
            if not _token_ok(body, user, password):
                return 400, "application/soap+xml", _soap(_fault("Sender not authorized"))
            return (
                200,
                "application/soap+xml",
                _soap(
                    "<tds:GetDeviceInformationResponse>"
                    "<tds:Manufacturer>Hikvision</tds:Manufacturer><tds:Model>DS-2CD1023G0</tds:Model>"
                    "<tds:FirmwareVersion>V5.7.3 build 220112</tds:FirmwareVersion>"
                    "<tds:SerialNumber>X</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId>"
                    "</tds:GetDeviceInformationResponse>"
                ),
            )
        return 400, "application/soap+xml", _soap(_fault("unknown action"))

    return route


def _media(
    handler: HttpHandler, body: str, user: str, password: str, snapshot_path: str
) -> tuple[int, str, bytes] | None:
    media = ("GetCapabilities", "GetProfiles", "GetSnapshotUri")
    if not any(f"<{name} " in body for name in media):
        return None
    if not _token_ok(body, user, password):
        return 400, "application/soap+xml", _soap(_fault("Sender not authorized"))
    if "<GetCapabilities " in body:
        return (
            200,
            "application/soap+xml",
            _soap(
                "<tds:GetCapabilitiesResponse><tds:Capabilities>"
                f"<tt:Device><tt:XAddr>{handler.server.url('/onvif/device_service')}</tt:XAddr>"
                f"</tt:Device><tt:Media><tt:XAddr>{handler.server.url(MEDIA_PATH)}</tt:XAddr>"
                "</tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>"
            ),
        )
    if handler.path != MEDIA_PATH:  # media calls go to the address GetCapabilities gave
        return 400, "application/soap+xml", _soap(_fault("not the media service"))
    if "<GetProfiles " in body:
        return (
            200,
            "application/soap+xml",
            _soap(
                '<trt:GetProfilesResponse xmlns:trt="http://www.onvif.org/ver10/media/wsdl">'
                f'<trt:Profiles token="{PROFILE_TOKEN}" fixed="true"><tt:Name>mainStream</tt:Name>'
                '</trt:Profiles><trt:Profiles token="Profile_2" fixed="true">'
                "<tt:Name>subStream</tt:Name></trt:Profiles></trt:GetProfilesResponse>"
            ),
        )
    token = re.search(r"<ProfileToken>([^<]*)</ProfileToken>", body)
    if token is None or token.group(1) != PROFILE_TOKEN:
        return 400, "application/soap+xml", _soap(_fault("no such profile"))
    return (
        200,
        "application/soap+xml",
        _soap(
            '<trt:GetSnapshotUriResponse xmlns:trt="http://www.onvif.org/ver10/media/wsdl">'
            f"<trt:MediaUri><tt:Uri>{handler.server.url(snapshot_path)}</tt:Uri>"
            "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
            "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>"
            "</trt:MediaUri></trt:GetSnapshotUriResponse>"
        ),
    )


class SnapshotCamera:
    """A camera's HTTP snapshot endpoint: serves ``picture`` (set it to change what the
    camera sees), behind Digest or Basic authentication when ``auth`` says so. ``mode``
    "hang" accepts and never answers (until ``release``), "html" answers a login page."""

    def __init__(
        self, picture: bytes = b"", *, auth: str | None = None, user: str = "", password: str = ""
    ) -> None:
        self.picture = picture
        self.auth, self.user, self.password = auth, user, password
        self.mode = "ok"
        self.release = threading.Event()
        self.authorizations: list[str] = []

    def route(self, handler: HttpHandler) -> Answer:
        header = handler.headers.get("Authorization") or ""
        self.authorizations.append(header)
        if self.auth == "digest" and not digest_ok(header, "GET", self.user, self.password):
            return (
                401,
                "text/html",
                b"<html>401</html>",
                {"WWW-Authenticate": f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth"'},
            )
        if self.auth == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if header != f"Basic {token}":
                return (
                    401,
                    "text/html",
                    b"<html>401</html>",
                    {"WWW-Authenticate": f'Basic realm="{REALM}"'},
                )
        if self.mode == "hang":
            self.release.wait(10)
            return 503, "text/plain", b"late"
        if self.mode == "html":
            return 200, "text/html", b"<!DOCTYPE html><html><body>Login</body></html>"
        return 200, "image/jpeg", self.picture


@contextmanager
def snapshot_server(camera: SnapshotCamera, path: str = "/snapshot.jpg") -> Iterator[HttpServer]:
    with http_server({path: camera.route}) as server:
        try:
            yield server
        finally:
            camera.release.set()  # a hanging answer must end before the server can


def _token_ok(body: str, user: str, password: str) -> bool:
    def text(tag: str) -> str:
        match = re.search(rf"<[\w:]*{tag}[^>]*>([^<]*)</", body)
        return match.group(1) if match else ""

    if text("Username") != user:
        return False
    nonce = base64.b64decode(text("Nonce"))
    digest = hashlib.sha1(nonce + text("Created").encode() + password.encode()).digest()
    return text("Password") == base64.b64encode(digest).decode()


def _soap(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" '
        'xmlns:tt="http://www.onvif.org/ver10/schema" '
        'xmlns:tse="http://www.onvif.org/ver10/search/wsdl">'
        f"<SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def _fault(reason: str) -> str:
    return (
        "<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value>"
        "</SOAP-ENV:Code><SOAP-ENV:Reason>"
        f'<SOAP-ENV:Text xml:lang="en">{reason}</SOAP-ENV:Text>'
        "</SOAP-ENV:Reason></SOAP-ENV:Fault>"
    )


def _date_time(now: dt.datetime) -> str:
    return (
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
        "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
        "<tt:TimeZone><tt:TZ>ICT-7</tt:TZ></tt:TimeZone><tt:UTCDateTime>"
        f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
        f"<tt:Second>{now.second}</tt:Second></tt:Time>"
        f"<tt:Date><tt:Year>{now.year}</tt:Year><tt:Month>{now.month}</tt:Month>"
        f"<tt:Day>{now.day}</tt:Day></tt:Date>"
        "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )


# --- ONVIF Recording Search ------------------------------------------------------------


class RecorderState:
    """What an ONVIF recorder holds: per recording token, its source and the stretches
    [from_ms, to_ms) with data; and what it was asked."""

    def __init__(self, recordings: dict[str, tuple[str, list[tuple[int, int]]]]) -> None:
        self.recordings = recordings  # token -> (source id, stretches)
        self.searches: dict[str, list[str]] = {}  # search token -> results not yet given
        self.operations: list[str] = []
        self.ended: list[str] = []
        self.windows: list[tuple[int, int]] = []


def onvif_search_route(state: RecorderState, *, user: str, password: str) -> Route:
    """A Recording Search service (ONVIF search.wsdl): FindRecordings and FindEvents
    open a session whose results GetRecordingSearchResults / GetEventSearchResults hand
    out MaxResults at a time; EndSearch closes it. History events are
    RecordingHistory/Track/State with IsDataPresent, the state at StartPoint included
    as a start-state event; every call needs a valid UsernameToken."""

    def route(handler: HttpHandler) -> tuple[int, str, bytes]:
        body = handler.body.decode()
        operation = re.search(r"<s:Body><(\w+)", body)
        name = operation.group(1) if operation else ""
        state.operations.append(name)
        if not _token_ok(body, user, password):
            return 400, "application/soap+xml", _soap(_fault("Sender not authorized"))
        if name == "FindRecordings":
            token = f"rec-search-{len(state.searches)}"
            state.searches[token] = [
                "<tt:RecordingInformation>"
                f"<tt:RecordingToken>{rec}</tt:RecordingToken>"
                f"<tt:Source><tt:SourceId>{source}</tt:SourceId><tt:Name>{source}</tt:Name>"
                "</tt:Source><tt:RecordingStatus>Recording</tt:RecordingStatus>"
                "</tt:RecordingInformation>"
                for rec, (source, _) in state.recordings.items()
            ]
            return 200, "application/soap+xml", _soap(_search_token("FindRecordings", token))
        if name == "FindEvents":
            start, end = _xs_ms(_tag(body, "StartPoint")), _xs_ms(_tag(body, "EndPoint"))
            state.windows.append((start, end))
            wanted = re.findall(r"<(?:\w+:)?IncludedRecordings>([^<]*)<", body)
            token = f"ev-search-{len(state.searches)}"
            state.searches[token] = [
                result
                for rec in wanted
                for result in _history_events(rec, state.recordings[rec][1], start, end)
            ]
            return 200, "application/soap+xml", _soap(_search_token("FindEvents", token))
        if name in ("GetRecordingSearchResults", "GetEventSearchResults"):
            token = _tag(body, "SearchToken")
            waiting = state.searches[token]
            limit = int(_tag(body, "MaxResults") or 100)
            page, state.searches[token] = waiting[:limit], waiting[limit:]
            done = "Completed" if not state.searches[token] else "Searching"
            return (
                200,
                "application/soap+xml",
                _soap(
                    f"<tse:{name}Response><tse:ResultList>"
                    f"<tt:SearchState>{done}</tt:SearchState>{''.join(page)}"
                    f"</tse:ResultList></tse:{name}Response>"
                ),
            )
        if name == "EndSearch":
            state.ended.append(_tag(body, "SearchToken"))
            return 200, "application/soap+xml", _soap("<tse:EndSearchResponse/>")
        return 400, "application/soap+xml", _soap(_fault("unknown action"))

    return route


def _tag(body: str, name: str) -> str:
    match = re.search(rf"<(?:\w+:)?{name}[^>]*>([^<]*)</", body)
    return match.group(1) if match else ""


def _xs_ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp() * 1000)


def _ms_xs(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _search_token(operation: str, token: str) -> str:
    return (
        f"<tse:{operation}Response><tse:SearchToken>{token}</tse:SearchToken>"
        f"</tse:{operation}Response>"
    )


def _history_events(
    recording: str, stretches: list[tuple[int, int]], start: int, end: int
) -> list[str]:
    """The recording's data-present changes in [start, end], the state at start first."""
    present_at_start = any(a <= start < b for a, b in stretches)
    events = [_history_event(recording, start, present_at_start, start_state=True)]
    for a, b in sorted(stretches):
        if start < a < end:
            events.append(_history_event(recording, a, True))
        if start < b < end:
            events.append(_history_event(recording, b, False))
    return events


def _history_event(recording: str, ms: int, present: bool, *, start_state: bool = False) -> str:
    return (
        "<tt:Result>"
        f"<tt:RecordingToken>{recording}</tt:RecordingToken>"
        f"<tt:TrackToken>VIDEO001</tt:TrackToken><tt:Time>{_ms_xs(ms)}</tt:Time>"
        '<tt:Event><wsnt:NotificationMessage xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2">'
        '<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">'
        "tns1:RecordingHistory/Track/State</wsnt:Topic><wsnt:Message>"
        f'<tt:Message UtcTime="{_ms_xs(ms)}"><tt:Source>'
        f'<tt:SimpleItem Name="RecordingToken" Value="{recording}"/>'
        '<tt:SimpleItem Name="Track" Value="VIDEO001"/></tt:Source><tt:Data>'
        f'<tt:SimpleItem Name="IsDataPresent" Value="{str(present).lower()}"/>'
        "</tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></tt:Event>"
        f"<tt:StartStateEvent>{str(start_state).lower()}</tt:StartStateEvent>"
        "</tt:Result>"
    )
