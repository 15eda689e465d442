"""Sign-off: a verifier approves the hash they saw; a later change of the data shows
as a mismatch and the approval is never rewritten."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pypdf
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.indicator_fakes import FakeEvaluation, ms, small_fake
from xaso.server.database import ServerDatabase
from xaso.server.indicators.keys import EVALUATE, ROLLUPS, SIGNOFFS
from xaso.server.keys import CLOCK_MS, SETTINGS
from xaso.server.web.tokens import Role

REPORT = "/api/v1/indicators/report?commune=alpha&period=2026-Q3"
SIGNOFF = "/api/v1/indicators/signoff"


@pytest.fixture
def fake() -> FakeEvaluation:
    return small_fake()


@pytest.fixture
async def app(tmp_path: Path, fake: FakeEvaluation) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        application[EVALUATE] = fake
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
    assert len(app[SIGNOFFS].find("alpha")) == 1

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
        json={"commune": "alpha", "period": "2099-Q1", "sha256": "a" * 64},
        headers=verifier,
    )
    assert response.status == 400
    assert "not ended" in (await response.json())["problems"][0]
    assert app[SIGNOFFS].find() == []


async def test_sign_offs_are_append_only_in_the_database(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    body = {"commune": "alpha", "period": "2026-Q3", "sha256": await _sha(client, admin)}
    assert (await client.post(SIGNOFF, json=body, headers=admin)).status == 201
    db = sqlite3.connect(app[SETTINGS].database_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE indicator_signoff SET body = '{}'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM indicator_signoff")
    finally:
        db.close()
    assert len(app[SIGNOFFS].find("alpha")) == 1


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

    from tests.indicators.test_stores import HISTORY
    from tests.web.test_indicators_api import make_app
    from xaso.server.store.sqlite import SqliteStore

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

    from xaso.server.indicators.gather.signoff import SignOff

    async with app_without_broker(tmp_path) as real, TestClient(TestServer(real)) as client:
        snapshot = b'{"commune":"gone"}'
        real[SIGNOFFS].add(
            SignOff(
                id="",
                commune="gone",
                from_ms=0,
                to_ms=86_400_000,
                period="",
                sha256=hashlib.sha256(snapshot).hexdigest(),
                profile="p",
                verifier="v",
                token_id="t",
                role="verifier",
                signed_ms=86_400_000,
            ),
            snapshot,
        )
        response = await client.get(SIGNOFF, headers=bearer(real, Role.ADMIN))
        assert response.status == 200, await response.text()
        [entry] = (await response.json())["signoffs"]
        assert (entry["commune"], entry["matches"], entry["current_sha256"]) == ("gone", False, "")
        # "to" alone is not silently ignored.
        response = await client.get(f"{SIGNOFF}?to=2026-10-01", headers=bearer(real, Role.ADMIN))
        assert response.status == 400


# -- what a sign-off keeps, and what changed since ----------------------------------------


async def _sign(client: TestClient, headers: dict[str, str], report: str, **body: object) -> dict:
    seen = await (await client.get(f"{report}&format=json", headers=headers)).json()
    response = await client.post(SIGNOFF, json={**body, "sha256": seen["sha256"]}, headers=headers)
    assert response.status == 201, await response.text()
    signed: dict = await response.json()
    return signed


async def test_a_sign_off_keeps_what_it_signed_and_its_hash_proves_it(
    client: TestClient, app: web.Application
) -> None:
    verifier = bearer(app, Role.VERIFIER)
    signed = await _sign(client, verifier, REPORT, commune="alpha", period="2026-Q3")
    assert signed["snapshot_kept"] is True and signed["changes"] is None
    stored = app[SIGNOFFS].snapshot(signed["id"])
    assert stored is not None and hashlib.sha256(stored).hexdigest() == signed["sha256"]

    # Who signed, when, and what: the evaluation as it was, for an inspector to read.
    viewer = bearer(app, Role.VIEWER, "alpha")
    response = await client.get(f"{SIGNOFF}/{signed['id']}", headers=viewer)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["signoff"]["verifier"] == "verifier" and body["signoff"]["role"] == "verifier"
    assert body["signoff"]["signed"] == signed["signed"] and body["signoff"]["period"] == "2026-Q3"
    assert body["snapshot_sha256"] == signed["sha256"]
    what = body["snapshot"]
    assert what["commune_name"] == "Xã Alpha" and "computed_ms" not in what
    assert [(r["indicator"], r["value"], r["verdict"]) for r in what["results"][:1]] == [
        ("R2", 100, "met")
    ]
    # The exact bytes that were hashed: anyone can check them with sha256sum.
    response = await client.get(f"{SIGNOFF}/{signed['id']}?format=raw", headers=viewer)
    assert response.status == 200 and response.content_type == "application/json"
    assert hashlib.sha256(await response.read()).hexdigest() == signed["sha256"]

    # Unchanged: no difference anywhere.
    report = await (await client.get(f"{REPORT}&format=json", headers=viewer)).json()
    [status] = report["signoffs"]
    assert status["matches"] is True and status["changes"] is None
    html = await (await client.get(REPORT, headers=viewer)).text()
    assert 'id="changes"' not in html
    assert f"{SIGNOFF}/{signed['id']}?format=html" in html  # what was approved, to read


async def test_the_report_names_what_changed_since_sign_off(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    verifier = bearer(app, Role.VERIFIER)
    await _sign(client, verifier, REPORT, commune="alpha", period="2026-Q3")
    fake.r2_value["alpha"] = 75.0
    listed = await (await client.get(SIGNOFF, headers=verifier)).json()
    [entry] = listed["signoffs"]
    assert entry["matches"] is False
    [r2] = entry["changes"]["indicators"]
    fields = {f["field"]: [f["signed"], f["current"]] for f in r2["fields"]}
    assert fields == {"value": [100, 75], "numerator": [4, 3], "verdict": ["met", "not_met"]}
    html = await (await client.get(REPORT, headers=verifier)).text()
    section = _changes_section(html)
    assert "Thay đổi sau lần phê duyệt gần nhất" in section
    for expected in ("R2", "Giá trị", "100 %", "75 %", "Tử số", "Kết quả", "Đạt", "Chưa đạt"):
        assert expected in section, expected
    english = _changes_section(
        await (await client.get(f"{REPORT}&lang=en", headers=verifier)).text()
    )
    assert "What changed since the latest sign-off" in english and "Not met" in english
    raw = await (await client.get(f"{REPORT}&format=csv", headers=verifier)).read()
    row = next(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert (
        row["Thay đổi sau phê duyệt"]
        == "Giá trị: 100 % → 75 %; Tử số: 4 → 3; Kết quả: Đạt → Chưa đạt"
    )


def _changes_section(html: str) -> str:
    start = html.index('id="changes"')
    return html[start : html.index("</table>", start)]


OLD_SCHEMA = """
CREATE TABLE indicator_signoff (
    id        TEXT PRIMARY KEY,
    commune   TEXT    NOT NULL,
    from_ms   INTEGER NOT NULL,
    to_ms     INTEGER NOT NULL,
    signed_ms INTEGER NOT NULL,
    body      TEXT    NOT NULL
);
CREATE INDEX indicator_signoff_period ON indicator_signoff (commune, from_ms, to_ms);
CREATE TRIGGER indicator_signoff_no_update BEFORE UPDATE ON indicator_signoff
    BEGIN SELECT RAISE(ABORT, 'sign-offs are append-only'); END;
