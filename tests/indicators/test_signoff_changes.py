"""What changed between the evaluation a verifier signed and the evaluation now: a pure
function of the two, tested here on its own (the report and the API only render it)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import msgspec

from tests.indicator_fakes import ms, small_fake
from xaso.server.indicators.changes import Changes, EvidenceChange, FieldChange, changes
from xaso.server.indicators.evidence import canonical_bytes, evaluation_from_canonical
from xaso.server.indicators.reports.changes import change_rows
from xaso.server.indicators.result import CommuneEvaluation, EvidenceItem, IndicatorResult
from xaso.server.words import translator

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Q3 = (ms("2026-07-01T00:00"), ms("2026-10-01T00:00"))
DOC_A = "a" * 64
DOC_B = "b" * 64


def _signed() -> CommuneEvaluation:
    """R2 of the fake, and N1 declared with its entry and a document."""
    evaluation = small_fake().evaluation("alpha", *Q3)
    r2, n1 = evaluation.results
    n1 = msgspec.structs.replace(
        n1,
        verdict="met",
        value=100.0,
        numerator=4.0,
        denominator=4.0,
        reason="",
        evidence=[
            EvidenceItem(kind="declared", id="dv-1", value=100.0, from_ms=Q3[0]),
            EvidenceItem(kind="document", id=DOC_A, label="bien-ban.pdf", sha256=DOC_A),
        ],
    )
    return msgspec.structs.replace(evaluation, results=[r2, n1])


def _with(evaluation: CommuneEvaluation, indicator: str, **fields: object) -> CommuneEvaluation:
    results = [
        msgspec.structs.replace(r, **fields) if r.indicator == indicator else r
        for r in evaluation.results
    ]
    return msgspec.structs.replace(evaluation, results=results)


def _result(found: Changes, indicator: str) -> dict[str, FieldChange]:
    [change] = [c for c in found.indicators if c.indicator == indicator]
    return {f.field: f for f in change.fields}


def _evidence(found: Changes, indicator: str) -> list[EvidenceChange]:
    [change] = [c for c in found.indicators if c.indicator == indicator]
    return change.evidence


def test_the_same_data_has_no_changes_whatever_the_float_noise() -> None:
    signed = _signed()
    assert changes(signed, signed).empty
    # Recomputed later: another computation time, the same figure summed another way.
    r2 = signed.results[0]
    noisy = _with(signed, "R2", value=(r2.value or 0) + 1e-12)
    noisy = msgspec.structs.replace(noisy, computed_ms=noisy.computed_ms + 99)
    found = changes(signed, noisy)
    assert found.empty and found == Changes()
    # What a sign-off stores (the canonical bytes) against the evaluation itself.
    stored = evaluation_from_canonical(canonical_bytes(signed), computed_ms=0)
    assert changes(stored, signed).empty


def test_a_figure_that_moved_is_named_with_its_signed_and_current_values() -> None:
    signed = _signed()
    current = _with(signed, "R2", value=75.0, numerator=3.0, verdict="not_met")
    found = changes(signed, current)
    assert not found.empty
    assert [c.indicator for c in found.indicators] == ["R2"]
    fields = _result(found, "R2")
    assert list(fields) == ["value", "numerator", "verdict"]  # the report's order
    assert (fields["value"].signed, fields["value"].current) == (100, 75)
    assert (fields["numerator"].signed, fields["numerator"].current) == (4, 3)
    assert (fields["verdict"].signed, fields["verdict"].current) == ("met", "not_met")
    assert found.indicators[0].change == "changed"
    assert found.indicators[0].unit_signed == found.indicators[0].unit_current == "%"


def test_a_new_outage_and_a_longer_one_are_named_by_device_and_start() -> None:
    signed = _signed()
    r2 = signed.results[0]
    outage = r2.evidence[1]
    longer = msgspec.structs.replace(outage, to_ms=(outage.to_ms or 0) + 3_600_000, value=2.0)
    new = EvidenceItem(
        kind="outage",
        id="alpha-rc-1",
        label="Mất kết nối",
        from_ms=Q3[0] + 86_400_000,
        to_ms=Q3[0] + 90_000_000,
    )
    current = _with(signed, "R2", evidence=[r2.evidence[0], longer, new])
    found = _evidence(changes(signed, current), "R2")
    assert [(e.change, e.kind) for e in found] == [("changed", "outage"), ("added", "outage")]
    assert found[0].fields == ["value", "to_ms"]
    assert found[0].signed == outage and found[0].current == longer
    assert found[1].signed is None and found[1].current == new
    # And gone again: removed, with what was signed.
    found = _evidence(changes(current, signed), "R2")
    assert [(e.change, e.kind) for e in found] == [("changed", "outage"), ("removed", "outage")]
    assert found[1].signed == new and found[1].current is None


def test_a_replaced_document_is_one_change_of_its_hash() -> None:
    signed = _signed()
    declared = signed.results[1].evidence[0]
    replaced = EvidenceItem(kind="document", id=DOC_B, label="bien-ban.pdf", sha256=DOC_B)
    found = _evidence(changes(signed, _with(signed, "N1", evidence=[declared, replaced])), "N1")
    assert len(found) == 1
    assert (found[0].change, found[0].kind) == ("replaced", "document")
    assert found[0].fields == ["id", "sha256"]
    assert found[0].signed is not None and found[0].signed.sha256 == DOC_A
    assert found[0].current is not None and found[0].current.sha256 == DOC_B
    # Another document beside it, under another name: added; the first dropped: removed.
    other = EvidenceItem(kind="document", id=DOC_B, label="anh-chup.png", sha256=DOC_B)
    found = _evidence(changes(signed, _with(signed, "N1", evidence=[declared, other])), "N1")
    assert sorted((e.change, e.kind) for e in found) == [
        ("added", "document"),
        ("removed", "document"),
    ]


def test_a_corrected_declaration_is_the_declared_value_replaced() -> None:
    signed = _signed()
    declared, document = signed.results[1].evidence
    corrected = EvidenceItem(kind="declared", id="dv-2", value=80.0, from_ms=Q3[0] + 5)
    current = _with(
        signed, "N1", value=80.0, numerator=3.2, verdict="not_met", evidence=[corrected, document]
    )
    found = changes(signed, current)
    fields = _result(found, "N1")
    assert (fields["value"].signed, fields["value"].current) == (100, 80)
    [entry] = _evidence(found, "N1")
    assert (entry.change, entry.kind) == ("replaced", "declared")
    assert entry.fields == ["id", "value", "from_ms"]
    assert entry.signed == declared and entry.current == corrected
    # Said as one row, the old entry and the new whole, not field by field from two
    # ids nobody reads.
    rows = [r for r in change_rows(found, w=translator("vi"), lang="vi", tz=TZ) if r["indicator"]]
    [row] = [r for r in rows if r["what"].startswith("Minh chứng thay thế")]
    assert "dv-" not in " ".join(row.values())
    assert "100" in row["signed"] and "80" in row["current"]


def test_indicators_added_or_removed_and_changes_to_the_whole_report() -> None:
    signed = _signed()
    r2 = signed.results[0]
    n5 = IndicatorResult(
        indicator="N5",
        name="Điểm cầu truyền hình",
        commune="alpha",
        from_ms=Q3[0],
        to_ms=Q3[1],
        verdict="met",
        method="m",
        source="telemetry",
        value=1.0,
    )
    current = msgspec.structs.replace(signed, results=[r2, n5], profile="tỉnh-2")
    found = changes(signed, current)
    assert found.report == [FieldChange("profile", "mặc định", "tỉnh-2")]
    by_id = {c.indicator: c for c in found.indicators}
    assert by_id["N1"].change == "removed" and by_id["N5"].change == "added"
    removed = {f.field: f for f in by_id["N1"].fields}
    assert (removed["value"].signed, removed["value"].current) == (100, None)
    assert (removed["verdict"].signed, removed["verdict"].current) == ("met", None)
    added = {f.field: f for f in by_id["N5"].fields}
    assert (added["verdict"].signed, added["verdict"].current) == (None, "met")


def test_evidence_in_another_order_is_still_a_change() -> None:
    """The hash sees order, so a diff that saw none would leave a mismatch unexplained."""
    signed = _signed()
    r2 = signed.results[0]
    found = changes(signed, _with(signed, "R2", evidence=list(reversed(r2.evidence))))
    assert not found.empty
    [change] = found.indicators
    assert change.evidence == [] and change.evidence_reordered is True
    found = changes(signed, msgspec.structs.replace(signed, results=signed.results[::-1]))
    assert not found.empty and found.indicators_reordered is True


def test_every_field_a_change_can_name_has_vietnamese_words() -> None:
    """A field added to the evaluation later must not appear as a code in the report."""
    from xaso.server.words import translator

    vi = translator("vi")
    named = [
        *(f.name for f in msgspec.structs.fields(CommuneEvaluation)),
        *(f.name for f in msgspec.structs.fields(IndicatorResult)),
        *(f.name for f in msgspec.structs.fields(EvidenceItem)),
    ]
    # Never a FieldChange of their own; the exclusions go one by one as "exclusion".
    unnamed = {"computed_ms", "results", "indicator", "evidence", "exclusions"}
    named.append("exclusion")
    missing = [n for n in named if n not in unnamed and f"field.{n}" not in vi]
    assert missing == []


def test_a_window_approved_since_the_sign_off_is_named_with_both_states() -> None:
    from xaso.server.indicators.result import ExclusionChange, ExclusionEntry

    def window(state: str, counted: bool) -> ExclusionEntry:
        asked = ExclusionChange(1, "pending", 1_000, "Cán bộ xã", "operator", "thay loa")
        decided = ExclusionChange(2, state, 2_000, "Sở", "verifier", "đã xác minh")
        history = [asked] if state == "pending" else [asked, decided]
        return ExclusionEntry(
            "maintenance", "mw-1", "device", "alpha-cam-1", 0, 3_600_000, state, counted, history
        )

    signed = msgspec.structs.replace(_signed(), exclusions=[window("pending", False)])
    current = msgspec.structs.replace(signed, exclusions=[window("approved", True)])
    found = changes(signed, current)
    [change] = found.report
    assert change.field == "exclusion"
    assert (change.signed.state, change.current.state) == ("pending", "approved")
    added = changes(msgspec.structs.replace(signed, exclusions=[]), current)
    assert [(c.signed, c.current.id) for c in added.report] == [(None, "mw-1")]


def test_a_device_whose_figures_changed_is_named_with_its_code_after() -> None:
    signed = _signed()
    loudspeaker = EvidenceItem(kind="device", id="alpha-rc-01", label="Cụm loa Thôn 1", value=99.0)
    before = _with(signed, "R2", evidence=[loudspeaker])
    after = _with(signed, "R2", evidence=[msgspec.structs.replace(loudspeaker, value=80.0)])
    rows = change_rows(changes(before, after), w=translator("vi"), lang="vi", tz=TZ)
    [row] = [r for r in rows if r["indicator"] == "R2"]
    assert "Thiết bị Cụm loa Thôn 1 (alpha-rc-01)" in row["what"]
    assert (row["signed"], row["current"]) == ("99", "80")
