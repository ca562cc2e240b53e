"""Spreadsheet-safe cells: the tricky cases, and every CSV a scan writes."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from shadowscan.report.tables import csv_text, safe_for_spreadsheet
from shadowscan.scan import ScanOptions, run_scan

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("-1+2", "'-1+2"),  # arithmetic, not a number
        ("=1", "'=1"),
        (" =1", "' =1"),  # leading spaces: some importers trim before evaluating
        ("   @SUM(A1)", "'   @SUM(A1)"),
        ("@", "'@"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),  # a real number stays a number
        ("+3.25", "+3.25"),
        ("-1e-3", "-1e-3"),
        ("+33 6 12", "'+33 6 12"),  # phone-like text is not a number: neutralised
        ("a=1", "a=1"),  # only the first character matters
        ("", ""),
    ],
)
def test_tricky_cell(cell: str, written: str) -> None:
    """Each tricky cell is written as the module docstring says."""
    out = safe_for_spreadsheet(pl.DataFrame({"c": [cell]}, schema={"c": pl.String}))
    assert out["c"].to_list() == [written]


def test_null_stays_null() -> None:
    """A null cell stays empty, not a quote."""
    out = safe_for_spreadsheet(pl.DataFrame({"c": [None]}, schema={"c": pl.String}))
    assert out["c"].to_list() == [None]


def test_csv_text_round_trips_quoted_cells() -> None:
    """csv_text quotes a cell with a comma and a newline and neutralises it."""
    text = csv_text(pl.DataFrame({"c": ["=a,\nb"]}))
    assert list(csv.reader(text.splitlines(keepends=True))) == [["c"], ["'=a,\nb"]]


def test_every_csv_of_a_scan_is_safe(tmp_path: Path) -> None:
    """A log line whose user and path are formulas ends up neutralised in every CSV."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "access.log").write_text(
        "1795705962.346    120 10.20.1.5 TCP_MISS/200 5120 POST "
        "https://api.newmodel.ai/v1/messages =HYPERLINK(1) HIER_DIRECT/1.2.3.4 application/json\n"
        "1795705963.346    120 10.20.1.5 TCP_MISS/200 5120 GET https://chatgpt.com/ "
        "@SUM(1) HIER_DIRECT/1.2.3.4 text/html\n"
        "=cmd|' /C calc'!A0 not a squid line\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run_scan(ScanOptions(paths=[logs], out=out, as_of=date(2026, 11, 30)))
    written = sorted(p.name for p in out.glob("*.csv"))
    assert {"candidates.csv", "findings.csv", "rejects.csv"} <= set(written)
    bad = []
    for name in written:
        with (out / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                bad += [(name, c) for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert [b for b in bad if not _is_number(b[1])] == []
    rejects = pl.read_csv(out / "rejects.csv")
    assert rejects["raw"].to_list() == ["'=cmd|' /C calc'!A0 not a squid line"]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
