"""The one-shot scan: files -> events -> matches -> identity -> policy -> findings -> outputs.

Each file is read in bounded chunks; each chunk is parsed, matched and enriched at once,
so memory grows with the matched events (a few per cent of traffic), not with the input.
Rejects are streamed to ``rejects.csv`` as they are found.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shadowscan import __version__
from shadowscan.candidates import aggregate_candidates, drop_ignored, load_ignore
from shadowscan.catalog import Catalog, load_catalog
from shadowscan.discover import discover
from shadowscan.errors import InputError
from shadowscan.findings import aggregate, summary_facts, upload_outliers
from shadowscan.identity import Directory, Subnets, attribute
from shadowscan.leases import Leases
from shadowscan.match.compile import compile_catalog
from shadowscan.pipeline import COVERAGE_FIELDS, Context, Coverage, FileReport, process_file
from shadowscan.policy import Policy
from shadowscan.privacy import board_findings, pseudonymise_people, redact_rejects
from shadowscan.report.files import make_private_dir, open_private, write_private_text
from shadowscan.report.html import daily_usage, write_report
from shadowscan.report.tables import append_csv, write_csv, write_parquet
from shadowscan.schema import (
    CANDIDATE_SCHEMA,
    FINDING_SCHEMA,
    MATCH_SCHEMA,
    REJECT_SCHEMA,
    conform,
)
from shadowscan.sources import REGISTRY
from shadowscan.trends import compare, load_baseline, new_services

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


@dataclass
class ScanResult:
    """What a scan produced, for the CLI to summarise and decide the exit code on."""

    findings: pl.DataFrame
    candidates: pl.DataFrame
    summary: dict[str, Any]
    out: Path


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
    directory_path = opts.directory or found.config.get("directory")
    subnets_path = opts.subnets or found.config.get("subnets")
    policy_path = opts.policy or found.config.get("policy")
    lease_paths = opts.leases or ([found.config["leases"]] if "leases" in found.config else [])
    catalog = load_catalog(opts.signatures)
    ctx = Context(
        cc=compile_catalog(catalog),
        directory=Directory.load(directory_path) if directory_path else None,
        subnets=Subnets.load(subnets_path) if subnets_path else None,
        policy=Policy.load(policy_path, catalog, as_of=as_of) if policy_path else Policy(),
        leases=Leases.load(lease_paths) if lease_paths else None,
    )
    previous = load_baseline(opts.baseline) if opts.baseline else None
    ignore = ctx.policy.candidate_ignore + (
        load_ignore(opts.candidate_ignore) if opts.candidate_ignore else ()
    )
    make_private_dir(opts.out)
    t_setup = time.perf_counter()
    coverage = Coverage()
    reports: list[FileReport] = []
    all_matches: list[pl.DataFrame] = []
    all_signals: list[pl.DataFrame] = []
    with open_private(opts.out / "rejects.csv") as rejects_fh:
        append_csv(pl.DataFrame(schema=REJECT_SCHEMA), rejects_fh, header=True)

        def write_rejects(rejects: pl.DataFrame) -> None:
            if opts.pseudonym_key is not None:
                rejects = redact_rejects(rejects)
            append_csv(rejects, rejects_fh, header=False)

        for path in found.files:
            if progress:
                progress(str(path))
            outcome = process_file(
                path,
                ctx,
                coverage,
                on_rejects=write_rejects,
                log_format=opts.format,
                tz=opts.tz,
                mapping=opts.mapping,
            )
            reports.append(outcome.report)
            all_matches.extend(outcome.matches)
            all_signals.extend(outcome.signals)
    t_parse = time.perf_counter()

    matched = (
        conform(pl.concat(all_matches), MATCH_SCHEMA)
        if all_matches
        else pl.DataFrame(schema=MATCH_SCHEMA)
    ).sort(["ts", "source_file", "source_line"])
    if opts.pseudonym_key is not None:  # first, so no later output can name anyone
        matched = pseudonymise_people(matched, opts.pseudonym_key).with_columns(
            pl.lit(None, dtype=pl.String).alias("lease_user")  # a real name: not kept
        )
    pol = ctx.policy
    outliers = upload_outliers(matched, pol.behaviour)

    def findings_of(m: pl.DataFrame) -> pl.DataFrame:
        f = aggregate(m, catalog, pol.weights, behaviour=pol.behaviour, outliers=outliers)
        return conform(compare(f, previous), FINDING_SCHEMA)

    findings = findings_of(matched)
    findings, privacy = board_findings(
        findings,
        matched,
        findings_of,
        pseudonymized=opts.pseudonym_key is not None,
        min_cell_users=opts.min_cell_users,
    )
    candidates = (
        aggregate_candidates(_attributed(drop_ignored(pl.concat(all_signals), ignore), ctx))
        if all_signals
        else pl.DataFrame(schema=CANDIDATE_SCHEMA)
    )
    t_agg = time.perf_counter()

    summary = _summary(
        opts,
        catalog,
        ctx,
        reports,
        matched,
        findings,
        candidates,
        coverage,
        as_of,
        {"directory": directory_path, "subnets": subnets_path, "policy": policy_path},
    )
    write_csv(findings, opts.out / "findings.csv")
    write_parquet(findings, opts.out / "findings.parquet")
    write_parquet(matched, opts.out / "matches.parquet")
    write_csv(candidates, opts.out / "candidates.csv")
    write_csv(outliers, opts.out / "outliers.csv")
    summary.update(
        summary_facts(
            matched,
            findings,
            outliers,
            leases=ctx.leases.files if ctx.leases else (),
            lease_records=ctx.leases.records.height if ctx.leases else 0,
            baseline=str(opts.baseline) if opts.baseline else None,
            new_services=new_services(findings, previous),
        )
    )
    t_end = time.perf_counter()
    summary["timings_s"] = {
        "setup": round(t_setup - t0, 3),
        "parse_match": round(t_parse - t_setup, 3),
        "aggregate": round(t_agg - t_parse, 3),
        "write": round(t_end - t_agg, 3),
        "total": round(t_end - t0, 3),
    }
    summary["privacy"] = privacy
    daily = daily_usage(matched)
    write_report(opts.out / "report.html", findings, candidates, summary, daily=daily)
    write_private_text(
        opts.out / "summary.json",
        json.dumps(summary, indent=2, sort_keys=False, default=str) + "\n",
    )
    return ScanResult(findings=findings, candidates=candidates, summary=summary, out=opts.out)


def _attributed(signals: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Candidate signal rows with department and person, like matches."""
    if signals.is_empty():
        return signals
    return attribute(signals, ctx.directory, ctx.subnets, ctx.leases)


