"""Status from a JSON document, fetched over HTTP or printed by a command, mapped onto
one of our status types by a ``fields`` table of dotted paths.

Recorders and loudspeaker-cluster controllers each speak their vendor's JSON; rather than
one plugin per vendor, the operator says where each of our fields lives in the vendor's
document. A field's default path is its own name, so a device (or a small adapter
script) that already speaks our names needs no table at all.

Paths are dotted: ``storage.disks.0.free_pct``; a number indexes a list, and a ``key=value``
part picks the list item whose ``key`` equals ``value`` (``clusters.id=loa-03.volume``),
because controllers usually list their clusters. Devices whose source is the same URL or
command are served by one fetch per cycle: one controller document for 15 clusters.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, Generic, TypeVar

import msgspec

from xaso.agent.collectors.base import CollectorResult
from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.collectors.credentials import Credentials, read_credentials
from xaso.agent.collectors.process import CommandError, run_command
from xaso.agent.collectors.webclient import HttpError, request
from xaso.protocol import DeviceReading

log = logging.getLogger("xaso.agent.collectors")

Scalar = str | int | float | bool


class JsonDevice(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One device whose status comes from a JSON document (exactly one of url/command)."""

    id: str
    url: str | None = None  # http[s]://host[:port]/path, fetched with GET
    command: list[str] | None = None  # argv, no shell; prints the document on stdout
    username: str | None = None  # HTTP Basic auth
    password_file: str | None = None
    password_env: str | None = None
    headers: dict[str, str] = {}  # e.g. an API token header the vendor wants
    tls_verify: bool = True  # https only; false for a self-signed recorder on the LAN
    # Dotted path of this device's object in the document (e.g. "clusters.id=loa-03");
    # field paths are relative to it. None: the whole document.
    root: str | None = None
    # Our field name -> dotted path in the vendor's document (default: the same name).
    fields: dict[str, str] = {}
    # Our field name -> {vendor value (as text) -> our value}, e.g. play_state {"1": "playing"}.
    value_map: dict[str, dict[str, Scalar]] = {}
    timeout_s: float | None = None  # default: the collector's timeout_s


S = TypeVar("S", bound=msgspec.Struct)
D = TypeVar("D", bound=JsonDevice)


def device_problems(
    problems: Problems,
    devices: Sequence[JsonDevice],
    where: YamlPath,
    status_type: type[msgspec.Struct],
) -> None:
    problems.device_ids(devices, where)
    known = {field.name for field in _fields(status_type)}
    for index, device in enumerate(devices):
        at = (*where, index)
        if (device.url is None) == (device.command is None):
            problems.add(device, at, "url", "give exactly one of url or command")
        if device.url is not None:
            problems.http_url(device, at, "url", device.url)
        problems.argv(device, at, "command", device.command)
        problems.one_password(device, at, device.password_file, device.password_env)
        problems.positive(device, at, "timeout_s", device.timeout_s)
        for table in ("fields", "value_map"):
            for name in getattr(device, table):
                if name not in known:
                    message = f"unknown field {name!r} (known: {', '.join(sorted(known))})"
                    problems.add(device, (*at, table), name, message)
        for name, path in device.fields.items():
            if not path.strip() or any(not part for part in path.split(".")):
                problems.add(device, (*at, "fields"), name, f"invalid path {path!r}")


class _Missing:
    pass


MISSING: Final = _Missing()


def extract(document: Any, path: str) -> Any:
    """The value at dotted ``path`` in ``document``, or ``MISSING``."""
    value = document
    for part in path.split("."):
        if isinstance(value, dict):
            if part not in value:
                return MISSING
            value = value[part]
        elif isinstance(value, list):
            if "=" in part:
                key, _, wanted = part.partition("=")
                value = next(
                    (v for v in value if isinstance(v, dict) and str(v.get(key)) == wanted),
                    MISSING,
                )
                if value is MISSING:
                    return MISSING
            elif part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
                value = value[int(part)]
            else:
                return MISSING
        else:
            return MISSING
    return value


def map_fields(
    document: Any, device: JsonDevice, status_type: type[S]
) -> tuple[S | None, list[str]]:
    """Build ``status_type`` from the device's part of ``document``; a field that is
    absent is None, a field that cannot be converted is None and named in the errors."""
    errors: list[str] = []
    node = document if device.root is None else extract(document, device.root)
    if node is MISSING:
        return None, [f"root {device.root!r} not found in the document"]
    values: dict[str, Any] = {}
    for field in _fields(status_type):
        explicit = field.name in device.fields
        raw = extract(node, device.fields.get(field.name, field.name))
        if raw is MISSING:
            if explicit:  # the operator said it is there: worth telling
                errors.append(f"{field.name}: path {device.fields[field.name]!r} not found")
            continue
        if raw is None:
            continue
        table = device.value_map.get(field.name)
        if table is not None:
            key = json.dumps(raw) if isinstance(raw, bool) else str(raw)
            raw = table.get(key, raw)
        try:
            # Lax: vendors send numbers as text ("45.2"); a wrong value is still refused.
            values[field.name] = msgspec.convert(raw, field.type, strict=False)
        except msgspec.ValidationError as exc:
            errors.append(f"{field.name}: {exc}")
    return status_type(**values), errors


