"""The HTML governance report: one self-contained file, readable offline and on paper.

No network at all: inline CSS and SVG only, and a Content-Security-Policy that allows
exactly the inline style and the one small sorting script (by hash) and nothing else.
Charts are drawn here, server-side (:mod:`shadowscan.report.charts`), so they need no
JavaScript. Every value is escaped by Jinja's autoescape: names come from logs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from shadowscan.report import charts
from shadowscan.report.assets import CSP, CSS, SORT_JS
from shadowscan.report.files import write_private_text
from shadowscan.schema import SEVERITIES, STATUSES, UNATTRIBUTED

_ENV = Environment(
    loader=PackageLoader("shadowscan.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

_TEMPLATE: Final = "report.html.j2"
RISKY: Final = ("unsanctioned", "prohibited")
#: The heat map shows at most this many departments and categories (the busiest).
HEAT_ROWS: Final = 20
HEAT_COLS: Final = 16
TOP_SERVICES: Final = 20
TOP_CANDIDATES: Final = 10
_NOTE_FIELDS: Final = {
    "user": ("Users", "user counts are 0 and departments come from subnets or leases"),
    "bytes_out": ("Bytes sent", "data uploaded cannot be measured"),
    "url_path": ("URL paths", "AI features under general-purpose domains cannot be told apart"),
}


def _by_department(risky: pl.DataFrame) -> Markup | None:
    if risky.is_empty():
        return None
    per = risky.group_by("department", "status").agg(pl.col("events").sum())
    order = (
        per.group_by("department")
        .agg(pl.col("events").sum().alias("_t"))
        .sort(["_t", "department"], descending=[True, False])
    )
    cells = {(d, s): int(e) for d, s, e in per.iter_rows()}
    rows = [
        charts.StackedRow(d, {s: cells.get((d, s), 0) for s in RISKY})
        for d in order["department"].to_list()
    ]
    series = [(s, charts.STATUS_COLOURS[s]) for s in ("prohibited", "unsanctioned")]
    return charts.stacked_bars(
        rows, series, label="Unsanctioned and prohibited usage by department", unit="events"
    )


def _services(findings: pl.DataFrame) -> Markup | None:
    if findings.is_empty():
        return None
    per = (
        findings.sort("risk_score", descending=True)
        .group_by("service_id", maintain_order=True)
        .agg(
            pl.col("service_name").first(),
            pl.col("risk_score").first(),
            pl.col("severity").first(),
            pl.col("users").sum(),
            pl.col("events").sum(),
        )
        .sort(["risk_score", "users", "service_id"], descending=[True, True, False])
        .head(TOP_SERVICES)
    )
    points = [
        charts.RiskPoint(r["service_name"], r["risk_score"], r["users"], r["events"], r["severity"])
        for r in per.iter_rows(named=True)
    ]
    return charts.risk_dots(points, label="Services by risk score and users")


def daily_usage(matches: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Matched events per UTC day: ``day`` (``YYYY-MM-DD``), ``risky``, ``other``."""
    risky = pl.col("status").is_in(RISKY)
    return (
        matches.lazy()
        .group_by(pl.col("ts").dt.date().alias("_d"))
        .agg(risky.sum().alias("risky"), (~risky).sum().alias("other"))
        .sort("_d")
        .select(pl.col("_d").dt.strftime("%Y-%m-%d").alias("day"), "risky", "other")
        .collect(engine="streaming")
    )


def _trend(daily: pl.DataFrame | None) -> tuple[Markup | None, str]:
    if daily is None:
        return None, "No history in this report: the trend needs the matched events by day."
    if daily.height < 2:
        return None, (
            "No history yet: the data covers a single day. The trend appears once the "
            "logs (or the store's history) span two days or more."
        )
    series = [
        ("unsanctioned or prohibited", charts.STATUS_COLOURS["prohibited"]),
        ("other AI use", "#98a2b3"),
    ]
    values = [
        {series[0][0]: int(r), series[1][0]: int(o)}
        for r, o in zip(daily["risky"], daily["other"], strict=True)
    ]
    svg = charts.day_columns(
        daily["day"].to_list(), values, series, label="AI usage per day (events, UTC)"
    )
    first, last = daily["day"][0], daily["day"][-1]
    return svg, f"{daily.height} days, {first} to {last}."


def _heat(findings: pl.DataFrame) -> tuple[Markup | None, str]:
    if findings.is_empty():
        return None, ""
    per = findings.group_by("department", "category").agg(pl.col("events").sum())

    def busiest(col: str, n: int) -> list[str]:
        ranked = (
            per.group_by(col)
            .agg(pl.col("events").sum())
            .sort(["events", col], descending=[True, False])
        )
        return ranked[col].head(n).to_list()

    rows, cols = busiest("department", HEAT_ROWS), busiest("category", HEAT_COLS)
    cells = {(d, c): int(e) for d, c, e in per.iter_rows()}
    n_rows, n_cols = per["department"].n_unique(), per["category"].n_unique()
    note = ""
    if n_rows > len(rows) or n_cols > len(cols):
        note = (
            f"Busiest {len(rows)} of {n_rows} departments and {len(cols)} of {n_cols} categories."
        )
    svg = charts.heat_map(rows, cols, cells, label="AI usage by department and category (events)")
    return svg, note


