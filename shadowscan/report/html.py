"""The HTML report: one self-contained file (inline CSS and SVG, no network, no scripts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape

_ENV = Environment(
    loader=PackageLoader("shadowscan.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

_RISKY = ("unsanctioned", "prohibited")


def _bar_chart(rows: list[tuple[str, int]], *, width: int = 640) -> dict[str, Any]:
    """Geometry of a horizontal bar chart, drawn as inline SVG by the template."""
    top = max((v for _, v in rows), default=0) or 1
    bar_h, gap, label_w = 22, 6, 170
    bars = [
        {
            "label": label,
            "value": value,
            "y": i * (bar_h + gap),
            "w": max(1, round((width - label_w - 60) * value / top)),
        }
        for i, (label, value) in enumerate(rows)
    ]
    return {
        "bars": bars,
        "height": len(bars) * (bar_h + gap),
        "width": width,
        "bar_h": bar_h,
        "label_w": label_w,
    }


def render_report(findings: pl.DataFrame, candidates: pl.DataFrame, summary: dict[str, Any]) -> str:
    """The report as an HTML string."""
    risky = findings.filter(pl.col("status").is_in(_RISKY))
    by_dept = (
        risky.group_by("department")
        .agg(pl.col("events").sum())
        .sort(["events", "department"], descending=[True, False])
    )
    exposed = (
        risky.group_by("department")
        .agg(pl.col("risk_score").max().alias("risk"), pl.col("users").sum())
        .sort(["risk", "users", "department"], descending=[True, True, False])
        .head(3)
    )
    uploaded = risky["bytes_out"].drop_nulls().sum() if risky.height else 0
    facts = {
        "services": findings["service_id"].n_unique(),
        "unsanctioned": risky["service_id"].n_unique(),
        "prohibited": findings.filter(pl.col("status") == "prohibited")["service_id"].n_unique(),
        "findings": findings.height,
        "exposed": exposed["department"].to_list(),
        "uploaded_mb": round(uploaded / 1_000_000, 1) if uploaded else None,
    }
    template = _ENV.get_template("report.html.j2")
    return template.render(
        facts=facts,
        summary=summary,
        chart=_bar_chart([(d, int(e)) for d, e in by_dept.iter_rows()]),
        findings=findings.with_columns(
            pl.col("first_seen").dt.strftime("%Y-%m-%d %H:%M"),
            pl.col("last_seen").dt.strftime("%Y-%m-%d %H:%M"),
        ).to_dicts(),
        candidates=candidates.head(25).to_dicts(),
    )


def write_report(
    path: Path, findings: pl.DataFrame, candidates: pl.DataFrame, summary: dict[str, Any]
) -> None:
    """Write ``report.html``."""
    path.write_text(render_report(findings, candidates, summary), encoding="utf-8")
