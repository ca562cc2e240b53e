"""SaaS audit events end to end: scan -> saas_app matches -> findings, with a fixture catalog."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from shadowscan.catalog import load_catalog
from shadowscan.cli import main
from shadowscan.match.compile import compile_catalog
from shadowscan.match.matcher import annotate
from shadowscan.scan import ScanOptions, ScanResult, run_scan
from shadowscan.sources import REGISTRY

DATA = Path(__file__).resolve().parents[1] / "data"
LOGS = DATA / "logs" / "saas"
CATALOG = DATA / "signatures" / "saas_apps"
SAAS_FORMATS = [
    "cloudtrail",
    "entra_signin",
    "github_audit",
    "gws_token",
    "m365_ual_csv",
    "m365_ual_json",
    "okta_system",
    "slack_audit",
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """One scan of every SaaS fixture against the small saas_apps catalog."""
    out = tmp_path_factory.mktemp("saas_report")
    opts = ScanOptions(paths=[LOGS], out=out, signatures=CATALOG, as_of=date(2026, 6, 1))
    return run_scan(opts)


def test_every_fixture_detected_as_its_format(scanned: ScanResult) -> None:
    """Each fixture file is detected as the SaaS format its name says."""
    formats = {Path(f["path"]).name: f["format"] for f in scanned.summary["inputs"]}
    assert formats == {
        "cloudtrail_bedrock.json": "cloudtrail",
        "entra_signins_graph.json": "entra_signin",
        "github_copilot.ndjson": "github_audit",
        "gws_token_chatgpt.ndjson": "gws_token",
        "m365_activity_api.json": "m365_ual_json",
        "m365_audit_export.csv": "m365_ual_csv",
        "okta_sso_chatgpt.json": "okta_system",
        "slack_app_installed.json": "slack_audit",
    }


def test_accounting_identity_per_file(scanned: ScanResult) -> None:
    """lines_read = events + rejected + skipped for every SaaS file."""
    for f in scanned.summary["inputs"]:
        assert f["lines_read"] == f["events"] + f["rejected"] + f["skipped"], f["path"]
    totals = tuple(scanned.summary[k] for k in ("lines_read", "events", "rejected", "skipped"))
    assert totals == (360, 22, 3, 335)


def test_matches_are_saas_app_kind(scanned: ScanResult) -> None:
    """Every match comes from the app column, with match_kind saas_app and source saas."""
    matches = pl.read_parquet(scanned.out / "matches.parquet")
    assert matches.select("match_kind", "source").unique().rows() == [("saas_app", "saas")]
    assert dict(matches["service_id"].value_counts().iter_rows()) == {
        "aws-bedrock": 2,
        "chatgpt": 5,
        "claude": 1,
        "github-copilot": 1,
        "microsoft-365-copilot": 3,
    }


def test_bedrock_and_copilot_become_findings(scanned: ScanResult) -> None:
    """Bedrock (one call blocked) and M365 Copilot are findings with their events and users."""
    rows = scanned.findings.filter(
        pl.col("service_id").is_in(["aws-bedrock", "microsoft-365-copilot"])
    ).select("service_id", "events", "users", "blocked_events", "sources")
    assert sorted(rows.rows()) == [
        ("aws-bedrock", 2, 2, 1, "saas"),
        ("microsoft-365-copilot", 3, 3, 0, "saas"),
    ]


def test_app_join_ignores_case() -> None:
    """The app column joins saas_apps case-insensitively."""
    cc = compile_catalog(load_catalog(CATALOG))
    events = pl.DataFrame(
        {"app": ["chatgpt enterprise", "BEDROCK.AMAZONAWS.COM", "Office 365"], "source": "saas"}
    ).with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in ("host", "url_path", "user_agent")
    )
    assert annotate(events, cc)["service_id"].to_list() == ["chatgpt", "aws-bedrock", None]


def test_forced_format_overrides_detection(tmp_path: Path) -> None:
    """--format okta_system on the CLI parses an Okta export as Okta."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "scan",
            str(LOGS / "okta_sso_chatgpt.json"),
            "--out",
            str(out),
            "--format",
            "okta_system",
            "--signatures",
            str(CATALOG),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert [(f["format"], f["events"], f["matched"]) for f in summary["inputs"]] == [
        ("okta_system", 2, 2)
    ]


def test_formats_command_lists_saas_formats() -> None:
    """`shadowscan formats --format json` lists every SaaS format with source saas."""
    result = CliRunner().invoke(main, ["formats", "--format", "json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    saas = sorted(r["name"] for r in rows if r["source"] == "saas")
    assert saas == SAAS_FORMATS


@pytest.mark.parametrize("name", SAAS_FORMATS)
def test_saas_parsers_describe_themselves(name: str) -> None:
    """Each SaaS parser is a saas source carrying an app, with a description."""
    parser = REGISTRY[name]
    assert (parser.source, "app" in parser.fields, bool(parser.description)) == (
        "saas",
        True,
        True,
    )
