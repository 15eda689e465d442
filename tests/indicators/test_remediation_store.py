"""Remediation plans: each change a new row with who and when, nothing ever rewritten;
the states a plan goes through; what counts as open and overdue; the fields checked."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from xaso.server.indicators.gather.remediation import (
    Author,
    PlanFields,
    RemediationStore,
    Shortfall,
    StateConflict,
    changed_fields,
    check_fields,
    remediation_counts,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER = Author("Cán bộ Alpha", "u:1", "operator")
VERIFIER = Author("Thẩm định", "u:2", "verifier")


def ms(moment: str) -> int:
    return int(dt.datetime.fromisoformat(moment).replace(tzinfo=TZ).timestamp() * 1000)


def shortfall(commune: str = "alpha", indicator: str = "R2") -> Shortfall:
    return Shortfall(
        commune=commune,
        from_ms=ms("2026-07-01"),
        to_ms=ms("2026-10-01"),
        period="2026-Q3",
        indicator=indicator,
        name="Tỷ lệ thôn có cụm loa hoạt động",
    )


def fields(deadline: str = "2026-12-31", cause: str = "Mất điện kéo dài") -> PlanFields:
    return PlanFields(
        cause=cause,
        steps=("Lắp bộ lưu điện", "Kiểm tra hằng tuần"),
        deadline=dt.date.fromisoformat(deadline),
        responsible="UBND xã Alpha",
    )


@pytest.fixture
def db() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", isolation_level=None)


def test_a_plan_goes_returned_resubmitted_accepted_done_and_keeps_each_step(
    db: sqlite3.Connection,
) -> None:
    store = RemediationStore(db, TZ)
    plan = store.submit(shortfall(), fields(), OFFICER, ms("2026-10-05T09:00"))
    assert plan.id.startswith("rp-") and plan.status == "submitted"
    plan = store.review(plan.id, "returned", "Nêu rõ kinh phí", VERIFIER, ms("2026-10-06T09:00"))
    assert plan.status == "returned"
    plan = store.edit(
        plan.id, fields(cause="Mất điện; thiếu kinh phí"), OFFICER, ms("2026-10-07T09:00")
    )
    assert plan.status == "submitted"
    plan = store.review(plan.id, "accepted", "", VERIFIER, ms("2026-10-08T09:00"))
    plan = store.finish(plan.id, "Đã lắp 4 bộ lưu điện", OFFICER, ms("2026-11-20T09:00"))
    assert plan.status == "done"
    history = [(c.version, c.action, c.status, c.by.name, c.comment) for c in plan.history]
    assert history == [
        (1, "submitted", "submitted", "Cán bộ Alpha", ""),
        (2, "returned", "returned", "Thẩm định", "Nêu rõ kinh phí"),
        (3, "resubmitted", "submitted", "Cán bộ Alpha", ""),
        (4, "accepted", "accepted", "Thẩm định", ""),
        (5, "done", "done", "Cán bộ Alpha", "Đã lắp 4 bộ lưu điện"),
    ]
    # What each change left the plan saying: the first text stays readable.
    assert plan.history[0].fields.cause == "Mất điện kéo dài"
    assert plan.fields.cause == "Mất điện; thiếu kinh phí"
    assert plan.last_review() == plan.history[3]

    # Read back from the file: the same plan, change by change.
    again = RemediationStore(db, TZ).get(plan.id)
    assert again == plan


def test_rows_are_never_updated_nor_deleted(db: sqlite3.Connection) -> None:
    store = RemediationStore(db, TZ)
    store.submit(shortfall(), fields(), OFFICER, ms("2026-10-05T09:00"))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE indicator_remediation SET status = 'done'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM indicator_remediation")


def test_changes_that_do_not_apply_to_the_state_are_refused(db: sqlite3.Connection) -> None:
    store = RemediationStore(db, TZ)
    plan = store.submit(shortfall(), fields(), OFFICER, ms("2026-10-05T09:00"))
    with pytest.raises(StateConflict, match="has a plan already"):
        store.submit(shortfall(), fields(), OFFICER, ms("2026-10-05T10:00"))
    with pytest.raises(StateConflict, match="only an accepted plan"):
        store.finish(plan.id, "Xong", OFFICER, ms("2026-10-05T10:00"))
    with pytest.raises(StateConflict, match="nothing changed"):
        store.edit(plan.id, fields(), OFFICER, ms("2026-10-05T10:00"))
    with pytest.raises(ValueError, match="with a comment"):
        store.review(plan.id, "returned", "  ", VERIFIER, ms("2026-10-05T10:00"))
    store.review(plan.id, "accepted", "", VERIFIER, ms("2026-10-06T09:00"))
    with pytest.raises(StateConflict, match="no longer be changed"):
        store.edit(plan.id, fields(cause="Khác"), OFFICER, ms("2026-10-06T10:00"))
    with pytest.raises(StateConflict, match="only a submitted plan"):
        store.review(plan.id, "returned", "Sai", VERIFIER, ms("2026-10-06T10:00"))
    with pytest.raises(ValueError, match="with a note"):
        store.finish(plan.id, "", OFFICER, ms("2026-10-06T10:00"))
    with pytest.raises(KeyError):
        store.edit("rp-nothing", fields(), OFFICER, ms("2026-10-06T10:00"))
    # Nothing refused was written.
    assert [c.action for c in store.get(plan.id).history] == ["submitted", "accepted"]  # type: ignore[union-attr]


def test_overdue_is_a_passed_deadline_of_a_plan_not_done(db: sqlite3.Connection) -> None:
    store = RemediationStore(db, TZ)
    late = store.submit(shortfall("alpha", "R2"), fields("2026-11-30"), OFFICER, ms("2026-10-05"))
    on_time = store.submit(
        shortfall("alpha", "R6"), fields("2026-12-31"), OFFICER, ms("2026-10-05")
    )
    finished = store.submit(
        shortfall("beta", "R2"), fields("2026-11-30"), OFFICER, ms("2026-10-05")
    )
    store.review(finished.id, "accepted", "", VERIFIER, ms("2026-10-06"))
    store.finish(finished.id, "Đã xong", OFFICER, ms("2026-12-20"))

    # The deadline is the last day allowed: overdue from the day after, local time.
    assert not late.overdue(dt.date(2026, 11, 30))
    assert late.overdue(dt.date(2026, 12, 1))
    assert not on_time.overdue(dt.date(2026, 12, 1))

    # 1 December 2026, 00:30 in Hà Nội is still 30 November in UTC.
    now = ms("2026-12-01T00:30")
    counts = remediation_counts(store, ["alpha", "beta", "gamma"], now)
    assert counts == {"alpha": (2, 1), "beta": (0, 0), "gamma": (0, 0)}
    assert remediation_counts(store, ["alpha"], ms("2026-11-30T23:59")) == {"alpha": (2, 0)}
    assert remediation_counts(store, [], now) == {}


def test_find_narrows_by_commune_period_and_indicator(db: sqlite3.Connection) -> None:
    store = RemediationStore(db, TZ)
    first = store.submit(shortfall("alpha", "R2"), fields(), OFFICER, ms("2026-10-05"))
    second = store.submit(shortfall("alpha", "C3"), fields(), OFFICER, ms("2026-10-06"))
    other = store.submit(shortfall("beta", "R2"), fields(), OFFICER, ms("2026-10-07"))
    q3 = (ms("2026-07-01"), ms("2026-10-01"))
    assert store.find() == [first, second, other]
    assert store.find("alpha", *q3) == [first, second]
    assert store.find("alpha", indicator="C3") == [second]
    assert store.find("alpha", ms("2026-04-01"), ms("2026-07-01")) == []
    assert store.plan_for(shortfall("beta", "R2")) == other


TODAY = dt.date(2026, 10, 5)
GOOD = {
    "cause": " Mất điện ",
    "steps": ["Lắp bộ lưu điện", "", " Kiểm tra "],
    "deadline": "2026-12-31",
    "responsible": "UBND xã",
}


def test_fields_are_checked_and_trimmed() -> None:
    checked, problems = check_fields(GOOD, TODAY)
    assert problems == []
    assert checked == PlanFields(
        cause="Mất điện",
        steps=("Lắp bộ lưu điện", "Kiểm tra"),
        deadline=dt.date(2026, 12, 31),
        responsible="UBND xã",
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"cause": ""}, "cause_missing"),
        ({"cause": "x" * 2001}, "cause_long"),
        ({"responsible": None}, "responsible_missing"),
        ({"steps": "một bước"}, "steps_missing"),
        ({"steps": ["", " "]}, "steps_missing"),
        ({"steps": ["b"] * 21}, "steps_many"),
        ({"steps": ["b" * 501]}, "step_long"),
        ({"deadline": "31/12/2026"}, "deadline_missing"),
        ({"deadline": "2026-10-04"}, "deadline_past"),
        ({"deadline": "2032-01-01"}, "deadline_far"),
    ],
)
def test_each_problem_names_its_field(change: dict[str, object], code: str) -> None:
    checked, problems = check_fields({**GOOD, **change}, TODAY)
    assert checked is None
    assert [p.code for p in problems] == [code]
    assert problems[0].text.startswith(f"{problems[0].field}:")


def test_a_partial_change_keeps_the_rest_and_a_passed_deadline_left_alone() -> None:
    current = fields("2026-10-01")  # passed already: the plan is overdue
    checked, problems = check_fields({"cause": "Khác"}, TODAY, current=current, whole=False)
    assert problems == [] and checked is not None
    assert checked.cause == "Khác" and checked.deadline == dt.date(2026, 10, 1)
    assert checked.steps == current.steps
    # Given again unchanged, still accepted; moved to another passed day, refused.
    _, problems = check_fields({"deadline": "2026-10-01"}, TODAY, current=current, whole=False)
    assert problems == []
    _, problems = check_fields({"deadline": "2026-10-02"}, TODAY, current=current, whole=False)
    assert [p.code for p in problems] == ["deadline_past"]
    # A whole replacement gives every field; its deadline may stay where it was.
    whole = {**GOOD, "deadline": "2026-10-01"}
    checked, problems = check_fields(whole, TODAY, current=current, whole=True)
    assert problems == [] and checked is not None and checked.deadline == current.deadline
    assert changed_fields(current, checked) == ["cause", "steps", "responsible"]
    assert changed_fields(None, checked) == []
    _, problems = check_fields({"cause": "Khác"}, TODAY, current=current, whole=True)
    assert {p.field for p in problems} == {"steps", "deadline", "responsible"}
