"""Why a probe failed, in words: every error text the agent's collectors write is read
into a kind (server/monitoring/probe_errors.py) and said in Vietnamese, with its
diacritics, and in English (server/words.py), the agent's own text kept beside it."""

from __future__ import annotations

import errno
import os
import socket
import ssl

import pytest

from xaso.agent.collectors.webclient import describe_os_error
from xaso.server.monitoring.probe_errors import read_probe_error
from xaso.server.words import cause_text, describe_cause, translator

VI, EN = translator("vi"), translator("en")

# The texts of agent/collectors/, by the module that writes them (the f-strings filled
# in the way the collectors fill them).
AGENT_ERRORS = {
    "reachability.py": [
        "icmp: timeout",
        "icmp: no reply",
        "icmp: connection refused",
        "icmp: Operation not permitted",
        "icmp: name resolution failed: Name or service not known",
        "icmp: command not found: ping",
        "icmp: command not executable: /bin/ping",
        "icmp: cannot run ping: Exec format error",
        "icmp: timed out after 3s",
        "tcp 554: connection refused",
        "tcp 80: timeout",
        "tcp 80: No route to host",
        "tcp 8000: Network is unreachable",
        "icmp: timeout; tcp 554: connection refused",
    ],
    "rtsp.py and camera.py": [
        "timeout",
        "connection refused",
        "connection reset",
        "connection closed by the camera",
        "rtsp answer headers too long",
        "not an rtsp answer",
        "invalid content-length",
        "rtsp answer body too large",
        "rtsp 401 unauthorized",
        "rtsp 401 unauthorized (no credentials configured)",
        "rtsp 403 forbidden",
        "rtsp 404 stream not found",
        "rtsp 404",
        "rtsp 454 session not found",
        "rtsp 503 service unavailable",
        "rtsp 500 internal server error",
        "describe answered without a session description",
        "connection refused; onvif: connection refused",
    ],
    "onvif.py (through camera.py)": [
        "onvif: timeout",
        "onvif: connection refused",
        "onvif: answer carries a DTD; refused",
        "onvif: GetSystemDateAndTime: http 401 unauthorized",
        "onvif: GetDeviceInformation: Sender not authorized",
        "onvif: GetDeviceInformation: fault",
        "onvif: GetDeviceInformation: answer is not XML",
        "onvif: GetSystemDateAndTime: no UTCDateTime in the answer",
        "onvif: GetSystemDateAndTime: unreadable UTCDateTime",
        "onvif: timeout; onvif: timeout",
    ],
    "webclient.py": [
        "answer larger than 1048576 bytes",
        "bad http answer: RemoteDisconnected('Remote end closed connection')",
        "tls: CERTIFICATE_VERIFY_FAILED",
    ],
    "jsonsource.py, nvr.py and radio.py": [
        "http 404 not found",
        "http 401 unauthorized",
        "http 500 internal server error",
        "http 418 i'm a teapot",
        "not JSON: Expecting value: line 1 column 1 (char 0)",
        "command: command not found: /opt/nvr-status",
        "command: timed out after 5s",
        "command: stdout exceeds 1048576 bytes",
        "command exit 2: no message",
        "root 'status' not found in the document",
        "recording: path 'state.rec' not found",
        "free_disk_pct: Expected `float`, got `str`",
    ],
}
EVERY_ERROR = [text for texts in AGENT_ERRORS.values() for text in texts]

# Letters only Vietnamese writes (with diacritics), to tell a Vietnamese phrase from an
# English text left as it was.
VIETNAMESE_LETTERS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def _real_os_errors() -> list[str]:
    """What ``describe_os_error`` says of the errors a socket really raises."""
    raised: list[BaseException] = [
        TimeoutError(),
        ConnectionRefusedError(errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED)),
        ConnectionResetError(errno.ECONNRESET, os.strerror(errno.ECONNRESET)),
        ConnectionAbortedError(errno.ECONNABORTED, os.strerror(errno.ECONNABORTED)),
        BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE)),
        OSError(errno.ETIMEDOUT, os.strerror(errno.ETIMEDOUT)),
        OSError(errno.EHOSTUNREACH, os.strerror(errno.EHOSTUNREACH)),
        OSError(errno.ENETUNREACH, os.strerror(errno.ENETUNREACH)),
        OSError(errno.EHOSTDOWN, os.strerror(errno.EHOSTDOWN)),
        OSError(errno.EPERM, os.strerror(errno.EPERM)),
        PermissionError(errno.EACCES, os.strerror(errno.EACCES)),
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
        _tls_error(),
    ]
    return [describe_os_error(exc) for exc in raised]


