"""Frames kept for later: compact copies.

A frame filtered out of a chunk still points into the whole chunk's buffers; the pipeline
keeps a few per cent of some chunks for a while (matched rows until their batch is
enriched, candidate signal rows until the report), so what it keeps must hold only its own
rows (:func:`compact`).
"""

from __future__ import annotations

import io

import polars as pl


def compact(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy holding only its own rows' data.

    A filtered frame's string columns still point into the whole chunk's buffers, so
    keeping a few per cent of each chunk would keep every chunk alive (memory growing
    with the input). An Arrow IPC round trip writes only the referenced bytes.
    """
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="uncompressed")
    buffer.seek(0)
    return pl.read_ipc(buffer)
