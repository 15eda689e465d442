"""The indicator endpoints on the real app (SQLite): scope by token, every problem of a
bad request at once, named periods, province profiles, declared values, excused
periods. The figures themselves are checked by hand in tests/indicators/test_stores.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.apps import bearer
from tests.indicators.test_stores import (
    ADMIN,
    HISTORY,
    INVENTORY,
    NOW,
    RC3_MAINTENANCE,
    SEPT_FROM,
    SEPT_TO,
    H,
)
from xaso.inventory import load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.indicators.gather.declared import DeclaredDocument, DeclaredValue
from xaso.server.indicators.keys import DECLARED
from xaso.server.monitoring.exclusion_history import Author
from xaso.server.monitoring.exclusions import ExcusedPeriod
from xaso.server.monitoring.keys import EXCLUSIONS
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role
from xaso.yamlcheck import ConfigError

PROV2_PROFILE = """\
schema: 1
name: Tỉnh Khác 2026
area: prov2
overrides:
  R3: {enabled: true, threshold: 1}
  C1: {enabled: false}
  R6: {threshold: 90, window: period}
added:
  T1:
    name: Tỷ lệ thôn có tổ công nghệ số cộng đồng
    name_en: Villages with a community digital technology team
    unit: "%"
    threshold: 80
"""
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_app(tmp_path: Path, store: SqliteStore, profiles: Path | None) -> web.Application:
    settings = Settings(
        inventory=str(INVENTORY),
        data_dir=str(tmp_path / "data"),
        indicator_profiles=str(profiles) if profiles else None,
    )
    index = load_inventory(INVENTORY).index()
    return create_app(
        settings, Deps(store=store, index=index, clock_ms=lambda: NOW, connect_mqtt=False)
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "prov2.yaml").write_text(PROV2_PROFILE, encoding="utf-8")
    store = await SqliteStore.open(":memory:")
    await store.write(HISTORY)
    async with TestClient(TestServer(make_app(tmp_path, store, profiles))) as client:
        app = client.server.app
        assert app is not None
        app[EXCLUSIONS].add_window(RC3_MAINTENANCE, state="approved", by=ADMIN, at_ms=0)
        yield client
    await store.close()


def app_of(client: TestClient) -> web.Application:
    app = client.server.app
    assert app is not None
    return app


async def get(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    response = await client.get(path, headers=headers)
    return response.status, await response.json()


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["indicator"]: result for result in body["results"]}


async def test_a_named_period_gives_the_evaluation(client: TestClient) -> None:
    admin = bearer(app_of(client), Role.ADMIN)
    status, body = await get(client, "/api/v1/indicators?commune=hoa&period=2026-09", admin)
    assert status == 200
    assert (body["commune"], body["from_ms"], body["to_ms"]) == ("hoa", SEPT_FROM, SEPT_TO)
    assert body["profile"] == "Mặc định (default)"
    results = by_id(body)
    assert results["R6"]["verdict"] == "met"
    assert results["R2"]["verdict"] == "not_met"
    assert results["R1"]["name"] == "Xã có đài truyền thanh ứng dụng CNTT-VT hoạt động"
    # The same period by its bounds, in local time.
    status, same = await get(
        client,
        "/api/v1/indicators?commune=hoa&from=2026-09-01T00:00&to=2026-10-01T00:00",
        admin,
    )
    assert status == 200 and same["results"] == body["results"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR, Role.VERIFIER])
async def test_tokens_see_their_communes_only(client: TestClient, role: Role) -> None:
    headers = bearer(app_of(client), role, "hoa")
    status, _ = await get(client, "/api/v1/indicators?commune=hoa&period=2026-09", headers)
    assert status == 200
    status, body = await get(client, "/api/v1/indicators?commune=vang&period=2026-09", headers)
    assert (status, body) == (404, {"error": "commune not found"})
    status, _ = await get(client, "/api/v1/indicators/profile?commune=vang", headers)
    assert status == 404


async def test_every_problem_at_once(client: TestClient) -> None:
    admin = bearer(app_of(client), Role.ADMIN)
    status, body = await get(client, "/api/v1/indicators?period=2026-13&excused=maybe", admin)
    assert status == 400
    assert len(body["problems"]) == 3
    assert any("commune" in p for p in body["problems"])
    assert any("2026-13" in p for p in body["problems"])
    assert any("excused" in p for p in body["problems"])

    status, body = await get(
        client, "/api/v1/indicators?commune=hoa&period=2026&from=1&to=x", admin
    )
    assert status == 400 and "either period or from/to" in body["problems"][0]
    status, body = await get(client, "/api/v1/indicators?commune=hoa&to=2026-10-01", admin)
    assert status == 400 and "missing: from" in body["problems"][0]
    status, body = await get(client, "/api/v1/indicators?commune=nowhere&period=2026", admin)
    assert status == 404


async def test_a_province_profile_applies_to_its_communes(client: TestClient) -> None:
    admin = bearer(app_of(client), Role.ADMIN)
    status, body = await get(client, "/api/v1/indicators?commune=vang&period=2026-09", admin)
    assert status == 200 and body["profile"] == "Tỉnh Khác 2026"
    results = by_id(body)
    assert (results["R3"]["verdict"], results["R3"]["value"]) == ("met", 1.0)
    assert results["C1"]["verdict"] == "not_applicable"
    assert results["R6"]["threshold"] == 90

    status, profile = await get(client, "/api/v1/indicators/profile?commune=vang", admin)
    assert status == 200 and profile["area"] == "prov2"
    indicators = {i["id"]: i for i in profile["indicators"]}
    assert (indicators["R6"]["threshold"], indicators["R6"]["window"]) == (90, "period")
    assert indicators["R6"]["min_known_pct"] == 75  # not overridden: the default's
    status, default = await get(client, "/api/v1/indicators/profile?commune=hoa", admin)
    assert default["area"] is None and default["profile"] == "Mặc định (default)"
    status, bare = await get(client, "/api/v1/indicators/profile", admin)
    assert bare["indicators"] == default["indicators"]


async def test_a_declared_value_with_its_documents(client: TestClient) -> None:
    app = app_of(client)
    sha = "ab" * 32
    app[DECLARED].add(
        DeclaredValue(
            id="",
            seq=0,
            commune="hoa",
            indicator="N1",
            value=100.0,
            numerator=4,
            denominator=4,
            valid_from=dt.date(2026, 1, 1),
            documents=[DeclaredDocument("bao-cao-4g.pdf", sha, 1234, "application/pdf")],
            entered_by="VH-XH Hòa",
            entered_ms=SEPT_FROM,
        )
    )
    _, body = await get(
        client, "/api/v1/indicators?commune=hoa&period=2026-09", bearer(app, Role.ADMIN)
    )
    n1 = by_id(body)["N1"]
    assert (n1["verdict"], n1["value"], n1["numerator"], n1["denominator"]) == ("met", 100, 4, 4)
    assert n1["source"] == "declared"
    documents = [e for e in n1["evidence"] if e["kind"] == "document"]
    assert documents == [{"kind": "document", "id": sha, "label": "bao-cao-4g.pdf", "sha256": sha}]
    assert by_id(body)["N2"]["verdict"] == "insufficient_data"


async def test_a_commune_declares_the_indicators_its_province_added(client: TestClient) -> None:
    app = app_of(client)
    vang = bearer(app, Role.OPERATOR, "vang")
    response = await client.post("/api/v1/indicators/documents?name=qd.pdf", data=PDF, headers=vang)
    sha = (await response.json())["documents"][0]["id"]
    body = {
        "commune": "vang",
        "indicator": "T1",
        "value": 100,
        "numerator": 1,
        "denominator": 1,
        "valid_from": "2026-07-01",
        "documents": [sha],
    }
    response = await client.post("/api/v1/indicators/declared", json=body, headers=vang)
    assert response.status == 201, await response.text()
    admin = bearer(app, Role.ADMIN)
    _, evaluation = await get(client, "/api/v1/indicators?commune=vang&period=2026-09", admin)
    t1 = by_id(evaluation)["T1"]
    assert (t1["verdict"], t1["value"], t1["name"]) == (
        "met",
        100,
        "Tỷ lệ thôn có tổ công nghệ số cộng đồng",
    )
    assert [e["kind"] for e in t1["evidence"]] == ["declared", "document"]

    # Hòa's profile (the default) has no T1: refused, saying what it may declare.
    hoa = bearer(app, Role.OPERATOR, "hoa")
    # The same file uploaded for Hòa too: the indicator is the only problem.
    await client.post("/api/v1/indicators/documents?name=qd.pdf", data=PDF, headers=hoa)
    response = await client.post(
        "/api/v1/indicators/declared", json={**body, "commune": "hoa"}, headers=hoa
    )
    assert response.status == 400
    assert (await response.json())["problems"] == [
        "indicator: must be one of N1, N2, N3, N4, N6: 'T1' is not an indicator of this "
        "commune's profile (Mặc định (default))"
    ]
    _, evaluation = await get(client, "/api/v1/indicators?commune=hoa&period=2026-09", admin)
    assert "T1" not in by_id(evaluation)

    # The profile says which indicators each commune declares.
    _, profile = await get(client, "/api/v1/indicators/profile?commune=vang", admin)
    assert profile["declared"] == ["N1", "N2", "N3", "N4", "N6", "T1"]
    t1_profile = {i["id"]: i for i in profile["indicators"]}["T1"]
    assert (t1_profile["measure"], t1_profile["unit"], t1_profile["threshold"]) == (
        "declared",
        "%",
        80,
    )
    assert (t1_profile["added_by"], t1_profile["evidence_required"]) == ("prov2", True)
    _, default = await get(client, "/api/v1/indicators/profile?commune=hoa", admin)
    assert default["declared"] == ["N1", "N2", "N3", "N4", "N6"]


async def test_excused_periods_only_when_asked(client: TestClient) -> None:
    app = app_of(client)
    # A grid power cut the verifier excuses: hoa-rc-2's 72-hour outage.
    app[EXCLUSIONS].add_excused(
        ExcusedPeriod(
            id="ex-1",
            scope="device",
            target="hoa-rc-2",
            from_ms=SEPT_FROM + 200 * H,
            to_ms=SEPT_FROM + 272 * H,
            cause="grid_power_cut",
        ),
        state="approved",
        by=Author("tham-dinh", "verifier"),
        at_ms=NOW,
    )
    admin = bearer(app, Role.ADMIN)
    _, plain = await get(client, "/api/v1/indicators?commune=hoa&period=2026-09", admin)
    _, excused = await get(client, "/api/v1/indicators?commune=hoa&period=2026-09&excused=1", admin)
    assert by_id(plain)["R6"]["value"] == pytest.approx(100 * (1 - 78 / 2160))
    assert by_id(excused)["R6"]["value"] == pytest.approx(100 * (1 - 6 / 2160))
    assert (plain["excused_excluded"], excused["excused_excluded"]) == (False, True)
    # With the outage excused, rc-2 works, but Thôn 1 was already covered by rc-1.
    assert by_id(excused)["R2"]["value"] == by_id(plain)["R2"]["value"] == 25


def test_a_bad_profile_stops_the_server_with_its_lines(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "bad.yaml").write_text(
        "schema: 1\nname: x\narea: nowhere\noverrides:\n  R6: {threshold: 120}\n",
        encoding="utf-8",
    )
    settings = Settings(
        inventory=str(INVENTORY), data_dir=str(tmp_path / "data"), indicator_profiles=str(profiles)
    )
    with pytest.raises(ConfigError) as caught:
        create_app(settings, Deps(connect_mqtt=False))
    text = str(caught.value)
    assert f"{profiles / 'bad.yaml'}:5:" in text  # the threshold above 100 %
    assert f"{profiles / 'bad.yaml'}:3:" in text  # the unknown area


@pytest.mark.parametrize(
    "path", ["/api/v1/indicators", "/api/v1/indicators/report", "/api/v1/indicators/overview"]
)
async def test_a_range_the_calendar_cannot_hold_is_a_400(client: TestClient, path: str) -> None:
    admin = bearer(app_of(client), Role.ADMIN)
    for bounds in ("from=99999999999999999&to=999999999999999999", "from=0001-01-01&to=2026-01-01"):
        response = await client.get(f"{path}?commune=hoa&{bounds}", headers=admin)
        assert response.status == 400, await response.text()
        assert "1970-01-01" in await response.text()
