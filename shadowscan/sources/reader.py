"""Open log files whatever their compression and encoding, and read them in bounded chunks.

Compression is recognised by magic bytes (gzip, bzip2, zstd), not by the file name. Text is
UTF-8 (a BOM is dropped); a line that is not valid UTF-8 is decoded as Latin-1 on its own and
counted, so one bad byte affects only its line. Lines are numbered from 1 in the decompressed
text. A truncated compressed stream ends the file at the last complete line and is reported.
"""

from __future__ import annotations

import bz2
import codecs
import hashlib
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import polars as pl
import zstandard

from shadowscan.errors import InputError

if TYPE_CHECKING:
    from hashlib import _Hash

#: Bytes of text per chunk (about 177,000 Squid lines); see pipeline.CHUNKS_IN_FLIGHT.
#: Each chunk pays a fixed ~15 ms (some 70 polars queries and the Python that builds them),
#: so 24 MiB rather than 16: 10M-line scans x0.956 (Squid), x0.931 (BIND9), x0.918 (Zeek
#: dns), for +130-250 MiB. That became affordable once rows that are most of their chunk
#: were no longer copied (``frames.kept``): the highest peak of any generated file is
#: then 1,084 MiB (a Squid file whose lines turn from 3 % to all matched halfway, three
#: runs 890-1,084), where 24 MiB blocks before it took 1,350-1,480. A parser may take a
#: multiple of it (``LogParser.block_scale``: Squid's native log, 48 MiB).
CHUNK_BYTES = 24 * 1024 * 1024
#: Blocks are read in pieces, so a broken stream loses at most its last piece.
_PIECE = 1024 * 1024
#: Above this, a plain-file read asks for "the rest" rather than preallocating the size.
_PLAIN_MAX = 1 << 30

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def compression_of(path: Path) -> str | None:
    """The compression of ``path`` by its magic bytes, or None for plain files."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from None
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    return None


class ContentHash:
    """SHA-256 of a file's bytes ``[0, limit)`` (the whole file when ``limit`` is None).

    Fed by the reader with the raw (still compressed) bytes it reads, so a file is read
    once for both its lines and its fingerprint; bytes read again after a seek back are
    not hashed twice. :meth:`finish` reads from the file whatever the reader did not (the
    end of a cut stream, a file read only in part).
    """

    def __init__(self, limit: int | None = None, *, start: tuple[_Hash, int] | None = None) -> None:
        self.limit = limit
        # bytes [0, done) are in the hash; ``start`` is a hash of a prefix already taken
        self._sha: _Hash = start[0].copy() if start else hashlib.sha256()
        self.done = start[1] if start else 0

    def feed(self, pos: int, data: memoryview) -> None:
        """The file's bytes ``[pos, pos + len(data))`` were read."""
        start = self.done - pos
        stop = len(data) if self.limit is None else min(len(data), self.limit - pos)
        if 0 <= start < stop:
            self._sha.update(data[start:stop])
            self.done = pos + stop

    def hash_to(self, fh: IO[bytes], stop: int | None) -> None:
        """Hash the file's bytes ``[done, stop)`` (to its end when ``stop`` is None), read
        from ``fh`` in pieces."""
        fh.seek(self.done)
        while stop is None or self.done < stop:
            piece = fh.read(_PIECE if stop is None else min(_PIECE, stop - self.done))
            if not piece:
                break
            self._sha.update(piece)
            self.done += len(piece)

    def state(self) -> _Hash:
        """A copy of the hash of the bytes ``[0, done)``."""
        return self._sha.copy()

    def finish(self, path: Path) -> str:
        """The hex digest, after hashing what is left of ``[0, limit)`` from ``path``."""
        with path.open("rb") as fh:
            self.hash_to(fh, self.limit)
        return self._sha.hexdigest()


