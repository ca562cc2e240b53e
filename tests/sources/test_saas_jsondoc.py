"""shadowscan.sources.jsondoc: records out of NDJSON, arrays, pretty documents and wrappers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.sources import ParseResult
from shadowscan.sources.jsonrecords import (
    JsonText,
    RecordBatch,
    RecordReader,
    head_keys,
    read_records,
)
from shadowscan.sources.reader import ReadStats

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]


def frame(text: str) -> pl.DataFrame:
    """The ``line_no``/``raw`` frame the reader makes of ``text``."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return pl.DataFrame(
        {"line_no": list(range(1, len(lines) + 1)), "raw": lines},
        schema={"line_no": pl.Int64, "raw": pl.String},
    )


def test_ndjson_records_start_on_their_lines() -> None:
    """NDJSON: one record per line, numbered from 1, nothing skipped."""
    batch = read_records(frame('{"a": 1}\n{"a": 2}\n'))
    assert [(n, r) for n, r, _ in batch.records] == [(1, {"a": 1}), (2, {"a": 2})]
    assert (batch.rejects, batch.skipped) == ([], 0)


def test_pretty_object_counts_once_and_skips_the_rest() -> None:
    """A 4-line pretty object is one record on line 1 and 3 skipped lines."""
    batch = read_records(frame('{\n  "a": 1,\n  "b": 2\n}\n'))
    assert [n for n, _, _ in batch.records] == [1]
    assert batch.skipped == 3


def test_array_elements_keep_their_start_lines() -> None:
    """Each element of a pretty JSON array counts on the line where it starts."""
    text = json.dumps([{"a": 1}, {"a": 2}], indent=2)
    batch = read_records(frame(text))
    assert [n for n, _, _ in batch.records] == [2, 5]
    assert batch.skipped == 6


def test_records_wrapper_is_unwrapped() -> None:
    """A CloudTrail-style {"Records": [...]} yields its records, not the wrapper."""
    text = json.dumps({"Records": [{"e": 1}, {"e": 2}]}, indent=1)
    batch = read_records(frame(text))
    assert [r for _, r, _ in batch.records] == [{"e": 1}, {"e": 2}]


def test_compact_wrapper_on_one_line_yields_every_record() -> None:
    """A one-line {"Records": [...]} gives one record each, all on line 1 (documented)."""
    batch = read_records(frame('{"Records":[{"e":1},{"e":2},{"e":3}]}\n'))
    assert [n for n, _, _ in batch.records] == [1, 1, 1]
    assert batch.skipped == 0


def test_graph_value_wrapper_is_unwrapped() -> None:
    """A Graph response {"@odata.context": ..., "value": [...]} yields the items of value."""
    batch = read_records(frame('{"@odata.context": "x", "value": [{"id": 1}]}'))
    assert [r for _, r, _ in batch.records] == [{"id": 1}]


def test_elastic_wrapper_decodes_event_original() -> None:
    """{"events": [{"event": {"original": "<json>"}}]} yields the decoded original record."""
    text = json.dumps({"events": [{"event": {"original": '{"k": "v"}'}, "other": 1}]})
    batch = read_records(frame(text))
    assert [(r, raw) for _, r, raw in batch.records] == [({"k": "v"}, '{"k": "v"}')]


def test_elastic_wrapper_with_dotted_key() -> None:
    """The flat ``event.original`` key of Elastic test files is decoded too."""
    batch = read_records(frame(json.dumps({"events": [{"event.original": '{"k": 1}'}]})))
    assert [r for _, r, _ in batch.records] == [{"k": 1}]


def test_elastic_wrapper_with_invalid_original_is_rejected() -> None:
    """An event.original that is not JSON is a reject with the column of the error."""
    batch = read_records(frame(json.dumps({"events": [{"event.original": '{"k": }'}]})))
    assert batch.records == []
    assert [(n, reason) for n, reason, _ in batch.rejects] == [
        (1, "invalid JSON in event.original: Expecting value at column 7")
    ]


def test_invalid_ndjson_line_is_rejected_with_position() -> None:
    """A broken NDJSON line is rejected with the decoder's line/column; the next is read."""
    batch = read_records(frame('{"a": 1}\n{"a": 2,,}\n{"a": 3}\n'))
    assert [n for n, _, _ in batch.records] == [1, 3]
    assert [(n, reason) for n, reason, _ in batch.rejects] == [
        (2, "invalid JSON: Expecting property name enclosed in double quotes at line 2 column 9")
    ]
    assert batch.skipped == 0


