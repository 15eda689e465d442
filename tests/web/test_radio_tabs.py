"""The smart-radio section's tabs (server/web/pages/radio_shared.py): each a page that
exists, each named differently from the others in both languages, so that an officer
tells the calendar from the list of schedules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, page_cookie
from xaso.server.web.pages.radio_shared import RADIO_TABS
from xaso.server.web.tokens import Role
from xaso.server.words import LANGUAGES, translator


def test_every_tab_has_a_name_of_its_own() -> None:
    for lang in LANGUAGES:
        names = [translator(lang)[word] for _, word in RADIO_TABS]
        assert len(set(names)) == len(names), (lang, names)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


async def test_every_tab_opens_with_the_commune_kept(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    for path, _ in RADIO_TABS:
        response = await client.get(f"{path}?commune=beta", headers=cookie)
        html = await response.text()
        assert response.status == 200, (path, html)
        assert 'aria-current="page">' in html and "?commune=beta" in html, path


def test_the_sections_words_call_a_gateway_a_gateway() -> None:
    """The menu, the tabs and the proof of play say "gateway"; the section says it the
    same way everywhere (not "cổng", which is also a network port)."""
    words = translator("vi")
    prefixes = ("radio.", "rs.", "speech.", "sched.", "now.", "log.", "rgw.")
    found = [k for k, v in words.items() if k.startswith(prefixes) and "cổng" in v.lower()]
    assert found == []


async def test_the_commune_chooser_keeps_the_view_but_not_the_zone(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.ADMIN)
    response = await client.get(
        "/radio/calendar?commune=beta&view=month&date=2026-03-01&zone=beta.t1&done=1",
        headers=cookie,
    )
    html = await response.text()
    chooser = html[html.index('<form class="radio-commune"') :]
    chooser = chooser[: chooser.index("</form>")]
    assert '<input type="hidden" name="view" value="month">' in chooser
    assert '<input type="hidden" name="date" value="2026-03-01">' in chooser
    assert 'name="zone"' not in chooser and 'name="done"' not in chooser
    # Under a tab (a schedule's page, a proof of play) the chooser opens the tab itself.
    response = await client.get("/radio/schedules/new?commune=beta&title=x", headers=cookie)
    html = await response.text()
    chooser = html[html.index('<form class="radio-commune"') :]
    assert 'type="hidden"' not in chooser[: chooser.index("</form>")]
