"""What an ONVIF recorder (an NVR, or a camera recording to its own card) holds of one
recording over a window, through its Recording Search service.

``FindEvents`` over the window for the recording's history events
(``tns1:RecordingHistory/Track/State``, data ``IsDataPresent``; recorders that only
give ``RecordingHistory/Recording/State`` say ``IsRecording``), asked with the state at
the window's start (``IncludeStartState``); ``GetEventSearchResults`` until the search
is ``Completed``; ``EndSearch``. The changes of state are the stretches with data.

A camera is named by its recording token, or found by its source (the recording's
``Source/SourceId`` or ``Source/Name``) with ``FindRecordings`` and
``GetRecordingSearchResults``. Hand-written SOAP as in ``onvif``; every call carries a
fresh WS-Security token.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from xaso.agent.collectors import onvif
from xaso.agent.collectors.credentials import Credentials
from xaso.agent.collectors.recording_gaps import Stretch, stretches_from_states

SEARCH_NS = "http://www.onvif.org/ver10/search/wsdl"
_SCHEMA_NS = "http://www.onvif.org/ver10/schema"
_TOPICS = "tns1:RecordingHistory/Track/State|tns1:RecordingHistory/Recording/State"
_STATE_ITEMS = ("IsDataPresent", "IsRecording")
# One page of results, and how many pages a search may take: a day of a recorder that
# loses its disk every minute is 1,440 changes; more is refused, not followed forever.
_PAGE = 100
_MAX_PAGES = 50


class RecorderSearch:
    """One recorder's search service, asked within one deadline."""

    def __init__(
        self,
        url: str,
        *,
        credentials: Credentials | None,
        deadline: float,
        clock_offset_ms: float | None = None,
    ) -> None:
        self.url = url
        self._credentials = credentials
        self._deadline = deadline
        self._offset = clock_offset_ms

    def _call(self, operation: str, content: str) -> ET.Element:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise onvif.OnvifError("timeout")
        return onvif.call(
            self.url,
            operation,
            timeout_s=left,
            security=onvif.security_header(self._credentials, self._offset),
            namespace=SEARCH_NS,
            content=content,
        )

    def recording_of(self, source: str) -> str:
        """The token of the recording whose source id or name is ``source``."""
        root = self._call(
            "FindRecordings",
            f'<Scope xmlns:tt="{_SCHEMA_NS}"/><MaxMatches>{_PAGE}</MaxMatches>'
            "<KeepAliveTime>PT10S</KeepAliveTime>",
        )
        token = _required(root, "SearchToken", "FindRecordings")
        try:
            for _ in range(_MAX_PAGES):
                page = self._call("GetRecordingSearchResults", _results_request(token))
                for info in _all(page, "RecordingInformation"):
                    names = {_child_text(_child(info, "Source"), n) for n in ("SourceId", "Name")}
                    if source in names:
                        return _required(info, "RecordingToken", "GetRecordingSearchResults")
                if _search_done(page):
                    break
        finally:
            self._end(token)
        raise onvif.OnvifError(f"no recording of source {source!r}")

    def data_stretches(self, recording: str, from_ms: int, to_ms: int) -> list[Stretch]:
        """The stretches of ``[from_ms, to_ms)`` the recording holds data for."""
        root = self._call(
            "FindEvents",
            f"<StartPoint>{_xs_time(from_ms)}</StartPoint><EndPoint>{_xs_time(to_ms)}</EndPoint>"
            f'<Scope xmlns:tt="{_SCHEMA_NS}">'
            f"<tt:IncludedRecordings>{escape(recording)}</tt:IncludedRecordings></Scope>"
            f'<SearchFilter xmlns:tt="{_SCHEMA_NS}"><tt:TopicExpression '
            'Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet" '
            'xmlns:tns1="http://www.onvif.org/ver10/topics">'
            f"{_TOPICS}</tt:TopicExpression></SearchFilter>"
            "<IncludeStartState>true</IncludeStartState>"
            "<KeepAliveTime>PT10S</KeepAliveTime>",
        )
        token = _required(root, "SearchToken", "FindEvents")
        changes: list[tuple[int, bool]] = []
        try:
            for _ in range(_MAX_PAGES):
                page = self._call("GetEventSearchResults", _results_request(token))
                for result in _all(page, "Result"):
                    change = _state_change(result, recording)
                    if change is not None:
                        changes.append(change)
                if _search_done(page):
                    break
            else:
                raise onvif.OnvifError("GetEventSearchResults: too many results")
        finally:
            self._end(token)
        return stretches_from_states(changes, from_ms, to_ms)

    def _end(self, token: str) -> None:
        # Searches hold the recorder's resources until their keep-alive runs out: end
        # ours, and never let a failure to do so hide the answer already had.
        with contextlib.suppress(onvif.OnvifError):
            self._call("EndSearch", f"<SearchToken>{escape(token)}</SearchToken>")


def _results_request(token: str) -> str:
    return (
        f"<SearchToken>{escape(token)}</SearchToken><MinResults>1</MinResults>"
        f"<MaxResults>{_PAGE}</MaxResults><WaitTime>PT1S</WaitTime>"
    )


def _search_done(page: ET.Element) -> bool:
    state = _child_text(_first(page, "ResultList"), "SearchState")
    # A recorder that does not say is taken at its word that this was all.
    return state in (None, "Completed", "Unknown")


def _state_change(result: ET.Element, recording: str) -> tuple[int, bool] | None:
    """(time, data present) of one FindEventResult, or None for another recording's
    or an event without a state item."""
    token = _child_text(result, "RecordingToken")
    if token is not None and token != recording:
        return None
    when = _child_text(result, "Time")
    if when is None:
        return None
    for item in result.iter():
        if _local(item.tag) == "SimpleItem" and item.get("Name") in _STATE_ITEMS:
            value = (item.get("Value") or "").strip().lower()
            if value in ("true", "false"):
                return _epoch_ms(when), value == "true"
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xs_time(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch_ms(text: str) -> int:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise onvif.OnvifError(f"unreadable time {text[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # xs:dateTime without zone: ONVIF means UTC
    return int(moment.timestamp() * 1000)


def _first(root: ET.Element | None, name: str) -> ET.Element | None:
    if root is None:
        return None
    return next((e for e in root.iter() if _local(e.tag) == name), None)


def _all(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if _local(e.tag) == name]


def _child(node: ET.Element | None, name: str) -> ET.Element | None:
    if node is None:
        return None
    return next((e for e in node if _local(e.tag) == name), None)


def _child_text(node: ET.Element | None, name: str) -> str | None:
    found = _child(node, name)
    text = found.text.strip() if found is not None and found.text else ""
    return text or None


def _required(root: ET.Element, name: str, operation: str) -> str:
    node = _first(root, name)
    text = node.text.strip() if node is not None and node.text else ""
    if not text:
        raise onvif.OnvifError(f"{operation}: no {name} in the answer")
    return text