def test_truncated_pretty_document_is_one_reject() -> None:
    """A pretty object cut short is one reject naming the lines not read; the rest skip."""
    batch = read_records(frame('{\n  "a": 1,\n  "b": [1, 2\n'))
    assert [(n, reason) for n, reason, _ in batch.rejects] == [
        (1, "invalid JSON: Expecting ',' delimiter at line 3 column 13; lines 1-3 not read")
    ]
    assert (len(batch.records), batch.skipped) == (0, 2)


def test_reader_resumes_at_next_top_level_object() -> None:
    """After a broken pretty object, the next object starting at column 0 is read."""
    text = '{\n  "a": 1,\n  "b": oops\n}\n{\n  "c": 2\n}\n'
    batch = read_records(frame(text))
    assert [(n, r) for n, r, _ in batch.records] == [(5, {"c": 2})]
    assert [n for n, _, _ in batch.rejects] == [1]
    assert batch.skipped == 5


def test_scalar_value_is_not_a_record() -> None:
    """A JSON number on its own line is rejected as not an object."""
    batch = read_records(frame('42\n{"a": 1}\n'))
    assert [(n, reason) for n, reason, _ in batch.rejects] == [(1, "not a JSON object")]


def test_blank_lines_are_skipped() -> None:
    """Blank lines between NDJSON records count as skipped."""
    batch = read_records(frame('{"a": 1}\n\n   \n{"a": 2}\n'))
    assert (len(batch.records), batch.skipped) == (2, 2)


def test_head_keys_sees_escaped_keys() -> None:
    """Keys inside an embedded JSON string (Elastic event.original) are seen by detection."""
    head = ['{"events": [{"event": {"original": "{\\"CreationTime\\": \\"x\\"}"}}]}']
    assert head_keys(head) == {"events", "event", "original", "CreationTime"}


_records = st.lists(
    st.dictionaries(
        st.text("abcdefgh", min_size=1, max_size=4),
        st.one_of(st.integers(), st.text(max_size=6), st.lists(st.integers(), max_size=3)),
        max_size=4,
    ),
    min_size=1,
    max_size=8,
)


def _layout(records: list[dict[str, Any]], layout: str) -> str:
    if layout == "ndjson":
        return "".join(json.dumps(r) + "\n" for r in records)
    if layout == "array":
        return json.dumps(records, indent=2) + "\n"
    if layout == "stream":
        return "".join(json.dumps(r, indent=2) + "\n" for r in records)
    if layout == "graph":  # a member before the records and one after
        page = {"@odata.context": "x", "value": records, "@odata.nextLink": "y"}
        return json.dumps(page, indent=2) + "\n"
    return json.dumps({"Records": records}, indent=4) + "\n"


@settings(max_examples=60, deadline=None)
@given(_records, st.sampled_from(["ndjson", "array", "stream", "wrapper", "graph"]))
def test_every_line_is_accounted_for(records: list[dict[str, Any]], layout: str) -> None:
    """Whatever the layout, records come back in order and records + skipped = lines."""
    lines = frame(_layout(records, layout))
    batch = read_records(lines)
    assert [r for _, r, _ in batch.records] == records
    assert batch.rejects == []
    assert len(batch.records) + batch.skipped == lines.height


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_empty_input_has_no_records(text: str) -> None:
    """An empty or blank document yields nothing and skips its lines."""
    lines = frame(text)
    batch = read_records(lines)
    assert (batch.records, batch.rejects, batch.skipped) == ([], [], lines.height)


def test_pretty_document_without_final_newline(tmp_path: Path, parse_file: ParseFile) -> None:
    """A pretty Okta array written without a trailing newline is still one event per record."""
    record = {
        "actor": {"alternateId": "a@b"},
        "eventType": "x",
        "published": "2026-03-05T07:30:00Z",
    }
    path = tmp_path / "okta.json"
    path.write_text(json.dumps([record, record], indent=2), encoding="utf-8")
    result, _ = parse_file("okta_system", path)
    assert (result.events.height, result.rejects.height) == (2, 0)


@pytest.mark.parametrize("text", ['"abc" junk\n{"a": 1}\n', '1 2 3\n{"a": 1}\n'])
def test_one_reject_per_bad_line(text: str) -> None:
    """What follows a bad value on its line belongs to it: one reject, so every line is
    counted once."""
    batch = read_records(frame(text))
    assert [n for n, _, _ in batch.records] == [2]
    assert [n for n, _, _ in batch.rejects] == [1]
    assert len(batch.records) + len(batch.rejects) + batch.skipped == 2


