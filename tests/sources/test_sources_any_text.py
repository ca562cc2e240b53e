"""Every format, forced on any text, parses without an exception and books every line."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.sources import REGISTRY
from shadowscan.sources.jsondoc import JsonRecordParser

#: JSON exports read records, not lines: an array line holds several (documented in
#: shadowscan.sources.jsondoc), so only "at least every line" holds for them.
_RECORDS = {name for name, cls in REGISTRY.items() if issubclass(cls, JsonRecordParser)}
_LINE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "#Fields: date time cs-host", "{}", "[1,2]", '{"a": 1}', "a,b,c"]),
    st.lists(st.sampled_from(["-", "x", "1", "10.0.0.1", "a.b", '"q r"', "#"]), max_size=14).map(
        " ".join
    ),
)


@pytest.mark.parametrize("name", sorted(n for n in REGISTRY if n != "custom"))
@settings(max_examples=25, deadline=None, database=None)
@given(lines=st.lists(_LINE, min_size=1, max_size=12))
def test_any_text_is_booked_never_raises(name: str, lines: list[str]) -> None:
    """events + rejects + skipped account for every line (a custom format needs a mapping
    file and has its own tests)."""
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    frame = pl.DataFrame(
        {"line_no": range(1, len(lines) + 1), "raw": lines},
        schema={"line_no": pl.Int64, "raw": pl.String},
    )
    parser = REGISTRY[name](source_file="x.log", head=lines, tz="UTC")
    result = parser.for_chunk(frame).parse(frame)
    booked = result.events.height + result.rejects.height + result.skipped
    if name in _RECORDS:
        assert booked >= len(lines)
    else:
        assert booked == len(lines)
