"""The province summary: every commune of an area for one period, on one sheet.

Per commune the verdict of each indicator, how many were met, not met or lacked data,
whether the period's report is signed off and whether that sign-off still matches the
data, and (once remediation plans are wired in) how many plans are open and overdue;
then the area's totals per indicator. Built from the overview's data for that one
period (``overview.py``), so the two never disagree; pure, like the report:
``province_summary`` gives the machine form (the API's JSON), ``summary_view`` the
text people read (the page and the PDF), ``render_summary_csv`` the spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from xaso.server.indicators.gather.signoff import SignOff
from xaso.server.indicators.period import period_days
from xaso.server.indicators.reports.report import VERDICTS, _cell
from xaso.server.indicators.reports.text import format_day, format_time, named_period, period_text
from xaso.server.indicators.result import VERDICT_VI
from xaso.server.words import translator

# A verdict is always said in words and a symbol, never by its colour alone.
VERDICT_SYMBOL = {"met": "✓", "not_met": "✗", "insufficient_data": "?", "not_applicable": "–"}
# The verdicts the summary counts per commune (not applicable is neither).
COUNTED = ("met", "not_met", "insufficient_data")
SIGNOFF_STATES = ("matches", "mismatch", "none")


# A commune's remediation plans (``remediation_counts`` in
# server/indicators/gather/remediation.py): (still open, past their deadline among them).
RemediationCounts = tuple[int, int]


def latest_signoffs(found: list[SignOff], excused: bool) -> dict[str, SignOff]:
    """Each commune's latest sign-off among ``found`` (those of one period, oldest
    first, as the store lists them) made with the same ``excused`` setting: that of
    the report the summary counts."""
    latest: dict[str, SignOff] = {}
    for signoff in found:
        if signoff.excused == excused:
            latest[signoff.commune] = signoff
    return latest


def province_summary(
    data: dict[str, Any],
    latest: Mapping[str, SignOff],
    remediation: Mapping[str, RemediationCounts] | None = None,
) -> dict[str, Any]:
    """``data`` is the overview of one period (``overview.overview`` with one period);
    ``latest`` each commune's latest sign-off for it; ``remediation`` the plans'
    counts per commune (open, overdue), or None to leave those columns out."""
    if len(data["periods"]) != 1:
        raise ValueError("the summary is of one period")
    indicators = [i["id"] for i in data["indicators"]]
    totals: dict[str, Counter[str]] = {i: Counter() for i in indicators}
    signed: Counter[str] = Counter()
    communes = []
    for row in data["communes"]:
        verdicts = {
            i: cell["verdicts"][0]
            for i, cell in row["indicators"].items()
            if cell["verdicts"][0] is not None
        }
        for indicator, verdict in verdicts.items():
            totals[indicator][verdict] += 1
        counts = Counter(verdicts.values())
        sha256 = row["sha256"][0]
        signoff = latest.get(row["commune"])
        state = "none" if signoff is None else "matches" if signoff.sha256 == sha256 else "mismatch"
        signed[state] += 1
        entry: dict[str, Any] = {
            "commune": row["commune"],
            "name": row["name"],
            "parent": row["parent"],
            "profile": row["profile"][0],
            "sha256": sha256,
            "verdicts": verdicts,
            "counts": {v: counts.get(v, 0) for v in VERDICTS},
            "signoff": {
                "state": state,
                "id": signoff.id if signoff else None,
                "verifier": signoff.verifier if signoff else None,
                "signed_ms": signoff.signed_ms if signoff else None,
                "sha256": signoff.sha256 if signoff else None,
            },
        }
        if remediation is not None:
            still_open, overdue = remediation.get(row["commune"], (0, 0))
            entry["remediation"] = {"open": still_open, "overdue": overdue}
        communes.append(entry)
    return {
        "period": data["periods"][0],
        "area": data["area"],
        "indicators": data["indicators"],
        "communes": communes,
        "totals": {i: {v: totals[i].get(v, 0) for v in VERDICTS} for i in indicators},
        "signoffs": {s: signed.get(s, 0) for s in SIGNOFF_STATES},
        "remediation": remediation is not None,
    }


# -- as people read it (the page and the PDF) -----------------------------------------


def _verdict_cell(verdict: str | None, w: dict[str, str]) -> dict[str, str] | None:
    if verdict is None:
        return None
    return {
        "verdict": verdict,
        "symbol": VERDICT_SYMBOL.get(verdict, ""),
        "text": w.get(f"verdict.{verdict}", verdict),
    }


def summary_view(
    summary: dict[str, Any],
    *,
    tz: ZoneInfo,
    lang: str,
    area_name: str,
    parent_names: Mapping[str, str],
    made_ms: int,
) -> dict[str, Any]:
    """Every text the page and the PDF print, in ``lang``: ``area_name`` the area shown
    (or every commune in scope), ``parent_names`` the areas' names by code, ``made_ms``
    when the summary was made."""
    w = translator(lang)
    period = summary["period"]
    name = named_period(period["from_ms"], period["to_ms"], tz, lang)
    days = period_text(period["from_ms"], period["to_ms"], tz, lang)
    indicators = [
        {"id": i["id"], "name": (i["name_en"] or i["name"]) if lang == "en" else i["name"]}
        for i in summary["indicators"]
    ]
    rows = []
    for commune in summary["communes"]:
        signoff = commune["signoff"]
        detail = ""
        if signoff["state"] != "none":
            detail = f"{signoff['verifier']} · {format_time(signoff['signed_ms'], tz, lang)}"
        rows.append(
            {
                "code": commune["commune"],
                "name": commune["name"],
                "parent": parent_names.get(commune["parent"] or "", commune["parent"] or "—"),
                "cells": [_verdict_cell(commune["verdicts"].get(i["id"]), w) for i in indicators],
                "counts": [
                    {"verdict": v, "count": commune["counts"][v], "text": w[f"verdict.{v}"]}
                    for v in COUNTED
                ],
                "signoff": {
                    "state": signoff["state"],
                    "text": w[f"ind.summary.signoff.{signoff['state']}"],
                    "detail": detail,
                },
                "remediation": commune.get("remediation"),
            }
        )
    totals = [
        {
            "indicator": i["id"],
            "counts": [
                {
                    "verdict": v,
                    "symbol": VERDICT_SYMBOL[v],
                    "count": summary["totals"][i["id"]][v],
                    "text": w[f"verdict.{v}"],
                }
                for v in VERDICTS
                if summary["totals"][i["id"]][v]
            ],
        }
        for i in indicators
    ]
    signed = summary["signoffs"]
    return {
        "lang": lang,
        "w": w,
        "title": w["ind.summary.title"],
        "area": area_name,
        "period": name if name == days else f"{name} ({days})",
        "period_name": name,
        "made": format_time(made_ms, tz, lang),
        "indicators": indicators,
        "rows": rows,
        "totals": totals,
        "count_totals": [
            {"verdict": v, "count": sum(r["counts"][i]["count"] for r in rows), "text": ""}
            for i, v in enumerate(COUNTED)
        ],
        "signed_text": w["ind.summary.signed_count"].format(
            signed=signed["matches"] + signed["mismatch"],
            matching=signed["matches"],
            total=len(rows),
        ),
        "remediation": summary["remediation"],
        "remediation_totals": {
            "open": sum(r["remediation"]["open"] for r in rows if r["remediation"]),
            "overdue": sum(r["remediation"]["overdue"] for r in rows if r["remediation"]),
        },
        "legend": [
            {"verdict": v, "symbol": VERDICT_SYMBOL[v], "text": w[f"verdict.{v}"]} for v in VERDICTS
        ],
    }


# -- CSV ------------------------------------------------------------------------------

_CSV_HEADERS: dict[str, dict[str, Any]] = {
    "vi": {
        "commune": "Mã xã",
        "name": "Tên xã",
        "parent": "Đơn vị cấp trên",
        "from": "Từ ngày",
        "to": "Đến ngày",
        "counts": ("Số chỉ tiêu đạt", "Số chỉ tiêu chưa đạt", "Số chỉ tiêu không đủ dữ liệu"),
        "signoff": "Phê duyệt",
        "verifier": "Người phê duyệt",
        "signed": "Thời điểm phê duyệt",
        "sha256": "Mã băm báo cáo (SHA-256)",
        "plans": ("Kế hoạch khắc phục đang mở", "Kế hoạch khắc phục quá hạn"),
        "total": "Tổng: {verdict}",
    },
    "en": {
        "commune": "commune",
        "name": "commune_name",
        "parent": "parent",
        "from": "from",
        "to": "to",
        "counts": ("met", "not_met", "insufficient_data"),
        "signoff": "signoff",
        "verifier": "signed_by",
        "signed": "signed_at",
        "sha256": "report_sha256",
        "plans": ("remediation_open", "remediation_overdue"),
        "total": "total: {verdict}",
    },
}


def render_summary_csv(
    summary: dict[str, Any], *, tz: ZoneInfo, lang: str, parent_names: Mapping[str, str]
) -> bytes:
    """One row per commune, a column per indicator (its verdict), then one row per
    verdict with the area's totals (no commune code: a spreadsheet filters them out).
    Vietnamese headers and values unless ``lang`` is "en" (machine values: ``met``, ISO
    dates); UTF-8 with a BOM so that Excel shows the diacritics."""
    lang = lang if lang in _CSV_HEADERS else "vi"
    words = _CSV_HEADERS[lang]
    w = translator(lang)
    period = summary["period"]
    first, last = period_days(period["from_ms"], period["to_ms"], tz)
    indicators = [i["id"] for i in summary["indicators"]]
    plans = summary["remediation"]

    def verdict(code: str | None) -> str:
        if code is None:
            return ""
        return code if lang == "en" else VERDICT_VI.get(code, code)

    out = io.StringIO()
    writer = csv.writer(out)
    header = [words["commune"], words["name"], words["parent"], words["from"], words["to"]]
    header += indicators + list(words["counts"])
    header += [words["signoff"], words["verifier"], words["signed"], words["sha256"]]
    if plans:
        header += list(words["plans"])
    writer.writerow(header)
    for commune in summary["communes"]:
        signoff = commune["signoff"]
        row: list[object] = [
            commune["commune"],
            commune["name"],
            parent_names.get(commune["parent"] or "", commune["parent"] or ""),
            format_day(first, lang),
            format_day(last, lang),
        ]
        row += [verdict(commune["verdicts"].get(i)) for i in indicators]
        row += [commune["counts"][v] for v in COUNTED]
        row += [
            signoff["state"] if lang == "en" else w[f"ind.summary.signoff.{signoff['state']}"],
            signoff["verifier"] or "",
            format_time(signoff["signed_ms"], tz, lang) if signoff["signed_ms"] else "",
            commune["sha256"] or "",
        ]
        if plans:
            row += [commune["remediation"]["open"], commune["remediation"]["overdue"]]
        writer.writerow([_cell(x) for x in row])
    for code in VERDICTS:
        label = code if lang == "en" else VERDICT_VI[code]
        row = ["", words["total"].format(verdict=label), "", format_day(first, lang)]
        row += [format_day(last, lang)]
        row += [summary["totals"][i][code] for i in indicators]
        writer.writerow([_cell(x) for x in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
