"""The command line: a thin adapter over the library (``shadowscan --help``)."""

from __future__ import annotations

import click

from shadowscan import __version__
from shadowscan.cli import _runtime  # noqa: F401  (first: polars is not loaded yet)
from shadowscan.cli.batch import report, run
from shadowscan.cli.common import setup_logging
from shadowscan.cli.formats import formats
from shadowscan.cli.reveal import reveal_command
from shadowscan.cli.scan import scan
from shadowscan.cli.signatures import signatures
from shadowscan.cli.store import findings, ingest, query, service, user


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shadowscan")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More detail on stderr (-vv for debug); tracebacks on errors.",
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def main(verbose: int, quiet: bool) -> None:
    """shadowscan: find the AI services people use, per department, from your own logs.

    \b
    Example:
      shadowscan scan sample_logs/ --out report/
    """
    setup_logging(verbose, quiet)


main.add_command(scan)
main.add_command(signatures)
main.add_command(formats)
main.add_command(reveal_command)
main.add_command(ingest)
main.add_command(findings)
main.add_command(query)
main.add_command(user)
main.add_command(service)
main.add_command(run)
main.add_command(report)
