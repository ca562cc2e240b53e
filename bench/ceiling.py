"""The speed limit of the machine for a file: how fast its lines can be read, nothing else.

Every benchmark here puts its figure beside this one, measured in the same run on the same
file, so a result reads "x % of what reading the lines alone costs" rather than a bare time
that depends on the disk, the page cache and the number of cores.
"""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl

_PIECE = 16 * 1024 * 1024


def warm(path: Path) -> None:
    """Read ``path`` once so every measurement after it starts from a warm page cache."""
    with path.open("rb") as fh:
        while fh.read(_PIECE):
            pass


def line_read(path: Path) -> tuple[float, int]:
    """Seconds polars needs to read every line of ``path`` as one string column, and lines.

    No parsing: a separator that never occurs (``\\x1f``) and no quoting, so each line is
    one value. Multi-threaded, like the engine's own polars work.
    """
    t = time.perf_counter()
    df = pl.read_csv(
        path,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        new_columns=["raw"],
        schema_overrides={"raw": pl.String},
    )
    seconds = time.perf_counter() - t
    return seconds, df.height
