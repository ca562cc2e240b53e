"""shadowscan.sources.reader: compression by magic bytes, decoding, line numbers, chunking."""

from __future__ import annotations

import bz2
import gzip
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.sources.reader import Block, ReadStats, compression_of, iter_blocks, iter_chunks

TEXT = b"first line\nsecond line\nthird line\n"
LINES = [(1, "first line"), (2, "second line"), (3, "third line")]

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}


def read_rows(
    path: Path, *, chunk_bytes: int | None = None
) -> tuple[list[tuple[int, str]], ReadStats]:
    """Every (line_no, raw) row of ``path``, and the stats of the read."""
    stats = ReadStats()
    frames = (
        iter_chunks(path, stats)
        if chunk_bytes is None
        else iter_chunks(path, stats, chunk_bytes=chunk_bytes)
    )
    rows: list[tuple[int, str]] = []
    for frame in frames:
        rows.extend(frame.select("line_no", "raw").iter_rows())
    return rows, stats


def numbered_text(count: int) -> bytes:
    """``count`` distinct lines, each ending with a newline."""
    return b"".join(b"line number %04d with some padding text\n" % i for i in range(1, count + 1))


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_compression_recognised_by_magic_bytes(tmp_path: Path, kind: str) -> None:
    """A compressed file named like plain text is recognised by its magic bytes."""
    path = tmp_path / "access.log"
    path.write_bytes(COMPRESSORS[kind](TEXT))
    assert compression_of(path) == kind


def test_plain_file_has_no_compression(tmp_path: Path) -> None:
    """A plain file named ``.gz`` is still plain: the name is not trusted."""
    path = tmp_path / "access.log.gz"
    path.write_bytes(TEXT)
    assert compression_of(path) is None


@pytest.mark.parametrize("kind", ["plain", *sorted(COMPRESSORS)])
def test_every_compression_reads_the_same_lines(tmp_path: Path, kind: str) -> None:
    """Plain, gzip, bzip2 and zstd files (misleading extension) give the same numbered lines."""
    path = tmp_path / "access.txt.bz2"
    path.write_bytes(TEXT if kind == "plain" else COMPRESSORS[kind](TEXT))
    rows, stats = read_rows(path)
    assert rows == LINES
    assert stats.lines == 3


def test_line_numbers_start_at_one(tmp_path: Path) -> None:
    """The first line is line 1 and numbers follow the lines, blank ones included."""
    path = tmp_path / "a.log"
    path.write_bytes(b"a\n\nc\n")
    rows, _ = read_rows(path)
    assert rows == [(1, "a"), (2, ""), (3, "c")]


def test_crlf_is_stripped(tmp_path: Path) -> None:
    """Windows line endings lose their carriage return."""
    path = tmp_path / "a.log"
    path.write_bytes(b"first line\r\nsecond line\r\nthird line\r\n")
    rows, _ = read_rows(path)
    assert rows == LINES


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    """A UTF-8 byte order mark does not become part of the first line."""
    path = tmp_path / "a.log"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT)
    rows, _ = read_rows(path)
    assert rows == LINES


def test_utf8_bom_is_dropped_whatever_the_chunk_size(tmp_path: Path) -> None:
    """The BOM is dropped even when the first block is smaller than the BOM."""
    path = tmp_path / "a.log"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT)
    rows, _ = read_rows(path, chunk_bytes=2)
    assert rows == LINES


def test_invalid_utf8_line_read_as_latin1(tmp_path: Path) -> None:
    """A line with a byte that is not UTF-8 is decoded as Latin-1, alone, and counted."""
    path = tmp_path / "a.log"
    path.write_bytes("café ok\n".encode() + b"caf\xe9 latin\n" + "naïve ok\n".encode())
    rows, stats = read_rows(path)
    assert rows == [(1, "café ok"), (2, "café latin"), (3, "naïve ok")]
    assert stats.latin1_lines == 1


def test_utf16_with_bom_is_converted(tmp_path: Path) -> None:
    """UTF-16 text with a BOM is converted to the same lines and noted."""
    path = tmp_path / "export.csv"
    path.write_bytes("first line\r\nsecond line\r\nthird line\r\n".encode("utf-16"))
    rows, stats = read_rows(path)
    assert rows == LINES
    assert stats.utf16 is True


