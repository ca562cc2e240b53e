"""CSV and Parquet writers. CSV cells are safe to open in a spreadsheet.

A string cell is prefixed with ``'`` (OWASP CSV injection) when it starts with ``=``,
``+``, ``-``, ``@``, tab or carriage return, also after leading spaces (`` =1``: some
importers trim cells before reading them). A plain number such as ``-5`` or ``+3.2`` is
left as it is; anything else that starts that way is neutralised, ``-1+2`` and phone-like
``+33 6 12`` included. Only string columns are touched; numbers stay numbers.

Every file is written with mode 0600 (see :mod:`shadowscan.report.files`).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import polars as pl

from shadowscan.report.files import open_private

_DANGEROUS = r"^[ ]*[=+\-@\t\r]"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralise(expr: pl.Expr) -> pl.Expr:
    """Prefix a dangerous string cell with ``'``; leave real numbers alone."""
    risky = expr.str.contains(_DANGEROUS) & ~expr.str.contains(_NUMBER)
    return pl.when(risky).then(pl.lit("'") + expr).otherwise(expr)


def safe_for_spreadsheet(df: pl.DataFrame) -> pl.DataFrame:
    """Every string column of ``df`` neutralised; datetimes written as ISO 8601 UTC."""
    exprs = []
    for name, dtype in df.schema.items():
        if dtype == pl.String:
            exprs.append(neutralise(pl.col(name)).alias(name))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").alias(name))
        else:
            exprs.append(pl.col(name))
    return df.select(exprs)


def csv_text(df: pl.DataFrame) -> str:
    """``df`` as spreadsheet-safe CSV text (for commands that print CSV)."""
    return safe_for_spreadsheet(df).write_csv()


def write_csv(df: pl.DataFrame, path: Path) -> None:
    """Write ``df`` as a spreadsheet-safe CSV (UTF-8, header, ``\\n`` line ends), mode 0600."""
    with open_private(path) as fh:
        safe_for_spreadsheet(df).write_csv(fh)


def append_csv(df: pl.DataFrame, fh: IO[bytes], *, header: bool) -> None:
    """Append ``df`` to an open CSV file, spreadsheet-safe."""
    safe_for_spreadsheet(df).write_csv(fh, include_header=header)


def write_parquet(df: pl.DataFrame, path: Path) -> None:
    """Write ``df`` as Parquet (zstd), mode 0600, column types as in ``shadowscan.schema``."""
    with open_private(path) as fh:
        df.write_parquet(fh, compression="zstd")
