"""`shadowscan scan` driven through click's CliRunner, on the bundled demo set."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from shadowscan.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_logs"
GOLDEN = REPO / "tests" / "data" / "golden"
AS_OF = ["--as-of", "2026-11-30"]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(main, ["scan", str(SAMPLE), "--out", str(out), *AS_OF])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_scan_writes_every_output(sample_run: tuple[Path, str]) -> None:
    """All seven outputs of SPEC.md are written."""
    out, _ = sample_run
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "candidates.csv",
        "findings.csv",
        "findings.parquet",
        "matches.parquet",
        "outliers.csv",
        "rejects.csv",
        "report.html",
        "summary.json",
    ]


def test_every_line_is_accounted_for(sample_run: tuple[Path, str]) -> None:
    """lines_read = events + rejected + skipped, per file and in total."""
    summary = json.loads((sample_run[0] / "summary.json").read_text())
    for f in summary["inputs"]:
        assert f["lines_read"] == f["events"] + f["rejected"] + f["skipped"], f["path"]
    assert (summary["lines_read"], summary["events"], summary["rejected"], summary["skipped"]) == (
        4309,
        4296,
        3,
        10,
    )


def test_config_files_are_picked_up(sample_run: tuple[Path, str]) -> None:
    """users.csv, subnets.csv and policy.yaml beside the logs are used, not parsed as logs."""
    summary = json.loads((sample_run[0] / "summary.json").read_text())
    assert [Path(v).name for v in summary["config"].values()] == [
        "users.csv",
        "subnets.csv",
        "policy.yaml",
    ]
    assert sorted(Path(f["path"]).name for f in summary["inputs"]) == [
        "access.log",
        "dns.log.gz",
        "queries.log",
    ]


def test_findings_match_golden(sample_run: tuple[Path, str]) -> None:
    """findings.csv on the demo set is exactly the reviewed golden file."""
    got = (sample_run[0] / "findings.csv").read_text(encoding="utf-8")
    golden = GOLDEN / "sample_findings.csv"
    if os.environ.get("SHADOWSCAN_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_rejects_name_file_line_and_reason(sample_run: tuple[Path, str]) -> None:
    """The three malformed demo lines are in rejects.csv with their 1-based line numbers."""
    rejects = pl.read_csv(sample_run[0] / "rejects.csv")
    assert rejects["source_line"].to_list() == [900, 1275, 1652]
    assert rejects["reason"].to_list() == [
        "not a Squid native access.log line",
        "not a Squid native access.log line",
        "bad timestamp",
    ]
    assert all(f.endswith("access.log") for f in rejects["source_file"])


def test_lookalike_hosts_never_match(sample_run: tuple[Path, str]) -> None:
    """openai.com.attacker.test and fakeopenai.test are in the logs but not in matches."""
    m = pl.read_parquet(sample_run[0] / "matches.parquet")
    assert m.filter(pl.col("host").str.contains("attacker|fakeopenai")).height == 0
    assert "openai.com.attacker.test" in (SAMPLE / "proxy" / "access.log").read_text()


def test_matches_have_provenance_columns(sample_run: tuple[Path, str]) -> None:
    """matches.parquet carries the SPEC columns, UTC timestamps and 1-based lines."""
    m = pl.read_parquet(sample_run[0] / "matches.parquet")
    spec = "ts source log_format source_file source_line user src_ip host url_path method"
    spec += " http_status action bytes_out bytes_in user_agent service_id service_name category"
    spec += " match_kind confidence department status"
    assert set(spec.split()) <= set(m.columns)
    assert str(m.schema["ts"]) == "Datetime(time_unit='us', time_zone='UTC')"
    assert m["source_line"].min() >= 1


def test_candidates_are_not_findings(sample_run: tuple[Path, str]) -> None:
    """The demo's unknown AI-like hosts are candidates and absent from findings."""
    out = sample_run[0]
    cands = pl.read_csv(out / "candidates.csv")["host"].to_list()
    assert cands == ["api.newmodel.ai", "inference.llmgateway.example"]
    findings = (out / "findings.csv").read_text()
    assert "llmgateway" not in findings and "newmodel" not in findings


def test_expired_rule_is_reported(sample_run: tuple[Path, str]) -> None:
    """The demo's expired ChatGPT pilot rule is listed in summary.json and the report."""
    out = sample_run[0]
    summary = json.loads((out / "summary.json").read_text())
    assert [(r["service"], r["expires"]) for r in summary["policy"]["expired"]] == [
        ("chatgpt", "2026-10-31")
    ]
    assert "Expired policy rules" in (out / "report.html").read_text()