@functools.cache
def _fields(status_type: type[msgspec.Struct]) -> tuple[msgspec.structs.FieldInfo, ...]:
    # Cached: ``fields`` evaluates the annotations again on every call.
    return msgspec.structs.fields(status_type)


class SourceError(Exception):
    def __init__(self, message: str, *, reached: bool) -> None:
        super().__init__(message)
        self.reached = reached


def _source_key(device: JsonDevice) -> tuple[Any, ...]:
    return (
        device.url,
        tuple(device.command or ()),
        device.username,
        tuple(sorted(device.headers.items())),
        device.tls_verify,
    )


class JsonStatusCollector(Generic[D, S]):
    """Fetches each distinct source once per cycle, in parallel, and maps every device
    onto ``status_type``; ``attach`` puts the status into the device's reading."""

    def __init__(
        self,
        name: str,
        devices: Sequence[D],
        *,
        status_type: type[S],
        attach: Callable[[str, S], DeviceReading],
        timeout_s: float,
        max_workers: int,
        derive: Callable[[S], S] | None = None,
    ) -> None:
        self.name = name
        self._devices = list(devices)
        self._status_type = status_type
        self._attach = attach
        self._derive = derive
        self._timeout_s = timeout_s
        self._credentials: dict[str, Credentials | None] = {
            d.id: read_credentials(d.username, d.password_file, d.password_env)
            for d in self._devices
        }
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, min(max_workers, len(self._devices))),
            thread_name_prefix=f"collect-{name}",
        )

    def collect(self) -> CollectorResult:
        groups: dict[tuple[Any, ...], list[D]] = {}
        for device in self._devices:
            groups.setdefault(_source_key(device), []).append(device)
        fetched = self._pool.map(self._fetch, [group[0] for group in groups.values()])
        readings: list[DeviceReading] = []
        for group, document in zip(groups.values(), fetched, strict=True):
            for device in group:
                readings.append(self._reading(device, document))
        return CollectorResult(readings=readings)

    def _fetch(self, device: D) -> Any:
        try:
            return fetch_document(
                device,
                timeout_s=device.timeout_s or self._timeout_s,
                credentials=self._credentials[device.id],
            )
        except SourceError as exc:
            return exc

    def _reading(self, device: D, document: Any) -> DeviceReading:
        if isinstance(document, SourceError):
            return DeviceReading(id=device.id, reachable=document.reached, error=str(document))
        status, errors = map_fields(document, device, self._status_type)
        if status is None:
            return DeviceReading(id=device.id, reachable=True, error="; ".join(errors))
        if self._derive is not None:
            status = self._derive(status)
        reading = self._attach(device.id, status)
        if errors:
            return msgspec.structs.replace(reading, error="; ".join(errors)[:300])
        return reading

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def fetch_document(device: JsonDevice, *, timeout_s: float, credentials: Credentials | None) -> Any:
    """The device's JSON document, or ``SourceError`` saying whether it was reached."""
    if device.command is not None:
        try:
            done = run_command(device.command, timeout_s=timeout_s)
        except CommandError as exc:
            raise SourceError(f"command: {exc}", reached=False) from None
        if done.returncode != 0:
            detail = done.stderr_tail() or "no message"
            raise SourceError(f"command exit {done.returncode}: {detail}", reached=False)
        raw = done.stdout
    else:
        assert device.url is not None  # config_problems requires one of the two
        try:
            answer = request(
                "GET",
                device.url,
                timeout_s=timeout_s,
                headers={"Accept": "application/json", **device.headers},
                credentials=credentials,
                tls_verify=device.tls_verify,
            )
        except HttpError as exc:
            raise SourceError(str(exc), reached=exc.reached) from None
        if answer.status != 200:
            raise SourceError(f"http {answer.status} {answer.reason.lower()}", reached=True)
        raw = answer.body
    try:
        return json.loads(raw)
    except ValueError as exc:
        # A device that answered HTTP was reached; a script printing garbage says nothing.
        raise SourceError(f"not JSON: {exc}", reached=device.url is not None) from None
