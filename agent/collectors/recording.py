"""Recording continuity of the cameras: at a set interval (not every heartbeat), ask
each camera's recorder what it holds of the last hours, and hand the camera collector a
``RecordingContinuity`` (seconds recorded, gaps) to send once.

Two kinds of recorder source, per camera (``CameraDevice.recorder``):

- **ONVIF** (``onvif_search_url``): the recorder's Recording Search service, the camera
  named by ``recording_token`` or found by ``source`` (``onvif_recording``);
- **JSON** (``url`` or ``command``, as the ``nvr`` collector's sources): the vendor's
  list of recorded segments, found at ``segments`` (a dotted path, as in
  ``jsonsource``), each segment's start and end under ``start``/``end`` (a key, or an
  index for ``[start, end]`` pairs) in ``time_format``. ``{from_s}``, ``{to_s}``,
  ``{from_ms}``, ``{to_ms}``, ``{from_iso}`` and ``{to_iso}`` in the URL or the
  command's arguments are replaced by the window asked about.

Each ask covers the trailing ``recording_window_h`` hours: a recorder that fills a gap
afterwards (footage uploaded from the camera's card) is believed the next time, and the
server keeps the newest word on every stretch.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec

from xaso.agent.collectors import onvif
from xaso.agent.collectors.check import Problems, YamlPath
from xaso.agent.collectors.credentials import Credentials, read_credentials
from xaso.agent.collectors.jsonsource import MISSING, JsonDevice, SourceError, extract
from xaso.agent.collectors.jsonsource import fetch_document as _fetch_document
from xaso.agent.collectors.onvif_recording import RecorderSearch
from xaso.agent.collectors.recording_gaps import Stretch, continuity
from xaso.agent.collectors.webclient import HttpError
from xaso.protocol import RecordingContinuity

TimeFormat = Literal["epoch_s", "epoch_ms", "iso"]


class RecorderSource(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Where a camera's recording is asked about: ONVIF search, or a JSON document."""

    onvif_search_url: str | None = None  # http://nvr/onvif/search_service
    recording_token: str | None = None  # the recording of this camera on the recorder
    source: str | None = None  # or: its source id or name, looked up with FindRecordings
    url: str | None = None  # JSON over HTTP GET
    command: list[str] | None = None  # or: argv printing the JSON
    segments: str | None = None  # dotted path of the segment list (None: the document)
    start: str = "start"  # a segment's start: key, or index in a [start, end] pair
    end: str = "end"
    time_format: TimeFormat = "epoch_s"
    # The recorder's credentials, when they differ from the camera's.
    username: str | None = None
    password_file: str | None = None
    password_env: str | None = None
    headers: dict[str, str] = {}
    tls_verify: bool = True


def source_problems(source: RecorderSource, problems: Problems, at: YamlPath) -> None:
    given = [k for k in ("onvif_search_url", "url", "command") if getattr(source, k) is not None]
    if len(given) != 1:
        problems.add(source, at, "url", "give exactly one of onvif_search_url, url or command")
    if source.onvif_search_url is not None:
        problems.http_url(source, at, "onvif_search_url", source.onvif_search_url)
        if urlsplit(source.onvif_search_url).scheme == "https":
            problems.add(source, at, "onvif_search_url", "onvif_search_url must be plain http://")
        if (source.recording_token is None) == (source.source is None):
            problems.add(source, at, "recording_token", "give recording_token or source")
    if source.url is not None:
        problems.http_url(source, at, "url", _fill(source.url, _window_values(0, 1000)))
        unknown = sorted(set(_PLACEHOLDER.findall(source.url)) - _PLACEHOLDERS)
        if unknown:
            problems.add(source, at, "url", f"unknown placeholder {{{unknown[0]}}} in url")
    problems.argv(source, at, "command", source.command)
    problems.one_password(source, at, source.password_file, source.password_env)


# {from_s} and its kind in a URL or argument; anything else in braces is left alone (a
# script given with ``-c`` has braces of its own).
_PLACEHOLDERS = frozenset({"from_s", "to_s", "from_ms", "to_ms", "from_iso", "to_iso"})
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _fill(text: str, window: dict[str, object]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(window.get(m.group(1), m.group(0))), text)


