"""Frames kept for later: compact copies and compressed (packed) frames.

A frame filtered out of a chunk still points into the whole chunk's buffers; the pipeline
keeps a few per cent of every chunk until the end of a run, so what it keeps must hold only
its own rows (:func:`compact`) and, for the matched rows that wait for the report,
compressed (:class:`Packed`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from shadowscan.schema import conform


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


@dataclass(frozen=True)
class Packed:
    """A frame kept as lz4-compressed Arrow IPC bytes.

    Matched rows wait for the end of the run; packed they take a fraction of their
    in-memory size (and no allocator pages), so memory during parsing stays nearly flat
    however many rows match.
    """

    data: bytes
    height: int

    @classmethod
    def of(cls, frame: pl.DataFrame) -> Packed:
        buffer = io.BytesIO()
        frame.write_ipc(buffer, compression="lz4")
        return cls(buffer.getvalue(), frame.height)

    def frame(self) -> pl.DataFrame:
        return pl.read_ipc(io.BytesIO(self.data))


def unpack(packs: Sequence[Packed | pl.DataFrame], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The frames, packed or not (a store's window is read as a frame: packing it only to
    unpack it would be wasted work), as one frame in ``schema`` (empty when none)."""
    if not packs:
        return pl.DataFrame(schema=schema)
    frames = [p.frame() if isinstance(p, Packed) else p for p in packs]
    return conform(pl.concat(frames), schema)