class _Tapped(io.RawIOBase):
    """A raw file that shows every byte it reads to a :class:`ContentHash`."""

    def __init__(self, raw: io.FileIO, tap: ContentHash) -> None:
        self._raw = raw
        self._tap = tap
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer) or 0
        self._tap.feed(self._pos, memoryview(buffer)[:n])
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = self._raw.seek(offset, whence)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_binary(path: Path, tap: ContentHash | None = None) -> IO[bytes]:
    """Open ``path`` for reading decompressed bytes (``tap`` sees the raw bytes read)."""
    kind = compression_of(path)
    raw: IO[bytes] = (
        io.BufferedReader(_Tapped(io.FileIO(path, "rb"), tap), _PIECE)
        if tap is not None
        else path.open("rb")
    )
    if kind == "gzip":
        return cast(IO[bytes], _gzip(raw))
    if kind == "bzip2":
        return cast(IO[bytes], bz2.BZ2File(raw, "rb"))
    if kind == "zstd":
        return cast(IO[bytes], _zstd(raw))
    return raw


class _Converting(io.RawIOBase):
    """A file's bytes handed out converted, read 1 MiB at a time (:meth:`_convert` each
    piece, :meth:`_end` once the file is read): never held whole."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._buf = bytearray()
        self._done = False
        #: Why the stream is cut short, raised once every byte before the cut is out.
        self._cut: str | None = None

    def readable(self) -> bool:
        return True

    def _convert(self, raw: bytes) -> bytes:
        raise NotImplementedError

    def _end(self) -> None:
        """The whole file has been read and converted."""

    def read(self, size: int | None = -1) -> bytes:
        want = -1 if size is None else size
        while (want < 0 or len(self._buf) < want) and not self._done:
            raw = self._fh.read(_PIECE)
            if not raw:
                self._done = True
                self._end()
                break
            self._buf += self._convert(raw)
        if not self._buf and self._cut:
            raise EOFError(self._cut)
        if want < 0:
            out, self._buf = bytes(self._buf), bytearray()
        else:
            out, self._buf = bytes(self._buf[:want]), self._buf[want:]
        return out

    def close(self) -> None:
        self._fh.close()
        super().close()


class _Inflating(_Converting):
    """Streaming decompression of gzip members or zstd frames, one after another.

    Raw bytes are read 1 MiB at a time and inflated in one call each (zlib and zstd
    release the GIL meanwhile); for gzip this is ~1.7x the speed of ``gzip.GzipFile``,
    which reads in 8 KiB steps. zlib checks each member's CRC and size. A stream cut in
    the middle of a member or frame is reported (``EOFError``) only after every byte
    before the cut has been handed out.
    """

    def __init__(self, fh: IO[bytes], new: Callable[[], Any], unit: str) -> None:
        super().__init__(fh)
        self._new = new
        self._d = new()
        self._unit = unit
        self._started = False

    def _convert(self, raw: bytes) -> bytes:
        self._started = True
        out = bytearray(self._d.decompress(raw))
        while self._d.eof and self._d.unused_data:  # the next member or frame
            rest = self._d.unused_data
            self._d = self._new()
            out += self._d.decompress(rest)
        return bytes(out)

    def _end(self) -> None:
        if self._started and not self._d.eof:
            self._cut = f"stream ends in the middle of a {self._unit}"


class _Utf16ToUtf8(_Converting):
    """UTF-16 text (with its byte order mark) handed out as UTF-8, converted a piece at a
    time, so a large export is never held whole. A last odd byte is dropped, with a note
    in ``stats``."""

    def __init__(self, fh: IO[bytes], first: bytes, stats: ReadStats) -> None:
        super().__init__(fh)
        self._stats = stats
        self._decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        self._buf += self._convert(first)

    def _convert(self, raw: bytes) -> bytes:
        return self._decoder.decode(raw).encode("utf-8")

    def _end(self) -> None:
        if self._decoder.getstate()[0]:  # half a character left
            self._stats.notes.append("UTF-16 text with an odd trailing byte; the byte was dropped")


def _gzip(fh: IO[bytes]) -> _Inflating:
    return _Inflating(fh, lambda: zlib.decompressobj(wbits=31), "gzip member")


def _zstd(fh: IO[bytes]) -> _Inflating:
    return _Inflating(fh, lambda: zstandard.ZstdDecompressor().decompressobj(), "zstd frame")


@dataclass
class ReadStats:
    """What reading one file found, beside the lines themselves."""

    bytes_read: int = 0
    lines: int = 0
    latin1_lines: int = 0
    utf16: bool = False
    truncated: str | None = None
    notes: list[str] = field(default_factory=list)


#: Prefixes polars' CSV reader takes for compressed bytes (gzip, zstd, zlib) and would try
#: to decompress: a chunk of text lines starting so (``x^`` is plain ASCII) is decoded
#: by the exact path instead.
_SNIFFED = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")
#: polars also drops a UTF-8 byte order mark at the start of what it reads: a block that
#: starts with one (a file's own BOM is gone by then; this one belongs to a line, as in
#: files joined with ``cat``) is read by the exact path too, so the line keeps its text
#: wherever the block boundary falls.
_POLARS_DROPS = (*_SNIFFED, b"\xef\xbb\xbf")


def _polars_reads_as_is(text: bytes) -> bool:
    """True when polars' CSV reader would read ``text`` as it is: not empty, no NUL, no
    leading bytes it would take for compression or drop as a byte order mark."""
    return bool(text) and b"\x00" not in text and not text.startswith(_POLARS_DROPS)


def _decode(
    block: bytes, stats: ReadStats, end: int | None = None, expected: int | None = None
) -> pl.Series:
    """The lines of ``block[:end]`` (no ``\\n``, no trailing ``\\r``), exactly one per line.

    Fast path: polars' multi-threaded CSV reader with a separator absent from the block,
    no quoting, every line one string; it must give exactly the expected line count and
    valid UTF-8, else the exact Python path below decides (and counts Latin-1 lines).
    The separator is NUL: a line holding one has two fields, which the reader refuses
    (the exact path then reads the block), so the block is not searched for NUL first
    (~2.6 ms a 48 MiB block, holding the GIL).
    ``block[end]`` is a newline; what follows it (a partial line) is not returned, but
    when it is plain ASCII polars reads it as one more row, dropped after, so the lines
    need not be copied out of the block first (nor when the newline ends the block: polars
    reads no row after a last newline). ``expected``: the line count, when known. When it
    is not, the rows must add up to the block, their bytes and one newline between each
    two: a blank line skipped, two lines taken as one or a carriage return dropped before
    a newline (as polars does) would not. Then there are exactly as many rows as lines,
    without counting the newlines (~6 ms a 16 MiB block, in the thread that reads the
    file) or searching the block for carriage returns (~2.6 ms a 48 MiB block, holding
    the GIL); otherwise they are counted.
    """
    end = len(block) if end is None else end
    tail = block[end + 1 :]
    whole = end >= len(block) - 1 or (tail.isascii() and b"\r" not in tail)
    source = block if whole else block[:end]
    extra = 1 if end < len(block) - 1 and whole else 0
    if source and not source.startswith(_POLARS_DROPS):
        try:
            fast = pl.read_csv(
                source,
                has_header=False,
                separator="\x00",
                quote_char=None,
                new_columns=["raw"],
                schema_overrides={"raw": pl.String},
                raise_if_empty=False,
            )["raw"]
        except (pl.exceptions.PolarsError, OSError):
            fast = None
        if fast is not None and expected is None:
            rows = fast.head(fast.len() - extra) if extra else fast
            if rows.len() and rows.str.len_bytes().sum() + rows.len() - 1 == end:
                return rows.fill_null("")
        if expected is None:
            expected = block.count(b"\n", 0, end) + 1
        if fast is not None and fast.len() == expected + extra:
            # the reader already dropped each line's "\r"
            return (fast.head(expected) if extra else fast).fill_null("")
    lines = _decode_exact(block[:end], stats)  # a whole-range slice is the block itself
    return pl.Series("raw", lines, dtype=pl.String).str.strip_suffix("\r")


def _decode_exact(block: bytes, stats: ReadStats) -> list[str]:
    try:
        return block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        out = []
        for raw in block.split(b"\n"):
            try:
                out.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                stats.latin1_lines += 1
                out.append(raw.decode("latin-1"))
        return out


@dataclass
class Block:
    """Whole lines of a file, still bytes: decoded where they are parsed (a worker thread),
    or read straight into columns by a parser that can (:meth:`fields`)."""

    #: The lines are ``data[:end]``; ``data[end]``, when there, is a newline.
    data: bytes
    end: int
    #: The number of the first line, and how many lines there are (None where the reader
    #: did not count them: :meth:`line_count` gives them, from decoding when it can).
    first_no: int
    lines: int | None
    #: Lines that are not UTF-8 (read as Latin-1), known once :meth:`frame` decoded them.
    latin1_lines: int = 0
    #: The file's last block (a reader that carries text from block to block ends there).
    last: bool = False
    _frame: pl.DataFrame | None = field(default=None, repr=False)

    def frame(self) -> pl.DataFrame:
        """The lines as ``line_no`` (from ``first_no``) and ``raw``; decoded once."""
        if self._frame is None:
            stats = ReadStats()
            lines = _decode(self.data, stats, self.end, expected=self.lines)
            self.latin1_lines = stats.latin1_lines
            self.lines = lines.len()
            # One chunk, as the line numbers are (the CSV reader gives one per piece of
            # the block it read: a frame chunked unlike its line numbers is copied into
            # one chunk by the queries on it; the views' concatenation costs ~0.5 ms).
            raw = lines.alias("raw").rechunk()
            self._frame = raw.to_frame().select(self.line_no(), "raw")
        return self._frame

    def forget_lines(self) -> None:
        """Let the decoded lines go (a parser done with their text); :meth:`frame`
        decodes them again if asked."""
        self._frame = None

    def release(self) -> None:
        """Let the bytes and lines go: the block is parsed and its counts are read
        (:meth:`line_count` still answers; :meth:`frame` no longer can)."""
        self.line_count()
        self.data, self.end, self._frame = b"", 0, None

    def line_count(self) -> int:
        """How many lines the block holds (counted here if the reader did not)."""
        if self.lines is None:
            self.lines = self.data.count(b"\n", 0, self.end) + 1
        return self.lines

    def line_no(self) -> pl.Expr:
        """The block's line numbers as a ``line_no`` column (for a frame of its lines)."""
        first = self.first_no
        return pl.int_range(first, first + self.line_count(), dtype=pl.Int64).alias("line_no")

    def fields(
        self, separator: str, columns: int, *, select: list[int] | None = None
    ) -> pl.DataFrame | None:
        """The first ``columns`` fields of every line split on ``separator`` (``c0``,
        ``c1``...; empty fields, and fields a line does not have, are ``""``; fields past
        ``columns`` are ignored), or None when the block cannot be read so exactly: a NUL,
        a carriage return, bytes that are not UTF-8, or a row count that is not the line
        count. ``select``: only these fields (by position) are kept.

        One multi-threaded pass of the CSV reader over the bytes: no string per line
        first, no list of fields per line after.
        """
        text = self.data if self.end >= len(self.data) - 1 else self.data[: self.end + 1]
        if not _polars_reads_as_is(text) or b"\r" in text:
            return None
        try:
            out = pl.read_csv(
                text,
                has_header=False,
                separator=separator,
                quote_char=None,
                schema={f"c{i}": pl.String for i in range(columns)},
                columns=select,
                truncate_ragged_lines=True,
                extra_columns="ignore",
                missing_columns="insert",
                empty_string_is_null=False,
                raise_if_empty=False,
            )
        except (pl.exceptions.PolarsError, OSError):
            return None
        if self.lines is None and not self.data.endswith(b"\n", 0, self.end):
            # Not counted: polars reads a row per line, blank ones too, except an empty
            # last line without its newline (counted then).
            self.lines = out.height
        return out if out.height == self.line_count() else None


