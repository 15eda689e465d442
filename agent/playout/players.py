"""Plays one occurrence on one cluster, in a thread of its own.

A play with commands: the amplifier relay on (``relay_on``), the volume
(``set_volume``), the player program until it exits, the relay off again. Each step is
an argv list (never a shell); the player runs in a session of its own so that a stop
reaches whatever it forked: SIGTERM to its process group, SIGKILL after
``stop_grace_s``. Its stderr goes to a file, not a pipe (ffplay prints progress without
end and would block on a full pipe); the tail of it is the error of a failed play.

The thread reports twice through ``report``: ``started`` once the player runs (with
the actual time), and ``ended`` with the outcome. The scheduler decides; a play only
plays, so a hung relay command on one cluster delays no other cluster.

``SimulatedPlay`` plays nothing: it waits for the content's duration (the demo's fleet).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

from xaso.agent.collectors.process import CommandError, run_command
from xaso.agent.playout.config import ClusterCommands, PlayoutConfig
from xaso.agent.playout.plan import Occurrence
from xaso.agent.playout.templates import fill, seconds

log = logging.getLogger("xaso.agent.playout")

Outcome = Literal["finished", "failed", "stopped"]

_POLL_S = 0.05
_ERROR_CHARS = 300


class PlayRequest(NamedTuple):
    occurrence: Occurrence
    media: str  # the file to play (file, tts) or the stream (relay)
    # The media's real length when the agent knows it (rendered speech); None: the slot
    # is all there is (a stream; a file, which the server measured itself).
    content_s: float | None = None
    # How long this play may last: the slot, or for a standing relay started or resumed
    # inside its slot, the rest of it (plan.play_seconds); None: the whole slot.
    play_s: float | None = None

    @property
    def slot_s(self) -> float:
        """What ``{duration_s}`` says: how long the play may last."""
        return self.play_s if self.play_s is not None else self.occurrence.content.duration_s


class PlayReport(NamedTuple):
    """``started`` (the player runs) or ``ended`` (it does not any more)."""

    kind: Literal["started", "ended"]
    occurrence: Occurrence
    at_ms: int
    relay_on: bool | None = None  # the relay was switched on for it (None: no relay)
    volume: int | None = None
    outcome: Outcome | None = None  # ended only
    reason: str | None = None  # failed: player_failed, player_error, relay_failed, overrun
    error: str | None = None
    started_ms: int | None = None  # ended: when the player had started (None: never)
    content_s: float | None = None  # the request's: the real length of what plays


Report = Callable[[PlayReport], None]


class Play(Protocol):
    def stop(self) -> None:
        """Ask the play to stop; it reports ``ended`` with outcome ``stopped``."""

    def join(self, timeout_s: float) -> None: ...


class _End(NamedTuple):
    outcome: Outcome
    reason: str | None = None
    error: str | None = None
    started_ms: int | None = None


class CommandPlay:
    def __init__(
        self,
        request: PlayRequest,
        commands: ClusterCommands,
        config: PlayoutConfig,
        stderr_path: Path,
        clock_ms: Callable[[], int],
        report: Report,
    ) -> None:
        self._request = request
        self._commands = commands
        self._config = config
        self._stderr_path = stderr_path
        self._clock_ms = clock_ms
        self._report = report
        self._stop = threading.Event()
        occurrence = request.occurrence
        self._thread = threading.Thread(
            target=self._run, name=f"play-{occurrence.cluster}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def _values(self) -> dict[str, object]:
        occurrence, media = self._request.occurrence, self._request.media
        content = occurrence.content
        is_stream = content.type == "relay"
        return {
            "file": "" if is_stream else media,
            "url": media if is_stream else "",
            "text": content.text or "",
            "voice": content.voice,
            "cluster": occurrence.cluster,
            "volume": self._commands.volume,
            "duration_s": seconds(self._request.slot_s),
            "schedule": occurrence.schedule,
            "occurrence_ms": occurrence.start_ms,
        }

    def _step(self, name: str, argv: Sequence[str], values: dict[str, object]) -> None:
        filled = fill(argv, values)
        try:
            done = run_command(filled, timeout_s=self._config.command_timeout_s)
        except CommandError as exc:
            raise CommandError(f"{name}: {exc}") from None
        if done.returncode != 0:
            raise CommandError(
                f"{name}: {filled[0]} exited with status {done.returncode}: "
                f"{done.stderr_tail() or 'no message'}"
            )

    def _run(self) -> None:
        occurrence = self._request.occurrence
        commands = self._commands
        values = self._values()
        relay_on: bool | None = None
        end = _End("failed", "player_error", "the play ended unexpectedly")
        try:
            if commands.relay_on is not None:
                relay_on = False
                try:
                    self._step("relay_on", commands.relay_on, values)
                except CommandError as exc:
                    # No amplifier, no sound: a play nobody heard is not "played".
                    end = _End("failed", "relay_failed", str(exc))
                    return
                relay_on = True
            warning = None
            if commands.set_volume is not None and commands.volume is not None:
                try:
                    self._step("set_volume", commands.set_volume, values)
                except CommandError as exc:
                    # It plays at whatever volume the amplifier has; said in the log.
                    log.warning("%s: %s", occurrence.cluster, exc)
                    warning = str(exc)
            end = self._play(values, relay_on)
            if warning and end.error is None:
                end = end._replace(error=warning)
        except Exception as exc:  # the scheduler must hear "ended", whatever happened
            log.exception("%s: play failed", occurrence.cluster)
            end = _End("failed", "player_error", f"internal error: {exc}")
        finally:
            if commands.relay_off is not None:
                try:
                    self._step("relay_off", commands.relay_off, values)
                except CommandError as exc:
                    log.error("%s: %s", occurrence.cluster, exc)
                    if end.error is None:
                        end = end._replace(error=str(exc))
            self._report(
                PlayReport(
                    "ended",
                    occurrence,
                    self._clock_ms(),
                    relay_on=relay_on,
                    volume=commands.volume,
                    outcome=end.outcome,
                    reason=end.reason,
                    error=end.error,
                    started_ms=end.started_ms,
                    content_s=self._request.content_s,
                )
            )

    def _play(self, values: dict[str, object], relay_on: bool | None) -> _End:
        occurrence = self._request.occurrence
        if self._stop.is_set():
            return _End("stopped")
        template = (
            self._commands.relay_player
            if occurrence.content.type == "relay"
            else self._commands.player
        )
        argv = fill(template, values)
        try:
            with open(self._stderr_path, "wb") as stderr:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    start_new_session=True,
                )
        except OSError as exc:
            problem = "not found" if isinstance(exc, FileNotFoundError) else exc.strerror or exc
            return _End("failed", "player_error", f"cannot run player {argv[0]}: {problem}")
        started_ms = self._clock_ms()
        self._report(
            PlayReport(
                "started",
                occurrence,
                started_ms,
                relay_on=relay_on,
                volume=self._commands.volume,
                content_s=self._request.content_s,
            )
        )
        # A hung player is stopped overrun_s past the end of what it plays: the speech's
        # own end when known, even past its slot (an officer guesses the slot of a
        # text; cutting an alert mid-sentence would lose what it says), else the slot.
        length_s = self._request.content_s
        if length_s is None:
            length_s = self._request.slot_s
        overrun_at = time.monotonic() + length_s + self._config.overrun_s
        while (returncode := process.poll()) is None:
            if self._stop.wait(_POLL_S):
                self._terminate(process)
                return _End("stopped", started_ms=started_ms)
            if time.monotonic() > overrun_at:
                self._terminate(process)
                error = (
                    f"player {argv[0]} still running {seconds(self._config.overrun_s)} s"
                    f" past the content's duration ({seconds(length_s)} s): stopped"
                )
                return _End("failed", "overrun", error, started_ms)
        if returncode == 0:
            return _End("finished", started_ms=started_ms)
        how = f"killed by signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
        tail = _tail(self._stderr_path)
        error = f"player {argv[0]} {how}" + (f": {tail}" if tail else "")
        return _End("failed", "player_failed", error, started_ms)

    def _terminate(self, process: subprocess.Popen[bytes]) -> None:
        """SIGTERM to the player's group, SIGKILL after the grace."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=self._config.stop_grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            text = f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return text[-_ERROR_CHARS:]


class SimulatedPlay:
    """Plays nothing for the content's duration; fails after a moment on a cluster
    named to fail."""

    def __init__(
        self,
        request: PlayRequest,
        fails: bool,
        clock_ms: Callable[[], int],
        report: Report,
        volume: int | None = None,
    ) -> None:
        self._request = request
        self._fails = fails
        self._volume = volume  # reported as the volume it would have set
        self._clock_ms = clock_ms
        self._report = report
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"play-{request.occurrence.cluster}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def _run(self) -> None:
        occurrence = self._request.occurrence
        started_ms = self._clock_ms()
        self._report(PlayReport("started", occurrence, started_ms, volume=self._volume))
        duration_s = self._request.slot_s
        if self._stop.wait(min(duration_s, 1.0) if self._fails else duration_s):
            end = _End("stopped", started_ms=started_ms)
        elif self._fails:
            end = _End("failed", "player_failed", "simulated: the amplifier does not answer")
        else:
            end = _End("finished", started_ms=started_ms)
        self._report(
            PlayReport(
                "ended",
                occurrence,
                self._clock_ms(),
                volume=self._volume,
                outcome=end.outcome,
                reason=end.reason,
                error=end.error,
                started_ms=started_ms,
            )
        )
