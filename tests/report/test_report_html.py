"""The HTML report: self-contained, escaped, executive summary and charts (no browser)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from xml.etree import ElementTree

import polars as pl
import pytest
from helpers import matches, ts

from shadowscan.catalog import load_catalog
from shadowscan.findings import aggregate
from shadowscan.report.assets import CSS, SORT_JS, csp_hash
from shadowscan.report.html import daily_usage, render_report
from shadowscan.schema import CANDIDATE_SCHEMA

EVIL = '<script>alert("x")</script>'


def _summary(**extra: Any) -> dict[str, Any]:
    return {
        "shadowscan_version": "0",
        "lines_read": 10,
        "inputs": [],
        "catalog": {"version": "v", "services": 1},
        "period": {"first": None, "last": None},
        "policy": {"expired": []},
        "coverage_fields": ["user", "bytes_out", "url_path"],
        "coverage": {
            "squid_native": {"user": 0.5, "bytes_out": 0.0, "url_path": 1.0},
            "bind9": {"user": 0.0, "bytes_out": 0.0, "url_path": 0.0},
        },
        **extra,
    }


def _matches() -> pl.DataFrame:
    return matches(
        [
            {"ts": ts("2026-11-26 10:00"), "user": "a", "department": EVIL},
            {"ts": ts("2026-11-27 10:00"), "user": "b", "department": "Sales"},
            {
                "ts": ts("2026-11-27 11:00"),
                "user": "c",
                "department": "Sales",
                "status": "sanctioned",
                "service_id": "github-copilot",
                "category": "coding-assistant",
            },
        ]
    )


@pytest.fixture(scope="module")
def html() -> str:
    m = _matches()
    findings = aggregate(m, load_catalog())
    return render_report(
        findings, pl.DataFrame(schema=CANDIDATE_SCHEMA), _summary(), daily=daily_usage(m)
    )


def test_no_reference_leaves_the_file(html: str) -> None:
    """No src=, href=, url(), @import or URL scheme: nothing to fetch."""
    pattern = r"\b(?:src|href)\s*=|url\(|@import|https?:|//[a-z]"
    assert re.findall(pattern, html, re.IGNORECASE) == []


def test_csp_allows_only_the_inline_style_and_script(html: str) -> None:
    """The CSP names default-src 'none' and exactly the hashes of the CSS and the script."""
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None
    policy = unescape(csp.group(1))
    assert policy.startswith("default-src 'none'; ")
    assert f"style-src {csp_hash(CSS)};" in policy
    assert f"script-src {csp_hash(SORT_JS)};" in policy
    assert f"<style>{CSS}</style>" in html
    assert f"<script>{SORT_JS}</script>" in html
    assert html.count("<script") == 1


def test_untrusted_names_are_escaped(html: str) -> None:
    """A department named like a script tag appears only escaped, in table and charts."""
    assert EVIL not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 3


def test_charts_are_well_formed_svg(html: str) -> None:
    """Every inline chart parses as XML (escaping intact) and the four are there."""
    svgs = re.findall(r"<svg .*?</svg>", html, re.DOTALL)
    assert len(svgs) == 4
    for svg in svgs:
        assert ElementTree.fromstring(svg).tag == "svg"


def test_trend_is_drawn_per_day(html: str) -> None:
    """Two days of matches: two columns of risky events, one of other use."""
    trend = re.search(r'id="chart-trend">(.*?)</figure>', html, re.DOTALL)
    assert trend is not None
    assert re.findall(r"<title>(2026-11-2\d: \d+ [^<]+)</title>", trend.group(1)) == [
        "2026-11-26: 1 unsanctioned or prohibited events",
        "2026-11-27: 1 unsanctioned or prohibited events",
        "2026-11-27: 1 other AI use events",
    ]
    assert "2 days, 2026-11-26 to 2026-11-27." in trend.group(1)


def test_single_day_says_there_is_no_history() -> None:
    """One day of data: no trend chart, a sentence saying why."""
    m = _matches().filter(pl.col("ts").dt.day() == 27)
    out = render_report(
        aggregate(m, load_catalog()),
        pl.DataFrame(schema=CANDIDATE_SCHEMA),
        _summary(),
        daily=daily_usage(m),
    )
    trend = re.search(r'id="chart-trend">(.*?)</figure>', out, re.DOTALL)
    assert trend is not None
    assert "<svg" not in trend.group(1)
    assert "No history yet: the data covers a single day." in trend.group(1)


def test_executive_summary_facts(html: str) -> None:
    """Services, risky services, the expired-rules line and the all-new line."""
    assert "<b>2</b>AI services in use" in html
    assert "<b>1</b>unsanctioned or prohibited" in html
    assert "<b>2 / 3</b>department findings at risk" in html
    assert "no earlier run to compare with, so all 3 findings are new" in html
    assert "Expired policy rules: none." in html


def test_coverage_notes_name_missing_fields(html: str) -> None:
    """Coverage notes say who carries users and that bytes sent are never logged."""
    assert "Users: carried by squid_native (50%); not by bind9." in html
    assert "Bytes sent: carried by no source; data uploaded cannot be measured." in html


def test_privacy_notes_appear_when_asked() -> None:
    """Pseudonymised and suppressed runs say so at the top of the report."""
    privacy = {"pseudonymized": True, "small_cells": {"note": "2 cells merged"}}
    out = render_report(
        aggregate(_matches(), load_catalog()),
        pl.DataFrame(schema=CANDIDATE_SCHEMA),
        _summary(privacy=privacy),
    )
    assert "Usernames are pseudonymised (keyed HMAC-SHA256)" in out
    assert "Small-cell suppression: 2 cells merged." in out


def test_empty_run_renders() -> None:
    """No findings at all: the report still renders, saying so in each place."""
    m = _matches().head(0)
    out = render_report(
        aggregate(m, load_catalog()), pl.DataFrame(schema=CANDIDATE_SCHEMA), _summary()
    )
    assert "No unsanctioned or prohibited usage found." in out
    assert "No AI service usage found." in out
    assert "No history in this report" in out
