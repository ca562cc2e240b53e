"""The one-shot scan: files -> events -> matches -> identity -> policy -> findings -> outputs.

Each file is read in bounded chunks, several parsed and matched at a time; matched rows
are enriched in batches and appended to ``matches.parquet``, which the report stage reads
back lazily, so memory does not grow with the input or the matched events. Rejects are
streamed to ``rejects.csv``.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import polars as pl

from shadowscan.candidates import load_ignore
from shadowscan.catalog import Catalog, load_catalog
from shadowscan.discover import discover
from shadowscan.errors import InputError
from shadowscan.outputs import (
    Evidence,
    RunFacts,
    ScanResult,
    matches_writer,
    signals_spool,
    spool_signals,
    write_outputs,
)
from shadowscan.pipeline import Context, Coverage, build_context, process_files
from shadowscan.privacy import redact_rejects
from shadowscan.report.files import make_private_dir, open_private
from shadowscan.report.tables import append_csv
from shadowscan.schema import REJECT_SCHEMA
from shadowscan.sources import REGISTRY
from shadowscan.trends import load_baseline

__all__ = ["ScanOptions", "ScanResult", "run_scan"]

log = logging.getLogger("shadowscan")


@dataclass
class ScanOptions:
    """What a scan reads and how (the CLI's options, as values)."""

    paths: list[Path]
    out: Path
    directory: Path | None = None
    subnets: Path | None = None
    policy: Path | None = None
    signatures: Path | None = None
    format: str | None = None
    tz: str = "UTC"
    as_of: date | None = None
    mapping: Path | None = None
    leases: list[Path] = field(default_factory=list)
    baseline: Path | None = None
    candidate_ignore: Path | None = None
    pseudonym_key: bytes | None = None  # set: people pseudonymised (shadowscan.privacy)
    min_cell_users: int | None = None  # set: board findings suppress smaller cells


def run_scan(opts: ScanOptions, *, progress: Callable[[str], None] | None = None) -> ScanResult:
    """Run a whole scan and write every output into ``opts.out``."""
    t0 = time.perf_counter()
    as_of = opts.as_of or datetime.now(UTC).date()
    if opts.format and opts.format not in REGISTRY:
        raise InputError(
            f"unknown format '{opts.format}'",
            hint=f"one of: {', '.join(sorted(REGISTRY))} (see: shadowscan formats)",
        )
    found = discover(opts.paths)
    config: dict[str, Path | None] = {
        "directory": opts.directory or found.config.get("directory"),
        "subnets": opts.subnets or found.config.get("subnets"),
        "policy": opts.policy or found.config.get("policy"),
    }
    lease_paths = opts.leases or ([found.config["leases"]] if "leases" in found.config else [])
    with ThreadPoolExecutor(1, thread_name_prefix="shadowscan-setup") as setup_pool:
        # The catalog, identity sources and policy load while the first chunks are read
        # and parsed (parsing needs none of them; ~0.2 s of a scan). Nothing is written
        # before they are loaded: a configuration error leaves no output folder.
        loading = setup_pool.submit(_setup, opts, config, lease_paths, as_of)
        # Then what only the end of the run needs, loaded while the parse goes on rather
        # than before or after it; nothing waits for this.
        setup_pool.submit(_warm_up)
        t_setup = time.perf_counter()
        evidence, coverage = _parse(opts, found.files, loading.result, progress)
    setup = loading.result()
    log.debug("catalog, identity sources and policy loaded in %.3f s", setup.seconds)
    evidence.coverage = coverage.shares()
    t_parse = time.perf_counter()
    facts = RunFacts(
        as_of=as_of,
        tz=opts.tz,
        bundled_catalog=opts.signatures is None,
        config=config,
        baseline=str(opts.baseline) if opts.baseline else None,
        pseudonym_key=opts.pseudonym_key,
        min_cell_users=opts.min_cell_users,
        candidate_ignore=setup.ignore,
    )
    # Stages of this thread, which add up to the run (the loading overlaps parse_match).
    timings = {"setup": round(t_setup - t0, 3), "parse_match": round(t_parse - t_setup, 3)}
    signals = evidence.signals_spooled
    try:
        return write_outputs(
            opts.out, evidence, catalog=setup.catalog, ctx=setup.ctx, facts=facts,
            previous=setup.previous, timings=timings,
        )  # fmt: skip
    finally:
        if signals is not None:
            signals.remove()  # read by now: a temporary file


@dataclass
class _Setup:
    """What a scan loads before it can match: catalog, context, baseline, ignore list."""

    catalog: Catalog
    ctx: Context
    previous: pl.DataFrame | None
    ignore: tuple[str, ...]
    seconds: float


def _setup(
    opts: ScanOptions, config: dict[str, Path | None], leases: list[Path], as_of: date
) -> _Setup:
    t0 = time.perf_counter()
    catalog = load_catalog(opts.signatures)
    ctx = build_context(catalog, **config, leases=leases, as_of=as_of)
    previous = load_baseline(opts.baseline) if opts.baseline else None
    ignore = ctx.policy.candidate_ignore + (
        load_ignore(opts.candidate_ignore) if opts.candidate_ignore else ()
    )
    return _Setup(catalog, ctx, previous, ignore, time.perf_counter() - t0)


def _warm_up() -> None:
    """Import and compile, beside the parse, what only the end of a run uses: pyarrow and
    its Parquet writer (~75 ms; the first matched batch's write loads them otherwise),
    Jinja and the report's compiled template (~40 ms), rich's tables (~20 ms). None of
    them is imported before the parse starts."""
    for module in ("pyarrow.parquet", "rich.console", "rich.table"):
        importlib.import_module(module)
    from shadowscan.report.html import prepare

    prepare()


def _parse(
    opts: ScanOptions,
    files: Iterable[Path],
    setup: Callable[[], _Setup],
    progress: Callable[[str], None] | None,
) -> tuple[Evidence, Coverage]:
    """Parse and match every file; rejects, matches and signal rows written as they come.

    The output folder and files are made at the first row to write (or at the end), once
    ``setup`` is ready: its errors come first.
    """
    coverage = Coverage()
    # Matched rows go to matches.parquet batch by batch as they are enriched: the run
    # never holds them all (the report stage reads the file back lazily).
    matches = matches_writer(opts.out, opts.pseudonym_key)
    # Candidate signal rows likewise, attributed as they come, to a temporary file the
    # report stage aggregates.
    signals = signals_spool(opts.out)
    evidence = Evidence(written=matches, signals_spooled=signals)
    with ExitStack() as files_open:
        rejects_fh: list[IO[bytes]] = []
        # Rejects are written from this thread, matches and signals from the pipeline's
        # hand-on thread: the first of them makes the folder and files, once.
        first_write = threading.Lock()

        def ready() -> IO[bytes]:
            with first_write:
                if not rejects_fh:
                    setup()  # raises its error, if any, before anything is written
                    make_private_dir(opts.out)
                    fh = files_open.enter_context(open_private(opts.out / "rejects.csv"))
                    append_csv(pl.DataFrame(schema=REJECT_SCHEMA), fh, header=True)
                    rejects_fh.append(fh)
                return rejects_fh[0]

        def write_rejects(rejects: pl.DataFrame) -> None:
            fh = ready()
            if opts.pseudonym_key is not None:
                rejects = redact_rejects(rejects)
            append_csv(rejects, fh, header=False)

        def write_matches(batch: pl.DataFrame) -> None:
            ready()
            matches.write(batch)

        def write_signals(batch: pl.DataFrame) -> None:
            ready()
            spool_signals(signals, setup().ctx, setup().ignore)(batch)

        try:
            for outcome in process_files(
                list(files),
                lambda: setup().ctx,
                coverage,
                on_rejects=write_rejects,
                on_matches=write_matches,
                on_signals=write_signals,
                progress=progress,
                log_format=opts.format,
                tz=opts.tz,
                mapping=opts.mapping,
            ):
                evidence.reports.append(outcome.report)
            ready()
        except BaseException:
            matches.abandon()  # no half-written matches.parquet
            signals.remove()
            raise
    return evidence, coverage
