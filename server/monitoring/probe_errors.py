"""The agents' error texts of a failed probe, read into kinds a person can be told.

A collector says what went wrong in a few English words ("timeout", "connection
refused", "rtsp 401 unauthorized"), with the probe it came from in front ("icmp: ",
"tcp 554: ", "onvif: GetDeviceInformation: "); a device probed more than one way gets
its errors joined by "; " (``agent/pool.py``). This splits such a text into its parts
and reads each into the probe it came from and the kind of failure, so that
``server/words.py`` can say it in Vietnamese and English. A part the table does not know
keeps its own text. The table follows what ``agent/collectors/`` write;
``tests/web/test_probe_causes.py`` holds each of their error texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# The probes a part can name in front of its error: ICMP echo, a TCP port, ONVIF (with
# the operation asked, which says nothing to a person), the command a JSON source runs.
_VIA_PREFIXES: Final = (
    ("icmp", re.compile(r"icmp:\s*", re.I)),
    ("tcp", re.compile(r"tcp (?P<port>\d+):\s*", re.I)),
    ("onvif", re.compile(r"onvif:\s*(?:get\w+:\s*)?", re.I)),
    ("command", re.compile(r"command:\s*", re.I)),
)
# An RTSP or HTTP answer with an error status: "rtsp 401 unauthorized".
_STATUS: Final = re.compile(r"(?P<via>rtsp|http) (?P<code>\d{3})\b(?P<reason>.*)", re.I)
_STATUS_KINDS: Final = {"401": "unauthorized", "403": "forbidden", "404": "not_found"}

# Each kind with the texts the agents write for it, matched against the whole part in
# lower case once its probe's prefix is off. First match wins.
KINDS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("timeout", r"timeout|(?:connection )?timed out(?: after [\d.]+ ?s)?"),
        ("refused", r"connection refused"),
        ("reset", r"connection reset(?: by peer)?|broken pipe|software caused connection abort"),
        ("closed", r"connection closed(?: by the camera)?"),
        ("no_route", r"no route to host|(?:host|network) is (?:unreachable|down)"),
        (
            "name_resolution",
            r"name resolution failed(?::.*)?|name or service not known"
            r"|temporary failure in name resolution",
        ),
        ("tls", r"tls:.*"),
        ("no_reply", r"no reply"),
        ("not_permitted", r"permission denied|operation not permitted"),
        ("no_stream", r"describe answered without a session description"),
        # An ONVIF fault: the camera's own reason, or none.
        ("unauthorized", r"(?:sender )?not ?authori[sz]ed|ter:notauthorized"),
        ("fault", r"fault"),
        (
            "bad_answer",
            r"not an rtsp answer|rtsp answer (?:headers too long|body too large)"
            r"|invalid content-length|bad http answer:.*|answer larger than \d+ bytes"
            r"|answer is not xml|answer carries a dtd; refused|not json:.*"
            r"|no utcdatetime in the answer|unreadable utcdatetime|\w+ exceeds \d+ bytes",
        ),
        (
            "missing_data",
            r"root .* not found in the document|[\w.]+: path .* not found|[\w.]+: expected .*",
        ),
        ("command_missing", r"command not found:.*|command not executable:.*|cannot run .*"),
        ("command_failed", r"(?:command )?exit -?\d+(?::.*)?"),
    )
)
# Parts are joined by "; ", but one ONVIF text holds "; " itself.
_PARTS: Final = re.compile(r";\s+(?!refused\b)", re.I)
_NOISE: Final = re.compile(r"^(?:probe_failed:\s*)+", re.I)


@dataclass(frozen=True, slots=True)
class ErrorPart:
    """One part of an agent's error text."""

    text: str  # the part as the agent wrote it
    via: str | None = None  # the probe: "icmp", "tcp", "onvif", "command", "rtsp", "http"
    kind: str | None = None  # a kind of ``KINDS`` (or of an error status); None: unknown
    port: str = ""  # the TCP port probed
    code: str = ""  # the RTSP or HTTP status answered
    rest: str = ""  # the text after the probe's prefix, as written

    @property
    def known(self) -> bool:
        """Whether anything of it can be said in words rather than as written."""
        return self.kind is not None or self.via is not None


def normalise(text: str) -> str:
    """The error text without what is not the agent's: spaces around it, a repeated
    ``probe_failed:``."""
    return _NOISE.sub("", text.strip()).strip()


def read_probe_error(text: str) -> list[ErrorPart]:
    """Each "; "-separated part of an agent's error text, read into probe and kind."""
    return [_read_part(part.strip()) for part in _PARTS.split(normalise(text)) if part.strip()]


def _read_part(part: str) -> ErrorPart:
    via: str | None = None
    port = ""
    rest = part
    for name, prefix in _VIA_PREFIXES:
        if found := prefix.match(rest):
            via, port, rest = name, found.groupdict().get("port") or "", rest[found.end() :]
            break
    lowered = rest.lower().strip()
    if status := _STATUS.fullmatch(lowered):
        code = status["code"]
        kind = _status_kind(code, status["reason"])
        return ErrorPart(part, via or status["via"], kind, port, code, rest)
    known = next((name for name, pattern in KINDS if pattern.fullmatch(lowered)), None)
    return ErrorPart(part, via, known, port, "", rest)


def _status_kind(code: str, reason: str) -> str:
    if code == "401" and "no credentials configured" in reason:
        return "no_credentials"
    if code == "503":
        return "unavailable"
    return _STATUS_KINDS.get(code, "server_error" if code.startswith("5") else "status")
