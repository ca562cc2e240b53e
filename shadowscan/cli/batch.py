"""``shadowscan run`` (the nightly job) and ``shadowscan report`` (rewrite a store's reports)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from shadowscan.cli.common import (
    EXIT_FINDINGS,
    handle_errors,
    identity_options,
    signatures_option,
    store_option,
)
from shadowscan.schema import SEVERITIES

# Library modules are imported inside each command: a command line pays only for the
# modules its own command uses (``scan`` never loads DuckDB or the store).

_as_of = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The run's date (default: today, UTC): names the report folder, ends the window.",
)
_pseudonymize = click.option(
    "--pseudonymize",
    is_flag=True,
    help="Keyed pseudonyms for every username (key in SHADOWSCAN_PSEUDONYM_KEY).",
)


@click.command()
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The run's TOML configuration.",
)
@_as_of
@_pseudonymize
@handle_errors
def run(config_path: Path, as_of: datetime | None, pseudonymize: bool) -> None:
    """The nightly job: ingest new files, recompute findings, write a dated report folder.

    Exit 0 ok, 1 error, 3 findings at or above [report] fail_on, 4 another run holds the
    store. One JSON line per run is appended to STORE/runs.jsonl.

    \b
    Example:
      shadowscan run --config /etc/shadowscan/shadowscan.toml
    """
    from shadowscan.batch import load_config, run_nightly
    from shadowscan.privacy import load_key

    outcome = run_nightly(
        load_config(config_path),
        as_of=as_of.date() if as_of else None,
        pseudonym_key=load_key() if pseudonymize else None,
    )
    line = outcome.log_line
    click.echo(
        f"{line['ingested']} file(s) ingested, {line['skipped']} skipped; "
        f"{line['lines']:,} lines, {line['rejects']:,} rejected, {line['matched']:,} matched; "
        f"{line['findings']} finding(s), {line['new_findings']} new; "
        f"report: {outcome.report_dir}"
    )
    if outcome.exit_code:
        sys.exit(outcome.exit_code)


@click.command()
@store_option
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory.",
)
@identity_options
@signatures_option
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only events on or after this day.",
)
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="Exit 3 at or above.")
@_as_of
@_pseudonymize
@handle_errors
def report(
    store_dir: Path,
    out: Path,
    directory: Path | None,
    subnets: Path | None,
    leases: tuple[Path, ...],
    policy: Path | None,
    signatures: Path | None,
    since: datetime | None,
    fail_on: str | None,
    as_of: datetime | None,
    pseudonymize: bool,
) -> None:
    """(Re)write the report set (the scan outputs) from a store.

    Without --directory/--subnets/--leases/--policy the attribution and status stored at
    ingest time are used; with any of them, every match is re-attributed and re-judged.

    \b
    Example:
      shadowscan report --store store/ --out reports/manual/ --policy policy.yaml
    """
    from shadowscan.batch import report_from_store
    from shadowscan.catalog import load_catalog
    from shadowscan.findings import reaches
    from shadowscan.pipeline import build_context
    from shadowscan.privacy import load_key
    from shadowscan.store import Store

    day = as_of.date() if as_of else datetime.now(UTC).date()
    catalog = load_catalog(signatures)
    reenrich = any((directory, subnets, leases, policy))
    ctx = build_context(
        catalog, directory=directory, subnets=subnets, policy=policy, leases=list(leases), as_of=day
    )
    result = report_from_store(
        Store(store_dir),
        out,
        catalog=catalog,
        ctx=ctx,
        reenrich=reenrich,
        as_of=day,
        since=since.date() if since else None,
        pseudonym_key=load_key() if pseudonymize else None,
    )
    click.echo(f"{result.findings.height} finding(s); reports written to {out}")
    if reaches(result.findings, fail_on):
        sys.exit(EXIT_FINDINGS)
