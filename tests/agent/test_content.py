"""The agent's audio cache keeps only files whose hash matches."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from xaso.agent.content_cache import ContentCache
from xaso.protocol import ScheduledContent, ScheduleItem, ScheduleSet

GOOD = b"RIFF....WAVEfmt good audio"
BAD_SHA = hashlib.sha256(b"what the schedule named").hexdigest()
TRUNCATED_SHA = hashlib.sha256(b"a long file").hexdigest()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer t0k":
            self.send_response(401)
            self.end_headers()
            return
        if self.path.endswith(TRUNCATED_SHA):  # the link drops mid-file
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"only the start")
            return
        body = GOOD if self.path.endswith(hashlib.sha256(GOOD).hexdigest()) else b"tampered"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_a_matching_file_is_kept_a_damaged_one_is_not(server: str, tmp_path: Path) -> None:
    cache = ContentCache(tmp_path, server, "t0k")
    good_sha = hashlib.sha256(GOOD).hexdigest()
    assert cache.fetch(good_sha) and (tmp_path / good_sha).read_bytes() == GOOD
    assert not cache.fetch(BAD_SHA)
    assert not (tmp_path / BAD_SHA).exists()
    assert [p.name for p in tmp_path.iterdir()] == [good_sha]  # no temporary files left


def test_a_wrong_token_fetches_nothing(server: str, tmp_path: Path) -> None:
    cache = ContentCache(tmp_path, server, "wrong")
    assert not cache.fetch(hashlib.sha256(GOOD).hexdigest())
    assert list(tmp_path.iterdir()) == []


def test_a_cut_download_leaves_nothing_and_the_cache_goes_on(server: str, tmp_path: Path) -> None:
    cache = ContentCache(tmp_path, server, "t0k")
    assert not cache.fetch(TRUNCATED_SHA)
    assert list(tmp_path.iterdir()) == []
    assert not cache.fetch("../../etc/passwd")  # not a hash: never becomes a path
    assert cache.fetch(hashlib.sha256(GOOD).hexdigest())


def test_files_no_schedule_names_are_deleted_a_day_after_their_download(
    tmp_path: Path,
) -> None:
    cache = ContentCache(tmp_path / "content", None, None)
    named, old, recent = ("a" * 64, "b" * 64, "c" * 64)
    for sha in (named, old, recent):
        (cache.folder / sha).write_bytes(b"audio")
    (cache.folder / "notes.txt").write_text("not ours")
    cache.want(_set_naming(named))
    now_s = time.time()
    for sha in (named, old):
        os.utime(cache.folder / sha, (now_s - 2 * 86_400, now_s - 2 * 86_400))
    assert cache.prune(now_s) == [old]
    assert sorted(p.name for p in cache.folder.iterdir()) == [named, recent, "notes.txt"]


def _set_naming(sha256: str) -> ScheduleSet:
    item = ScheduleItem(
        id="s1",
        revision=1,
        title="Bản tin",
        priority="normal",
        content=ScheduledContent(type="file", duration_s=10, sha256=sha256),
        start="2026-01-01T06:00:00",
        timezone="Asia/Ho_Chi_Minh",
        clusters=["rc-01"],
    )
    return ScheduleSet(v=1, agent="gw", version="x", ts_ms=0, items=[item])
