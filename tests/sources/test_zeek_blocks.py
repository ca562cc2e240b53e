"""Zeek dns.log TSV read straight from a block's bytes gives what its decoded lines give.

Blocks whose every line has exactly the ``#fields`` count of fields are read by polars'
CSV reader; any other block (headers, short or long lines, a trailing tab, blank lines)
by the line path. Both must book every line the same way.
"""

from __future__ import annotations

import pytest
from helpers import assert_block_parses_as_its_lines, assert_same_parse, block_of
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.sources.reader import Block, split_edges
from shadowscan.sources.zeek import ZeekDnsTsvParser

FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "query", "qtype_name", "rejected"]
HEAD = ["#separator \\x09", "#path\tdns", "#fields\t" + "\t".join(FIELDS)]

_TS = st.sampled_from(["1795651200.069189", "1795651200", "-", "x", "1e3", ""])
_IP = st.sampled_from(["10.0.1.105", "-", "(empty)", "fe80::1"])
_NAME = st.sampled_from(["api.openai.com", "www.example.com", "-", "(empty)", "#x", ""])


@st.composite
def _line(draw: st.DrawFn) -> str:
    fields = [draw(_TS), "Cxyz", draw(_IP), "53", draw(_NAME), "A", draw(st.sampled_from("TF"))]
    shape = draw(st.integers(0, 9))
    if shape == 0:
        fields = fields[:-1]  # one field short
    elif shape == 1:
        fields.append("extra")
    elif shape == 2:
        fields[-1] = ""  # a trailing tab
    elif shape == 3:
        return draw(st.sampled_from(["", "#close\t2026-11-26-00-00-00", "\t".join(FIELDS)]))
    return "\t".join(fields)


def _block(lines: list[str]) -> Block:
    return block_of(lines, first_no=9)


_same = assert_same_parse


@settings(max_examples=80, deadline=None)
@given(st.lists(_line(), min_size=1, max_size=30))
def test_a_block_parses_as_its_lines_do(lines: list[str]) -> None:
    parser = ZeekDnsTsvParser(source_file="dns.log", head=HEAD)
    _same(parser.parse_block(_block(lines)), parser.parse(_block(lines).frame()))


GOOD = "1795651200.069189\tCxyz\t10.0.1.105\t53\tapi.openai.com\tA\tF"


@pytest.mark.parametrize(
    ("lines", "fast"),
    [
        ([GOOD, GOOD.replace("api.", "chat.")], True),
        ([GOOD, "x\tCxyz\t-\t53\t-\tA\tF"], True),  # a bad stamp: rejected, still exact
        ([GOOD, GOOD + "\textra"], False),
        ([GOOD, GOOD[: GOOD.rindex("\t")]], False),
        ([GOOD, GOOD[: GOOD.rindex("\t") + 1]], False),  # an empty last field
        ([GOOD, "", GOOD], False),
        (["#close\t2026-11-26-00-00-00", GOOD], False),
    ],
)
def test_which_blocks_are_read_straight_from_the_bytes(lines: list[str], fast: bool) -> None:
    parser = ZeekDnsTsvParser(source_file="dns.log", head=HEAD)
    assert (parser._record_fields(_block(lines)) is not None) is fast
    assert_block_parses_as_its_lines(parser, lines, first_no=9)


def test_header_and_close_lines_come_apart_from_the_records() -> None:
    """A file's first block starts with the header and its last ends with ``#close``: the
    records between them are still read straight from the bytes."""
    lines = [*HEAD, "#types\ttime\tstring", GOOD, GOOD, "#close\t2026-11-26-01-00-00"]
    head, body, tail = split_edges(_block(lines), b"#")
    assert head is not None and body is not None and tail is not None
    assert (head.first_no, head.lines, body.first_no, body.lines) == (9, 4, 13, 2)
    assert (tail.first_no, tail.lines) == (15, 1)
    assert body.frame()["raw"].to_list() == [GOOD, GOOD]
    parser = ZeekDnsTsvParser(source_file="dns.log", head=HEAD)
    assert parser._record_fields(body) is not None
    result = parser.parse_block(_block(lines))
    _same(result, parser.parse(_block(lines).frame()))
    assert (result.events.height, result.skipped) == (2, 5)


@pytest.mark.parametrize("counted", [True, False])
@pytest.mark.parametrize(
    "lines",
    [
        ["#a"],
        ["#a", "#b"],
        ["x"],
        ["#a", "x"],
        ["x", "#a"],
        ["#a", "x", "#b", "y", "#c"],
        [""],
        ["#a", "x", ""],
        ["#a", "", "#b"],
        ["x", "", "#b", "#c"],
    ],
)
def test_split_edges_keeps_every_line_in_order(lines: list[str], counted: bool) -> None:
    """Whether or not the reader counted the block's lines."""
    block = _block(lines)
    if not counted:
        block.lines = None
    pieces = [p for p in split_edges(block, b"#") if p is not None]
    assert [row for p in pieces for row in p.frame().rows()] == list(enumerate(lines, start=9))
