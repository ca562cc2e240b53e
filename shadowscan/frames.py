"""Frame helpers the stages share: compact copies, expressions once per distinct value,
distinct hosts, lists from distinct pairs.

A frame filtered out of a chunk still points into the whole chunk's buffers; the pipeline
keeps a few per cent of some chunks for a while (matched and signal rows until their batch
is handed on), so what it keeps must hold only its own rows (:func:`compact`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import polars as pl


def compact(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy holding only its own rows' data.

    A filtered frame's string columns still point into the whole chunk's buffers, so
    keeping a few per cent of each chunk would keep every chunk alive (memory growing
    with the input). An Arrow IPC round trip writes only the referenced bytes. (Arrow's
    plain string layout and back is 1 ms faster per chunk's matched rows, but holds two
    copies at once: +80 MiB peak when every line matches.)
    """
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="uncompressed")
    buffer.seek(0)
    return pl.read_ipc(buffer)


def kept(rows: pl.DataFrame, of: int) -> pl.DataFrame:
    """``rows``, taken out of a chunk of ``of`` rows, as the pipeline keeps them: compacted
    (:func:`compact`) when they are fewer than half the chunk, as they are.

    Rows that are most of their chunk already use most of its buffers, so holding them
    holds about twice their own bytes at most; a copy would hold a second chunk's worth
    while it is made (and cost its time). Every line of a Squid file matched, 5M lines:
    peak 971 -> 658 MiB, 9.3 -> 7.8 s; W3C, 2M lines: 1,144 -> 908 MiB.
    """
    return rows if most_of(rows.height, of) else compact(rows)


def most_of(rows: int, of: int) -> bool:
    """True when ``rows`` rows are at least half of a chunk of ``of``: kept as they are
    (:func:`kept`), they hold about all of its buffers."""
    return rows * 2 >= of


def byte_slice(
    expr: pl.Expr, offset: pl.Expr | int, length: pl.Expr | int | None = None
) -> pl.Expr:
    """``expr`` sliced at byte offsets, the unit ``str.find`` returns (``str.slice``
    counts characters, which differ from bytes in non-ASCII text). Cut at an ASCII
    delimiter, the pieces stay valid UTF-8.

    >>> u = pl.col("u")
    >>> slash = u.str.find("/", literal=True)
    >>> df = pl.DataFrame({"u": ["bücher.example/p"]})
    >>> df.select(byte_slice(u, 0, slash), byte_slice(u, slash).alias("p")).row(0)
    ('bücher.example', '/p')
    """
    return expr.cast(pl.Binary).bin.slice(offset, length).cast(pl.String)


