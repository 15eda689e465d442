"""Broadcast audio fetched ahead of time from the server and checked by its sha256.

A file is downloaded as soon as a schedule names it, so the broadcast plays on time even
if the link is down at that hour; it is kept only if its hash matches (a damaged or
substituted file never plays). Stdlib HTTP only: the agent stays small.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from xaso.protocol import ScheduleSet

log = logging.getLogger("xaso.agent.content")

RETRY_EVERY_S = 60.0
# A file no schedule names any more is deleted after this long unnamed (by its download
# time): the gateway's flash does not fill with last year's bulletins, and a file
# dropped by a passing edit and named again soon is not fetched twice over 4G.
KEEP_UNNAMED_S = 86_400.0
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ContentCache:
    def __init__(self, folder: Path, server_url: str | None, token: str | None) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob(".fetch-*"):  # a download cut by a power loss
            leftover.unlink(missing_ok=True)
        self._server_url = server_url.rstrip("/") if server_url else None
        self._token = token
        self._wanted: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="content", daemon=True)

    def has(self, sha256: str) -> bool:
        return (self.folder / sha256).is_file()

    def want(self, schedule: ScheduleSet | None) -> None:
        """The files a schedule set needs; fetching starts at once."""
        wanted = {
            item.content.sha256
            for item in (schedule.items if schedule else [])
            if item.content.type == "file" and item.content.sha256
        }
        with self._lock:
            self._wanted = wanted
        self._wake.set()

    @property
    def missing(self) -> int:
        with self._lock:
            wanted = set(self._wanted)
        return sum(1 for sha in wanted if not self.has(sha))

    def start(self) -> None:
        if self._server_url:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                wanted = sorted(self._wanted)
            for sha in wanted:
                if self._stop.is_set():
                    return
                if not self.has(sha):
                    try:
                        self.fetch(sha)
                    except Exception:  # the fetch thread must outlive any one failure
                        log.exception("fetching content %s failed", sha)
            self.prune()
            self._wake.wait(RETRY_EVERY_S)
            self._wake.clear()

    def prune(self, now_s: float | None = None) -> list[str]:
        """Delete the files no schedule names that were fetched over ``KEEP_UNNAMED_S``
        ago; the names deleted. A player still reading one keeps its open file."""
        now_s = time.time() if now_s is None else now_s
        with self._lock:
            wanted = set(self._wanted)
        deleted = []
        for path in self.folder.iterdir():
            if not _SHA256.fullmatch(path.name) or path.name in wanted:
                continue
            try:
                if now_s - path.stat().st_mtime > KEEP_UNNAMED_S:
                    path.unlink()
                    deleted.append(path.name)
            except OSError as exc:
                log.warning("cannot delete unused content %s: %s", path.name, exc)
        if deleted:
            log.info("deleted %d audio files no schedule names any more", len(deleted))
        return sorted(deleted)

    def fetch(self, sha256: str) -> bool:
        if not _SHA256.fullmatch(sha256):
            log.error("not a sha256, not fetched: %r", sha256)
            return False
        request = urllib.request.Request(f"{self._server_url}/api/v1/content/{sha256}")
        if self._token:
            request.add_header("Authorization", f"Bearer {self._token}")
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self.folder, prefix=".fetch-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=30) as body:
                while chunk := body.read(64 * 1024):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256:
                log.error(
                    "content %s arrived damaged (hash %s); not kept", sha256, digest.hexdigest()
                )
                tmp.unlink(missing_ok=True)
                return False
            os.replace(tmp, self.folder / sha256)
            log.info("content %s fetched", sha256)
            return True
        except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as exc:
            log.warning("cannot fetch content %s yet: %s", sha256, exc)
            return False
        finally:
            tmp.unlink(missing_ok=True)  # gone already when the file was kept
