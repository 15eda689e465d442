"""``xaso demo``: the whole product in one process, with nothing else installed.

An embedded broker (amqtt), the server on the SQLite store, and a simulated fleet made
from the inventory, where devices go down and come back. Heartbeats every 5 s instead
of the inventory's 30 s, so that a newcomer sees real statuses within half a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import tempfile
import time
from pathlib import Path

import msgspec
from aiohttp import web

from xaso.inventory import InventoryIndex, load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.database import ServerDatabase
from xaso.server.demo.broker import EmbeddedBroker
from xaso.server.demo.camera_troubles import picture_troubles
from xaso.server.demo.declarations import seed_declarations
from xaso.server.demo.fleet import SimulatedFleet, is_steady
from xaso.server.demo.history import write_history
from xaso.server.demo.remediation import seed_remediation
from xaso.server.settings import Settings
from xaso.server.store import open_store
from xaso.server.web.accounts import AccountStore
from xaso.server.web.tokens import Role, TokenStore

log = logging.getLogger("xaso.demo")

DEMO_HEARTBEAT_S = 5.0
# Enough past for the indicators page's default: the last full quarter and the two
# before it. Gateway heartbeats of the past every 3 hours: the indicators do not read
# them, and a year of them every 30 s would take the newcomer's minute.
DEMO_HISTORY_DAYS = 366
DEMO_HISTORY_HEARTBEAT_MS = 3 * 3600 * 1000
BUNDLED_INVENTORY = Path(__file__).with_name("devices.yaml")
# The province's indicator profile for the bundled inventory: the catalogue and one
# indicator of Thanh Hóa's own (T1), so the indicator pages show one.
BUNDLED_PROFILES = Path(__file__).with_name("profiles")


def _quicken(index: InventoryIndex, heartbeat_s: float) -> InventoryIndex:
    """The same fleet on a faster clock: the demo's heartbeat and 3 beats to time out."""
    for table in (index.devices, index.agents):
        for device_id, entry in table.items():
            table[device_id] = msgspec.structs.replace(
                entry, heartbeat_interval_s=heartbeat_s, offline_after_s=3 * heartbeat_s
            )
    return index


def _profiles_for(inventory: Path) -> str | None:
    """The bundled profiles go with the bundled inventory only: another names other
    areas, and its communes take the default profile."""
    return str(BUNDLED_PROFILES) if inventory.resolve() == BUNDLED_INVENTORY.resolve() else None


def _inventory_path(given: str | None) -> Path:
    if given:
        return Path(given)
    local = Path("devices.yaml")
    return local if local.is_file() else BUNDLED_INVENTORY


async def _seed_history(index: InventoryIndex, database: Path, data_dir: Path) -> str:
    """A year of plausible past, so that the indicators have something to judge. Written
    beside ``database`` and renamed into place when complete: a seeding cut short by
    Ctrl-C is done again at the next run, not taken for a past."""
    now_ms = int(time.time() * 1000)
    partial = database.with_name(database.name + ".seeding")
    partial.unlink(missing_ok=True)
    store = await open_store(f"sqlite:///{partial}")
    try:
        kinds = await write_history(
            store,
            index,
            data_dir,
            now_ms - DEMO_HISTORY_DAYS * 86_400_000,
            now_ms,
            health_interval_ms=DEMO_HISTORY_HEARTBEAT_MS,
            picture_troubles=picture_troubles(index, is_steady),
        )
    finally:
        await store.close()
    partial.replace(database)
    return (
        f"{DEMO_HISTORY_DAYS} days of simulated history: {kinds['TransitionRecord']} status "
        f"changes, {kinds['BroadcastEventRecord']} broadcast-log events"
    )


