"""Listen to a text before scheduling it: the schedule editor's "Nghe thử" button.

The text is rendered with the gateway's own default command (``DEFAULT_TTS`` of
agent/playout/config.py, espeak-ng) and the gateway's own file naming (a hash of command,
voice and text), so the officer hears the voice the loudspeakers will speak with.

``POST /radio/speech`` (text, voice) renders it, or finds it rendered, and answers where
to fetch it and how long it lasts; ``GET /radio/speech/{key}`` is the WAV for an
<audio> element (the page's CSP refuses blob: media, so the audio needs a URL of its
own). The renders are kept in the server's data folder, bounded in number and bytes,
oldest dropped first; texts are bounded in length; one render runs at a time. Without
espeak-ng installed the answer is a 503 that says so in words.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Final

import msgspec
from aiohttp import web

from xaso.agent.playout.config import DEFAULT_TTS
from xaso.agent.playout.speech import wav_length_s
from xaso.agent.playout.templates import fill
from xaso.server.keys import SETTINGS
from xaso.server.web.auditing import AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import json_response
from xaso.server.web.rendering import request_language
from xaso.server.web.tokens import Role
from xaso.server.words import translator

# A long bulletin is about 5,000 characters (six minutes of speech).
MAX_TEXT_CHARS: Final = 5000
MAX_KEPT_FILES: Final = 200
MAX_KEPT_BYTES: Final = 200 * 2**20
RENDER_TIMEOUT_S: Final = 60.0
_VOICE: Final = re.compile(r"[A-Za-z0-9_+-]{1,40}")
_KEY: Final = re.compile(r"[0-9a-f]{32}")
_RENDERING = web.AppKey("speech_rendering", asyncio.Lock)


def speech_folder(app: web.Application) -> Path:
    return Path(app[SETTINGS].data_dir) / "speech"


def speech_key(text: str, voice: str) -> str:
    """The gateway's name for this speech (agent/playout/speech.py ``SpeechRenderer.key``)."""
    canonical = msgspec.json.encode([list(DEFAULT_TTS), voice, text])
    return hashlib.sha256(canonical).hexdigest()[:32]


def _refusal(request: web.Request, status: int, key: str) -> web.Response:
    """An answer in words for the page's script to show (not an error page)."""
    words = translator(request_language(request))
    return web.Response(status=status, text=words[key], content_type="text/plain")


async def render_speech(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    if principal.role not in (Role.ADMIN, Role.OPERATOR):
        raise web.HTTPForbidden(text="this account may not prepare broadcasts")
    data = await request.post()
    text, voice = str(data.get("text", "")).strip(), str(data.get("voice", "vi")).strip()
    if not text:
        return _refusal(request, 400, "speech.no_text")
    if len(text) > MAX_TEXT_CHARS:
        return _refusal(request, 413, "speech.too_long")
    if not _VOICE.fullmatch(voice):
        return _refusal(request, 400, "speech.bad_voice")
    if shutil.which(DEFAULT_TTS[0]) is None:
        return _refusal(request, 503, "speech.no_program")
    key = speech_key(text, voice)
    folder = speech_folder(request.app)
    path = folder / f"{key}.wav"
    request[AUDIT_DETAIL] = {"voice": voice, "characters": len(text)}
    if not path.is_file():
        async with request.app[_RENDERING]:
            if not path.is_file() and not await _render(folder, key, text, voice):
                return _refusal(request, 500, "speech.failed")
    else:
        path.touch()  # kept as recently used
    return json_response({"src": f"/radio/speech/{key}", "length_s": wav_length_s(path)})


async def _render(folder: Path, key: str, text: str, voice: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".render-{key}.wav"
    argv = fill(DEFAULT_TTS, {"text": text, "voice": voice, "out": tmp})
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        try:
            code = await asyncio.wait_for(process.wait(), RENDER_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            return False
        if code != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            return False
        os.replace(tmp, folder / f"{key}.wav")
    except OSError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    _prune(folder)
    return True


def _prune(folder: Path) -> None:
    """Drop the least recently used renders beyond the bounds."""
    kept: list[tuple[float, int, Path]] = []
    for path in folder.glob("*.wav"):
        with contextlib.suppress(OSError):
            stat = path.stat()
            kept.append((stat.st_mtime, stat.st_size, path))
    kept.sort(reverse=True)
    total = 0
    for count, (_, size, path) in enumerate(kept, start=1):
        total += size
        if count > MAX_KEPT_FILES or total > MAX_KEPT_BYTES:
            path.unlink(missing_ok=True)


async def speech_file(request: web.Request) -> web.FileResponse:
    key = request.match_info["key"]
    path = speech_folder(request.app) / f"{key}.wav"
    if not _KEY.fullmatch(key) or not path.is_file():
        raise web.HTTPNotFound(text="no such speech (rendered speech is kept a while only)")
    return web.FileResponse(path, headers={"Content-Type": "audio/wav"})


def setup_routes(app: web.Application) -> None:
    app[_RENDERING] = asyncio.Lock()
    app.router.add_post("/radio/speech", render_speech)
    app.router.add_get("/radio/speech/{key}", speech_file)