def factorize(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The distinct non-null values of ``values`` (in the order first seen) and, row for
    row, the position of the row's value among them (null for a null value): one hashing
    pass, after which work on the distinct values comes back to the rows by ``gather``.

    >>> distinct, index = factorize(pl.Series("s", ["b", "a", None, "b"]))
    >>> distinct.to_list(), index.to_list()
    (['b', 'a'], [0, 1, None, 0])
    """
    # A private category mapping numbers the distinct values; its own list of them is
    # slow to read back (5 ms for 28k values), so they are gathered from each code's
    # first row instead, and the codes renumbered where they are not in first-seen order.
    codes = values.cast(pl.Categorical(pl.Categories.random())).to_physical()
    first = codes.arg_unique()
    seen = codes.gather(first)
    if seen.null_count():
        keep = seen.is_not_null()
        first, seen = first.filter(keep), seen.filter(keep)
    order = pl.select(pl.int_range(seen.len(), dtype=pl.UInt32)).to_series()
    if not seen.equals(order):
        size = pl.select(pl.lit(seen).max() + 1).item()
        position = pl.select(pl.repeat(0, size, dtype=pl.UInt32)).to_series()
        codes = position.scatter(seen, order).gather(codes)
    return values.gather(first), codes


def factorize_hashed(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """:func:`factorize` by hashing each value to 64 bits: the same result, faster where
    values are many (a 48 MiB Squid block's 354k hosts, 37k of them distinct: 18 against
    24 ms; for its few status codes or user names it is the slower, 16-18 against 12 ms,
    and a 10M-line Squid scan with them hashed too took x1.023).

    Rows are numbered by their hash's first row (a join on the hashes), then every row is
    checked to hold the value it was numbered by: on a collision of two values' hashes
    the categorical :func:`factorize` gives the answer instead.

    >>> distinct, index = factorize_hashed(pl.Series("s", ["b", "a", None, "b"]))
    >>> distinct.to_list(), index.to_list()
    (['b', 'a'], [0, 1, None, 0])
    """
    hashes = values.hash().alias("_hash")
    first = hashes.arg_unique()
    numbers = pl.int_range(0, first.len(), dtype=pl.UInt32, eager=True).alias("_code")
    table = pl.DataFrame([hashes.gather(first), numbers])
    codes = hashes.to_frame().join(table, on="_hash", how="left", maintain_order="left")
    index = codes.to_series(1)
    distinct = values.gather(first)
    if not distinct.gather(index).eq_missing(values).all():
        return factorize(values)  # two values share a hash
    if distinct.null_count():  # a null value gets no number: those after it move down
        null = distinct.is_null().arg_true().item()
        code = pl.col("_code")
        index = codes.select(
            pl.when(code > null).then(code - 1).when(code < null).then(code)
        ).to_series()
        distinct = distinct.drop_nulls()
    return distinct, index


@dataclass(frozen=True)
class Coded:
    """A column as a table of values and, row for row, the position of the row's value in
    it (null for a null value), as :func:`factorize` gives them: a test on the table comes
    back to the rows by a gather, not a hash probe per row (a 48 MiB Squid block's 354k
    hosts tested against a set: 1.6 against 4.0 ms).

    The table may hold a value twice or hold nulls (values normalised after factorizing);
    row ``i``'s value is ``values[codes[i]]``.
    """

    values: pl.Series
    codes: pl.Series

    def is_in(self, keys: pl.Series) -> pl.Series:
        """Per row, whether its value is among ``keys`` (False for a null value): what
        ``column.is_in(keys).fill_null(False)`` gives.

        >>> Coded(pl.Series(["a", "b", None]), pl.Series([1, 0, 2, None])).is_in(
        ...     pl.Series(["b"])
        ... ).to_list()
        [True, False, False, False]
        """
        found = self.values.is_in(keys.implode()).fill_null(False)
        return found.gather(self.codes).fill_null(False).alias(self.values.name)

    def filter(self, keep: pl.Series) -> Coded:
        """The rows where ``keep`` is true."""
        return Coded(self.values, self.codes.filter(keep))


def among(column: pl.Series, keys: pl.Series, codes: Coded | None = None) -> pl.Series:
    """Per row, whether ``column``'s value is among ``keys`` (False for a null value):
    by ``codes`` (the column factorized, :class:`Coded`) when given, else a hash probe
    per row.

    >>> among(pl.Series("h", ["a", None, "b"]), pl.Series(["b"])).to_list()
    [False, False, True]
    """
    if codes is not None:
        return codes.is_in(keys)
    return column.is_in(keys.implode()).fill_null(False)


def chunked_like(values: pl.Series, like: pl.Series) -> pl.Series:
    """``values`` cut into ``like``'s chunks (slices, no copy; values in several chunks
    of other sizes are first made one), so that a frame of both has every column in the
    same chunks: a frame whose columns are chunked differently is first copied into one
    chunk per column by the next query on it (~8 ms a 48 MiB Squid block). The streaming
    engine gives its results in chunks of its own; a gather gives one.

    >>> like = pl.concat([pl.Series([1, 2]), pl.Series([3])], rechunk=False)
    >>> chunked_like(pl.Series(["a", "b", "c"]), like).n_chunks()
    2
    """
    lengths = [chunk.len() for chunk in like.get_chunks()]
    if [chunk.len() for chunk in values.get_chunks()] == lengths:
        return values
    if values.n_chunks() > 1:
        values = values.rechunk()
    out: pl.Series | None = None
    offset = 0
    for length in lengths:
        part = values.slice(offset, length)
        offset += length
        out = part if out is None else out.append(part)
    return values if out is None else out


def aligned(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every column in its first column's chunks (:func:`chunked_like`)."""
    if frame.width == 0:
        return frame
    first = frame.to_series(0)
    return pl.DataFrame([chunked_like(column, first) for column in frame.get_columns()])


def by_distinct(values: pl.Series, exprs: list[pl.Expr]) -> pl.DataFrame:
    """``exprs`` (on a column named as ``values``) computed once per distinct value and
    given back row for row (in the chunks of ``values``): one hashing pass instead of a
    string operation per row and expression, for the low-cardinality fields of log lines
    (status codes, user names).

    A null value gives nulls; ``exprs`` must give null for a null input to agree with
    evaluating them on every row.

    >>> upper = [pl.col("s").str.to_uppercase()]
    >>> by_distinct(pl.Series("s", ["a", None, "a"]), upper)["s"].to_list()
    ['A', None, 'A']
    """
    distinct, index = factorize(values)
    out = distinct.to_frame().select(exprs).select(pl.all().gather(index))
    return pl.DataFrame([chunked_like(column, values) for column in out.get_columns()])


def distinct_hosts(rows: pl.DataFrame, known: pl.Series | None = None) -> pl.DataFrame:
    """The distinct non-null ``host`` values of ``rows`` as a one-column frame, or ``known``
    when the caller already has them (any superset; see ``ParseResult.hosts``)."""
    if known is None:
        return rows.select(pl.col("host").drop_nulls().unique())
    return known.cast(pl.String).rename("host").to_frame()


def listed(rows: pl.LazyFrame, keys: list[str], column: str, name: str) -> pl.DataFrame:
    """Per ``keys``, the distinct non-null values of ``column``, sorted and joined with
    commas, as ``name``.

    Taken from the distinct (keys, value) rows with a streaming query: the same list
    aggregation inside a streaming group-by makes polars hold every row.
    """
    return (
        rows.select(*keys, column)
        .drop_nulls(column)
        .unique()
        .collect(engine="streaming")
        .group_by(keys)
        .agg(pl.col(column).sort().str.join(",").alias(name))
    )