def test_bad_items_of_a_one_line_array_count_one_by_one() -> None:
    """In an array on one line every item counts (the one-line wrapper rule), bad ones too."""
    batch = read_records(frame('[{"a": 1}, 2, 3, {"a": 4}]\n'))
    assert [n for n, _, _ in batch.records] == [1, 1]
    assert [(n, reason) for n, reason, _ in batch.rejects] == [(1, "not a JSON object")] * 2


def _read_in_pieces(text: str, cuts: list[int]) -> RecordBatch:
    """``text`` read by one RecordReader in pieces cut after the given lines, each piece
    numbered from its first line's number in the text (as the reader numbers a JSON
    file's blocks)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    bounds = [*sorted({c for c in cuts if 0 < c < len(lines)}), len(lines)]
    reader, out, start = RecordReader(), RecordBatch(), 0
    for n, end in enumerate(bounds):
        piece = frame("\n".join(lines[start:end]) + "\n").with_columns(pl.col("line_no") + start)
        doc = reader.carry_into(JsonText(piece), 0)
        out.records += list(reader.read(doc, out, final=n == len(bounds) - 1))
        start = end
    return out


#: Bad lines between values. Not an unclosed array ("[1,"): read in pieces, an array cut by
#: a piece boundary is read item by item, so one that is not valid JSON keeps the values
#: before its end, where one piece rejects it whole (documented; tested below).
_JUNK = st.sampled_from(["garbage", '"text" more', "1 2", "{", '{"a": ', "]", "}"])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ndjson", "array", "stream", "wrapper", "graph", "junk"]), _records
        ),
        min_size=1,
        max_size=4,
    ),
    _JUNK,
    st.lists(st.integers(0, 200), max_size=12),
)
def test_a_document_read_in_pieces_is_read_as_in_one(
    parts: list[tuple[str, list[dict[str, Any]]]], junk: str, cuts: list[int]
) -> None:
    """Records, rejects (reasons, excerpts, line numbers) and skipped lines of a document
    read in pieces equal those of the same text read in one piece, wherever the pieces
    end (arrays and wrappers then read item by item), bad lines between values included."""
    text = "".join(
        _layout(records, layout) if layout != "junk" else junk + "\n" for layout, records in parts
    )
    whole = read_records(frame(text))
    pieces = _read_in_pieces(text, cuts)
    assert pieces.records == whole.records
    assert pieces.rejects == whole.rejects
    assert pieces.skipped == whole.skipped


def test_an_unclosed_array_read_in_pieces_keeps_what_it_holds() -> None:
    """An array left open ("[1,") and cut by a piece boundary is read item by item: its
    items are kept, a bad one rejected, and its unclosed end rejected at the last line. In
    one piece the whole of it is one reject."""
    text = '[1,\n  {"a": 2}\n'
    whole = read_records(frame(text))
    assert whole.records == [] and [n for n, _, _ in whole.rejects] == [1]
    assert "lines 1-2 not read" in whole.rejects[0][1]
    pieces = _read_in_pieces(text, [1])
    assert [(n, r) for n, r, _ in pieces.records] == [(2, {"a": 2})]
    assert [(n, reason.split(":")[0]) for n, reason, _ in pieces.rejects] == [
        (1, "not a JSON object"),
        (2, "invalid JSON"),
    ]


def test_a_long_array_read_in_pieces_keeps_the_items_before_a_bad_one() -> None:
    """An array that goes on past its piece is read item by item: a bad item ends it (one
    reject, the rest of the array not read), the items before are kept. (Read in one
    piece, the whole array is one reject.)"""
    text = '[\n  {"a": 1},\n  {"a": 2},\n  {"a": 3,,},\n  {"a": 4}\n]\n{"b": 5}\n'
    batch = _read_in_pieces(text, [1, 2])
    assert [(n, r) for n, r, _ in batch.records] == [(2, {"a": 1}), (3, {"a": 2}), (7, {"b": 5})]
    assert [(n, reason.split(":")[0]) for n, reason, _ in batch.rejects] == [(4, "invalid JSON")]
    assert "lines 4-6 not read" in batch.rejects[0][1]
    assert len(batch.records) + len(batch.rejects) + batch.skipped == 7
