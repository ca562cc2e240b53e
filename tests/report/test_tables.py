"""Spreadsheet-safe CSV cells."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from shadowscan.report.tables import safe_for_spreadsheet, write_csv


def test_formula_cells_are_neutralised() -> None:
    """=, +, -, @, tab and CR at the start get a leading quote."""
    df = pl.DataFrame({"c": ["=HYPERLINK(1)", "+1+2", "-cmd", "@SUM(A1)", "\tx", "\rx", "ok"]})
    assert safe_for_spreadsheet(df)["c"].to_list() == [
        "'=HYPERLINK(1)",
        "'+1+2",
        "'-cmd",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
    ]


def test_real_numbers_are_not_mangled() -> None:
    """-5, +3.2 and 1e-3 in text columns, and numeric columns, stay as they are."""
    df = pl.DataFrame({"c": ["-5", "+3.2", "-1e-3"], "n": [-5, 3, -1]})
    out = safe_for_spreadsheet(df)
    assert out["c"].to_list() == ["-5", "+3.2", "-1e-3"]
    assert out["n"].to_list() == [-5, 3, -1]


def test_written_csv_has_no_formula_cells(tmp_path: Path) -> None:
    """What lands on disk starts no cell with =."""
    path = tmp_path / "x.csv"
    write_csv(pl.DataFrame({"user": ["=cmd|' /C calc'!A0"]}), path)
    assert path.read_text(encoding="utf-8").splitlines()[1].startswith("'=cmd")


@given(st.lists(st.text(max_size=20), max_size=20))
def test_no_output_cell_starts_dangerously(cells: list[str]) -> None:
    """Whatever the input, no neutralised cell starts with a formula character (numbers aside)."""
    out = safe_for_spreadsheet(pl.DataFrame({"c": cells}, schema={"c": pl.String}))["c"]
    for cell in out.to_list():
        if cell and cell[0] in "=+-@\t\r":
            float(cell)  # only plain numbers may start with + or -