def test_utf16_with_odd_trailing_byte_keeps_the_lines(tmp_path: Path) -> None:
    """A UTF-16 file cut in the middle of a character keeps its complete lines."""
    path = tmp_path / "export.csv"
    path.write_bytes("first line\nsecond line\nthird line\n".encode("utf-16") + b"\x00")
    rows, stats = read_rows(path)
    assert rows[:3] == LINES
    assert any("odd trailing byte" in note for note in stats.notes)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_long_utf16_file_is_converted_piece_by_piece(tmp_path: Path, encoding: str) -> None:
    """A UTF-16 file of many blocks and reads (1 MiB each), characters outside the BMP
    and CRLF line ends included, reads as the same lines as its text, in blocks of any
    size: it is converted as it is read, never whole."""
    text = "".join(f"line {i} caf\u00e9 \U0001f600 {'x' * (i % 50)}\r\n" for i in range(40_000))
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    path = tmp_path / "export.csv"
    path.write_bytes(raw)
    expected = list(enumerate(text.split("\r\n")[:-1], start=1))
    for chunk_bytes in (4096, 1 << 24):
        rows, stats = read_rows(path, chunk_bytes=chunk_bytes)
        assert rows == expected
        assert stats.utf16 and stats.notes == []
    sizes = [len(block.data) for block in iter_blocks(path, ReadStats(), chunk_bytes=4096)]
    assert len(sizes) > 100 and max(sizes) < 4096 + 200  # a block, a line more at most


def test_last_line_without_newline_is_kept(tmp_path: Path) -> None:
    """A file that does not end with a newline keeps its last line."""
    path = tmp_path / "a.log"
    path.write_bytes(b"first line\nsecond line\nthird line")
    rows, stats = read_rows(path)
    assert rows == LINES
    assert stats.lines == 3


def test_plain_blocks_come_out_before_the_next_read(tmp_path: Path) -> None:
    """A plain file's block that gave its partial last line back is handed out at once,
    not held until the next read; only the file's final block is marked last, and every
    line, the last one without its newline too, comes out once, in order."""
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(b"line %04d\n" % i for i in range(100)) + b"tail")
    stats = ReadStats()
    blocks = iter_blocks(path, stats, chunk_bytes=64)
    first = next(blocks)
    assert 0 < stats.bytes_read <= 64  # one read so far
    every = [first, *blocks]
    assert [b.last for b in every] == [False] * (len(every) - 1) + [True]
    lines = [line for b in every for line in b.frame()["raw"].to_list()]
    assert lines == [f"line {i:04d}" for i in range(100)] + ["tail"]


def test_empty_file_has_no_lines(tmp_path: Path) -> None:
    """An empty file yields no frame and zero lines."""
    path = tmp_path / "a.log"
    path.write_bytes(b"")
    rows, stats = read_rows(path)
    assert rows == []
    assert stats.lines == 0


