"""What every command shares: error handling, logging, shared options."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import polars as pl

from shadowscan.errors import ShadowscanError, StoreLocked
from shadowscan.report.tables import safe_for_spreadsheet

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_FINDINGS = 3
#: Another run holds the store (distinct from errors, so a scheduler can retry later).
EXIT_LOCKED = 4


def setup_logging(verbose: int, quiet: bool) -> None:
    """Warnings to stderr by default; ``-v`` info, ``-vv`` debug; ``-q`` errors only."""
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    logging.basicConfig(
        level=level, format="shadowscan: %(levelname)s: %(message)s", stream=sys.stderr, force=True
    )


def handle_errors(func: F) -> F:
    """Turn library errors into one line on stderr and exit 1 (a traceback only with -v)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ShadowscanError as exc:
            ctx = click.get_current_context(silent=True)
            if ctx is not None and (ctx.find_root().params.get("verbose") or 0) > 0:
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_LOCKED if isinstance(exc, StoreLocked) else EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


def signatures_option(func: F) -> F:
    """``--signatures DIR``: a catalog directory instead of the bundled one."""
    return click.option(
        "--signatures",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Signature catalog directory (default: the bundled catalog).",
    )(func)


def output_format_option(*choices: str, default: str = "table") -> Callable[[F], F]:
    """``--format`` for commands that print tables."""

    def deco(func: F) -> F:
        return click.option(
            "--format",
            "output_format",
            type=click.Choice(list(choices)),
            default=default,
            show_default=True,
            help="Output format.",
        )(func)

    return deco


def emit(df: pl.DataFrame, output_format: str, *, title: str | None = None) -> None:
    """Print a frame as a rich table, spreadsheet-safe CSV, a JSON array or JSON lines."""
    from rich.console import Console
    from rich.table import Table

    if output_format == "csv":
        click.echo(safe_for_spreadsheet(df).write_csv(), nl=False)
        return
    if output_format in ("json", "ndjson"):
        rows = [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            for row in df.iter_rows(named=True)
        ]
        if output_format == "json":
            click.echo(json.dumps(rows, indent=2))
        else:
            for row in rows:
                click.echo(json.dumps(row))
        return
    table = Table(title=title, show_edge=False)
    for col in df.columns:
        table.add_column(col)
    for values in df.iter_rows():
        table.add_row(*["" if v is None else str(v) for v in values])
    Console(width=200).print(table)


def identity_options(func: F) -> F:
    """``--directory``, ``--subnets``, ``--leases`` (repeatable) and ``--policy``."""
    options = [
        click.option(
            "--directory",
            type=click.Path(path_type=Path, dir_okay=False),
            help="People directory, CSV or Parquet (user, department, email, aliases...).",
        ),
        click.option(
            "--subnets",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Subnets CSV (cidr, department, site).",
        ),
        click.option(
            "--leases",
            "leases",
            multiple=True,
            type=click.Path(path_type=Path, dir_okay=False),
            help="DHCP leases (ISC dhcpd.leases or CSV ip,user_or_mac,start,end) or a VPN "
            "session CSV (user,ip,start,end); repeatable. Default: leases.csv beside the logs.",
        ),
        click.option(
            "--policy",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Sanction policy YAML.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _check_tz(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone '{value}' (e.g. UTC, Europe/Paris)") from None
    return value


def tz_option(func: F) -> F:
    """``--tz ZONE`` for formats that log local time; unknown zones are usage errors."""
    return click.option(
        "--tz",
        default="UTC",
        show_default=True,
        callback=_check_tz,
        help="Time zone of formats that log local time.",
    )(func)


#: ``--store DIR`` (required) for every command that reads or writes a store.
store_option = click.option(
    "--store",
    "store_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Store directory.",
)


def format_options(func: F) -> F:
    """``--format NAME`` (skip auto-detection) and ``--mapping FILE`` (for ``custom``)."""
    from shadowscan.sources import REGISTRY

    func = click.option(
        "--mapping",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        default=None,
        help="Mapping file (YAML or TOML) for --format custom: columns -> event fields.",
    )(func)
    return click.option(
        "--format",
        "log_format",
        type=click.Choice(sorted(REGISTRY)),
        default=None,
        help="Force a log format (skip auto-detection).",
    )(func)


def check_format(log_format: str | None, mapping: Path | None) -> None:
    """``custom`` needs a mapping and a mapping needs ``custom``; a bad mapping fails here,
    before any log is read."""
    from shadowscan.sources.custom import load_mapping

    if log_format == "custom" and mapping is None:
        raise click.UsageError("--format custom needs --mapping FILE")
    if mapping is not None and log_format != "custom":
        raise click.UsageError("--mapping applies only with --format custom")
    if mapping is not None:
        load_mapping(mapping)