CREATE TRIGGER indicator_signoff_no_delete BEFORE DELETE ON indicator_signoff
    BEGIN SELECT RAISE(ABORT, 'sign-offs are append-only'); END;
"""


def _old_signoff(db_path: str, signoff_id: str, sha256: str, signed_ms: int) -> None:
    """A sign-off as the server wrote it before snapshots were kept: the hash only."""
    from_ms, to_ms = ms("2026-07-01T00:00"), ms("2026-10-01T00:00")
    body = {
        "id": signoff_id,
        "commune": "alpha",
        "from_ms": from_ms,
        "to_ms": to_ms,
        "period": "2026-Q3",
        "sha256": sha256,
        "profile": "mặc định",
        "verifier": "old-verifier",
        "token_id": "t",
        "role": "verifier",
        "signed_ms": signed_ms,
        "note": "",
        "excused": False,
    }
    db = sqlite3.connect(db_path)
    try:
        if not db.execute(
            "SELECT name FROM sqlite_master WHERE name = 'indicator_signoff'"
        ).fetchone():
            db.executescript(OLD_SCHEMA)
        db.execute(
            "INSERT INTO indicator_signoff VALUES (?, ?, ?, ?, ?, ?)",
            (signoff_id, "alpha", from_ms, to_ms, signed_ms, json.dumps(body)),
        )
        db.commit()
    finally:
        db.close()


async def test_a_sign_off_from_before_snapshots_still_matches_or_not(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestServer

    from xaso.server.indicators.evidence import evidence_sha256
    from xaso.server.settings import Settings

    fake = small_fake()
    q3 = (ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))
    db_path = Settings(inventory="", data_dir=str(tmp_path)).database_path
    _old_signoff(db_path, "so-old1", evidence_sha256(fake.evaluation("alpha", *q3)), 1)
    async with app_without_broker(tmp_path) as real:
        real[EVALUATE] = fake
        async with TestClient(TestServer(real)) as client:
            admin = bearer(real, Role.ADMIN)
            listed = await (await client.get(SIGNOFF, headers=admin)).json()
            [entry] = listed["signoffs"]
            assert (entry["matches"], entry["snapshot_kept"], entry["changes"]) == (
                True,
                False,
                None,
            )
            assert await _signoff_column(client, admin) == "Đã phê duyệt"

            fake.r2_value["alpha"] = 75.0
            listed = await (await client.get(SIGNOFF, headers=admin)).json()
            [entry] = listed["signoffs"]
            assert (entry["matches"], entry["changes"]) == (False, None)
            html = await (await client.get(REPORT, headers=admin)).text()
            assert "mã băm không khớp" in html
            assert "Phê duyệt trước khi hệ thống lưu nội dung được phê duyệt" in html
            assert 'id="changes"' not in html
            raw = await (await client.get(f"{REPORT}&format=csv", headers=admin)).read()
            row = next(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
            assert "không liệt kê được thay đổi" in row["Thay đổi sau phê duyệt"]

            response = await client.get(f"{SIGNOFF}/so-old1", headers=admin)
            assert response.status == 200
            body = await response.json()
            assert body["signoff"]["verifier"] == "old-verifier"
            assert body["snapshot"] is None and body["snapshot_sha256"] is None
            response = await client.get(f"{SIGNOFF}/so-old1?format=raw", headers=admin)
            assert response.status == 404
            assert "before snapshots were kept" in (await response.json())["error"]

            # A new approval keeps its snapshot beside the old rows, still append-only.
            await _sign(client, admin, REPORT, commune="alpha", period="2026-Q3")
            assert [s.snapshot_kept for s in real[SIGNOFFS].find("alpha")] == [False, True]
    db = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE indicator_signoff SET snapshot = NULL")
    finally:
        db.close()


async def test_the_snapshot_follows_roles_and_commune_scope(
    client: TestClient, app: web.Application
) -> None:
    signed = await _sign(client, bearer(app, Role.ADMIN), REPORT, commune="alpha", period="2026-Q3")
    path = f"{SIGNOFF}/{signed['id']}"
    for role, communes in (
        (Role.VIEWER, ("alpha",)),
        (Role.OPERATOR, ("alpha",)),
        (Role.VERIFIER, ()),
        (Role.ADMIN, ()),
    ):
        assert (await client.get(path, headers=bearer(app, role, *communes))).status == 200, role
    beta = bearer(app, Role.VIEWER, "beta")
    for suffix in ("", "?format=raw", "?format=html"):
        assert (await client.get(f"{path}{suffix}", headers=beta)).status == 404
    assert (
        await client.get(f"{SIGNOFF}/so-nothing", headers=bearer(app, Role.ADMIN))
    ).status == 404
    assert (await client.get(path)).status == 401
    assert (await client.get(path, headers=bearer(app, Role.AGENT))).status == 403
    response = await client.get(f"{path}?format=docx", headers=bearer(app, Role.ADMIN))
    assert response.status == 400 and "format" in (await response.json())["error"]
    # From the page, with the login cookie: the approved report to read.
    page = f"/indicators/signoff/{signed['id']}?format=html"
    response = await client.get(page, headers=page_cookie(app, Role.VIEWER, "alpha"))
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    assert "Nội dung đã phê duyệt" in html and signed["sha256"] in html and "Xã Alpha" in html
    assert (await client.get(page, allow_redirects=False)).status == 303


async def test_with_the_real_evaluation_the_report_names_each_change(tmp_path: Path) -> None:
    """Signed, then: an outage stored afterwards (a backlog), N1's declared value
    corrected, N2's evidence document replaced by another file of the same name. The
    report and the API name each change with what was signed and what it is now."""
    from aiohttp.test_utils import TestServer

    from tests.indicators.test_stores import HISTORY, tr
    from tests.web.test_indicators_api import make_app
    from xaso.server.indicators.reports.report import format_number
    from xaso.server.store.sqlite import SqliteStore

    store = await SqliteStore.open(":memory:")
    await store.write(HISTORY)
    try:
        app = make_app(tmp_path, store, None)
        async with TestClient(TestServer(app)) as client:
            officer = bearer(app, Role.OPERATOR, "hoa")

            async def upload(name: str, content: bytes) -> str:
                response = await client.post(
                    f"/api/v1/indicators/documents?name={name}", data=content, headers=officer
                )
                assert response.status == 201, await response.text()
                sha: str = (await response.json())["documents"][0]["id"]
                return sha

            async def declare(indicator: str, value: float, document: str) -> None:
                declaration = {
                    "commune": "hoa",
                    "indicator": indicator,
                    "value": value,
                    "valid_from": "2026-01-01",
                    "documents": [document],
                }
                response = await client.post(
                    "/api/v1/indicators/declared", json=declaration, headers=officer
                )
                assert response.status == 201, await response.text()

            minutes = await upload("bien-ban.pdf", b"%PDF-1.4\n% bien ban\n%%EOF\n")
            contract = await upload("hop-dong.pdf", b"%PDF-1.4\n% hop dong 1\n%%EOF\n")
            await declare("N1", 100, minutes)
            await declare("N2", 100, contract)
            verifier = bearer(app, Role.VERIFIER)
            report = "/api/v1/indicators/report?commune=hoa&period=2026-09"
            before = await (await client.get(f"{report}&format=json", headers=verifier)).json()
            signed = await _sign(client, verifier, report, commune="hoa", period="2026-09")

            late = [tr("hoa-rc-1", 400, "offline"), tr("hoa-rc-1", 410, "online")]
            await store.write(late)
            # What ingest does once a batch is stored: the rolled-up days it touches go.
            app[ROLLUPS].invalidate_for_records(late, app[CLOCK_MS]())
            await declare("N1", 80, minutes)
            new_contract = await upload("hop-dong.pdf", b"%PDF-1.4\n% hop dong 2\n%%EOF\n")
            await declare("N2", 100, new_contract)
            after = await (await client.get(f"{report}&format=json", headers=verifier)).json()

            [entry] = after["signoffs"]
            assert entry["id"] == signed["id"] and entry["matches"] is False
            by_id = {c["indicator"]: c for c in entry["changes"]["indicators"]}

            def figures(indicator: str) -> dict[str, list[object]]:
                return {f["field"]: [f["signed"], f["current"]] for f in by_id[indicator]["fields"]}

            def value(body: dict, indicator: str) -> float:
                results = body["evaluation"]["results"]
                found: float = next(r for r in results if r["indicator"] == indicator)["value"]
                return found

            r6_signed, r6_now = value(before, "R6"), value(after, "R6")
            assert r6_now < r6_signed
            assert figures("R6")["value"] == [round(r6_signed, 6), round(r6_now, 6)]
            outages = [e for e in by_id["R6"]["evidence"] if e["kind"] == "outage"]
            assert [(e["change"], e["current"]["id"]) for e in outages] == [("added", "hoa-rc-1")]
            assert figures("N1")["value"] == [100, 80]
            [declared] = by_id["N1"]["evidence"]
            assert (declared["change"], declared["kind"]) == ("replaced", "declared")
            assert (declared["signed"]["value"], declared["current"]["value"]) == (100, 80)
            assert "value" not in figures("N2")
            [document] = by_id["N2"]["evidence"][1:]  # after its declared entry, replaced
            assert (document["change"], document["kind"]) == ("replaced", "document")
            assert (document["signed"]["sha256"], document["current"]["sha256"]) == (
                contract,
                new_contract,
            )
            listed = await (await client.get(f"{SIGNOFF}?commune=hoa", headers=verifier)).json()
            assert listed["signoffs"][0]["changes"] == entry["changes"]

            html = await (await client.get(report, headers=verifier)).text()
            section = _changes_section(html)
            for expected in (
                f"{format_number(r6_signed, 'vi')} %",
                f"{format_number(r6_now, 'vi')} %",
                "Sự cố",
                "hoa-rc-1",
                "17/09/2026 16:00",  # 400 h after 1 September 00:00
                "100 %",
                "80 %",
                "Số liệu kê khai",
                "hop-dong.pdf",
                contract,
                new_contract,
            ):
                assert expected in section, expected
            assert section.count(new_contract) == 1  # its hash, once: not again as its id
            pdf = await (await client.get(f"{report}&format=pdf", headers=verifier)).read()
            text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
            flat = " ".join(text.split())
            assert "Thay đổi sau lần phê duyệt gần nhất" in flat
            assert f"{format_number(r6_signed, 'vi')} % {format_number(r6_now, 'vi')} %" in flat
            assert new_contract in text.replace("\n", "").replace(" ", "")
            raw = await (await client.get(f"{report}&format=csv", headers=verifier)).read()
            rows = {
                row["Mã chỉ tiêu"]: row
                for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
            }
            assert "Giá trị: 100 % → 80 %" in rows["N1"]["Thay đổi sau phê duyệt"]
            assert new_contract in rows["N2"]["Thay đổi sau phê duyệt"]
            assert rows["C1"]["Thay đổi sau phê duyệt"] == ""
    finally:
        await store.close()


def test_the_store_keeps_only_a_snapshot_that_hashes_to_the_sign_off(tmp_path: Path) -> None:
    from xaso.server.indicators.gather.signoff import SignOff, SignOffStore, SnapshotMismatch

    database = ServerDatabase(tmp_path / "signoffs.db")
    store = SignOffStore(database.connection)
    try:
        signoff = SignOff(
            id="",
            commune="alpha",
            from_ms=0,
            to_ms=1,
            period="",
            sha256=hashlib.sha256(b"what was seen").hexdigest(),
            profile="p",
            verifier="v",
            token_id="t",
            role="verifier",
            signed_ms=1,
        )
        with pytest.raises(SnapshotMismatch):
            store.add(signoff, b"something else")
        assert store.find() == []
        saved = store.add(signoff, b"what was seen")
        assert saved.snapshot_kept and store.snapshot(saved.id) == b"what was seen"
        assert store.get(saved.id) == saved and store.get("so-none") is None
    finally:
        database.close()
