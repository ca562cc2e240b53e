"""matches.parquet written batch by batch: order, schema, privacy, no half files."""

from __future__ import annotations

import stat
from pathlib import Path

import polars as pl
from helpers import matches

from shadowscan.privacy import pseudonymise_people
from shadowscan.report.matches import MatchesWriter
from shadowscan.schema import MATCH_SCHEMA

KEY = b"k" * 32


def _batch(first: int, n: int) -> pl.DataFrame:
    return matches(
        [{"user": f"user{i}", "lease_user": f"lease{i}"} for i in range(n)]
    ).with_columns(pl.int_range(first, first + n).cast(pl.Int64).alias("source_line"))


def test_batches_come_back_in_order_in_the_match_schema(tmp_path: Path) -> None:
    """Three batches (one empty) read back as one frame, in the order written."""
    writer = MatchesWriter(tmp_path / "matches.parquet")
    for frame in (_batch(1, 3), _batch(4, 0), _batch(4, 2)):
        writer.write(frame)
    got = writer.finish().collect()
    assert got.schema == pl.Schema(MATCH_SCHEMA)
    assert got["source_line"].to_list() == [1, 2, 3, 4, 5]
    assert writer.rows == 5
    mode = stat.S_IMODE((tmp_path / "matches.parquet").stat().st_mode)
    assert mode == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["matches.parquet"]


def test_nothing_matched_gives_an_empty_file_with_the_schema(tmp_path: Path) -> None:
    got = MatchesWriter(tmp_path / "matches.parquet").finish().collect()
    assert got.height == 0
    assert got.schema == pl.Schema(MATCH_SCHEMA)


def test_pseudonymised_batch_by_batch_as_on_the_whole(tmp_path: Path) -> None:
    """Per-batch pseudonyms equal the whole frame's; lease user names are not kept."""
    a, b = _batch(1, 3), _batch(4, 3)
    writer = MatchesWriter(tmp_path / "matches.parquet", pseudonym_key=KEY)
    writer.write(a)
    writer.write(b)
    got = writer.finish().collect()
    whole = pseudonymise_people(pl.concat([a, b]), KEY)
    assert got["user"].to_list() == whole["user"].to_list()
    assert all(u.startswith("p-") for u in got["user"].to_list())
    assert got["lease_user"].null_count() == got.height


def test_abandoned_run_leaves_no_file(tmp_path: Path) -> None:
    """A run that fails mid-way leaves neither matches.parquet nor its partial file."""
    writer = MatchesWriter(tmp_path / "matches.parquet")
    writer.write(_batch(1, 2))
    writer.abandon()
    assert list(tmp_path.iterdir()) == []