def split_edges(block: Block, prefix: bytes) -> tuple[Block | None, Block | None, Block | None]:
    """The block's leading lines that start with ``prefix``, the lines after them up to
    its trailing lines that start with ``prefix``, and those trailing lines: three blocks
    in line order (None where there are no such lines). A header at the top of a file and
    a closing line at its bottom (Zeek's ``#fields``... and ``#close``) come apart from
    the records between them.
    """
    data, end = block.data, block.end
    pos = head = 0
    while pos <= end and data.startswith(prefix, pos):  # a line starts at pos
        newline = data.find(b"\n", pos, end)
        head += 1
        pos = end + 1 if newline < 0 else newline + 1
    if pos > end:  # every line
        return block, None, None
    stop, tail = end, 0  # the body is data[pos:stop]; it keeps at least one line
    while (newline := data.rfind(b"\n", pos, stop)) >= 0:
        if not data.startswith(prefix, newline + 1):
            break
        tail += 1
        stop = newline
    if not head and not tail:
        return None, block, None
    if block.lines is not None:
        body: int | None = block.lines - head - tail
    else:  # counted only where a tail's numbers depend on it (a file's last block)
        body = data.count(b"\n", pos, stop) + 1 if tail else None
    return (
        Block(data[: pos - 1], pos - 1, block.first_no, head) if head else None,
        Block(data[pos:stop], stop - pos, block.first_no + head, body),
        Block(data[stop + 1 : end], end - stop - 1, block.first_no + head + (body or 0), tail)
        if tail
        else None,
    )


