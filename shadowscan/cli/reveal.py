"""``shadowscan reveal``: authorised re-identification of pseudonyms (needs the key)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from shadowscan.cli.common import EXIT_ERROR, handle_errors, output_format_option
from shadowscan.identity import Directory
from shadowscan.privacy import load_key, reveal

log = logging.getLogger("shadowscan")


@click.command(name="reveal")
@click.argument("pseudonyms", nargs=-1, required=True)
@click.option(
    "--directory",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The people directory the scan used (CSV or Parquet).",
)
@output_format_option("table", "json")
@handle_errors
def reveal_command(pseudonyms: tuple[str, ...], directory: Path, output_format: str) -> None:
    """Say who each PSEUDONYM is (authorised re-identification).

    Recomputes the keyed pseudonym of every identity in --directory with the key in
    SHADOWSCAN_PSEUDONYM_KEY (the one the scan used) and prints the matches. Exits 1 when
    a pseudonym matches nobody (another key, or a person missing from the directory).

    \b
    Example:
      SHADOWSCAN_PSEUDONYM_KEY=... shadowscan reveal p-6664a42048c6d6d7 --directory users.csv
    """
    key = load_key()
    table = reveal(list(pseudonyms), Directory.load(directory), key)
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
            f"Error: {len(unknown)} pseudonym(s) match nobody in {directory}: "
            f"{', '.join(unknown)} (check SHADOWSCAN_PSEUDONYM_KEY is the scan's key and "
            "--directory the scan's directory)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
