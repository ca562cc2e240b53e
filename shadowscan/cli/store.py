"""Store commands: ``ingest``, and the analyst's ``findings``, ``query``, ``user``, ``service``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import polars as pl

from shadowscan.cli.common import (
    check_format,
    emit,
    format_options,
    handle_errors,
    identity_options,
    output_format_option,
    signatures_option,
    store_option,
    tz_option,
)
from shadowscan.schema import SEVERITIES, STATUSES

# Library modules are imported inside each command: a command line pays only for the
# modules its own command uses (``scan`` never loads DuckDB or the store).


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@identity_options
@signatures_option
@format_options
@tz_option
@handle_errors
def ingest(
    paths: tuple[Path, ...],
    store_dir: Path,
    directory: Path | None,
    subnets: Path | None,
    leases: tuple[Path, ...],
    policy: Path | None,
    signatures: Path | None,
    log_format: str | None,
    mapping: Path | None,
    tz: str,
) -> None:
    """Parse log files and append their events to a store; files already ingested are skipped.

    A file is recognised by its full content: a renamed or re-delivered copy is skipped, a
    file that grew is ingested from where the last ingest stopped, and a file still being
    written is read up to its last complete line.

    \b
    Example:
      shadowscan ingest /var/log/squid/ --store /srv/shadowscan/store
    """
    from shadowscan.catalog import load_catalog
    from shadowscan.discover import discover
    from shadowscan.pipeline import build_context
    from shadowscan.store import Store
    from shadowscan.views import write_database

    check_format(log_format, mapping)
    found = discover(list(paths))
    catalog = load_catalog(signatures)
    ctx = build_context(
        catalog,
        directory=directory or found.config.get("directory"),
        subnets=subnets or found.config.get("subnets"),
        policy=policy or found.config.get("policy"),
        leases=list(leases) or ([found.config["leases"]] if "leases" in found.config else []),
        as_of=datetime.now(UTC).date(),
    )
    store = Store(store_dir, create=True)
    with store.lock():
        results = store.ingest(found.files, ctx, log_format=log_format, tz=tz, mapping=mapping)
        write_database(store)
    for r in results:
        if r.report is not None and r.action != "skipped":
            rep = r.report
            click.echo(
                f"{r.action}: {r.path} ({rep.format}): {rep.lines_read} lines, "
                f"{rep.events} events, {rep.rejected} rejected, {rep.skipped} skipped, "
                f"{rep.matched} matched"
            )
        else:
            click.echo(f"skipped: {r.path}: {r.reason}")


@click.command()
@store_option
@signatures_option
@click.option("--department", multiple=True, help="Only these departments (repeatable).")
@click.option("--service", multiple=True, help="Only these service ids (repeatable).")
@click.option("--category", multiple=True, help="Only these categories (repeatable).")
@click.option("--status", type=click.Choice(STATUSES), multiple=True, help="Only these statuses.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only events on or after this day (UTC).",
)
@click.option(
    "--min-severity", type=click.Choice(SEVERITIES), default=None, help="Only findings at or above."
)
@output_format_option("table", "csv", "json", "ndjson")
@handle_errors
def findings(
    store_dir: Path,
    signatures: Path | None,
    department: tuple[str, ...],
    service: tuple[str, ...],
    category: tuple[str, ...],
    status: tuple[str, ...],
    since: datetime | None,
    min_severity: str | None,
    output_format: str,
) -> None:
    """Findings (one row per department and service) from a store, filtered.

    \b
    Example:
      shadowscan findings --store store/ --status unsanctioned --min-severity high --format csv
    """
    from shadowscan.analyst import TABLE_COLUMNS, filter_findings
    from shadowscan.catalog import load_catalog
    from shadowscan.store import Store

    store = Store(store_dir)
    frame = filter_findings(
        store.read("matches"),
        load_catalog(signatures),
        departments=department,
        services=service,
        categories=category,
        statuses=status,
        since=since.date() if since else None,
        min_severity=min_severity,
    )
    if output_format == "table":
        frame = frame.select(TABLE_COLUMNS)
    emit(frame, output_format, title="findings")


@click.command()
@click.argument("sql")
@store_option
@signatures_option
@output_format_option("table", "csv", "json", "ndjson")
@handle_errors
def query(sql: str, store_dir: Path, signatures: Path | None, output_format: str) -> None:
    """Run one read-only SQL query over the store's views.

    Views: events, matches, rejects, signals, findings, users. Writes, COPY, ATTACH,
    INSTALL/LOAD and file-reading functions are refused.

    \b
    Example:
      shadowscan query --store store/ "select department, count(*) from matches group by 1"
    """
    from shadowscan.catalog import load_catalog
    from shadowscan.store import Store
    from shadowscan.views import connect, run_query

    store = Store(store_dir)
    emit(run_query(connect(store, load_catalog(signatures)), sql), output_format)


@click.command()
@click.argument("name")
@store_option
@output_format_option("table", "json")
@click.option("--evidence", default=20, show_default=True, help="How many evidence lines to show.")
@handle_errors
def user(name: str, store_dir: Path, output_format: str, evidence: int) -> None:
    """Drill down on one person: services, timeline, bytes, evidence lines.

    NAME is matched like log identities: CORP\\alice, alice@corp.example and alice are one.

    \b
    Example:
      shadowscan user alice --store store/
    """
    from shadowscan.analyst import user_detail
    from shadowscan.store import Store

    detail = user_detail(Store(store_dir).read("matches"), name, evidence=evidence)
    _emit_detail(detail, output_format)


@click.command()
@click.argument("service_id")
@store_option
@output_format_option("table", "json")
@click.option("--evidence", default=20, show_default=True, help="How many evidence lines to show.")
@handle_errors
def service(service_id: str, store_dir: Path, output_format: str, evidence: int) -> None:
    """Drill down on one service: departments, users, timeline, bytes, evidence lines.

    \b
    Example:
      shadowscan service chatgpt --store store/
    """
    from shadowscan.analyst import service_detail
    from shadowscan.store import Store

    detail = service_detail(Store(store_dir).read("matches"), service_id, evidence=evidence)
    _emit_detail(detail, output_format)


def _emit_detail(detail: dict[str, pl.DataFrame], output_format: str) -> None:
    if output_format == "json":
        import json

        click.echo(json.dumps({k: v.to_dicts() for k, v in detail.items()}, indent=2, default=str))
        return
    for title, frame in detail.items():
        emit(frame, "table", title=title)
