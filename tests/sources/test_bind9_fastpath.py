"""BIND9's split fast path gives exactly what the full regex gives, line for line.

Plain query lines are read by position after one split; every other line goes through
the regex. Mixed chunks (plain, denied, categories, views, odd spacing, bad stamps) must
come out the same as the regex alone would read them, in the same rows.
"""

from __future__ import annotations

import polars as pl
import pytest
from helpers import assert_block_parses_as_its_lines, assert_same_parse, block_of
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.sources.bind9 import Bind9Parser
from shadowscan.sources.reader import Block


def _mostly(valid: str, *odd: str) -> st.SearchStrategy[str]:
    """``valid`` four times in five, else one of the odd variants: most lines are plain,
    so every odd part is tried against an otherwise plain line."""
    return st.one_of(
        st.just(valid), st.just(valid), st.just(valid), st.just(valid), st.sampled_from(odd)
    )


_DATES = _mostly(
    "26-Nov-2026", "31-Feb-2026", "26-nov-2026", "6-Nov-2026", "26-Xyz-2026", "27-Nov-2026"
)
_CLOCKS = _mostly(
    "00:00:00.069",
    "23:59:59.999",
    "12:34:56",
    "12:34:56.1",
    "25:00:00.000",
    "23:59:60.000",
    "24:00:00.000",
)
_PREFIXES = _mostly("", "security: ", "queries: info: ", "client: ")
_SEPS = _mostly(" ", "  ", "\t")
_HANDLES = _mostly("@0x7f16474ce35b ", "", "@0xZZ ", "@0x ")
_IPS = _mostly("10.0.1.105", "::1", "fe80::1%eth0", "", "x.y")
_PORTS = _mostly("#4021", "#", "#12a", "")
_NAMES = _mostly(" (www.example.com)", " (a)b)", " ()", "", " (wr_test)")
_MESSAGES = _mostly(
    "query: www.example.com IN A +E(0)K (10.0.0.53)",
    "query: api.openai.com IN AAAA +",
    "query: a#b IN A",
    "query: x IN",
    "query:  spaced.example IN A +",
    "view internal: query: chat.example IN A +",
    "query (cache) 'example.com/ANY/IN' denied",
    "query 'example.com/ANY/IN' denied",
    "zone transfer 'example.com/AXFR/IN' denied",
    "update 'example.com/IN' denied",
)


@st.composite
def _lines(draw: st.DrawFn, handles: st.SearchStrategy[str] = _HANDLES) -> str:
    stamp = "" if draw(st.integers(0, 19)) == 0 else f"{draw(_DATES)} {draw(_CLOCKS)} "
    return (
        f"{stamp}{draw(_PREFIXES)}client{draw(_SEPS)}{draw(handles)}{draw(_IPS)}"
        f"{draw(_PORTS)}{draw(_NAMES)}: {draw(_MESSAGES)}"
    )


def _both(lines: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    parser = Bind9Parser(source_file="q.log", head=lines[:30])
    frame = pl.DataFrame(
        {"line_no": range(1, len(lines) + 1), "raw": lines},
        schema={"line_no": pl.Int64, "raw": pl.String},
    )
    fast = parser.parse_lines(frame.lazy()).collect()
    regex = parser._parse_regex(frame.lazy()).collect()
    return fast, regex


@settings(max_examples=60, deadline=None)
@given(st.lists(_lines(), min_size=1, max_size=40))
def test_fast_path_equals_regex(lines: list[str]) -> None:
    fast, regex = _both(lines)
    assert fast.equals(regex)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["@0x7f16474ce35b ", ""]).flatmap(
        lambda h: st.lists(_lines(st.just(h)), min_size=1, max_size=40)
    )
)
def test_fast_path_equals_regex_when_every_line_has_the_same_layout(lines: list[str]) -> None:
    """Every line with the ``@0x`` token, or none: the tokens are read at constant
    positions, still exactly as the regex reads them."""
    fast, regex = _both(lines)
    assert fast.equals(regex)


