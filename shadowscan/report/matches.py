"""``matches.parquet`` written batch by batch, so no stage holds every matched row.

A scan enriches its matched rows in batches (``pipeline.ENRICH_BATCH_ROWS``); each batch is
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
from typing import IO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from shadowscan.privacy import pseudonymise_people
from shadowscan.report.files import open_private
from shadowscan.schema import MATCH_SCHEMA, conform

__all__ = ["MatchesWriter", "private_matches"]


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
        self.rows = 0
        self._key = pseudonym_key
        self._partial = path.with_name(f".{path.name}.partial")
        self._fh: IO[bytes] | None = None
        self._writer: pq.ParquetWriter | None = None

    def write(self, frame: pl.DataFrame) -> None:
        """Append one batch of enriched matched rows (called in provenance order)."""
        if frame.is_empty():
            return
        table = private_matches(frame, self._key).to_arrow()
        if self._writer is None:
            self._fh = open_private(self._partial)
            self._writer = pq.ParquetWriter(self._fh, _arrow_schema(), compression="zstd")
        self._writer.write_table(table.cast(self._writer.schema))
        self.rows += frame.height

    def finish(self) -> pl.LazyFrame:
        """Close and rename the file (an empty one when nothing matched); scan it lazily."""
        if self._writer is None:
            with open_private(self._partial) as fh:
                pl.DataFrame(schema=MATCH_SCHEMA).write_parquet(fh, compression="zstd")
        else:
            self._writer.close()
            assert self._fh is not None
            self._fh.close()
            self._writer = self._fh = None
        os.replace(self._partial, self.path)
        return pl.scan_parquet(self.path)

    def abandon(self) -> None:
        """Drop a partial file (the run failed before :meth:`finish`)."""
        if self._writer is not None:
            self._writer.close()
        if self._fh is not None:
            self._fh.close()
        self._writer = self._fh = None
        self._partial.unlink(missing_ok=True)


def _arrow_schema() -> pa.Schema:
    """The Arrow schema every batch is cast to, so row groups agree."""
    return pl.DataFrame(schema=MATCH_SCHEMA).to_arrow().schema
