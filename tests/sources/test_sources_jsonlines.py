"""JSON-lines fields decoded once per line: the same values as one JSON path per field."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.sources import REGISTRY
from shadowscan.sources.jsonlines import SMALL, json_fields, json_path

PATHS = {"ts": ("ts",), "src": ("id.orig_h",), "q": ("ev", "q")}


def _path_match(lines: list[str]) -> list[tuple[str | None, ...]]:
    """The fields read the slow, exact way: one ``json_path_match`` per field."""
    raw = pl.Series("raw", lines, dtype=pl.String)
    frame = raw.to_frame().select(
        pl.col("raw").str.json_path_match(json_path(p)).alias(n) for n, p in PATHS.items()
    )
    return frame.rows()


def test_reads_scalars_as_text() -> None:
    """Strings, integers, booleans and nested keys read as their JSON text."""
    raw = pl.Series(['{"ts": 1700000000, "id.orig_h": true, "ev": {"q": "a.com"}}'])
    assert json_fields(raw, PATHS).rows() == [("1700000000", "true", "a.com")]


def test_invalid_lines_read_as_null_and_stay_aligned() -> None:
    """Invalid JSON, a non-object and a truncated line give nulls; the good lines still read."""
    good = '{"ts": 1, "ev": {"q": "x"}}'
    raw = pl.Series([good, '{"ts": 2', "[1, 2]", "not json", "", good])
    assert json_fields(raw, PATHS).rows() == [
        ("1", None, "x"),
        (None, None, None),
        (None, None, None),
        (None, None, None),
        (None, None, None),
        ("1", None, "x"),
    ]


def test_object_where_text_expected_reads_as_json_text() -> None:
    """A field holding an object reads as its compact JSON text, as ``json_path_match`` does."""
    raw = pl.Series(['{"ts": {"a": [1, 2]}}'])
    assert json_fields(raw, {"ts": ("ts",)}).rows() == [('{"a":[1,2]}',)]


def test_repeated_key_keeps_the_last() -> None:
    """Of two equal keys the last counts, as in ``json_path_match`` and Python's json."""
    raw = pl.Series(['{"ts": 1, "ts": 2}'])
    assert json_fields(raw, {"ts": ("ts",)}).rows() == [("2",)]


def test_integer_field_keeps_a_fraction_as_written() -> None:
    """``1.0`` in an integer field stays ``1.0`` (not an integer), as before."""
    raw = pl.Series(['{"ts": 1.0, "n": 2.0}'])
    got = json_fields(raw, {"ts": ("ts",), "n": ("n",)}, integers=["n"])
    assert got.rows() == [("1.0", "2.0")]


def test_bad_line_in_a_large_chunk_is_isolated() -> None:
    """One bad line among many: every other line still reads, the bad one is null."""
    lines = [f'{{"ts": {i}}}' for i in range(SMALL * 8)]
    lines[1000] = '{"ts": '
    got = json_fields(pl.Series(lines), {"ts": ("ts",)})["ts"].to_list()
    assert got[999:1002] == ["999", None, "1001"]
    assert got.count(None) == 1


def test_key_path_through_a_leaf_is_refused() -> None:
    """A path that runs through another path's leaf is a programming error, said so."""
    with pytest.raises(ValueError, match="runs through the leaf 'ts'"):
        json_fields(pl.Series(["{}"]), {"a": ("ts",), "b": ("ts", "x")})


def test_zeek_dns_json_rejects_a_bad_line_in_a_large_chunk() -> None:
    """A truncated line is a reject with its reason and line number; the rest are events."""
    good = '{"ts": 1700000000.5, "id.orig_h": "10.0.0.1", "query": "api.openai.com"}'
    raw = [good] * 2000
    raw[1233] = good[:30]
    lines = pl.DataFrame(
        {"line_no": range(1, 2001), "raw": raw}, schema={"line_no": pl.Int64, "raw": pl.String}
    )
    parser = REGISTRY["zeek_dns_json"](source_file="dns.json", head=[good])
    result = parser.parse(lines)
    assert result.events.height == 1999
    assert result.rejects.select("source_line", "reason").rows() == [
        (1234, "invalid JSON or no ts field")
    ]


_VALUE = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "ts": _VALUE | st.lists(st.integers(), max_size=2),
                "id.orig_h": _VALUE,
                "ev": st.fixed_dictionaries({}, optional={"q": _VALUE}) | _VALUE,
                "other": _VALUE,
            },
        ).map(json.dumps)
        | st.text(max_size=12),
        max_size=SMALL * 3,
    )
)
def test_same_as_path_match(lines: list[Any]) -> None:
    """Any mix of records and garbage reads exactly as one ``json_path_match`` per field."""
    raw = pl.Series("raw", lines, dtype=pl.String)
    assert json_fields(raw, PATHS).rows() == _path_match(lines)
