"""Text-to-speech rendered on the gateway ahead of time, when the schedule arrives.

A bulletin of type ``tts`` becomes an audio file in the state folder long before its
hour, with the configured command (``espeak-ng`` by default), so it plays on time like
any file and a broken TTS install shows up as soon as the schedule is received, not at
6 a.m. Files are named by a hash of (command, voice, text): the same text is rendered
once, and a new text or voice is a new file. One thread, named ``tts``.

The length of the rendered speech (``length_s``, read from the WAV header with the
standard library) goes into the play's events: the server measures the play against
it, not against the slot an officer guessed for the text (docs/broadcasts.md).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import wave
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from xaso.agent.collectors.process import CommandError, run_command
from xaso.agent.playout.plan import READY, Readiness
from xaso.agent.playout.templates import fill
from xaso.protocol import ScheduledContent

log = logging.getLogger("xaso.agent.playout")


class SpeechRenderer:
    def __init__(self, folder: Path, argv: Sequence[str], timeout_s: float) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob(".render-*"):  # a render cut by a power loss
            leftover.unlink(missing_ok=True)
        self._argv = tuple(argv)
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._wanted: dict[str, tuple[str, str]] = {}  # key -> (text, voice)
        self._errors: dict[str, str] = {}  # key -> why it could not be rendered
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tts", daemon=True)

    def key(self, text: str, voice: str) -> str:
        canonical = msgspec.json.encode([list(self._argv), voice, text])
        return hashlib.sha256(canonical).hexdigest()[:32]

    def path(self, text: str, voice: str) -> Path:
        return self.folder / f"{self.key(text, voice)}.wav"

    def want(self, contents: Iterable[ScheduledContent]) -> None:
        """The speech a new schedule set needs: render what is missing, forget the
        rest (files no schedule names any more are deleted), try failures again."""
        wanted = {
            self.key(c.text, c.voice): (c.text, c.voice)
            for c in contents
            if c.type == "tts" and c.text
        }
        with self._lock:
            self._wanted = wanted
            self._errors.clear()
        for old in self.folder.glob("*.wav"):
            if old.stem not in wanted:
                old.unlink(missing_ok=True)
        self._wake.set()

    def length_s(self, text: str, voice: str) -> float | None:
        """How long the rendered speech lasts; None when not rendered or not a WAV
        file (a tts command of another format)."""
        return wav_length_s(self.path(text, voice))

    def readiness(self, text: str, voice: str) -> Readiness:
        key = self.key(text, voice)
        if (self.folder / f"{key}.wav").is_file():
            return READY
        with self._lock:
            error = self._errors.get(key)
        if error is not None:
            return Readiness(False, "tts_failed", error, final=True)
        return Readiness(False, "content_missing", "speech not rendered yet")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._timeout_s + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            with self._lock:
                todo = [
                    (key, text, voice)
                    for key, (text, voice) in self._wanted.items()
                    if key not in self._errors
                ]
            for key, text, voice in todo:
                if self._stop.is_set():
                    return
                if not (self.folder / f"{key}.wav").is_file():
                    self.render(key, text, voice)
            self._wake.wait()

    def render(self, key: str, text: str, voice: str) -> bool:
        """Render one text; a failure is kept (and shown as the occurrence's error)
        until the next schedule set."""
        tmp = self.folder / f".render-{key}.wav"
        argv = fill(self._argv, {"text": text, "voice": voice, "out": tmp})
        try:
            done = run_command(argv, timeout_s=self._timeout_s)
            if done.returncode != 0:
                raise CommandError(
                    f"{argv[0]} exited with status {done.returncode}: "
                    f"{done.stderr_tail() or 'no message'}"
                )
            if not tmp.is_file() or tmp.stat().st_size == 0:
                raise CommandError(f"{argv[0]} wrote no audio to {{out}}")
            os.replace(tmp, self.folder / f"{key}.wav")
        except (CommandError, OSError) as exc:
            message = f"tts: {exc}"
            log.error("cannot render speech %s: %s", key, message)
            with self._lock:
                self._errors[key] = message
            return False
        finally:
            tmp.unlink(missing_ok=True)
        log.info("speech %s rendered", key)
        return True


def wav_length_s(path: Path) -> float | None:
    """The length of a WAV file in seconds, None when it is not one. A WAV written to a
    pipe (``espeak-ng --stdout``) cannot go back to fill in its size and announces
    about 2**30 frames: the frames the file really holds count, not the header."""
    try:
        with wave.open(str(path), "rb") as audio:
            frame_bytes = audio.getsampwidth() * audio.getnchannels()
            rate = audio.getframerate()
            announced = audio.getnframes()
        held = path.stat().st_size // frame_bytes if frame_bytes else 0
    except (OSError, EOFError, wave.Error):
        return None
    if rate <= 0:
        return None
    return round(min(announced, held) / rate, 3)
