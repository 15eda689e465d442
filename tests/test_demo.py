"""``xaso demo`` as a newcomer runs it: one command, real statuses within 30 s."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.services.ports import free_port


def _get(url: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


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
        token = None
        for line in process.stdout:
            found = re.search(r"token:\s+(xaso_\S+)", line)
            if found:
                token = found.group(1)
                break
        assert token, "the demo did not print an admin token"
        base = f"http://127.0.0.1:{port}"
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
        # Two months of seeded history: last month's indicators are decided, not all
        # "không đủ dữ liệu" for want of a past.
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        overview = _get(f"{base}/api/v1/indicators/overview?period={last_month}", token)
        summary = overview["summary"][-1]  # type: ignore[index]  # the period asked for
        for indicator in ("R6", "R8", "C3"):
            assert set(summary[indicator]) <= {"met", "not_met"}, (indicator, summary)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