def _tls_error() -> ssl.SSLError:
    """What a TLS handshake with a device that speaks plain HTTP raises."""
    ours, device = socket.socketpair()
    with ours, device:
        device.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n" * 8)
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        try:
            context.wrap_socket(ours, server_hostname="camera")
        except ssl.SSLError as exc:
            return exc
    raise AssertionError("the handshake should have failed")


@pytest.mark.parametrize("error", EVERY_ERROR + _real_os_errors())
def test_every_agent_error_is_said_in_vietnamese_and_english(error: str) -> None:
    parts = read_probe_error(error)
    assert parts and all(part.kind is not None for part in parts), parts
    vi = cause_text(f"probe_failed: {error}", VI)
    en = cause_text(f"probe_failed: {error}", EN)
    assert vi.text.startswith("Không phản hồi: ") and en.text.startswith("Not answering: ")
    for part in parts:
        said = VI[f"probe.{part.kind}"]
        assert VIETNAMESE_LETTERS & set(said.lower()), said
        assert said.format(code=part.code) in vi.text
        assert EN[f"probe.{part.kind}"].format(code=part.code) in en.text
    # The agent's own words are kept, for an administrator.
    assert vi.raw == en.raw == error


def test_the_probe_and_its_port_are_named() -> None:
    vi = describe_cause("probe_failed: icmp: timeout; tcp 554: connection refused", VI)
    assert vi == (
        "Không phản hồi: ping: quá thời gian chờ; "
        "cổng 554: bị từ chối kết nối (dịch vụ không chạy hoặc cổng bị đóng)"
    )
    en = describe_cause("probe_failed: rtsp 401 unauthorized", EN)
    assert en == "Not answering: video stream (RTSP): wrong user name or password"
    assert describe_cause("probe_failed: http 502 bad gateway", VI).endswith("(mã 502)")


def test_texts_are_normalised_before_they_are_read() -> None:
    for text in ("TIMEOUT", "  Connection Refused ", "probe_failed: timeout"):
        assert read_probe_error(text)[0].kind is not None, text
    assert cause_text("probe_failed: probe_failed: timeout", VI).raw == "timeout"


def test_an_unknown_error_is_shown_as_written_after_the_generic_words() -> None:
    assert cause_text("probe_failed: the moon is in the way", VI) == (
        "Không phản hồi: the moon is in the way",
        "",  # nothing said in words: the text itself is the agent's
    )
    # Its probe still named, the rest as written; and a known part beside it translated.
    found = cause_text("probe_failed: onvif: GetDeviceInformation: Odd reason; icmp: timeout", EN)
    assert found.text == "Not answering: ONVIF: Odd reason; ping: timed out"
    assert found.raw == "onvif: GetDeviceInformation: Odd reason; icmp: timeout"


def test_other_causes_keep_their_words() -> None:
    assert cause_text("will", VI) == ("Mất kết nối đột ngột (MQTT will)", "")
    assert cause_text("probe_failed", EN) == ("Not answering", "")
    assert cause_text("something_new: with detail", VI) == ("something_new: with detail", "")
    assert cause_text("backfill: probe_failed: icmp: no reply", VI) == (
        "Không phản hồi: ping: không có trả lời (theo dữ liệu gateway gửi bù)",
        "icmp: no reply",
    )
    assert describe_cause("backfill: probe_ok", EN) == "Answering (from the gateway's backlog)"
    assert describe_cause("no data", VI) == "Chưa có dữ liệu"
