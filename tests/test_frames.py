"""shadowscan.frames: expressions once per distinct value equal them row by row."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan import frames
from shadowscan.frames import (
    Coded,
    aligned,
    by_distinct,
    chunked_like,
    compact,
    factorize,
    factorize_hashed,
    kept,
)
from shadowscan.sources.normalize import normalize_user

_EXPRS = [
    normalize_user(pl.col("v")).alias("user"),
    pl.col("v").str.tail(3).cast(pl.Int32, strict=False).alias("n"),
    pl.col("v").str.contains("DENIED", literal=True).alias("denied"),
]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["-", "", " alice ", "CORP%5Cbob", "TCP_DENIED/403", "x/200"]),
            st.text(max_size=8),
        ),
        max_size=60,
    )
)
def test_by_distinct_equals_the_expressions_on_every_row(values: list[str | None]) -> None:
    column = pl.Series("v", values, dtype=pl.String)
    direct = column.to_frame().select(_EXPRS)
    assert by_distinct(column, _EXPRS).equals(direct)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab-", max_size=3)), max_size=40))
def test_factorize_gives_each_row_its_distinct_value(values: list[str | None]) -> None:
    column = pl.Series("v", values, dtype=pl.String)
    distinct, index = factorize(column)
    seen = list(dict.fromkeys(v for v in values if v is not None))
    assert distinct.to_list() == seen  # first-seen order, no null
    assert distinct.gather(index).to_list() == values


def test_factorize_renumbers_codes_not_in_first_seen_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Codes of a mapping that already holds values do not start at 0 in row order."""
    shared = pl.Categories.random()
    pl.Series(["z", "q", "y"]).cast(pl.Categorical(shared))
    monkeypatch.setattr(frames.pl.Categories, "random", staticmethod(lambda: shared))
    column = pl.Series("v", ["y", "x", None, "z", "y"])
    distinct, index = factorize(column)
    assert distinct.to_list() == ["y", "x", "z"]
    assert index.to_list() == [0, 1, None, 2, 0]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab-", max_size=3)), max_size=40))
def test_factorize_hashed_equals_factorize(values: list[str | None]) -> None:
    column = pl.Series("v", values, dtype=pl.String)
    distinct, index = factorize_hashed(column)
    expected_distinct, expected_index = factorize(column)
    assert distinct.equals(expected_distinct)
    assert index.to_list() == expected_index.to_list()


def test_factorize_hashed_is_right_when_values_share_a_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every value hashed alike (a collision): the categorical factorize answers."""

    def same_hash(self: pl.Series, *args: object) -> pl.Series:
        return pl.Series(self.name, [7] * self.len(), dtype=pl.UInt64)

    monkeypatch.setattr(pl.Series, "hash", same_hash)
    distinct, index = factorize_hashed(pl.Series("v", ["y", "x", None, "y"]))
    assert distinct.to_list() == ["y", "x"]
    assert index.to_list() == [0, 1, None, 0]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet="abc", max_size=2)), max_size=30),
    st.lists(st.text(alphabet="abc", max_size=2), max_size=5),
)
def test_coded_is_in_equals_is_in_on_the_rows(values: list[str | None], keys: list[str]) -> None:
    """A table that normalises values (upper case, "c" to null) as hosts are."""
    column = pl.Series("v", values, dtype=pl.String)
    distinct, index = factorize(column)
    table = distinct.to_frame().select(
        pl.when(pl.col("v") != "c").then(pl.col("v").str.to_uppercase())
    )["v"]
    rows = table.gather(index)
    wanted = pl.Series(keys, dtype=pl.String).str.to_uppercase()
    got = Coded(table, index).is_in(wanted)
    assert got.to_list() == rows.is_in(wanted.implode()).fill_null(False).to_list()
    keep = pl.Series([i % 2 == 0 for i in range(len(values))], dtype=pl.Boolean)
    assert Coded(table, index).filter(keep).is_in(wanted).to_list() == got.filter(keep).to_list()


def test_by_distinct_from_several_threads_at_once() -> None:
    """Each call has its own category mapping: concurrent chunks do not mix codes."""
    columns = [pl.Series("v", [f"u{i % 97}-{k}" for i in range(20_000)]) for k in range(8)]
    expr = [pl.col("v").str.to_uppercase()]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: by_distinct(c, expr), columns))
    for column, result in zip(columns, results, strict=True):
        assert result["v"].to_list() == column.str.to_uppercase().to_list()


def _buffer_bytes(frame: pl.DataFrame) -> int:
    table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    return sum(b.size for c in table.columns for chunk in c.chunks for b in chunk.buffers() if b)


def test_compact_keeps_only_its_own_rows_data() -> None:
    """A few rows filtered out of a large chunk no longer hold the chunk's strings."""
    chunk = pl.DataFrame(
        {
            "s": ["x" * 100 + str(i) for i in range(50_000)],
            "n": range(50_000),
            "ts": pl.datetime_range(
                pl.datetime(2026, 1, 1),
                pl.datetime(2026, 1, 1, 13, 53, 19),
                "1s",
                time_zone="UTC",
                eager=True,
            ),
        }
    )
    few = chunk.filter(pl.col("n") < 10)
    copy = compact(few)
    assert copy.equals(few) and copy.schema == few.schema
    assert _buffer_bytes(few) > 1_000_000 > 10_000 > _buffer_bytes(copy)