def _truncated_gzip(path: Path, count: int) -> int:
    """Write a gzip of ``count`` lines cut in half; return how many whole lines it holds."""
    data = gzip.compress(numbered_text(count))
    cut = data[: len(data) // 2]
    path.write_bytes(cut)
    return zlib.decompressobj(wbits=31).decompress(cut).count(b"\n")


def test_truncated_gzip_is_reported_not_raised(tmp_path: Path) -> None:
    """A gzip cut in half ends the read quietly and sets ReadStats.truncated."""
    path = tmp_path / "access.log.gz"
    _truncated_gzip(path, 200)
    _, stats = read_rows(path)
    assert stats.truncated is not None
    assert stats.truncated.startswith("compressed stream ends early")


def test_truncated_gzip_yields_only_complete_lines_from_one(tmp_path: Path) -> None:
    """With small chunks, a cut gzip yields a prefix of its whole lines, numbered from 1."""
    path = tmp_path / "access.log.gz"
    whole = _truncated_gzip(path, 200)
    rows, stats = read_rows(path, chunk_bytes=64)
    expected = list(enumerate(numbered_text(whole).decode().splitlines(), start=1))
    assert whole == 81
    assert 0 < len(rows) <= whole
    assert rows == expected[: len(rows)]
    assert stats.lines == len(rows)


def test_truncated_gzip_keeps_every_complete_line(tmp_path: Path) -> None:
    """With the default chunk size, a cut gzip yields all 81 whole lines before the cut."""
    path = tmp_path / "access.log.gz"
    _truncated_gzip(path, 200)
    rows, _ = read_rows(path)
    assert rows == list(enumerate(numbered_text(81).decode().splitlines(), start=1))


def test_truncated_zstd_is_reported(tmp_path: Path) -> None:
    """A zstd file cut in half sets ReadStats.truncated like a cut gzip does."""
    path = tmp_path / "access.log.zst"
    data = zstandard.ZstdCompressor().compress(numbered_text(200))
    path.write_bytes(data[: len(data) // 2])
    _, stats = read_rows(path)
    assert stats.truncated is not None


def test_small_chunks_give_the_same_frames_as_one_read(tmp_path: Path) -> None:
    """With chunk_bytes=64 the concatenated frames equal a single read of the file."""
    path = tmp_path / "access.log.gz"
    path.write_bytes(gzip.compress(numbered_text(50)))
    stats = ReadStats()
    frames = list(iter_chunks(path, stats, chunk_bytes=64))
    single = pl.concat(list(iter_chunks(path, ReadStats())))
    assert len(frames) > 1
    assert pl.concat(frames).equals(single)
    assert stats.lines == 50


def test_line_numbers_continue_across_chunks(tmp_path: Path) -> None:
    """Each chunk starts at the line after the previous chunk's last line."""
    path = tmp_path / "a.log"
    path.write_bytes(numbered_text(50))
    frames = list(iter_chunks(path, ReadStats(), chunk_bytes=64))
    starts = [frame["line_no"][0] for frame in frames]
    ends = [frame["line_no"][-1] for frame in frames]
    assert starts[0] == 1
    assert ends[-1] == 50
    assert starts[1:] == [end + 1 for end in ends[:-1]]


@contextmanager
def _log_file(data: bytes) -> Iterator[Path]:
    """``data`` in a temporary file (hypothesis tests cannot take ``tmp_path``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.log"
        path.write_bytes(data)
        yield path


LINE_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="\ufeff"
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, database=None)
@given(
    lines=st.lists(LINE_TEXT, min_size=1, max_size=30),
    final_newline=st.booleans(),
    chunk_bytes=st.integers(min_value=1, max_value=80),
)
def test_chunked_read_returns_exactly_the_lines(
    lines: list[str], final_newline: bool, chunk_bytes: int
) -> None:
    """Any printable lines come back exactly, numbered 1..n, whatever the chunk size."""
    if not final_newline and lines[-1] == "":
        lines = [*lines, "x"]  # without a final newline a trailing empty line does not exist
    text = "\n".join(lines) + ("\n" if final_newline else "")
    with _log_file(text.encode("utf-8")) as path:
        rows, stats = read_rows(path, chunk_bytes=chunk_bytes)
    assert rows == list(enumerate(lines, start=1))
    assert stats.lines == len(lines)
    assert stats.latin1_lines == 0


RAW_LINE = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b""))


@settings(max_examples=80, deadline=None, database=None)
@given(
    lines=st.lists(RAW_LINE, min_size=1, max_size=30),
    final_newline=st.booleans(),
    chunk_bytes=st.integers(min_value=1, max_value=90),
)
def test_plain_chunked_read_equals_one_read_for_any_bytes(
    lines: list[bytes], final_newline: bool, chunk_bytes: int
) -> None:
    """A plain file read in small chunks gives the rows and books of one whole read."""
    # a first line of its own: no magic bytes or BOM that would change how the file is read
    data = b"first\n" + b"\n".join(lines) + (b"\n" if final_newline else b"")
    with _log_file(data) as path:
        chunked, chunked_stats = read_rows(path, chunk_bytes=chunk_bytes)
        whole, whole_stats = read_rows(path)
    assert chunked == whole
    assert (chunked_stats.lines, chunked_stats.latin1_lines, chunked_stats.bytes_read) == (
        whole_stats.lines,
        whole_stats.latin1_lines,
        whole_stats.bytes_read,
    )


def uncounted_rows(path: Path, chunk_bytes: int) -> tuple[list[tuple[int, str]], int, int]:
    """The rows of ``iter_blocks(count=False)``, each block offset by the lines before it
    (as the pipeline does), the lines read and the Latin-1 lines."""
    stats = ReadStats()
    rows: list[tuple[int, str]] = []
    before = latin1 = 0
    for block in iter_blocks(path, stats, chunk_bytes=chunk_bytes, count=False):
        frame = block.frame().select(pl.col("line_no") + before, "raw")
        rows.extend(frame.iter_rows())
        before += block.line_count()
        latin1 += block.latin1_lines
    assert stats.lines == 0  # not counted by the reader
    return rows, before, latin1


@settings(max_examples=120, deadline=None, database=None)
@given(
    lines=st.lists(
        RAW_LINE | st.sampled_from([b"", b"a\rb", b"x\r", b"\xef\xbb\xbfbom", b"caf\xe9"]),
        min_size=1,
        max_size=30,
    ),
    final_newline=st.booleans(),
    chunk_bytes=st.integers(min_value=1, max_value=90),
)
def test_uncounted_blocks_give_the_counted_rows_for_any_bytes(
    lines: list[bytes], final_newline: bool, chunk_bytes: int
) -> None:
    """Blocks whose lines the reader did not count, numbered from their decoding and
    offset in order, give the rows and books of the counted read: blank lines, carriage
    returns alone or before a newline, byte order marks and Latin-1 lines included."""
    data = b"first\n" + b"\n".join(lines) + (b"\n" if final_newline else b"")
    with _log_file(data) as path:
        counted, counted_stats = read_rows(path, chunk_bytes=chunk_bytes)
        rows, read, latin1 = uncounted_rows(path, chunk_bytes)
    assert rows == counted
    assert (read, latin1) == (counted_stats.lines, counted_stats.latin1_lines)


def test_uncounted_crlf_blocks_are_counted_on_decoding(tmp_path: Path) -> None:
    """CRLF lines (polars drops the CR) fall back to a count, and come back whole."""
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(b"line %d\r\n" % i for i in range(1, 200)))
    rows, read, _ = uncounted_rows(path, 300)
    assert rows == [(i, f"line {i}") for i in range(1, 200)] and read == 199


def test_byte_range_reads_only_its_lines(tmp_path: Path) -> None:
    """offset/end read the lines inside the range, numbered from first_line, in small chunks."""
    text = numbered_text(20)
    path = tmp_path / "a.log"
    path.write_bytes(text)
    width = len(b"line number 0001 with some padding text\n")
    stats = ReadStats()
    frames = iter_chunks(
        path, stats, chunk_bytes=50, offset=5 * width, first_line=6, end=12 * width
    )
    rows = [row for frame in frames for row in frame.select("line_no", "raw").iter_rows()]
    assert rows == [(n, f"line number {n:04d} with some padding text") for n in range(6, 13)]
    assert (stats.lines, stats.bytes_read) == (7, 7 * width)


def test_partial_last_line_with_utf8_is_read_in_full(tmp_path: Path) -> None:
    """A multi-byte character cut at a chunk boundary still decodes as UTF-8, not Latin-1."""
    path = tmp_path / "a.log"
    path.write_bytes("abc\ncafé naïve\nxyz\n".encode())
    rows, stats = read_rows(path, chunk_bytes=8)
    assert rows == [(1, "abc"), (2, "café naïve"), (3, "xyz")]
    assert stats.latin1_lines == 0


@pytest.mark.parametrize("start", [b"x^", b"x\x9c", b"\x1f\x8b", b"(\xb5/\xfd"])
def test_chunk_starting_like_compressed_bytes_is_read_as_text(tmp_path: Path, start: bytes) -> None:
    """A line that starts with a compression magic (``x^`` is zlib's) is a line, not a stream."""
    path = tmp_path / "a.log"
    path.write_bytes(b"first\n" + start + b"abc\nlast\n")
    rows, _ = read_rows(path, chunk_bytes=6)
    assert rows[1:] == [(2, (start + b"abc").decode("latin-1")), (3, "last")]


def test_gzip_members_one_after_another_are_all_read(tmp_path: Path) -> None:
    """A gzip of several members (as cat a.gz b.gz gives) reads every member's lines."""
    path = tmp_path / "access.log.gz"
    path.write_bytes(gzip.compress(numbered_text(30)) + gzip.compress(b"last line\n"))
    rows, stats = read_rows(path, chunk_bytes=64)
    assert [r[1] for r in rows][-1] == "last line"
    assert stats.lines == 31
    assert stats.truncated is None


def test_gzip_with_a_bad_checksum_is_reported(tmp_path: Path) -> None:
    """A member whose CRC does not match its data is reported, not read as good."""
    path = tmp_path / "access.log.gz"
    data = bytearray(gzip.compress(numbered_text(30)))
    data[-8] ^= 0xFF  # the CRC32 in the member's trailer
    path.write_bytes(bytes(data))
    _, stats = read_rows(path)
    assert stats.truncated is not None
    assert "incorrect data check" in stats.truncated


def test_truncated_zstd_keeps_every_complete_line(tmp_path: Path) -> None:
    """A cut zstd frame hands out every whole line before the cut, then reports."""
    path = tmp_path / "access.log.zst"
    data = zstandard.ZstdCompressor().compress(numbered_text(2000))
    cut = data[: len(data) // 2]
    path.write_bytes(cut)
    whole = zstandard.ZstdDecompressor().decompressobj().decompress(cut).count(b"\n")
    rows, stats = read_rows(path)
    assert stats.truncated is not None
    assert rows == list(enumerate(numbered_text(whole).decode().splitlines(), start=1))


# Block.fields: a block's lines split straight from the bytes -----------------------------


def _block(text: bytes) -> Block:
    return Block(text, len(text), first_no=1, lines=text.count(b"\n") + 1)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(st.sampled_from("ab é#\t\"'-"), max_size=12), min_size=1, max_size=20).filter(
        lambda lines: lines[-1] != ""
    ),
    st.integers(1, 5),
)
def test_block_fields_are_the_lines_split_on_the_separator(lines: list[str], columns: int) -> None:
    """Exactly ``str.split(" ")`` of each line, cut or padded with "" to ``columns``; no
    quoting, tabs and quotes kept as they are."""
    fields = _block("\n".join(lines).encode()).fields(" ", columns)
    assert fields is not None
    expected = [tuple((line.split(" ") + [""] * columns)[:columns]) for line in lines]
    assert fields.rows() == expected


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(st.sampled_from("ab #"), max_size=4), min_size=1, max_size=12),
    st.booleans(),
)
def test_uncounted_block_fields_count_the_lines(lines: list[str], terminated: bool) -> None:
    """A block whose lines were not counted reads the same fields, or declines, as when
    they were, and knows its line count after (blank lines, an empty last line)."""
    text = "\n".join(lines).encode()
    data = text + b"\n" if terminated else text
    counted = Block(data, len(text), first_no=1, lines=text.count(b"\n") + 1)
    uncounted = Block(data, len(text), first_no=1, lines=None)
    got, expected = uncounted.fields(" ", 2), counted.fields(" ", 2)
    assert (got is None) == (expected is None)
    if expected is not None and got is not None:
        assert got.equals(expected)
    assert uncounted.line_count() == len(lines)


@pytest.mark.parametrize(
    "text",
    [
        b"a b\r\nc d",  # a carriage return
        b"a b\nc\x00d",  # a NUL
        b"a b\n\xff c",  # not UTF-8
        b"a b\n",  # a blank last line gives no row
        b"\x1f\x8b b\nc d",  # polars would take it for gzip
    ],
)
def test_block_fields_decline_what_they_cannot_read_exactly(text: bytes) -> None:
    assert _block(text).fields(" ", 2) is None


def test_a_block_decodes_to_its_numbered_lines_and_counts_latin1() -> None:
    block = Block(b"caf\xe9\nok\npartial", 7, first_no=7, lines=2)
    assert block.frame().rows() == [(7, "café"), (8, "ok")]
    assert block.latin1_lines == 1


def test_a_line_that_starts_a_block_with_a_byte_order_mark_keeps_it() -> None:
    """polars drops a BOM at the start of what it reads; a BOM that starts a line (files
    joined with cat) is that line's text wherever the block boundary falls."""
    text = b"\xef\xbb\xbfx y\nz w"
    block = Block(text, len(text), first_no=1, lines=2)
    assert block.frame().rows() == [(1, "\ufeffx y"), (2, "z w")]
    assert _block(text).fields(" ", 2) is None
    inside = b"a b\n" + text
    assert Block(inside, len(inside), first_no=1, lines=3).frame()["raw"][1] == "\ufeffx y"


@pytest.mark.parametrize("lines", [None, 30_002])
@pytest.mark.parametrize("late", [b"x\x00y", b"x\ry", b"x\r"])
def test_a_nul_or_carriage_return_far_into_a_block_keeps_every_line(
    late: bytes, lines: int | None
) -> None:
    """Past the lines polars samples for its schema: a NUL (the fast reader's separator)
    or a carriage return inside or at the end of a line, counted or not."""
    text = b"".join(b"line %d\n" % i for i in range(30_000)) + late + b"\nlast"
    block = Block(text, len(text), first_no=1, lines=lines)
    raw = block.frame()["raw"]
    assert raw.len() == block.line_count() == 30_002
    assert raw[30_000] == late.decode().removesuffix("\r") and raw[30_001] == "last"
