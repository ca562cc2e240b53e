"""``shadowscan scan``: the one-shot main job."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click

from shadowscan.cli.common import (
    EXIT_FINDINGS,
    check_format,
    format_options,
    handle_errors,
    identity_options,
    signatures_option,
    tz_option,
)
from shadowscan.schema import SEVERITIES

# Library modules are imported inside each command: a command line pays only for the
# modules its own command uses (``scan`` never loads DuckDB or the store).


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory (created).",
)
@identity_options
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, file_okay=False),
    help="A previous scan's --out folder: marks new findings and week-over-week change.",
)
@click.option(
    "--candidate-ignore",
    "candidate_ignore",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Reviewed hosts (one per line) left out of candidates.csv.",
)
@signatures_option
@format_options
@tz_option
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date policy expiry is judged on (default: today, UTC).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 3 when a finding is at or above this severity.",
)
@click.option(
    "--pseudonymize",
    is_flag=True,
    help="Replace every username in every output with a keyed pseudonym "
    "(key: env SHADOWSCAN_PSEUDONYM_KEY, 32+ characters; see shadowscan reveal).",
)
@click.option(
    "--min-cell-users",
    "min_cell_users",
    type=click.IntRange(min=0),
    default=None,
    metavar="K",
    help="Board findings: merge department cells with fewer than K users into 'Other' "
    "(5 is a common choice; off by default, matches.parquet is never suppressed).",
)
@handle_errors
def scan(
    paths: tuple[Path, ...],
    out: Path,
    directory: Path | None,
    subnets: Path | None,
    policy: Path | None,
    leases: tuple[Path, ...],
    baseline: Path | None,
    candidate_ignore: Path | None,
    signatures: Path | None,
    log_format: str | None,
    mapping: Path | None,
    tz: str,
    as_of: object,
    fail_on: str | None,
    pseudonymize: bool,
    min_cell_users: int | None,
) -> None:
    """Parse logs under PATHS, match AI services, and write every report to --out.

    PATHS are files or directories (searched recursively; .gz, .bz2, .zst read by their
    magic bytes). users.csv, subnets.csv and policy.yaml at the top of a scanned directory
    are used unless --directory, --subnets or --policy say otherwise.

    \b
    Example:
      shadowscan scan sample_logs/ --out report/
      shadowscan scan /var/log/squid/access.log.1.gz --policy policy.yaml --out out/ --fail-on high
    """
    from shadowscan.findings import reaches
    from shadowscan.privacy import load_key
    from shadowscan.scan import ScanOptions, run_scan

    check_format(log_format, mapping)
    day: date | None = as_of.date() if isinstance(as_of, datetime) else None
    opts = ScanOptions(
        paths=list(paths),
        out=out,
        directory=directory,
        subnets=subnets,
        policy=policy,
        leases=list(leases),
        baseline=baseline,
        candidate_ignore=candidate_ignore,
        signatures=signatures,
        format=log_format,
        mapping=mapping,
        tz=tz,
        as_of=day,
        pseudonym_key=load_key() if pseudonymize else None,
        min_cell_users=min_cell_users,
    )
    # rich (~20 ms to import) only where it prints: a scan imports it beside the parse.
    if sys.stderr.isatty():
        from rich.console import Console

        with Console(stderr=True).status("scanning") as status:
            result = run_scan(opts, progress=lambda p: status.update(f"scanning {p}"))
    else:
        result = run_scan(opts)
    s = result.summary
    f = result.findings
    click.echo(
        f"{s['lines_read']:,} lines from {len(s['inputs'])} file(s): {s['events']:,} events, "
        f"{s['rejected']:,} rejected, {s['skipped']:,} skipped, {s['matched']:,} matched"
    )
    counts = ", ".join(f"{n} {k}" for k, n in s["severity_counts"].items()) or "none"
    click.echo(f"{f.height} finding(s) ({counts}); {s['candidates']} candidate host(s) for review")
    if f.height:
        from rich.console import Console
        from rich.table import Table

        table = Table(show_edge=False)
        for col in ("department", "service", "status", "severity", "risk", "users", "events"):
            table.add_column(col)
        for row in f.head(10).iter_rows(named=True):
            table.add_row(
                row["department"],
                row["service_id"],
                row["status"],
                row["severity"],
                str(row["risk_score"]),
                str(row["users"]),
                str(row["events"]),
            )
        Console(width=120).print(table)
    click.echo(f"reports written to {result.out}")
    if reaches(f, fail_on):
        sys.exit(EXIT_FINDINGS)