def test_report_is_self_contained(sample_run: tuple[Path, str]) -> None:
    """report.html loads nothing from the network and has its chart inline."""
    html = (sample_run[0] / "report.html").read_text()
    assert "<svg" in html
    for needle in ("http://", "https://", "<script src", "<link", "@import", "url("):
        assert needle not in html


def test_stdout_summarises(sample_run: tuple[Path, str]) -> None:
    """The scan prints the line books and the findings count."""
    _, output = sample_run
    assert "4,309 lines from 3 file(s): 4,296 events, 3 rejected, 10 skipped" in output
    assert "finding(s)" in output


def test_fail_on_exits_3(tmp_path: Path) -> None:
    """--fail-on high exits 3 on the demo set (it has high findings)."""
    args = ["scan", str(SAMPLE), "--out", str(tmp_path), "--fail-on", "high", *AS_OF]
    assert CliRunner().invoke(main, args).exit_code == 3


def test_fail_on_critical_exits_0_without_critical(tmp_path: Path) -> None:
    """--fail-on critical exits 0 when no finding is critical."""
    args = ["scan", str(SAMPLE), "--out", str(tmp_path), "--fail-on", "critical", *AS_OF]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output


def test_missing_path_is_one_line_exit_1(tmp_path: Path) -> None:
    """A missing input path exits 1 with one line naming it, and no traceback."""
    result = CliRunner().invoke(
        main, ["scan", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {tmp_path / 'nope'}: no such file or directory (check the path)"
    ]


def test_bad_policy_names_file_and_line(tmp_path: Path) -> None:
    """A policy with an unknown service exits 1 naming policy file and line."""
    policy = tmp_path / "p.yaml"
    policy.write_text("rules:\n  - service: nope-ai\n    status: sanctioned\n")
    args = ["scan", str(SAMPLE), "--out", str(tmp_path / "o"), "--policy", str(policy)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert f"Error: {policy}:2: unknown service 'nope-ai'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_bad_catalog_refused(tmp_path: Path) -> None:
    """A catalog with an error is refused whole, exit 1, naming file and line."""
    sig = tmp_path / "sig"
    sig.mkdir()
    good = (REPO / "signatures" / "translation.yaml").read_text(encoding="utf-8")
    first = good.index("  - id:")
    second = good.index("  - id:", first + 1)
    entry = good[first:second].replace("    domains:", "    domian:", 1)
    (sig / "x.yaml").write_text("services:\n" + entry, encoding="utf-8")
    args = ["scan", str(SAMPLE), "--out", str(tmp_path / "o"), "--signatures", str(sig)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "x.yaml:6: unknown key 'domian' (did you mean 'domains'?)" in result.output
    # The catalog loads while the logs are parsed, yet nothing is written before it is
    # known to be good: no output folder.
    assert not (tmp_path / "o").exists()


def test_unknown_file_is_reported_and_skipped(tmp_path: Path) -> None:
    """A file in no known format is 'unknown' in summary.json; the run goes on."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "notes.txt").write_text("hello\nworld\n")
    (logs / "dns.log").write_bytes(gzip.compress((SAMPLE / "dns" / "queries.log").read_bytes()))
    result = CliRunner().invoke(main, ["scan", str(logs), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    formats = {Path(f["path"]).name: f["format"] for f in summary["inputs"]}
    assert formats == {"dns.log": "bind9", "notes.txt": "unknown"}
    assert summary["unknown_files"] == 1


def test_forced_format_rejects_everything_and_warns(tmp_path: Path) -> None:
    """--format squid_native on a BIND log rejects every line and flags the file."""
    src = SAMPLE / "dns" / "queries.log"
    args = ["scan", str(src), "--out", str(tmp_path), "--format", "squid_native"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    (f,) = summary["inputs"]
    assert (f["events"], f["rejected"]) == (0, 1000)
    assert "likely not squid_native" in " ".join(f["notes"])


def test_bad_tz_is_a_usage_error(tmp_path: Path) -> None:
    """An unknown --tz is refused by click (exit 2)."""
    args = ["scan", str(SAMPLE), "--out", str(tmp_path), "--tz", "Mars/Olympus"]
    assert CliRunner().invoke(main, args).exit_code == 2


def test_summary_is_deterministic(sample_run: tuple[Path, str], tmp_path: Path) -> None:
    """A second scan of the same input writes the same summary.json, timings aside."""
    args = ["scan", str(SAMPLE), "--out", str(tmp_path), *AS_OF]
    assert CliRunner().invoke(main, args).exit_code == 0
    first = json.loads((sample_run[0] / "summary.json").read_text())
    second = json.loads((tmp_path / "summary.json").read_text())
    for summary in (first, second):
        summary.pop("timings_s")
    assert json.dumps(first) == json.dumps(second)  # same keys, same order, same values
