"""End-to-end benchmark of `shadowscan scan` beside the raw line-read speed of the same file.

    python bench/run_bench.py --lines 1000000

Prints lines/s, MB/s, peak RSS of the scan process, and the line-read ceiling measured in
the same run on the same file (polars reading the lines alone), with the ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_logs import generate  # noqa: E402


def line_read_speed(path: Path) -> tuple[float, int]:
    """Seconds polars needs to read every line of ``path`` (no parsing), and the line count."""
    t = time.perf_counter()
    df = pl.read_csv(
        path,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        new_columns=["raw"],
        schema_overrides={"raw": pl.String},
    )
    return time.perf_counter() - t, df.height


def run_scan(path: Path) -> tuple[float, int, dict[str, object]]:
    """Wall seconds and peak RSS (KiB) of `shadowscan scan` on ``path`` in a child process."""
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "shadowscan", "-q", "scan", str(path), "--out", out],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - t
        summary = json.loads((Path(out) / "summary.json").read_text())
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, rss, summary


def main() -> None:
    """Generate (if needed) and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, default=None, help="An existing log file instead.")
    args = parser.parse_args()
    path = args.file or HERE / "out" / f"squid_{args.lines}.log"
    if not path.exists():
        print(f"generating {args.lines:,} lines -> {path}", file=sys.stderr)
        generate(args.lines, path)
    size_mb = path.stat().st_size / 1e6
    read_s, lines = line_read_speed(path)
    wall, rss_kib, summary = run_scan(path)
    print(f"file            {path.name}: {lines:,} lines, {size_mb:,.1f} MB")
    print(f"line read       {read_s:.2f} s  {size_mb / read_s:,.0f} MB/s  (polars, lines only)")
    print(
        f"scan end-to-end {wall:.2f} s  {lines / wall:,.0f} lines/s  {size_mb / wall:,.1f} MB/s  "
        f"peak RSS {rss_kib / 1024:,.0f} MiB"
    )
    print(f"ratio to line-read ceiling: {read_s / wall:.1%}")
    print(f"matched {summary['matched']:,} events, {summary['findings']} findings")
    print(f"timings {summary['timings_s']}")


if __name__ == "__main__":
    main()