def test_plain_lines_take_the_fast_path_and_others_do_not() -> None:
    plain = (
        "26-Nov-2026 00:00:00.069 client @0x7f16474ce35b 10.0.1.105#4021 "
        "(www.example.com): query: www.example.com IN A +E(0)K (10.0.0.53)"
    )
    denied = (
        "19-Oct-2022 05:34:02.425 client @0x7f65100ee4d8 192.168.1.1#3076 (example.com): "
        "query (cache) 'example.com/ANY/IN' denied"
    )
    fast, regex = _both([plain, denied, plain])
    assert fast.equals(regex)
    assert fast["host"].to_list() == ["www.example.com", "example.com", "www.example.com"]
    assert fast["action"].to_list() == [None, "blocked", None]
    assert fast["src_ip"].to_list() == ["10.0.1.105", "192.168.1.1", "10.0.1.105"]
    assert str(fast["ts"][0]) == "2026-11-26 00:00:00.069000+00:00"


def _block(lines: list[str]) -> Block:
    return block_of(lines, first_no=5)


_same = assert_same_parse


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.lists(_lines(), min_size=1, max_size=40),
        st.sampled_from(["@0x7f16474ce35b ", ""]).flatmap(
            lambda h: st.lists(_lines(st.just(h)), min_size=1, max_size=40)
        ),
    )
)
def test_a_block_parses_as_its_lines_do(lines: list[str]) -> None:
    """Read straight from the bytes (plain blocks) or not: what parsing the decoded lines
    gives, whether the reader counted the block's lines or not (a scan's reader does not)."""
    parser = Bind9Parser(source_file="q.log", head=lines[:30])
    assert_block_parses_as_its_lines(parser, lines, first_no=5)


PLAIN = (
    "26-Nov-2026 00:00:00.069 client @0x7f16474ce35b 10.0.1.105#4021 "
    "(www.example.com): query: www.example.com IN A +E(0)K (10.0.0.53)"
)


@pytest.mark.parametrize(
    ("lines", "fast"),
    [
        ([PLAIN, PLAIN.replace("www.", "api.")], True),
        ([PLAIN.replace("@0x7f16474ce35b ", "")] * 2, True),
        ([PLAIN, PLAIN.replace("@0x7f16474ce35b ", "")], False),  # two layouts
        ([PLAIN, "", PLAIN], True),  # a blank line: skipped, as in the line path
        ([PLAIN, ""], False),  # a blank last line: polars reads no row for it
        ([PLAIN, PLAIN + "\r"], False),
        ([PLAIN, "query (cache) 'example.com/ANY/IN' denied"], True),  # rejected
        ([PLAIN, PLAIN.replace("IN A", "IN")], True),  # read by the regex
        (["", PLAIN], True),  # a first line with fewer fields than read
    ],
)
def test_which_blocks_are_read_straight_from_the_bytes(lines: list[str], fast: bool) -> None:
    parser = Bind9Parser(source_file="q.log", head=lines)
    assert (parser._plain_block(_block(lines)) is not None) is fast
    assert_block_parses_as_its_lines(parser, lines, first_no=5)


_NAME = st.from_regex(r"[a-z0-9][a-z0-9.\-_]{0,30}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(_NAME, st.sampled_from(["10.0.0.1", "fe80::1", "192.168.1.254"])),
        min_size=1,
        max_size=30,
    )
)
def test_plain_blocks_are_read_straight_and_equal_the_lines(rows: list[tuple[str, str]]) -> None:
    lines = [
        f"26-Nov-2026 00:00:{i % 60:02d}.069 client @0x7f16474ce35b {ip}#4021 ({name}): "
        f"query: {name} IN A +E(0)K (10.0.0.53)"
        for i, (name, ip) in enumerate(rows)
    ]
    parser = Bind9Parser(source_file="q.log", head=lines[:30])
    block = _block(lines)
    fast = parser._plain_block(block)
    assert fast is not None
    _same(fast, parser.parse(_block(lines).frame()))


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["26-Nov-2026", "31-Feb-2026", "26-nov-2026", "26-Xyz-2026"]),
    st.lists(
        st.sampled_from(
            ["00:00:00.069", "23:59:59.999", "23:59:60.000", "24:00:00.000", "12:34:56"]
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_one_day_blocks_read_the_clock_alone_and_equal_the_lines(
    day: str, clocks: list[str]
) -> None:
    """Every line of one date: only the clock is parsed; leap seconds and bad clocks are
    left to the regex, so the result is still what the lines give."""
    lines = [PLAIN.replace("26-Nov-2026 00:00:00.069", f"{day} {c}") for c in clocks]
    parser = Bind9Parser(source_file="q.log", head=lines[:30])
    _same(parser.parse_block(_block(lines)), parser.parse(_block(lines).frame()))
