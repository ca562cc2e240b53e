"""Squid marks its blank lines itself: the same books as the generic blank-line test."""

from __future__ import annotations

from helpers import assert_same_parse, block_of
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.sources.squid import SquidNativeParser

GOOD = (
    "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 "
    "badeyek DIRECT/175.16.199.115 -"
)


class _GenericBlanks(SquidNativeParser):
    skips_blank_lines = False  # parse() tests every line for blankness, as for others


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.just(GOOD),
            st.text(st.sampled_from(" \t\u3000\x0b\xa0ab"), max_size=6),
            st.sampled_from(["", " ", "\t", " \t ", GOOD + " \t", "\u3000" + GOOD]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_blank_lines_are_skipped_as_the_generic_test_skips_them(lines: list[str]) -> None:
    frame = block_of(lines).frame()
    own = SquidNativeParser(source_file="a.log", head=[GOOD]).parse(frame)
    generic = _GenericBlanks(source_file="a.log", head=[GOOD]).parse(frame)
    assert_same_parse(own, generic)
