"""``shadowscan reveal``: authorised re-identification of pseudonyms (needs the key)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from shadowscan.cli.common import EXIT_ERROR, handle_errors, output_format_option

# Library modules are imported inside each command: a command line pays only for the
# modules its own command uses (``scan`` never loads DuckDB or the store).

log = logging.getLogger("shadowscan")


@click.command(name="reveal")
@click.argument("pseudonyms", nargs=-1, required=True)
@click.option(
    "--directory",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The people directory the scan used (CSV or Parquet).",
)
@click.option(
    "--store",
    "store_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="A store: every identity its matches logged is tried too.",
)
@output_format_option("table", "json")
@handle_errors
def reveal_command(
    pseudonyms: tuple[str, ...], directory: Path | None, store_dir: Path | None, output_format: str
) -> None:
    """Say who each PSEUDONYM is (authorised re-identification).

    Recomputes the keyed pseudonym of every identity in --directory and/or every name a
    store's matches logged (--store) with the key in SHADOWSCAN_PSEUDONYM_KEY (the one the
    run used) and prints the matches. Exits 1 when a pseudonym matches nobody (another
    key, or a person in neither source).

    \b
    Example:
      SHADOWSCAN_PSEUDONYM_KEY=... shadowscan reveal p-6664a42048c6d6d7 --store store/
    """
    from rich.console import Console
    from rich.table import Table

    from shadowscan.identity import Directory
    from shadowscan.privacy import load_key, reveal
    from shadowscan.store import Store

    if directory is None and store_dir is None:
        raise click.UsageError("give --directory FILE, --store DIR, or both")
    key = load_key()
    table = reveal(
        list(pseudonyms),
        Directory.load(directory) if directory else None,
        key,
        logged=Store(store_dir).read("matches") if store_dir else None,
    )
    log.info("re-identification of %d pseudonym(s) requested", len(pseudonyms))
    rows = table.to_dicts()
    if output_format == "json":
        for row in rows:
            click.echo(json.dumps(row))
    else:
        out = Table(show_edge=False)
        for col in ("pseudonym", "user", "department", "via"):
            out.add_column(col)
        for row in rows:
            out.add_row(*[row[c] or "-" for c in ("pseudonym", "user", "department", "via")])
        Console(width=120).print(out)
    unknown = [r["pseudonym"] for r in rows if r["user"] is None]
    if unknown:
        click.echo(
            f"Error: {len(unknown)} pseudonym(s) match nobody in "
            f"{' or '.join(str(x) for x in (directory, store_dir) if x)}: "
            f"{', '.join(unknown)} (check SHADOWSCAN_PSEUDONYM_KEY is the scan's key and "
            "--directory the scan's directory)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