def _summary(
    opts: ScanOptions,
    catalog: Catalog,
    ctx: Context,
    reports: list[FileReport],
    matches: pl.DataFrame,
    findings: pl.DataFrame,
    candidates: pl.DataFrame,
    coverage: Coverage,
    as_of: date,
    config: dict[str, Path | None],
) -> dict[str, Any]:
    def total(name: str) -> int:
        return sum(int(getattr(r, name)) for r in reports)

    routes = matches["department_source"].value_counts()
    attribution = {str(k): int(v) for k, v in routes.iter_rows()}
    iso = "%Y-%m-%dT%H:%M:%SZ"
    period = matches.select(
        pl.col("ts").min().dt.strftime(iso).alias("first"),
        pl.col("ts").max().dt.strftime(iso).alias("last"),
    ).row(0, named=True)
    return {
        "shadowscan_version": __version__,
        "as_of": as_of.isoformat(),
        "tz": opts.tz,
        "catalog": {
            "version": catalog.version,
            "services": len(catalog),
            "bundled": opts.signatures is None,
        },
        "config": {k: (str(v) if v else None) for k, v in config.items()},
        "inputs": [r.__dict__ for r in reports],
        "lines_read": total("lines_read"),
        "events": total("events"),
        "rejected": total("rejected"),
        "skipped": total("skipped"),
        "matched": total("matched"),
        "unknown_files": sum(1 for r in reports if r.format == "unknown"),
        "findings": findings.height,
        "candidates": candidates.height,
        "period": period,
        "attribution": attribution,
        "coverage_fields": list(COVERAGE_FIELDS),
        "coverage": coverage.shares(),
        "policy": {
            "path": ctx.policy.path,
            "rules": len(ctx.policy.rules),
            "expired": [r.as_dict() for r in ctx.policy.expired],
        },
        "severity_counts": {
            str(k): int(v)
            for k, v in findings["severity"].value_counts().sort("severity").iter_rows()
        },
    }
