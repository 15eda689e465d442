"""The vendored front-end libraries (server/web/static/vendor/) are the files npm
published, byte for byte: each one's sha256 is the one VENDORED.md records, each folder
carries its package's licence, and the real app serves them, without a login, with a
type the browser accepts under ``X-Content-Type-Options: nosniff``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker
from tests.paths import REPO

VENDOR = REPO / "server/web/static/vendor"
VENDORED = (VENDOR / "VENDORED.md").read_text(encoding="utf-8")

# What each licence of the table must say in the folder's LICENSE file.
LICENCE_WORDS = {
    "0BSD": "Zero-Clause BSD",
    "MIT": "Permission is hereby granted, free of charge",
    "BSD-2-Clause": "BSD 2-Clause License",
}
# Packages whose minified script does not name its version (VENDORED.md says so): the
# integrity and the sha256 pin them.
UNVERSIONED_SCRIPTS = {"leaflet.markercluster"}
# What a browser runs as a script under nosniff: Python 3.12 guesses the first for
# ``.js``, 3.11 the second unless the system's mime.types says otherwise.
SCRIPT_TYPES = {"text/javascript", "application/javascript"}
CONTENT_TYPES = {".js": SCRIPT_TYPES, ".css": {"text/css"}}


def _table(markdown: str, heading: str) -> list[list[str]]:
    """The rows of the table under ``## heading``, each a list of its cells without
    their backticks (the header row and the ``|---|`` line left out)."""
    section = markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in lines[2:]]


PACKAGES = _table(VENDORED, "Packages")  # npm package, version, folder, licence, integrity
FILES = _table(VENDORED, "Files")  # file, taken from, bytes, sha256


def _files_on_disk() -> set[str]:
    return {path.relative_to(VENDOR).as_posix() for path in VENDOR.glob("*/*") if path.is_file()}


def test_the_tables_are_read() -> None:
    # A reworded heading must not leave the tests below with nothing to check.
    assert {row[0] for row in PACKAGES} == {"htmx.org", "uplot", "leaflet", "leaflet.markercluster"}
    assert len(FILES) >= 5


def test_every_vendored_file_has_its_row_and_every_row_its_file() -> None:
    assert {row[0] for row in FILES} == _files_on_disk()


@pytest.mark.parametrize("row", FILES, ids=lambda row: row[0])
def test_every_file_is_the_one_npm_published(row: list[str]) -> None:
    name, _, size, sha256 = row
    data = (VENDOR / name).read_bytes()
    assert len(data) == int(size), name
    assert hashlib.sha256(data).hexdigest() == sha256, name


@pytest.mark.parametrize("row", PACKAGES, ids=lambda row: row[0])
def test_every_package_has_its_folder_and_licence(row: list[str]) -> None:
    package, version, folder, licence, integrity = row
    assert folder.endswith(f"-{version}"), "a new version gets a new folder (and new URLs)"
    assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", integrity), package
    licence_text = (VENDOR / folder / "LICENSE").read_text(encoding="utf-8")
    assert LICENCE_WORDS[licence] in licence_text, package
    # The minified scripts name their own version: the folder says what is in it.
    scripts = sorted((VENDOR / folder).glob("*.js"))
    assert scripts, package
    if package in UNVERSIONED_SCRIPTS:
        return
    for script in scripts:
        assert version in script.read_text(encoding="utf-8"), script.name


def test_every_folder_is_a_package_of_the_table() -> None:
    folders = {path.name for path in VENDOR.iterdir() if path.is_dir()}
    assert folders == {row[2] for row in PACKAGES}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


async def test_the_app_serves_them_without_a_login(client: TestClient) -> None:
    # The static route sets no Cache-Control: browsers revalidate with its ETag and
    # Last-Modified, which is left as it is.
    served = [name for name in sorted(_files_on_disk()) if Path(name).suffix in CONTENT_TYPES]
    assert len(served) >= 3
    for name in served:
        response = await client.get(f"/static/vendor/{name}")
        assert response.status == 200, name
        assert response.content_type in CONTENT_TYPES[Path(name).suffix], name
        assert await response.read() == (VENDOR / name).read_bytes(), name
