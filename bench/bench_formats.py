"""Parsing throughput per format family: the parser alone, beside the raw line-read speed.

    python bench/bench_formats.py                         # 1M lines of each of the seven layouts
    python bench/bench_formats.py --lines 200000 --formats squid zeek --repeat 3

For each format (proxy: squid, w3c; dns: bind9, zeek; firewall: fortigate; saas: cloudtrail)
a generated file (``bench/out/``, written by ``gen_logs.py`` when missing) is read and parsed
the way ``shadowscan.pipeline.process_file`` does it, without matching: detect the format
from the head, read the file in the engine's blocks (``sources.reader.iter_blocks``) and run
the parser's ``parse_block()`` on each (decoded lines, or the bytes straight into columns
where the parser can). Three figures per file, each the best of --repeat:

- line read: polars reading the lines alone (the ceiling, see ``ceiling.py``);
- reader: the engine's chunked reader alone, decoding every block into numbered lines;
- parse: reading + ``parse_block()`` (events, rejects, skipped lines), as lines/s, MB/s
  and the share of the line-read speed.

Prints a Markdown table. The file must be detected as its format and give 0 rejects; a
row that does not is flagged, since a parser that rejects lines is not doing the work.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ceiling import line_read, warm  # noqa: E402
from gen_logs import FAMILY, FORMATS, ensure  # noqa: E402

from shadowscan import pipeline  # noqa: E402
from shadowscan.detect import detect_format  # noqa: E402
from shadowscan.sources import REGISTRY  # noqa: E402
from shadowscan.sources.reader import (  # noqa: E402
    CHUNK_BYTES,
    ReadStats,
    iter_blocks,
    iter_chunks,
    read_head,
)


@dataclass
class Parsed:
    """The books of one parse of a file."""

    format: str | None
    lines: int
    events: int
    rejected: int
    skipped: int
    seconds: float


def chunk_bytes() -> int:
    """The chunk size ``process_file`` uses."""
    return int(getattr(pipeline, "CHUNK_BYTES", CHUNK_BYTES))


def read_only(path: Path) -> tuple[float, int]:
    """Seconds the engine's chunked reader needs for ``path`` (no parsing), and lines."""
    stats = ReadStats()
    t = time.perf_counter()
    n = sum(chunk.height for chunk in iter_chunks(path, stats, chunk_bytes=chunk_bytes()))
    return time.perf_counter() - t, n


def parse_file(path: Path) -> Parsed:
    """Detect, read and parse ``path`` as ``process_file`` does, without matching."""
    t = time.perf_counter()
    head = read_head(path)
    fmt = detect_format(head).format
    if fmt is None:
        return Parsed(None, 0, 0, 0, 0, time.perf_counter() - t)
    parser = REGISTRY[fmt](source_file=str(path), head=head, tz="UTC", mapping=None)
    stats = ReadStats()
    events = rejected = skipped = 0
    for block in iter_blocks(path, stats, chunk_bytes=chunk_bytes()):
        # As the pipeline does: a parser may read a plain block straight from its bytes.
        result = parser.for_block(block).parse_block(block)
        events += result.events.height
        rejected += result.rejects.height
        skipped += result.skipped
        del result
    return Parsed(fmt, stats.lines, events, rejected, skipped, time.perf_counter() - t)


def main() -> None:
    """Generate (when missing), measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--formats", nargs="+", choices=list(FORMATS), default=list(FORMATS))
    parser.add_argument("--repeat", type=int, default=1, help="Best of N runs (default 1).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--regen", action="store_true", help="Write the files again.")
    args = parser.parse_args()

    rows = []
    for fmt in args.formats:
        path = ensure(fmt, args.lines, seed=args.seed, regen=args.regen)
        mb = path.stat().st_size / 1e6
        warm(path)
        read_s, lines = min(line_read(path) for _ in range(args.repeat))
        gc.collect()
        reader_s, _ = min(read_only(path) for _ in range(args.repeat))
        parsed = min((parse_file(path) for _ in range(args.repeat)), key=lambda p: p.seconds)
        ok = parsed.format == FORMATS[fmt] and parsed.rejected == 0
        flag = "" if ok else f" **detected {parsed.format}, {parsed.rejected:,} rejected**"
        rows.append(
            f"| {FAMILY[fmt]} | {FORMATS[fmt]}{flag} | {lines:,} | {mb:,.0f} "
            f"| {mb / read_s:,.0f} | {mb / reader_s:,.0f} | {parsed.seconds:.2f} "
            f"| {parsed.lines / parsed.seconds:,.0f} | {mb / parsed.seconds:,.1f} "
            f"| {read_s / parsed.seconds:.1%} | {parsed.events:,} | {parsed.rejected:,} "
            f"| {parsed.skipped:,} |"
        )
        print(f"done {fmt}: {parsed.seconds:.2f} s", file=sys.stderr)

    load = os.getloadavg()[0]
    print(f"{args.lines:,} lines per format; 1-min load average at the end: {load:.1f}\n")
    print(
        "| family | format | lines | MB | line read MB/s | reader MB/s | parse s | parse lines/s "
        "| parse MB/s | of line read | events | rejected | skipped |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