class RecordingWatch:
    """Per camera: when its recorder was last asked, and the answer not yet sent."""

    def __init__(
        self,
        sources: dict[str, RecorderSource],
        *,
        camera_credentials: dict[str, Credentials | None],
        every_s: float,
        window_h: float,
        min_gap_s: float,
        max_workers: int = 4,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sources = sources
        self._credentials = {
            camera: read_credentials(s.username, s.password_file, s.password_env)
            or camera_credentials.get(camera)
            for camera, s in sources.items()
        }
        self._every_s = every_s
        self._window_ms = int(window_h * 3_600_000)
        self._min_gap_ms = int(min_gap_s * 1000)
        self._clock = clock
        self._asked: dict[str, float] = {}
        self._tokens: dict[str, str] = {}  # found by source, kept: they do not change
        self._lock = threading.Lock()  # cameras are checked in parallel threads
        # The asks run beside the cycles, not in them: a slow recorder never holds a
        # heartbeat; its answer rides with the camera's next reading.
        self._asking: dict[str, Future[RecordingContinuity]] = {}
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, min(max_workers, len(sources))),
            thread_name_prefix="collect-recording",
        )

    def poll(self, camera: str, timeout_s: float) -> RecordingContinuity | None:
        """The answer to the camera's last ask once it is in (once), else None; starts
        an ask when one is due. Raises ``RecorderError`` for an ask that failed."""
        if camera not in self._sources:
            return None
        with self._lock:
            asking = self._asking.get(camera)
            if asking is not None:
                if not asking.done():
                    return None
                del self._asking[camera]
                return asking.result()  # raises what the ask raised
            last = self._asked.get(camera)
            if last is None or self._clock() - last >= self._every_s:
                self._asked[camera] = self._clock()
                self._asking[camera] = self._pool.submit(self.ask, camera, timeout_s)
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def ask(self, camera: str, timeout_s: float) -> RecordingContinuity:
        """The camera's recording over the trailing window; raises ``RecorderError``
        (with a short reason) when the recorder could not say."""
        source = self._sources[camera]
        to_ms = int(self._clock() * 1000)
        from_ms = to_ms - self._window_ms
        deadline = time.monotonic() + timeout_s
        try:
            if source.onvif_search_url is not None:
                stretches = self._ask_onvif(camera, source, from_ms, to_ms, deadline)
            else:
                stretches = self._ask_json(camera, source, from_ms, to_ms, timeout_s)
        except RecorderError:
            raise
        except (onvif.OnvifError, HttpError) as exc:
            raise RecorderError(str(exc)) from None
        except Exception as exc:  # a bug or a surprise: named, never lost in a thread
            raise RecorderError(f"{type(exc).__name__}: {exc}"[:200]) from None
        return continuity(stretches, from_ms, to_ms, min_gap_ms=self._min_gap_ms)

    def _ask_onvif(
        self, camera: str, source: RecorderSource, from_ms: int, to_ms: int, deadline: float
    ) -> list[Stretch]:
        assert source.onvif_search_url is not None
        search = RecorderSearch(
            source.onvif_search_url, credentials=self._credentials[camera], deadline=deadline
        )
        token = source.recording_token or self._tokens.get(camera)
        if token is None:
            assert source.source is not None  # source_problems requires one
            token = self._tokens[camera] = search.recording_of(source.source)
        return search.data_stretches(token, from_ms, to_ms)

    def _ask_json(
        self, camera: str, source: RecorderSource, from_ms: int, to_ms: int, timeout_s: float
    ) -> list[Stretch]:
        window = _window_values(from_ms, to_ms)
        device = JsonDevice(
            id=camera,
            url=_fill(source.url, window) if source.url else None,
            command=[_fill(arg, window) for arg in source.command] if source.command else None,
            headers=source.headers,
            tls_verify=source.tls_verify,
        )
        try:
            document = _fetch_document(
                device, timeout_s=timeout_s, credentials=self._credentials[camera]
            )
        except SourceError as exc:
            raise RecorderError(str(exc)) from None
        return segments_of(document, source)


class RecorderError(Exception):
    pass


def segments_of(document: Any, source: RecorderSource) -> list[Stretch]:
    """The [start, end) stretches of the vendor's segment list."""
    found = document if source.segments is None else extract(document, source.segments)
    if found is MISSING:
        raise RecorderError(f"segments: path {source.segments!r} not found")
    if not isinstance(found, list):
        raise RecorderError("segments: not a list")
    stretches: list[Stretch] = []
    for index, segment in enumerate(found):
        start, end = extract(segment, source.start), extract(segment, source.end)
        try:
            stretch = (_time_ms(start, source.time_format), _time_ms(end, source.time_format))
        except (TypeError, ValueError, OverflowError):
            raise RecorderError(f"segments.{index}: unreadable start or end") from None
        stretches.append(stretch)
    return stretches


def _time_ms(value: Any, time_format: TimeFormat) -> int:
    if value is MISSING or value is None or isinstance(value, bool):
        raise ValueError("missing")
    if time_format == "iso":
        moment = dt.datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            raise ValueError("an ISO time without a zone is ambiguous")
        return int(moment.timestamp() * 1000)
    number = float(value)
    return int(number * 1000 if time_format == "epoch_s" else number)


def _window_values(from_ms: int, to_ms: int) -> dict[str, object]:
    def iso(ms: int) -> str:
        return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "from_s": from_ms // 1000,
        "to_s": to_ms // 1000,
        "from_ms": from_ms,
        "to_ms": to_ms,
        "from_iso": iso(from_ms),
        "to_iso": iso(to_ms),
    }
