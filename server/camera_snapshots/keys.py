"""The snapshots' application state: the pages' reading side of the store."""

from __future__ import annotations

from aiohttp import web

from xaso.server.camera_snapshots.store import SnapshotStore

SNAPSHOTS = web.AppKey("camera_snapshots", SnapshotStore)
