"""Sign-off: a verifier approves the hash they saw; a later change of the data shows
as a mismatch and the approval is never rewritten."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server import keys
from server.tokens import Role
from tests.apps import app_without_broker, bearer
from tests.indicator_fakes import FakeEvaluation, small_fake

REPORT = "/api/v1/indicators/report?commune=alpha&period=2026-Q3"
SIGNOFF = "/api/v1/indicators/signoff"


@pytest.fixture
def fake() -> FakeEvaluation:
    return small_fake()


@pytest.fixture
async def app(tmp_path: Path, fake: FakeEvaluation) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        application[keys.EVALUATE] = fake
        yield application


async def _sha(client: TestClient, headers: dict[str, str]) -> str:
    body = await (await client.get(f"{REPORT}&format=json", headers=headers)).json()
    sha: str = body["sha256"]
    return sha


async def _signoff_column(client: TestClient, headers: dict[str, str]) -> str:
    raw = await (await client.get(f"{REPORT}&format=csv", headers=headers)).read()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return rows[0]["Phê duyệt"]


async def test_a_change_after_sign_off_is_a_visible_mismatch(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    verifier = bearer(app, Role.VERIFIER)
    seen = await _sha(client, verifier)
    body = {"commune": "alpha", "period": "2026-Q3", "sha256": seen, "note": "Đã kiểm tra"}
    response = await client.post(SIGNOFF, json=body, headers=verifier)
    assert response.status == 201, await response.text()
    signed = await response.json()
    assert signed["sha256"] == seen and signed["matches"] is True
    assert signed["verifier"] == "verifier" and signed["role"] == "verifier"
    assert signed["profile"] == "mặc định" and signed["period"] == "2026-Q3"
    assert await _signoff_column(client, verifier) == "Đã phê duyệt"

    # A backlog arrives, an outage is excused...: the figures move.
    fake.r2_value["alpha"] = 75.0
    listed = await (await client.get(f"{SIGNOFF}?commune=alpha", headers=verifier)).json()
    assert listed["count"] == 1
    [entry] = listed["signoffs"]
    assert entry["sha256"] == seen  # what was approved stays as it was
    assert entry["current_sha256"] != seen and entry["matches"] is False
    assert (
        await _signoff_column(client, verifier)
        == "Dữ liệu đã thay đổi sau khi phê duyệt: mã băm không khớp"
    )
    html = await (await client.get(REPORT, headers=verifier)).text()
    assert "mã băm không khớp" in html and seen in html

    # Signing the old hash again is refused: the verifier signs what they saw.
    response = await client.post(SIGNOFF, json=body, headers=verifier)
    assert response.status == 409
    conflict = await response.json()
    assert conflict["current_sha256"] == entry["current_sha256"]
    assert len(app[keys.SIGNOFFS].find("alpha")) == 1

    # A new look, a new approval: a second row, the first kept.
    response = await client.post(
        SIGNOFF, json={**body, "sha256": conflict["current_sha256"]}, headers=verifier
    )
    assert response.status == 201
    listed = await (
        await client.get(f"{SIGNOFF}?commune=alpha&period=2026-Q3", headers=verifier)
    ).json()
    assert [s["matches"] for s in listed["signoffs"]] == [False, True]
    assert await _signoff_column(client, verifier) == "Đã phê duyệt"


async def test_only_verifiers_and_admins_sign_within_their_communes(
    client: TestClient, app: web.Application
) -> None:
    sha = await _sha(client, bearer(app, Role.ADMIN))
    body = {"commune": "alpha", "period": "2026-Q3", "sha256": sha}
    for role, communes in ((Role.OPERATOR, ("alpha",)), (Role.VIEWER, ())):
        response = await client.post(SIGNOFF, json=body, headers=bearer(app, role, *communes))
        assert response.status == 403
    beta_verifier = bearer(app, Role.VERIFIER, "beta")
    assert (await client.post(SIGNOFF, json=body, headers=beta_verifier)).status == 403
    listed = await (await client.get(SIGNOFF, headers=beta_verifier)).json()
    assert listed["count"] == 0
    assert (await client.post(SIGNOFF, json=body, headers=bearer(app, Role.ADMIN))).status == 201
    listed = await (await client.get(SIGNOFF, headers=beta_verifier)).json()
    assert listed["count"] == 0  # alpha's sign-off is not beta's verifier's to see
    listed = await (await client.get(SIGNOFF, headers=bearer(app, Role.VIEWER, "alpha"))).json()
    assert listed["count"] == 1 and listed["signoffs"][0]["role"] == "admin"


async def test_a_verifier_reads_like_a_viewer_and_changes_nothing_else(
    client: TestClient, app: web.Application
) -> None:
    verifier = bearer(app, Role.VERIFIER)
    assert (await client.get("/api/v1/devices", headers=verifier)).status == 200
    schedule = {
        "commune": "alpha",
        "title": "x",
        "start": "2030-01-01T06:00:00",
        "content": {"type": "tts", "text": "Xin chào", "duration_s": 5},
    }
    assert (await client.post("/api/v1/schedules", json=schedule, headers=verifier)).status == 403


async def test_a_bad_sign_off_names_every_problem_and_stores_nothing(
    client: TestClient, app: web.Application
) -> None:
    verifier = bearer(app, Role.VERIFIER)
    response = await client.post(
        SIGNOFF,
        json={"commune": "nowhere", "period": "2026-Q9", "sha256": "abc", "by": "me"},
        headers=verifier,
    )
    assert response.status == 400
    problems = (await response.json())["problems"]
    assert len(problems) == 4, problems
    assert any("by: unknown field" in p for p in problems)
    assert any("2026-Q9" in p for p in problems)
    response = await client.post(
        SIGNOFF,
        json={"commune": "alpha", "period": "2999-Q1", "sha256": "a" * 64},
        headers=verifier,
    )
    assert response.status == 400
    assert "not ended" in (await response.json())["problems"][0]
    assert app[keys.SIGNOFFS].find() == []


async def test_sign_offs_are_append_only_in_the_database(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    body = {"commune": "alpha", "period": "2026-Q3", "sha256": await _sha(client, admin)}
    assert (await client.post(SIGNOFF, json=body, headers=admin)).status == 201
    db = sqlite3.connect(app[keys.SETTINGS].tokens_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE indicator_signoff SET body = '{}'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM indicator_signoff")
    finally:
        db.close()
    assert len(app[keys.SIGNOFFS].find("alpha")) == 1


async def test_with_the_real_evaluation_a_corrected_declaration_is_a_mismatch(
    tmp_path: Path,
) -> None:
    """No fake: the server's own evaluation reads the declared store; a correction
    entered after the sign-off changes N1 and the sign-off shows it."""
    from aiohttp.test_utils import TestServer

    async with app_without_broker(tmp_path) as real, TestClient(TestServer(real)) as client:
        officer = bearer(real, Role.OPERATOR, "alpha")
        pdf = b"%PDF-1.4\n%%EOF\n"
        response = await client.post("/api/v1/indicators/documents", data=pdf, headers=officer)
        sha_doc = (await response.json())["documents"][0]["id"]
        declaration = {
            "commune": "alpha",
            "indicator": "N1",
            "value": 100,
            "valid_from": "2025-01-01",
            "documents": [sha_doc],
        }
        response = await client.post(
            "/api/v1/indicators/declared", json=declaration, headers=officer
        )
        assert response.status == 201
        verifier = bearer(real, Role.VERIFIER)
        report = "/api/v1/indicators/report?commune=alpha&period=2025-09&format=json"
        body = await (await client.get(report, headers=verifier)).json()
        n1 = next(r for r in body["evaluation"]["results"] if r["indicator"] == "N1")
        assert n1["value"] == 100 and n1["source"] == "declared"
        assert sha_doc in {e.get("sha256") for e in n1["evidence"]}
        signoff = {"commune": "alpha", "period": "2025-09", "sha256": body["sha256"]}
        assert (await client.post(SIGNOFF, json=signoff, headers=verifier)).status == 201

        corrected = {**declaration, "value": 80, "valid_from": "2025-09-01"}
        response = await client.post("/api/v1/indicators/declared", json=corrected, headers=officer)
        assert response.status == 201
        listed = await (await client.get(f"{SIGNOFF}?commune=alpha", headers=verifier)).json()
        [entry] = listed["signoffs"]
        assert entry["sha256"] == body["sha256"] and entry["matches"] is False
        after = await (await client.get(report, headers=verifier)).json()
        assert after["sha256"] == entry["current_sha256"] != body["sha256"]
        n1 = next(r for r in after["evaluation"]["results"] if r["indicator"] == "N1")
        assert n1["value"] == 80


async def test_an_excused_report_is_signed_and_compared_as_excused(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    verifier = bearer(app, Role.VERIFIER)
    body = await (await client.get(f"{REPORT}&format=json&excused=1", headers=verifier)).json()
    assert body["excused"] is True and fake.excused[-1] is True
    signoff = {"commune": "alpha", "period": "2026-Q3", "sha256": body["sha256"], "excused": True}
    response = await client.post(SIGNOFF, json=signoff, headers=verifier)
    assert response.status == 201 and (await response.json())["excused"] is True
    assert fake.excused[-1] is True  # re-evaluated the way the verifier saw it
    # The report without ?excused=1 is another report, not signed off.
    assert await _signoff_column(client, verifier) == "Chưa phê duyệt"
    raw = await (await client.get(f"{REPORT}&format=csv&excused=1", headers=verifier)).read()
    row = next(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert row["Phê duyệt"] == "Đã phê duyệt" and row["Loại trừ thời gian miễn trừ"] == "Có"
    listed = await (await client.get(SIGNOFF, headers=verifier)).json()
    assert listed["signoffs"][0]["matches"] is True and fake.excused[-1] is True


async def test_a_merged_communes_report_shows_its_sign_off(tmp_path: Path) -> None:
    """moi was created by a merger on 16 September: its evaluation covers its part of
    the month only, but the sign-off names the month, and its report must find it."""
    from aiohttp.test_utils import TestServer

    from server.store.sqlite import SqliteStore
    from tests.test_indicators_api import make_app
    from tests.test_indicators_stores import HISTORY

    store = await SqliteStore.open(":memory:")
    await store.write(HISTORY)
    try:
        app = make_app(tmp_path, store, None)
        async with TestClient(TestServer(app)) as client:
            verifier = bearer(app, Role.VERIFIER)
            report = "/api/v1/indicators/report?commune=moi&period=2026-09"
            body = await (await client.get(f"{report}&format=json", headers=verifier)).json()
            evaluation = body["evaluation"]
            assert evaluation["from_ms"] != evaluation["requested_from_ms"]  # only its part
            signoff = {"commune": "moi", "period": "2026-09", "sha256": body["sha256"]}
            assert (await client.post(SIGNOFF, json=signoff, headers=verifier)).status == 201

            body = await (await client.get(f"{report}&format=json", headers=verifier)).json()
            assert [s["matches"] for s in body["signoffs"]] == [True]
            raw = await (await client.get(f"{report}&format=csv", headers=verifier)).read()
            row = next(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
            assert row["Phê duyệt"] == "Đã phê duyệt"
            html = await (await client.get(report, headers=verifier)).text()
            assert 'id="signoff-state">Phê duyệt: Đã phê duyệt' in html
    finally:
        await store.close()


async def test_sign_offs_of_a_commune_no_longer_listed_are_still_listed(tmp_path: Path) -> None:
    """The inventory is edited (a commune code corrected, a commune removed): its old
    sign-offs stay listed, matching nothing, and the list still answers."""
    from aiohttp.test_utils import TestServer

    from server.indicators.signoff import SignOff

    async with app_without_broker(tmp_path) as real, TestClient(TestServer(real)) as client:
        real[keys.SIGNOFFS].add(
            SignOff(
                id="",
                commune="gone",
                from_ms=0,
                to_ms=86_400_000,
                period="",
                sha256="a" * 64,
                profile="p",
                verifier="v",
                token_id="t",
                role="verifier",
                signed_ms=86_400_000,
            )
        )
        response = await client.get(SIGNOFF, headers=bearer(real, Role.ADMIN))
        assert response.status == 200, await response.text()
        [entry] = (await response.json())["signoffs"]
        assert (entry["commune"], entry["matches"], entry["current_sha256"]) == ("gone", False, "")
        # "to" alone is not silently ignored.
        response = await client.get(f"{SIGNOFF}?to=2026-10-01", headers=bearer(real, Role.ADMIN))
        assert response.status == 400