def test_kept_copies_only_a_minority_of_a_chunk() -> None:
    """Rows that are fewer than half their chunk are compacted (a copy of their own); half
    or more are kept as they are (the chunk's buffers are mostly theirs)."""
    chunk = pl.DataFrame({"s": [f"value number {i} of the chunk" for i in range(100)]})
    few, half = chunk.head(49), chunk.head(50)
    assert kept(half, chunk.height) is half
    assert kept(chunk, chunk.height) is chunk
    copied = kept(few, chunk.height)
    assert copied is not few
    assert copied.equals(few)


def _chunked(values: list[int], cuts: list[int]) -> pl.Series:
    """``values`` as a series cut into chunks at ``cuts`` (positions, any order)."""
    edges = [0, *sorted({c % (len(values) + 1) for c in cuts}), len(values)]
    parts = [pl.Series("v", values[a:b], dtype=pl.Int64) for a, b in itertools.pairwise(edges)]
    return pl.concat([p for p in parts if p.len()] or [parts[0]], rechunk=False)


def _lengths(series: pl.Series) -> list[int]:
    return [chunk.len() for chunk in series.get_chunks()]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(-(2**40), 2**40), max_size=30),
    st.lists(st.integers(0, 40), max_size=5),
    st.lists(st.integers(0, 40), max_size=5),
)
def test_chunked_like_cuts_values_as_like_is_cut(
    values: list[int], like_cuts: list[int], value_cuts: list[int]
) -> None:
    like = _chunked(values, like_cuts)
    got = chunked_like(_chunked(values, value_cuts), like)
    assert got.to_list() == values
    assert _lengths(got) == _lengths(like)


def test_aligned_gives_every_column_the_first_ones_chunks() -> None:
    first = _chunked(list(range(10)), [3, 7])
    frame = pl.DataFrame([first.alias("a"), pl.Series("b", list("abcdefghij"))])
    got = aligned(frame)
    assert got.equals(frame)
    assert got.n_chunks("all") == [3, 3]


def test_by_distinct_keeps_the_chunks_of_its_values() -> None:
    """A frame of the values and their per-distinct results is not copied into one chunk
    by the next query on it (~8 ms a 48 MiB Squid block)."""
    values = pl.concat(
        [pl.Series("v", ["a/200", "b/404"]), pl.Series("v", ["a/200"])], rechunk=False
    )
    got = by_distinct(values, _EXPRS)
    assert got.n_chunks("all") == [2, 2, 2]
    assert got.equals(values.to_frame().select(_EXPRS))
