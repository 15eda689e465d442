"""A few ONVIF calls over plain HTTP: GetSystemDateAndTime (the camera's clock, whose
drift breaks evidence timestamps and WS-Security), GetDeviceInformation (model and
firmware, for the inventory and for spotting unpatched cameras), and for the picture
checks the snapshot URL: GetCapabilities (where the media service is), then the media
service's GetProfiles and GetSnapshotUri.

Hand-written SOAP 1.2, because a SOAP library would be most of the agent's footprint for
a handful of small requests. GetSystemDateAndTime needs no authentication (ONVIF Core, "pre-auth"
operations); GetDeviceInformation usually does, with a WS-Security UsernameToken whose
``Created`` should be in the camera's time, so the clock is asked first and its offset
is applied.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import time
import xml.etree.ElementTree as ET
from typing import NamedTuple
from xml.sax.saxutils import escape

from xaso.agent.collectors.credentials import Credentials
from xaso.agent.collectors.webclient import HttpError, request

_DEVICE_NS = "http://www.onvif.org/ver10/device/wsdl"
_MEDIA_NS = "http://www.onvif.org/ver10/media/wsdl"
_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_PASSWORD_DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)
_BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)


class OnvifError(Exception):
    pass


class DeviceInfo(NamedTuple):
    model: str | None
    firmware: str | None


def username_token(credentials: Credentials, created: dt.datetime, nonce: bytes) -> str:
    """WS-Security UsernameToken with PasswordDigest = Base64(SHA-1(nonce + created +
    password)), as ONVIF Core requires."""
    created_text = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hashlib.sha1(
        nonce + created_text.encode() + credentials.password.encode(), usedforsecurity=False
    )
    return (
        f'<wsse:Security s:mustUnderstand="1" xmlns:wsse="{_WSSE}" xmlns:wsu="{_WSU}">'
        "<wsse:UsernameToken>"
        f"<wsse:Username>{escape(credentials.username)}</wsse:Username>"
        f'<wsse:Password Type="{_PASSWORD_DIGEST}">'
        f"{base64.b64encode(digest.digest()).decode()}</wsse:Password>"
        f'<wsse:Nonce EncodingType="{_BASE64}">{base64.b64encode(nonce).decode()}</wsse:Nonce>'
        f"<wsu:Created>{created_text}</wsu:Created>"
        "</wsse:UsernameToken></wsse:Security>"
    )


def envelope(
    operation: str, security: str = "", *, namespace: str = _DEVICE_NS, content: str = ""
) -> bytes:
    """A SOAP 1.2 request; ``content`` is the operation's own elements (XML, escaped by
    the caller), in ``namespace`` unless they say otherwise."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
        f"<s:Header>{security}</s:Header>"
        f'<s:Body><{operation} xmlns="{namespace}">{content}</{operation}></s:Body>'
        "</s:Envelope>"
    ).encode()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _find(root: ET.Element, *names: str) -> ET.Element | None:
    """The first element along ``names`` (local names, any namespace, any depth first)."""
    node: ET.Element | None = root
    for name in names:
        if node is None:
            return None
        node = next((e for e in node.iter() if _local(e.tag) == name and e is not node), None)
    return node


def _text(root: ET.Element, *names: str) -> str | None:
    node = _find(root, *names)
    text = node.text.strip() if node is not None and node.text else ""
    return text or None


