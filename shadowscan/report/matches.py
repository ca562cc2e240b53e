"""``matches.parquet`` written batch by batch, so no stage holds every matched row.

A scan enriches its matched rows in batches (``pipeline.BATCH_ROWS``); each batch is
appended here as one Parquet row group as soon as it is ready, in provenance order, already
pseudonymised when a key is set. The report stage then reads the file back lazily
(:meth:`MatchesWriter.finish`) and aggregates it with streaming queries: memory follows the
number of findings, users and days, not the number of matched rows.

The file is written under a temporary name and renamed when complete, so an interrupted
run never leaves a ``matches.parquet`` that looks whole.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shadowscan.privacy import pseudonymise_people
from shadowscan.report.files import open_private
from shadowscan.report.spool import Spool
from shadowscan.schema import MATCH_SCHEMA, conform

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["MatchesWriter", "private_matches"]


def _match_schema() -> pa.Schema:
    """The Arrow schema of every row group (made when the first batch is written, so
    pyarrow is imported then, not when the writer is made)."""
    return pl.DataFrame(schema=MATCH_SCHEMA).to_arrow().schema


def private_matches(frame: pl.DataFrame, pseudonym_key: bytes | None) -> pl.DataFrame:
    """Matched rows in the match schema; people pseudonymised when there is a key.

    ``lease_user`` (a real name from the DHCP/VPN leases) is not kept when pseudonymising.
    Pseudonyms are a function of each row alone, so batches can be done one at a time.
    """
    frame = conform(frame, MATCH_SCHEMA)
    if pseudonym_key is None:
        return frame
    return pseudonymise_people(frame, pseudonym_key).with_columns(
        pl.lit(None, dtype=pl.String).alias("lease_user")
    )


class MatchesWriter:
    """Appends matched batches to ``path`` (mode 0600); :meth:`finish` makes it whole."""

    def __init__(self, path: Path, *, pseudonym_key: bytes | None = None) -> None:
        self.path = path
        self._key = pseudonym_key
        self._spool = Spool(path.with_name(f".{path.name}.partial"), _match_schema)

    @property
    def rows(self) -> int:
        """Rows written so far."""
        return self._spool.rows

    def write(self, frame: pl.DataFrame) -> None:
        """Append one batch of enriched matched rows (called in provenance order)."""
        if frame.height:
            self._spool.write(private_matches(frame, self._key))

    def finish(self) -> pl.LazyFrame:
        """Close and rename the file (an empty one when nothing matched); scan it lazily."""
        partial = self._spool.path
        if not self._spool.close():
            with open_private(partial) as fh:
                pl.DataFrame(schema=MATCH_SCHEMA).write_parquet(fh, compression="zstd")
        os.replace(partial, self.path)
        return pl.scan_parquet(self.path)

    def abandon(self) -> None:
        """Drop a partial file (the run failed before :meth:`finish`)."""
        self._spool.remove()
