"""The performance issue's "tuned hand-written pipeline", run on the same Squid file as a scan.

    python bench/reference.py bench/out/squid_10000000_s7_v1.log --repeat 3

The issue sets its bar beside such a pipeline: split each line on spaces (no regex), match
the catalog's domains on the distinct hosts only, join the matches back to the rows, count
per user and service, streaming. This is that pipeline, written once here so its speed can
be measured on this machine, in the same run as the line-read ceiling (``ceiling.py``), and
put beside ``run_bench.py``'s scan. It does much less than a scan: no line is checked or
rejected, no time stamp, status or size is read, no host is normalised (only the port
and the scheme are cut), nothing is enriched, no candidate signal, no report. It is a
measuring stick, not a second engine: nothing in shadowscan uses it.

Each repeat runs in a fresh interpreter (``python -c``), timed from before its imports to
its exit, as the scan is.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ceiling import line_read, warm  # noqa: E402

#: The pipeline, run in a child interpreter: argv[1] the Squid file, argv[2] the domains
#: (one ``domain<TAB>service`` per line), argv[3] where the counts go (CSV), argv[4] the
#: variant: ``stream`` reads the file twice (the distinct hosts, then the rows joined to
#: the matched ones), both passes streaming, so memory stays bounded; ``hold`` reads it
#: once and holds every row's client, user and host in memory for the join.
_PIPELINE = r"""
import resource, sys, time
t0 = time.perf_counter()
import polars as pl

path, domains_path, out = sys.argv[1:4]
domains = pl.read_csv(domains_path, separator="\t", has_header=False,
                      new_columns=["domain", "service_id"], quote_char=None)
lines = pl.scan_csv(path, has_header=False, separator="\x1f", quote_char=None,
                    new_columns=["raw"], schema={"raw": pl.String})
p = pl.col("p")
rows = lines.select(pl.col("raw").str.split(" ").alias("p")).select(
    p.list.get(-8, null_on_oob=True).alias("client"),
    p.list.get(-4, null_on_oob=True).alias("url"),
    p.list.get(-3, null_on_oob=True).alias("user"),
)
url = pl.col("url")
rest = url.str.strip_prefix("http://").str.strip_prefix("https://")
host = rest.str.split_exact("/", 1).struct.field("field_0").str.split_exact(":", 1)
rows = rows.select("client", "user", host.struct.field("field_0").str.to_lowercase().alias("host"))
if sys.argv[4] == "hold":  # the file read once; every row's three fields held
    rows = rows.collect(engine="streaming").lazy()
hosts = rows.select(pl.col("host").unique()).collect(engine="streaming")
h, dot = pl.col("host"), pl.col("dot")
suffixes = pl.concat([
    hosts.lazy().select("host", pl.lit(0, pl.Int64).alias("depth"), h.alias("suffix")),
    hosts.lazy()
    .select("host", h.str.find_many(["."], overlapping=True).alias("dot"))
    .with_columns(pl.int_ranges(1, dot.list.len() + 1, dtype=pl.Int64).alias("depth"))
    .explode(["dot", "depth"])
    .drop_nulls("dot")
    .select("host", "depth", h.str.slice(dot + 1).alias("suffix")),
])
matched = (
    suffixes.join(domains.lazy(), left_on="suffix", right_on="domain")
    .sort(["host", "depth"])
    .group_by("host")
    .first()
    .select("host", "service_id")
    .collect()
)
counts = (
    rows.join(matched.lazy(), on="host")
    .group_by(["user", "service_id"])
    .agg(pl.len().alias("events"), pl.col("client").n_unique().alias("clients"))
    .sort(["service_id", "user"])
    .collect(engine="streaming")
)
counts.write_csv(out)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
seconds = round(time.perf_counter() - t0, 3)
print(hosts.height, matched.height, counts["events"].sum(), seconds, peak)
"""


def _domains(dest: Path) -> None:
    """The bundled catalog's domains, as the pipeline reads them."""
    from shadowscan.catalog import load_catalog
    from shadowscan.match.compile import compile_catalog

    table = compile_catalog(load_catalog()).domains
    dest.write_text("".join(f"{d}\t{s}\n" for d, s in table.iter_rows()), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", type=Path, help="a Squid native access.log")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--variant", choices=("stream", "hold"), action="append")
    ap.add_argument("--work", type=Path, default=HERE / "out", help="where scratch files go")
    args = ap.parse_args()
    path = args.file.resolve()
    size = path.stat().st_size
    args.work.mkdir(parents=True, exist_ok=True)
    domains, out = args.work / "reference_domains.tsv", args.work / "reference_counts.csv"
    _domains(domains)
    warm(path)
    seconds, lines = line_read(path)
    ceiling = size / seconds / 1e6
    print(f"{path.name}: {lines:,} lines, {size / 1e6:,.1f} MB; ceiling {ceiling:,.1f} MB/s")
    results = []
    for variant in args.variant or ["stream", "hold"]:
        for _ in range(args.repeat):
            t = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", _PIPELINE, str(path), str(domains), str(out), variant],
                capture_output=True,
                text=True,
                check=True,
            )
            wall = time.perf_counter() - t
            hosts, matched, events, inner, peak = done.stdout.split()
            speed = size / wall / 1e6
            results.append(
                {"variant": variant, "wall_s": round(wall, 3), "mb_s": round(speed, 1),
                 "peak_mib": int(peak)}
            )  # fmt: skip
            print(
                f"  {variant}: {wall:.2f} s ({inner} s after start-up), {speed:,.1f} MB/s, "
                f"{speed / ceiling:.1%} of the ceiling, peak {int(peak):,} MiB; "
                f"{int(hosts):,} hosts, {int(matched):,} matched, {int(events):,} matched rows"
            )
    print(json.dumps({"file": path.name, "ceiling_mb_s": round(ceiling, 1), "runs": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