def call(
    url: str,
    operation: str,
    *,
    timeout_s: float,
    security: str = "",
    namespace: str = _DEVICE_NS,
    content: str = "",
) -> ET.Element:
    """POST one SOAP request; the answer's root, or ``OnvifError`` with a short reason."""
    action = f"{namespace}/{operation}"
    try:
        answer = request(
            "POST",
            url,
            timeout_s=timeout_s,
            body=envelope(operation, security, namespace=namespace, content=content),
            headers={"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"'},
        )
    except HttpError as exc:
        raise OnvifError(str(exc)) from None
    # No DTDs: an entity-expansion bomb from a compromised camera must not reach expat.
    if b"<!DOCTYPE" in answer.body[:2048].upper():
        raise OnvifError("answer carries a DTD; refused")
    try:
        root = ET.fromstring(answer.body) if answer.body else None
    except ET.ParseError:
        root = None
    if root is not None and _find(root, "Fault") is not None:
        reason = _text(root, "Fault", "Text") or _text(root, "Fault", "Value") or "fault"
        raise OnvifError(f"{operation}: {reason}")
    if answer.status != 200:
        raise OnvifError(f"{operation}: http {answer.status} {answer.reason.lower()}")
    if root is None:
        raise OnvifError(f"{operation}: answer is not XML")
    return root


def camera_clock_offset_ms(url: str, *, timeout_s: float) -> float:
    """The camera's UTC clock minus ours, in ms (to the second: ONVIF gives no less)."""
    before = time.time()
    root = call(url, "GetSystemDateAndTime", timeout_s=timeout_s)
    ours = (before + time.time()) / 2  # the answer was made about midway
    utc = _find(root, "UTCDateTime")
    if utc is None:
        raise OnvifError("GetSystemDateAndTime: no UTCDateTime in the answer")
    try:
        values = [
            int(_text(utc, part) or "")
            for part in ("Year", "Month", "Day", "Hour", "Minute", "Second")
        ]
        year, month, day, hour, minute, second = values
        theirs = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC).timestamp()
    except (ValueError, TypeError, OverflowError):
        raise OnvifError("GetSystemDateAndTime: unreadable UTCDateTime") from None
    return round((theirs - ours) * 1000.0, 0)


def security_header(credentials: Credentials | None, clock_offset_ms: float | None) -> str:
    """A fresh UsernameToken dated in the device's time (none without credentials)."""
    if credentials is None:
        return ""
    device_now = time.time() + (clock_offset_ms or 0.0) / 1000.0
    created = dt.datetime.fromtimestamp(device_now, tz=dt.UTC)
    return username_token(credentials, created, os.urandom(16))


def device_information(
    url: str, *, timeout_s: float, credentials: Credentials | None, clock_offset_ms: float | None
) -> DeviceInfo:
    security = security_header(credentials, clock_offset_ms)
    root = call(url, "GetDeviceInformation", timeout_s=timeout_s, security=security)
    maker, model = _text(root, "Manufacturer"), _text(root, "Model")
    if maker and model and maker.lower() not in model.lower():
        model = f"{maker} {model}"
    return DeviceInfo(model=model or maker, firmware=_text(root, "FirmwareVersion"))


def snapshot_uri(
    url: str, *, timeout_s: float, credentials: Credentials | None, clock_offset_ms: float | None
) -> str:
    """The HTTP URL of a JPEG snapshot of the camera's first media profile (its main
    stream, by the order cameras list them), asked of its media service.

    Three calls within ``timeout_s``: the caller keeps the answer, which changes only
    when the camera is reconfigured.
    """
    deadline = time.monotonic() + timeout_s

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OnvifError("timeout")
        return remaining

    capabilities = call(
        url,
        "GetCapabilities",
        timeout_s=left(),
        security=security_header(credentials, clock_offset_ms),
        content="<Category>Media</Category>",
    )
    # Cameras that do not say serve every service at the device address.
    media_url = _text(capabilities, "Media", "XAddr") or url
    profiles = call(
        media_url,
        "GetProfiles",
        timeout_s=left(),
        security=security_header(credentials, clock_offset_ms),
        namespace=_MEDIA_NS,
    )
    profile = _find(profiles, "Profiles")
    token = profile.get("token") if profile is not None else None
    if not token:
        raise OnvifError("GetProfiles: no media profile")
    answer = call(
        media_url,
        "GetSnapshotUri",
        timeout_s=left(),
        security=security_header(credentials, clock_offset_ms),
        namespace=_MEDIA_NS,
        content=f"<ProfileToken>{escape(token)}</ProfileToken>",
    )
    uri = _text(answer, "MediaUri", "Uri")
    if not uri or not uri.lower().startswith(("http://", "https://")):
        raise OnvifError("GetSnapshotUri: no http snapshot uri")
    return uri