def iter_chunks(
    path: Path,
    stats: ReadStats,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    offset: int = 0,
    first_line: int = 1,
    end: int | None = None,
    tap: ContentHash | None = None,
) -> Iterator[pl.DataFrame]:
    """Yield frames of ``line_no`` (1-based) and ``raw`` (the line, without CR/LF).

    :func:`iter_blocks`, each block decoded here.
    """
    for block in iter_blocks(
        path, stats, chunk_bytes=chunk_bytes, offset=offset, first_line=first_line, end=end,
        tap=tap,
    ):  # fmt: skip
        frame = block.frame()
        stats.latin1_lines += block.latin1_lines
        yield frame


def iter_blocks(
    path: Path,
    stats: ReadStats,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    offset: int = 0,
    first_line: int = 1,
    end: int | None = None,
    tap: ContentHash | None = None,
    count: bool = True,
) -> Iterator[Block]:
    """Yield the file's lines in blocks of about ``chunk_bytes``, numbered from
    ``first_line``; the caller decodes them (``Block.frame``) and books their Latin-1
    lines (``Block.latin1_lines``) into ``stats``.

    ``count=False``: the lines are not counted here (the reader's thread then does not
    spend ~6 ms a 16 MiB block on it): every block numbers its lines from 1, its
    ``line_count()`` comes from decoding it, and the caller adds the lines of the blocks
    before (and ``first_line - 1``) to their numbers, and sums the lines read
    (``stats.lines`` stays 0).

    Memory is bounded by ``chunk_bytes`` whatever the file size. ``offset``/``end`` read
    a byte range of a plain file (an appended tail), numbering lines from ``first_line``.
    ``tap`` hashes the raw bytes as they are read.
    """
    try:
        fh = open_binary(path, tap)
        if offset:
            fh.seek(offset)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from None
    left = None if end is None else end - offset
    next_no = first_line
    pending: Block | None = None
    carry = b""
    first = offset == 0
    with fh:
        while True:
            size = max(chunk_bytes, 4) if first else chunk_bytes
            if left is not None:
                size = min(size, left)
            block, error = _read_block(fh, size)
            full = len(block) == size > 0
            if left is not None:
                left -= len(block)
            if first:
                first = False
                if block.startswith((b"\xff\xfe", b"\xfe\xff")):
                    # From here on the file is read converted, a piece at a time, to its
                    # end (``end`` counts the UTF-16 bytes).
                    stats.utf16 = True
                    fh, left = cast(IO[bytes], _Utf16ToUtf8(fh, block, stats)), None
                    block, error = _read_block(fh, size)
                    full = len(block) == size > 0
                elif block.startswith(b"\xef\xbb\xbf"):
                    block = block[3:]
            stats.bytes_read += len(block)
            data = carry + block if carry else block
            cut = data.rfind(b"\n")
            partial = len(data) - cut - 1  # bytes of the last line, not yet complete
            give_back = cut >= 0 and partial > 0 and full and left != 0 and not stats.utf16
            if give_back and _seekable(fh):
                # A plain file gives its partial last line back: the next read starts there,
                # so the chunk's bytes are never copied to carry that line over.
                fh.seek(-partial, io.SEEK_CUR)
                stats.bytes_read -= partial
                if left is not None:
                    left += partial
            else:
                give_back = False
            if cut >= 0:
                carry = b"" if give_back else data[cut + 1 :]
                # Held back one step, so a last line without a newline joins the last
                # chunk, and the last block is known (``Block.last``).
                if pending is not None:
                    yield pending
                if count:
                    lines = data.count(b"\n", 0, cut) + 1
                    pending = Block(data, cut, next_no, lines)
                    next_no += lines
                else:
                    pending = Block(data, cut, 1, None)
                if give_back:
                    # The given-back line is still to come: this block is not the last,
                    # and nothing will join it. Out now, not one read later (the first
                    # block reaches a worker sooner, and one block less is held).
                    yield pending
                    pending = None
            else:
                carry = data
            if error is not None:
                stats.truncated = f"compressed stream ends early ({error}); kept the lines before"
                carry = b""  # the partial last line of a broken stream is not trusted
                break
            if not block or left == 0:
                break
    if carry:
        # The last line has no newline: one more line, joined to the last block.
        if pending is None:
            pending = Block(carry, len(carry), next_no if count else 1, 1)
        else:
            # One copy (slicing the block first, then adding, made two of it).
            joined = b"".join((memoryview(pending.data)[: pending.end], b"\n", carry))
            more = None if pending.lines is None else pending.lines + 1
            pending = Block(joined, len(joined), pending.first_no, more)
        next_no += 1
    if pending is not None:
        pending.last = True
        yield pending
    if count:
        stats.lines = next_no - first_line


