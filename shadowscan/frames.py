"""Frame helpers the stages share: compact copies, expressions once per distinct value,
distinct hosts, lists from distinct pairs.

A frame filtered out of a chunk still points into the whole chunk's buffers; the pipeline
keeps a few per cent of some chunks for a while (matched and signal rows until their batch
is handed on), so what it keeps must hold only its own rows (:func:`compact`).
"""

from __future__ import annotations

import io

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


def by_distinct(values: pl.Series, exprs: list[pl.Expr]) -> pl.DataFrame:
    """``exprs`` (on a column named as ``values``) computed once per distinct value and
    given back row for row: one hashing pass instead of a string operation per row and
    expression, for the low-cardinality fields of log lines (status codes, user names).

    A null value gives nulls; ``exprs`` must give null for a null input to agree with
    evaluating them on every row.

    >>> upper = [pl.col("s").str.to_uppercase()]
    >>> by_distinct(pl.Series("s", ["a", None, "a"]), upper)["s"].to_list()
    ['A', None, 'A']
    """
    # A private category mapping: its physical codes index the distinct values, in order.
    # It lives as long as a column uses it, so the categorical column is held till the end.
    categories = pl.Categories.random()
    encoded = values.cast(pl.Categorical(categories))
    table = categories.to_series().alias(values.name).to_frame().select(exprs)
    return table.select(pl.all().gather(encoded.to_physical()))


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
