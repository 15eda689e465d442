"""The shipped Grafana dashboard's queries run on a real InfluxDB holding our data."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
import uuid

from tests.paths import REPO
from xaso.server.records import AgentHealthRecord, DeviceReadingRecord, TransitionRecord
from xaso.server.store.influx import InfluxStore
from xaso.testbed.influxdb import InfluxServer

DASHBOARD = REPO / "dashboards" / "xaso-devices.json"

# What Grafana substitutes before sending a query.
GRAFANA_MACROS = {
    "$timeFilter": "time > now() - 1h",
    "$__interval": "1m",
    "$commune": "xuan-hong",
    "$kind": "radio_cluster",
}


def _queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["query"] for p in dashboard["panels"] for t in p["targets"]]


async def test_every_dashboard_query_returns_data(influxd: InfluxServer) -> None:
    database = f"dash_{uuid.uuid4().hex[:8]}"
    store = await InfluxStore.open(influxd.url, database)
    now_ms = int(time.time() * 1000)
    common = {"commune": "xuan-hong", "ts_ms": now_ms - 60_000}
    try:
        await store.write(
            [
                DeviceReadingRecord(
                    device_id="xuan-hong-rc-01",
                    agent_id="gw",
                    kind="radio_cluster",
                    seq=1,
                    reachable=False,
                    rtt_ms=20.0,
                    **common,
                ),  # type: ignore[arg-type]
                AgentHealthRecord(
                    agent_id="gw", seq=1, session=1, temp_c=50.0, disk_free_pct=60.0, **common
                ),  # type: ignore[arg-type]
                TransitionRecord(
                    device_id="xuan-hong-rc-01",
                    kind="radio_cluster",
                    status="online",
                    previous="unknown",
                    cause="probe_ok",
                    **common,
                ),  # type: ignore[arg-type]
            ]
        )
    finally:
        await store.close()
    queries = _queries()
    assert len(queries) == 5
    for query in queries:
        for macro, value in GRAFANA_MACROS.items():
            query = query.replace(f"/^{macro}$/", f"/^{value}$/").replace(macro, value)
        url = f"{influxd.url}/query?" + urllib.parse.urlencode({"db": database, "q": query})
        with urllib.request.urlopen(url, timeout=10) as response:
            result = json.loads(response.read())["results"][0]
        assert "error" not in result, (query, result)
        assert result.get("series"), f"no data for: {query}"