def _exposed(risky: pl.DataFrame) -> list[dict[str, Any]]:
    """The three departments with the riskiest usage (Unattributed is no department)."""
    return (
        risky.filter(pl.col("department") != UNATTRIBUTED)
        .group_by("department")
        .agg(
            pl.col("risk_score").max().alias("risk"),
            pl.col("service_id").n_unique().alias("services"),
            pl.col("events").sum(),
        )
        .sort(["risk", "services", "events", "department"], descending=[True, True, True, False])
        .head(3)
        .to_dicts()
    )


def _coverage_notes(summary: dict[str, Any]) -> list[str]:
    """One sentence per field that changes how to read the findings: who logs it, who not."""
    coverage: dict[str, dict[str, float]] = summary.get("coverage") or {}
    if not coverage:
        return []
    notes = []
    for field, (what, without) in _NOTE_FIELDS.items():
        carried = [f"{fmt} ({s[field]:.0%})" for fmt, s in coverage.items() if s.get(field)]
        lacking = [fmt for fmt, s in coverage.items() if not s.get(field)]
        if not carried:
            notes.append(f"{what}: carried by no source; {without}.")
        elif lacking:
            notes.append(f"{what}: carried by {', '.join(carried)}; not by {', '.join(lacking)}.")
        else:
            notes.append(f"{what}: carried by every source ({', '.join(carried)}).")
    return notes


def _facts(findings: pl.DataFrame, risky: pl.DataFrame) -> dict[str, Any]:
    uploaded = risky["bytes_out"].drop_nulls()
    new = findings.filter(pl.col("is_new").fill_null(False))
    return {
        "services": findings["service_id"].n_unique(),
        "risky_services": risky["service_id"].n_unique(),
        "prohibited": findings.filter(pl.col("status") == "prohibited")["service_id"].n_unique(),
        "findings": findings.height,
        "risky_findings": risky.height,
        "exposed": _exposed(risky),
        "uploaded_mb": round(int(uploaded.sum()) / 1_000_000, 1) if uploaded.len() else None,
        "new": new.height,
        "all_new": findings.height > 0 and new.height == findings.height,
        "new_list": new.filter(pl.col("status").is_in(RISKY))
        .select("department", "service_name", "status")
        .head(10)
        .to_dicts(),
    }


def prepare() -> None:
    """Compile the report's template now (~20 ms, cached by Jinja): a scan does it while
    it parses, rather than after."""
    _ENV.get_template(_TEMPLATE)


def render_report(
    findings: pl.DataFrame,
    candidates: pl.DataFrame,
    summary: dict[str, Any],
    *,
    daily: pl.DataFrame | None = None,
) -> str:
    """The report as an HTML string.

    ``daily`` (from :func:`daily_usage`, over this run's matches or a store's history)
    draws the trend chart; without it the chart's place says why there is none.
    """
    risky = findings.filter(pl.col("status").is_in(RISKY))
    trend, trend_note = _trend(daily)
    heat, heat_note = _heat(findings)
    table = findings.with_columns(
        pl.col("first_seen").dt.strftime("%Y-%m-%d %H:%M"),
        pl.col("last_seen").dt.strftime("%Y-%m-%d %H:%M"),
        pl.col("status")
        .replace_strict({s: i for i, s in enumerate(STATUSES)}, default=1, return_dtype=pl.Int8)
        .alias("_status_rank"),
        pl.col("severity")
        .replace_strict({s: i for i, s in enumerate(SEVERITIES)}, default=0, return_dtype=pl.Int8)
        .alias("_severity_rank"),
    )
    template = _ENV.get_template(_TEMPLATE)
    return template.render(
        csp=CSP,
        css=Markup(CSS),
        script=Markup(SORT_JS),
        facts=_facts(findings, risky),
        summary=summary,
        privacy=summary.get("privacy") or {},
        by_department=_by_department(risky),
        services=_services(findings),
        top_services=TOP_SERVICES,
        trend=trend,
        trend_note=trend_note,
        heat=heat,
        heat_note=heat_note,
        findings=table.to_dicts(),
        candidates=candidates.head(TOP_CANDIDATES).to_dicts(),
        candidates_total=candidates.height,
        coverage_notes=_coverage_notes(summary),
    )


def write_report(
    path: Path,
    findings: pl.DataFrame,
    candidates: pl.DataFrame,
    summary: dict[str, Any],
    *,
    daily: pl.DataFrame | None = None,
) -> None:
    """Write ``report.html`` (mode 0600)."""
    write_private_text(path, render_report(findings, candidates, summary, daily=daily))
