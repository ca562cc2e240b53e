"""Spool: frames appended to one private file, read back in order, then removed."""

from __future__ import annotations

import stat
from pathlib import Path

import polars as pl

from shadowscan.report.spool import Spool


def test_frames_come_back_in_order(tmp_path: Path) -> None:
    """Three frames (one empty, one with a null-typed column) read back as written."""
    spool = Spool(tmp_path / ".s")
    spool.write(pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    spool.write(pl.DataFrame({"a": [], "b": []}, schema={"a": pl.Int64, "b": pl.String}))
    spool.write(pl.DataFrame({"a": [3], "b": [None]}))  # b typed Null: cast to the first
    assert spool.close()
    assert spool.close()  # closing twice still says it holds rows
    assert spool.rows == 3
    assert stat.S_IMODE(spool.path.stat().st_mode) == 0o600
    got = spool.scan().collect()
    assert got.to_dict(as_series=False) == {"a": [1, 2, 3], "b": ["x", "y", None]}
    spool.remove()
    assert list(tmp_path.iterdir()) == []


def test_nothing_written_makes_no_file(tmp_path: Path) -> None:
    spool = Spool(tmp_path / ".s")
    assert not spool.close()
    spool.remove()
    assert list(tmp_path.iterdir()) == []
