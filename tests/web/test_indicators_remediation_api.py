"""Remediation plans through the API: written only for an indicator not met, by the
commune's officers; accepted or returned by a verifier; edited while submitted or
returned; marked done once accepted; listed within the scope with the overdue flag;
every refusal with its problems."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import bearer, page_cookie
from tests.doubles import Clock
from tests.indicator_fakes import FakeEvaluation, ms
from tests.web import remediation_data
from tests.web.remediation_data import indicators_audit
from xaso.server.indicators.gather.remediation import remediation_counts
from xaso.server.indicators.keys import REMEDIATION
from xaso.server.web.tokens import Role

PLANS = "/api/v1/indicators/remediation"
PLAN = {
    "commune": "alpha",
    "period": "2026-Q3",
    "indicator": "R2",
    "cause": "Mất điện lưới kéo dài ở thôn 1",
    "steps": ["Lắp bộ lưu điện cho cụm loa", "Kiểm tra hằng tuần"],
    "deadline": "2026-12-31",
    "responsible": "UBND xã Alpha (ông Nguyễn Văn A)",
}


# The shared fixtures (remediation_data.py), bound here for pytest to find by name.
clock = remediation_data.clock
fake = remediation_data.fake
app = remediation_data.app


async def _json(response: Any, status: int) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


async def test_written_returned_edited_accepted_done_with_its_history(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha", name="Cán bộ Alpha")
    verifier = bearer(app, Role.VERIFIER, name="Thẩm định tỉnh")

    plan = await _json(await client.post(PLANS, json=PLAN, headers=officer), 201)
    assert plan["status"] == "submitted" and plan["overdue"] is False
    assert plan["indicator"] == "R2" and plan["period"] == "2026-Q3"
    assert plan["name"] == "Tỷ lệ thôn có cụm loa truyền thanh hoạt động"
    assert plan["steps"] == PLAN["steps"] and plan["deadline"] == "2026-12-31"
    assert plan["created_by"] == "Cán bộ Alpha" and plan["review"] is None
    plan_url = f"{PLANS}/{plan['id']}"

    # Returned without a comment: refused; with one: returned.
    refused = await _json(await client.post(f"{plan_url}/return", headers=verifier), 400)
    assert refused["problems"] == ["comment: required, say why in words"]
    clock.advance(3600)
    returned = await _json(
        await client.post(
            f"{plan_url}/return", json={"comment": "Nêu rõ kinh phí"}, headers=verifier
        ),
        200,
    )
    assert returned["status"] == "returned"
    assert returned["review"]["comment"] == "Nêu rõ kinh phí"

    # The officer edits it (PATCH: the cause alone), which submits it again.
    edited = await _json(
        await client.patch(
            plan_url, json={"cause": "Mất điện; cần 20 triệu đồng"}, headers=officer
        ),
        200,
    )
    assert edited["status"] == "submitted"
    assert edited["cause"] == "Mất điện; cần 20 triệu đồng" and edited["steps"] == PLAN["steps"]

    accepted = await _json(await client.post(f"{plan_url}/accept", headers=verifier), 200)
    assert accepted["status"] == "accepted" and accepted["review"]["decision"] == "accepted"
    # Accepted: no more edits, no second decision.
    await _json(await client.patch(plan_url, json={"cause": "x"}, headers=officer), 409)
    await _json(await client.post(f"{plan_url}/accept", headers=verifier), 409)

    done = await _json(
        await client.post(f"{plan_url}/done", json={"note": "Đã lắp 4 bộ"}, headers=officer),
        200,
    )
    assert done["status"] == "done"
    history = [
        (h["version"], h["action"], h["status"], h["by"], h["changed"]) for h in done["history"]
    ]
    assert history == [
        (1, "submitted", "submitted", "Cán bộ Alpha", []),
        (2, "returned", "returned", "Thẩm định tỉnh", []),
        (3, "resubmitted", "submitted", "Cán bộ Alpha", ["cause"]),
        (4, "accepted", "accepted", "Thẩm định tỉnh", []),
        (5, "done", "done", "Cán bộ Alpha", []),
    ]
    assert done["history"][0]["fields"]["cause"] == PLAN["cause"]  # the first text stays
    assert done["history"][4]["comment"] == "Đã lắp 4 bộ"
    assert await _json(await client.get(plan_url, headers=verifier), 200) == done


async def test_only_an_indicator_not_met_gets_a_plan(
    client: TestClient, app: web.Application, fake: FakeEvaluation
) -> None:
    admin = bearer(app, Role.ADMIN)
    met = await _json(
        await client.post(PLANS, json={**PLAN, "commune": "beta"}, headers=admin), 400
    )
    assert met["error"] == "the indicator is not 'not met' in that period"
    assert met["problems"][0].startswith("indicator: R2 is met in that period")
    no_data = await _json(
        await client.post(PLANS, json={**PLAN, "indicator": "N1"}, headers=admin), 400
    )
    assert "N1 is insufficient_data" in no_data["problems"][0]
    unknown = await _json(
        await client.post(PLANS, json={**PLAN, "indicator": "Z9"}, headers=admin), 400
    )
    assert unknown["problems"] == ["indicator: 'Z9' is not one of the commune's indicators"]
    # The evaluation asked is the commune's, for the period asked.
    assert fake.calls[-1] == (["alpha"], ms("2026-07-01"), ms("2026-10-01"))

    await _json(await client.post(PLANS, json=PLAN, headers=admin), 201)
    again = await _json(await client.post(PLANS, json=PLAN, headers=admin), 409)
    assert "has a plan already" in again["error"]


async def test_every_problem_of_a_new_plan_is_listed(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    body = {
        "commune": "alpha",
        "period": "2026-Q5",
        "cause": "",
        "steps": [],
        "deadline": "2026-10-04",
        "colour": "red",
    }
    refused = await _json(await client.post(PLANS, json=body, headers=officer), 400)
    assert refused["error"] == "invalid remediation plan"
    fields = [p.split(":")[0] for p in refused["problems"]]
    assert fields == ["colour", "indicator", "period", "cause", "responsible", "steps", "deadline"]
    assert "2026-10-04 has passed" in refused["problems"][-1]
    assert await _json(await client.post(PLANS, data=b"[1]", headers=officer), 400) == {
        "error": "the body must be a JSON object",
        "problems": [],
    }


async def test_who_may_do_what(client: TestClient, app: web.Application) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    beta_officer = bearer(app, Role.OPERATOR, "beta")
    viewer = bearer(app, Role.VIEWER, "alpha")
    verifier = bearer(app, Role.VERIFIER, "alpha")
    beta_verifier = bearer(app, Role.VERIFIER, "beta")

    # Writing: the commune's officers; a viewer or a verifier of it 403, another 404.
    for headers in (viewer, verifier):
        refused = await _json(await client.post(PLANS, json=PLAN, headers=headers), 403)
        assert refused["problems"] == []
    await _json(await client.post(PLANS, json=PLAN, headers=beta_officer), 404)
    await _json(await client.post(PLANS, json={**PLAN, "commune": "nowhere"}, headers=officer), 404)
    plan = await _json(await client.post(PLANS, json=PLAN, headers=officer), 201)
    url = f"{PLANS}/{plan['id']}"

    # Deciding: a verifier of the commune; its officer 403; another commune's 404.
    await _json(await client.post(f"{url}/accept", headers=officer), 403)
    await _json(await client.post(f"{url}/accept", headers=viewer), 403)
    await _json(await client.post(f"{url}/accept", headers=beta_verifier), 404)
    await _json(await client.get(url, headers=beta_officer), 404)
    await _json(await client.get(url, headers=viewer), 200)
    # Editing and finishing: the officers; a verifier or a viewer 403.
    await _json(await client.patch(url, json={"cause": "Khác"}, headers=verifier), 403)
    await _json(await client.put(url, json=PLAN, headers=viewer), 403)
    await _json(await client.post(f"{url}/done", json={"note": "x"}, headers=verifier), 403)
    await _json(await client.post(f"{PLANS}/rp-none/accept", headers=verifier), 404)

    # A browser session: the CSRF token is needed as everywhere.
    cookie = page_cookie(app, Role.VERIFIER)
    no_token = {"Cookie": cookie["Cookie"]}
    await _json(await client.post(f"{url}/accept", headers=no_token), 403)
    await _json(await client.post(f"{url}/accept", headers=cookie), 200)


async def test_put_replaces_every_field_and_patch_refuses_nothing_changed(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    plan = await _json(await client.post(PLANS, json=PLAN, headers=officer), 201)
    url = f"{PLANS}/{plan['id']}"
    partial = await _json(await client.put(url, json={"cause": "Khác"}, headers=officer), 400)
    assert [p.split(":")[0] for p in partial["problems"]] == ["responsible", "steps", "deadline"]
    whole = {k: PLAN[k] for k in ("cause", "steps", "responsible")} | {"deadline": "2027-01-15"}
    put = await _json(await client.put(url, json=whole, headers=officer), 200)
    assert put["deadline"] == "2027-01-15" and put["history"][-1]["action"] == "edited"
    assert put["history"][-1]["changed"] == ["deadline"]
    same = await _json(
        await client.patch(url, json={"deadline": "2027-01-15"}, headers=officer), 409
    )
    assert same["error"] == "nothing changed: the plan already says that"
    await _json(await client.patch(url, json={"commune": "beta"}, headers=officer), 400)


async def test_listed_by_commune_period_status_and_overdue(
    client: TestClient, app: web.Application, fake: FakeEvaluation, clock: Clock
) -> None:
    fake.r2_value["beta"] = 50.0
    admin = bearer(app, Role.ADMIN)
    alpha = await _json(await client.post(PLANS, json=PLAN, headers=admin), 201)
    late = {**PLAN, "commune": "beta", "deadline": "2026-10-20"}
    beta = await _json(await client.post(PLANS, json=late, headers=admin), 201)
    earlier = {**PLAN, "period": "2026-Q2", "deadline": "2026-11-30"}
    older = await _json(await client.post(PLANS, json=earlier, headers=admin), 201)
    await client.post(f"{PLANS}/{older['id']}/accept", headers=admin)

    clock.now_ms = ms("2026-10-21T08:00")  # beta's deadline has passed
    every = await _json(await client.get(PLANS, headers=admin), 200)
    assert every["count"] == 3
    assert [(p["id"], p["overdue"]) for p in every["plans"]] == [
        (alpha["id"], False),
        (beta["id"], True),
        (older["id"], False),
    ]

    async def ids(query: str, headers: dict[str, str] = admin) -> list[str]:
        found = await _json(await client.get(f"{PLANS}?{query}", headers=headers), 200)
        return [p["id"] for p in found["plans"]]

    assert await ids("commune=alpha") == [alpha["id"], older["id"]]
    assert await ids("commune=alpha&period=2026-Q3") == [alpha["id"]]
    assert await ids("from=2026-04-01&to=2026-07-01") == [older["id"]]
    assert await ids("status=accepted") == [older["id"]]
    assert await ids("status=overdue") == [beta["id"]]
    assert await ids("status=open&indicator=R2") == [alpha["id"], beta["id"], older["id"]]
    assert await ids("status=open", bearer(app, Role.VIEWER, "beta")) == [beta["id"]]
    await _json(
        await client.get(f"{PLANS}?commune=beta", headers=bearer(app, Role.VIEWER, "alpha")), 404
    )
    bad = await _json(await client.get(f"{PLANS}?status=late&period=2026-Q9", headers=admin), 400)
    assert [p.split(":")[0] for p in bad["problems"]] == ["period", "status"]

    # What the province summary shows per commune.
    counts = remediation_counts(app[REMEDIATION], ["alpha", "beta"], clock())
    assert counts == {"alpha": (2, 0), "beta": (1, 1)}


async def test_each_change_is_audited_with_its_detail(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    plan = await _json(await client.post(PLANS, json=PLAN, headers=officer), 201)
    await client.post(
        f"{PLANS}/{plan['id']}/return",
        json={"comment": "Thiếu"},
        headers=bearer(app, Role.VERIFIER),
    )
    await client.post(
        f"{PLANS}/{plan['id']}/return", json={"comment": ""}, headers=bearer(app, Role.VERIFIER)
    )
    kept = indicators_audit(app)
    assert [action for action, _ in kept] == [
        "indicators.remediation.create",
        "indicators.remediation.return",
    ]  # the refused second return is not kept
    created, returned = (detail for _, detail in kept)
    assert created["plan"] == plan["id"] and created["indicator"] == "R2"
    assert created["period"] == "2026-Q3" and created["status"] == "submitted"
    assert returned["comment"] == "Thiếu" and returned["status"] == "returned"
