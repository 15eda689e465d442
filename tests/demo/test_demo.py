"""``xaso demo`` as a newcomer runs it: one command, real statuses within 30 s."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from xaso.testbed.ports import free_port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _sign_in(base: str, login: str, password: str) -> str:
    """The session cookie the login form gives (its 303 is not followed)."""
    form = urllib.parse.urlencode({"login": login, "password": password}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(urllib.request.Request(f"{base}/login", data=form), timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 303, answer.code
        return answer.headers["Set-Cookie"].split(";", 1)[0]
    raise AssertionError("the login did not redirect")


def _get(url: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    # Generous: the first indicators overview also rolls up a year of closed days while
    # the demo is still seeding (its speed is bench/compliance.py's and bench/pages.py's
    # to tell, not this test's).
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _page(url: str, cookie: str) -> str:
    with urllib.request.urlopen(
        urllib.request.Request(url, headers={"Cookie": cookie}), timeout=10
    ) as response:
        return response.read().decode("utf-8")  # type: ignore[no-any-return]


def test_demo_shows_every_device_with_real_statuses_within_30_s(tmp_path: Path) -> None:
    port = free_port()
    started = time.monotonic()
    # Run from an empty folder: the demo must find its bundled inventory by itself.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xaso",
            "--log-level",
            "WARNING",
            "demo",
            "--listen",
            f"127.0.0.1:{port}",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        token = login = None
        for line in process.stdout:
            signed = re.search(r"sign in as (\S+), password (\S+)", line)
            if signed:
                login = signed.groups()
            found = re.search(r"token:\s+(xaso_\S+)", line)
            if found:
                token = found.group(1)
                break
        assert token, "the demo did not print an admin token"
        assert login, "the demo did not print a login and its password"
        base = f"http://127.0.0.1:{port}"
        # A newcomer signs in with what it printed, and lands on the overview.
        cookie = _sign_in(base, *login)
        page = urllib.request.Request(f"{base}/", headers={"Cookie": cookie})
        with urllib.request.urlopen(page, timeout=10) as response:
            assert "Tổng quan" in response.read().decode("utf-8")
        counts: Counter[str] = Counter()
        while time.monotonic() - started < 30:
            devices = _get(f"{base}/api/v1/devices", token)["devices"]
            assert isinstance(devices, list)
            counts = Counter(d["status"] for d in devices)
            if counts["online"] and counts["offline"] and not counts["unknown"]:
                break
            time.sleep(0.5)
        assert counts["online"] > 100 and counts["offline"] > 0, counts
        assert counts["unknown"] == 0, counts
        assert sum(counts.values()) == 220  # every device of devices.yaml
        communes = _get(f"{base}/api/v1/communes", token)["communes"]
        assert isinstance(communes, list) and len(communes) == 7
        # A year of seeded history: the indicators page's default (the last full quarter
        # and the two before) is decided, not "không đủ dữ liệu" for want of a past.
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        before = quarter_start - timedelta(days=1)  # the last day of the last full quarter
        quarter = f"{before.year}-Q{(before.month - 1) // 3 + 1}"
        overview = _get(f"{base}/api/v1/indicators/overview?period={quarter}&trend=2", token)
        for summary in overview["summary"]:  # type: ignore[attr-defined]
            for indicator in ("R6", "R8", "C3"):
                assert set(summary[indicator]) <= {"met", "not_met"}, (indicator, summary)
        # The "Khắc phục" tab has something to show: a plan waiting, one overdue (written
        # while the demo already answers).
        plans: object = []
        while time.monotonic() - started < 90:
            plans = _get(f"{base}/api/v1/indicators/remediation?status=open", token)["plans"]
            if isinstance(plans, list) and len(plans) == 2:
                break
            time.sleep(0.5)
        assert isinstance(plans, list)
        assert [(p["status"], p["overdue"]) for p in plans] == [
            ("submitted", False),
            ("accepted", True),
        ]
        # The province's own indicator (server/demo/profiles/thanh-hoa.yaml) is declared,
        # and the communes have declared it and the catalogue's, with a document
        # (server/demo/declarations.py), before the plans were written.
        profile = _get(f"{base}/api/v1/indicators/profile?commune=xuan-hong", token)
        assert "T1" in profile["declared"], profile["declared"]  # type: ignore[operator]
        declared = _get(f"{base}/api/v1/indicators/declared?commune=xuan-hong", token)
        entries = declared["declared"]
        assert isinstance(entries, list)
        assert {e["indicator"] for e in entries} == set(profile["declared"])  # type: ignore[arg-type]
        assert all(e["documents"] for e in entries)
        # Last, as the cameras' first pictures come a few seconds after the fleet starts:
        # a camera of the first commune was covered with a cloth (server/demo/
        # camera_troubles.py), and its commune page says so once its picture is in; its
        # page shows what its recorder kept over the last days (the seeded past and the
        # live report).
        commune_page = _page(f"{base}/communes/xuan-hong", cookie)
        while "Bị che" not in commune_page and time.monotonic() - started < 60:
            time.sleep(0.5)
            commune_page = _page(f"{base}/communes/xuan-hong", cookie)
        assert "Bị che" in commune_page
        camera_page = _page(f"{base}/devices/xuan-hong-cam-01", cookie)
        assert "Ghi hình 7 ngày qua" in camera_page
        hours = re.findall(r"<strong>([\d,]+) giờ</strong>", camera_page)
        assert len(hours) >= 7 and any(h != "24" for h in hours), hours
        # The simulated cameras send thumbnails through their gateways' queues.
        online_cameras = [
            d["id"] for d in devices if d["kind"] == "camera" and d["status"] == "online"
        ]
        pictures: dict[str, object] = {}
        while time.monotonic() - started < 60 and not pictures.get("latest"):
            pictures = _get(f"{base}/api/v1/devices/{online_cameras[0]}/snapshots", token)
            time.sleep(0.5)
        assert pictures["latest"], pictures
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
