"""Server settings, declared once with their help text (the CLI is built from these)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from xaso.server.database import FILE_NAME as DATABASE_FILE
from xaso.server.store.base import INFLUXDB_WRITE_LANES


@dataclass(frozen=True)
class Settings:
    inventory: str = field(
        default="devices.yaml", metadata={"help": "inventory file (devices.yaml)"}
    )
    mqtt: str = field(
        default="mqtt://127.0.0.1:1883",
        metadata={"help": "broker URL, mqtt://[user:pass@]host:port"},
    )
    store: str = field(
        default="sqlite:///xaso-data/timeseries.db",
        metadata={
            "help": "time-series store: sqlite:///PATH or influxdb://host:port/database "
            "(credentials from XASO_INFLUX_USERNAME/PASSWORD or XASO_INFLUX_TOKEN)"
        },
    )
    listen: str = field(default="127.0.0.1:8080", metadata={"help": "HTTP address host:port"})
    data_dir: str = field(
        default="xaso-data", metadata={"help": "folder for the server's own data (API tokens)"}
    )
    mqtt_password_file: str | None = field(
        default=None,
        metadata={
            "help": "file holding the broker password (else XASO_MQTT_PASSWORD, else a "
            "systemd credential named mqtt-password); keeps it off the command line"
        },
    )
    mqtt_client_id: str = field(
        default="xaso-server",
        metadata={"help": "MQTT client id; keep it stable so the broker keeps our session"},
    )
    sweep_interval_s: float = field(
        default=0.5,
        metadata={
            "help": "how often heartbeat timeouts are checked, seconds (a timeout is "
            "noticed at most this late)"
        },
    )

    intake_stall_s: float = field(
        default=5.0,
        metadata={
            "help": "when a message has waited this long to be stored, the intake counts as "
            "stalled: no device is timed out until it flows again (the broker holds back "
            "their heartbeats), and /healthz says so, seconds"
        },
    )
    max_pending_records: int = field(
        default=20_000,
        metadata={
            "help": "records received but not yet stored that the server holds at most; "
            "past this it stops reading from the broker, which keeps the rest, until half "
            "are stored (bounds the server's memory under overload)"
        },
    )

    store_write_lanes: int = field(
        default=0,
        metadata={
            "help": "batches written to the store at once, each agent's records always in "
            "the same one so its order holds; 0: as suits the store (1 for SQLite, "
            f"{INFLUXDB_WRITE_LANES} for InfluxDB, which spreads concurrent writes over its cores)"
        },
    )

    ingest_workers: int = field(
        default=1,
        metadata={
            "help": "processes taking the agents' messages in, each a share of the agents "
            "with its own broker session (client id and user name <id>-<k>of<N>); 1: "
            "in the server's own process. More use more cores (docs/scaling.md)"
        },
    )

    alerts: str | None = field(
        default=None,
        metadata={
            "help": "alerts file: rules and channels (deploy/alerts.yaml); none: alerting off"
        },
    )
    max_clock_ahead_s: float = field(
        default=600.0,
        metadata={
            "help": "a record stamped further ahead of the server's clock than this has a "
            "wrong clock: a live heartbeat is kept at the server's time, a queued record "
            "refused, seconds"
        },
    )
    max_record_age_days: float = field(
        default=90.0,
        metadata={
            "help": "a record stamped longer ago than this comes from a wrong clock: a "
            "live heartbeat is kept at the server's time, a queued record refused; keep it "
            "above the agents' queue retention (30 days by default), days"
        },
    )
    replay_after_s: float = field(
        default=60.0,
        metadata={
            "help": "ask an agent to send again records still missing after this long, and "
            "again as often (three times at most per gap; then they count as lost), seconds"
        },
    )
    schedule_horizon_days: int = field(
        default=8,
        metadata={
            "help": "local days of broadcast occurrences each radio gateway's schedule set "
            "lists ahead; a gateway cut off longer than this plays nothing past it"
        },
    )
    playout_on_time_s: float = field(
        default=60.0,
        metadata={
            "help": "a broadcast that starts within this of its planned time counts as "
            "on time in the playout log, seconds"
        },
    )
    playout_grace_s: float = field(
        default=300.0,
        metadata={
            "help": "after a broadcast's slot, how long its log may take to arrive before "
            "a silent gateway counts as missed or not received, seconds"
        },
    )

    snapshot_keep_days: int = field(
        default=400,
        metadata={
            "help": "days a camera's day snapshot (the first from 09:00 local) is kept as "
            "evidence; the latest of each camera is always kept"
        },
    )
    snapshot_max_mb: float = field(
        default=512.0,
        metadata={
            "help": "the day snapshots take at most this much of xaso.db; past it the "
            "oldest days go first, MiB (a 20 KB thumbnail: ~25,000 camera-days)"
        },
    )

    indicator_profiles: str | None = field(
        default=None,
        metadata={
            "help": "folder of province indicator profiles (*.yaml, each naming its area); "
            "none: every commune on the built-in default profile"
        },
    )

    session_idle_timeout_s: float = field(
        default=7200.0,
        metadata={
            "help": "a page login ends after this long without a request, seconds "
            "(counted to the minute)"
        },
    )
    session_lifetime_s: float = field(
        default=43200.0,
        metadata={
            "help": "a page login ends this long after it began, however busy, seconds; "
            "the user then signs in again"
        },
    )
    page_refresh_s: float = field(
        default=15.0,
        metadata={
            "help": "how often an open overview or problems page fetches its counts and "
            "list again, without a reload, seconds"
        },
    )
    map_tiles: str | None = field(
        default=None,
        metadata={
            "help": "the map's background tiles, a URL template with {z}, {x} and {y} "
            "(and {s} for a server's a/b/c names), e.g. the province's own tile server or "
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png; browsers fetch them from "
            "there, and the Content-Security-Policy allows that host for images. None: "
            "no background, the map draws its points and the communes' outlines offline"
        },
    )
    map_attribution: str | None = field(
        default=None,
        metadata={
            "help": "the credit shown under the map for its tiles, as the tiles' licence "
            "asks (plain text, e.g. '© OpenStreetMap contributors', the default for "
            "openstreetmap.org tiles; otherwise the tile server's host name)"
        },
    )
    trusted_proxies: str | None = field(
        default=None,
        metadata={
            "help": "addresses or networks of the reverse proxies in front of the server, "
            "comma-separated (e.g. 127.0.0.1,::1): their X-Forwarded-Proto says whether a "
            "login came over HTTPS, so its cookie is Secure; none: only TLS to this server "
            "itself counts"
        },
    )

    @property
    def listen_host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--listen must be host:port, not {self.listen!r}")
        return host.strip("[]"), int(port)

    @property
    def database_path(self) -> str:
        """The server's own SQLite file (database.py): tokens, schedules, declared
        values, sign-offs, ... in ``--data-dir``."""
        return f"{self.data_dir}/{DATABASE_FILE}"

    def mqtt_password(self, env: Mapping[str, str] = os.environ) -> str | None:
        """The broker password from a file, the environment or a systemd credential
        (``LoadCredential=mqtt-password:...``); None: the URL's, if any."""
        path = self.mqtt_password_file
        if path is None and env.get("CREDENTIALS_DIRECTORY"):
            credential = Path(env["CREDENTIALS_DIRECTORY"]) / "mqtt-password"
            path = str(credential) if credential.is_file() else None
        if path is not None:
            return Path(path).read_text(encoding="utf-8").strip()
        return env.get("XASO_MQTT_PASSWORD") or None


def setting_help() -> dict[str, tuple[object, str]]:
    """name -> (default, help), for the command line and the docs."""
    return {f.name: (f.default, f.metadata["help"]) for f in fields(Settings)}
