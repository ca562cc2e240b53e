"""``shadowscan formats``: the supported log formats and the fields each can carry."""

from __future__ import annotations

import json

import click

from shadowscan.cli.common import output_format_option
from shadowscan.sources import REGISTRY

FIELDS = ("user", "src_ip", "url_path", "bytes_out", "bytes_in", "user_agent", "action")


@click.command()
@output_format_option("table", "json")
def formats(output_format: str) -> None:
    """List the supported log formats and which fields each carries.

    \b
    Example:
      shadowscan formats --format json
    """
    from rich.console import Console
    from rich.table import Table

    rows = [
        {
            "name": name,
            "source": p.source,
            "description": p.description,
            "local_time": p.local_time,
            **{f: f in p.fields for f in FIELDS},
        }
        for name, p in sorted(REGISTRY.items())
    ]
    if output_format == "json":
        for row in rows:
            click.echo(json.dumps(row))
        return
    table = Table(title="shadowscan log formats")
    for col in ("name", "source", *FIELDS, "description"):
        table.add_column(col)
    for row in rows:
        marks = ["yes" if row[f] else "-" for f in FIELDS]
        table.add_row(str(row["name"]), str(row["source"]), *marks, str(row["description"]))
    Console(width=200).print(table)
