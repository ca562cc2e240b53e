"""``shadowscan signatures``: browse, lint and test the catalog."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from shadowscan.catalog import CATEGORIES, bundled_dir, lint_catalog, load_catalog
from shadowscan.cli.common import EXIT_ERROR, handle_errors, output_format_option, signatures_option
from shadowscan.match.compile import compile_catalog
from shadowscan.match.lookup import match_inputs


@click.group()
def signatures() -> None:
    """Browse, lint and test the AI signature catalog.

    \b
    Example:
      shadowscan signatures match chatgpt.com https://huggingface.co/chat/ fakeopenai.test
    """


@signatures.command("list")
@signatures_option
@click.option("--category", type=click.Choice(CATEGORIES), default=None, help="Only this category.")
@output_format_option("table", "json")
@handle_errors
def list_(signatures: Path | None, category: str | None, output_format: str) -> None:
    """List the services of the catalog (--format json: one JSON object per service).

    \b
    Example:
      shadowscan signatures list --category model-api
    """
    from rich.console import Console
    from rich.table import Table

    catalog = load_catalog(signatures)
    services = [s for s in catalog.services if category is None or s.category == category]
    if output_format == "json":
        for s in services:
            click.echo(json.dumps(s.as_dict()))
        return
    table = Table(title=f"{len(services)} services (catalog {catalog.version})")
    for col in ("id", "name", "vendor", "category", "rules"):
        table.add_column(col)
    for s in services:
        rules = ", ".join([*s.domains, *(str(u) for u in s.urls)][:3])
        table.add_row(s.id, s.name, s.vendor, s.category, rules)
    Console(width=160).print(table)


@signatures.command()
@click.argument("service_id")
@signatures_option
@handle_errors
def show(service_id: str, signatures: Path | None) -> None:
    """Show one service with all its rules and attributes, as JSON.

    \b
    Example:
      shadowscan signatures show chatgpt
    """
    catalog = load_catalog(signatures)
    service = catalog.get(service_id)
    if service is None:
        click.echo(
            f"Error: unknown service '{service_id}' (see: shadowscan signatures list)", err=True
        )
        sys.exit(EXIT_ERROR)
    data = service.as_dict()
    data["defined_at"] = f"{service.file}:{service.line}"
    click.echo(json.dumps(data, indent=2))


@signatures.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@handle_errors
def check(directory: Path | None) -> None:
    """Lint a catalog directory (default: the bundled catalog); exit 1 on any error.

    \b
    Example:
      shadowscan signatures check my-signatures/
    """
    directory = directory or bundled_dir()
    services, issues, version = lint_catalog(directory)
    for issue in issues:
        click.echo(str(issue))
    errors = sum(1 for i in issues if i.severity == "error")
    warnings = len(issues) - errors
    click.echo(
        f"{len(services)} services, {errors} error(s), {warnings} warning(s) (catalog {version})"
    )
    if errors:
        sys.exit(EXIT_ERROR)


@signatures.command()
@click.argument("inputs", nargs=-1, required=True)
@signatures_option
@output_format_option("table", "json")
@handle_errors
def match(inputs: tuple[str, ...], signatures: Path | None, output_format: str) -> None:
    """Show which service each HOST_OR_URL resolves to ('-' reads them from stdin).

    \b
    Example:
      shadowscan signatures match api.openai.com openai.com.attacker.test --format json
      cat hosts.txt | shadowscan signatures match -
    """
    items: list[str] = []
    for item in inputs:
        if item == "-":
            items.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            items.append(item)
    results = match_inputs(items, compile_catalog(load_catalog(signatures)))
    if output_format == "json":
        for r in results:
            click.echo(json.dumps(r))
        return
    for r in results:
        if r["service_id"] is None:
            click.echo(f"{r['input']}\t-")
        else:
            click.echo(f"{r['input']}\t{r['service_id']}\t{r['match_kind']}\t{r['confidence']}")