async def _serve(listen: str, inventory: Path, data_dir: Path) -> None:
    index = _quicken(load_inventory(inventory).index(), DEMO_HEARTBEAT_S)
    database = data_dir / "timeseries.db"
    # A data folder kept from an earlier run has its own past already.
    seeded = (
        await _seed_history(index, database, data_dir)
        if not database.exists()
        else "history kept from the earlier run"
    )
    broker = EmbeddedBroker()
    await broker.start()
    settings = Settings(
        inventory=str(inventory),
        mqtt=broker.url,
        store=f"sqlite:///{database}",
        listen=listen,
        data_dir=str(data_dir),
        mqtt_client_id="xaso-demo-server",
        indicator_profiles=_profiles_for(inventory),
    )
    host, port = settings.listen_host_port
    with ServerDatabase(settings.database_path) as server_db:
        admin_token = TokenStore(server_db.connection).create(Role.ADMIN, name="demo API")
        password = secrets.token_urlsafe(9)
        logins = _demo_accounts(AccountStore(server_db.connection), index, password)

    app = create_app(settings, Deps(index=index))
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    fleet = SimulatedFleet(index, broker.url, data_dir / "agents", DEMO_HEARTBEAT_S)
    fleet.start()
    # Evaluating the communes takes seconds: the page answers meanwhile.
    plans = asyncio.create_task(_compliance_examples(app))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    n_devices = len(index.devices)
    print(
        f"\nxaso demo: {len(index.communes)} communes, {n_devices} devices, "
        f"{len(index.agents)} simulated gateways\n"
        f"  page:   http://{host}:{port}/   sign in as {logins[0]}, password {password}\n"
        f"          (also {', '.join(logins[1:])}: same password)\n"
        f"  indicators: http://{host}:{port}/indicators   (a year of simulated history)\n"
        f"  API:    curl -H 'Authorization: Bearer {admin_token}' "
        f"http://{host}:{port}/api/v1/devices\n"
        f"  token:  {admin_token}\n"
        f"  data:   {data_dir} ({seeded})\n"
        "Statuses are real within 30 s. Ctrl-C stops.\n",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        print("stopping…", flush=True)
        plans.cancel()
        await asyncio.to_thread(fleet.stop)
        await runner.cleanup()
        await broker.stop()


async def _compliance_examples(app: web.Application) -> None:
    """Declarations first (the plans are written for what the evaluation then finds
    not met), then remediation plans."""
    now_ms = int(time.time() * 1000)
    try:
        declared = await seed_declarations(app, now_ms)
        written = await seed_remediation(app, now_ms)
    except Exception:  # the demo goes on without them
        log.exception("the demo's declarations and remediation plans could not be written")
        return
    if declared:
        log.info("declared %d values with evidence for the Khai báo tab", declared)
    if written:
        log.info("wrote %d remediation plans for the Khắc phục tab", written)


def _demo_accounts(accounts: AccountStore, index: InventoryIndex, password: str) -> list[str]:
    """An administrator, an officer of the first commune and a verifier, all with this
    run's password (a kept --data-dir gets new passwords, not new accounts)."""
    first_commune = next(iter(index.communes))
    wanted = [
        ("admin", Role.ADMIN, "Quản trị (demo)", frozenset[str]()),
        (f"canbo-{first_commune}", Role.OPERATOR, "Cán bộ xã (demo)", frozenset({first_commune})),
        ("thamdinh", Role.VERIFIER, "Thẩm định (demo)", frozenset[str]()),
    ]
    now_ms = int(time.time() * 1000)
    for login, role, name, communes in wanted:
        existing = accounts.by_login(login)
        if existing is not None:
            accounts.set_password(existing.id, password, now_ms)
        else:
            accounts.create(login, password, role, now_ms, name, communes)
    return [login for login, *_ in wanted]


def run_demo(listen: str, inventory: str | None, data_dir: str | None) -> int:
    inventory_path = _inventory_path(inventory)
    with contextlib.ExitStack() as stack:
        folder = (
            Path(data_dir)
            if data_dir
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="xaso-demo-")))
        )
        folder.mkdir(parents=True, exist_ok=True)
        asyncio.run(_serve(listen, inventory_path, folder))
    return 0