def _seekable(fh: IO[bytes]) -> bool:
    return isinstance(fh, io.BufferedReader) and fh.seekable()


def _read_block(fh: IO[bytes], size: int) -> tuple[bytes, str | None]:
    """Up to ``size`` bytes (all when negative), and the error that cut the stream, if any."""
    if isinstance(fh, io.BufferedReader):  # a plain file: one read, nothing to cut
        # read(n) allocates n bytes up front: a whole-file read asks for the rest instead
        return fh.read(size if 0 <= size <= _PLAIN_MAX else -1), None
    parts: list[bytes] = []
    got = 0
    # read1 returns what one decompression step gives, so a cut stream loses only the
    # bytes after the last complete step, not a whole block.
    read = getattr(fh, "read1", fh.read)
    while size < 0 or got < size:
        want = _PIECE if size < 0 else min(_PIECE, size - got)
        try:
            piece = read(want)
        except (EOFError, OSError, zlib.error, zstandard.ZstdError) as exc:
            return b"".join(parts), str(exc) or type(exc).__name__
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts), None


def read_head(path: Path, *, max_lines: int = 30, max_bytes: int = 256 * 1024) -> list[str]:
    """The first non-blank lines of ``path`` (decompressed and decoded), for format detection."""
    stats = ReadStats()
    out: list[str] = []
    try:
        for frame in iter_chunks(path, stats, chunk_bytes=max_bytes):
            for line in frame["raw"].to_list():
                if line.strip():
                    out.append(line)
                if len(out) >= max_lines:
                    return out
            break
    except InputError:
        raise
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read file: {exc}", path=path) from None
    return out
