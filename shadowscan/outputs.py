"""The report set of a run, from enriched matches: findings, candidates, outliers, summary, HTML.

``scan`` (one-shot, from files) and the nightly ``run`` / ``report`` (from a store) both
end here, so their output folders are the same files with the same columns.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from shadowscan import __version__
from shadowscan.candidates import aggregate_candidates, drop_ignored
from shadowscan.catalog import Catalog
from shadowscan.findings import aggregate, summary_facts, upload_outliers
from shadowscan.identity import attribute
from shadowscan.pipeline import COVERAGE_FIELDS, Context, FileReport
from shadowscan.privacy import board_findings
from shadowscan.report.files import write_private_text
from shadowscan.report.matches import MatchesWriter
from shadowscan.report.spool import Spool
from shadowscan.report.tables import write_csv, write_parquet
from shadowscan.schema import CANDIDATE_SCHEMA, FINDING_SCHEMA, conform
from shadowscan.trends import compare, new_services


@dataclass
class Evidence:
    """What the parse stage produced, ready to be aggregated and written.

    Matched rows are either already in ``matches.parquet`` (``written``: a scan appends
    them while it parses) or frames to write there first (``matches``: a store's window).
    """

    matches: Iterable[pl.DataFrame] = field(default_factory=list)
    written: MatchesWriter | None = None
    #: Candidate signal rows, not attributed yet, a batch at a time (a store's window) ...
    signals: Iterable[pl.DataFrame] = field(default_factory=list)
    #: ... or already without ignored hosts, attributed and spooled (a scan does it while
    #: it parses; see :func:`spool_signals`).
    signals_spooled: Spool | None = None
    reports: list[FileReport] = field(default_factory=list)
    coverage: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class RunFacts:
    """How the run was configured, for summary.json."""

    as_of: date
    tz: str = "UTC"
    bundled_catalog: bool = True
    config: dict[str, Path | None] = field(default_factory=dict)
    baseline: str | None = None
    pseudonym_key: bytes | None = None
    min_cell_users: int | None = None
    candidate_ignore: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScanResult:
    """What a run wrote, for the CLI to summarise and decide the exit code on."""

    findings: pl.DataFrame
    candidates: pl.DataFrame
    summary: dict[str, Any]
    out: Path


def write_outputs(
    out: Path,
    evidence: Evidence,
    *,
    catalog: Catalog,
    ctx: Context,
    facts: RunFacts,
    previous: pl.DataFrame | None = None,
    timings: dict[str, float] | None = None,
) -> ScanResult:
    """Aggregate and write findings, matches, candidates, outliers, summary.json, report.html.

    ``rejects.csv`` is the caller's: a scan streams it while parsing. ``timings`` (the
    caller's stages, in seconds) gains this stage and the total.
    """
    t0 = time.perf_counter()
    # matches.parquet first, pseudonymised as it is written (so no later output can name
    # anyone), in provenance order: input files as given, then line order. Everything
    # after reads it back lazily, with streaming queries.
    writer = evidence.written or matches_writer(out, facts.pseudonym_key)
    try:
        for frame in evidence.matches:
            writer.write(frame)
        matched = writer.finish()
    except BaseException:
        writer.abandon()  # no half-written matches.parquet
        raise
    pol = ctx.policy
    outliers = upload_outliers(matched, pol.behaviour)

    def findings_of(m: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        f = aggregate(m, catalog, pol.weights, behaviour=pol.behaviour, outliers=outliers)
        return conform(compare(f, previous), FINDING_SCHEMA)

    findings, privacy = board_findings(
        findings_of(matched),
        matched,
        findings_of,
        pseudonymized=facts.pseudonym_key is not None,
        min_cell_users=facts.min_cell_users,
    )
    if evidence.signals_spooled is not None:
        candidates = _aggregated(evidence.signals_spooled)
    else:
        spool = signals_spool(out)
        try:
            sink = spool_signals(spool, ctx, facts.candidate_ignore)
            for batch in evidence.signals:
                sink(batch)
            candidates = _aggregated(spool)
        finally:
            spool.remove()
    summary = _summary(facts, catalog, ctx, evidence, matched, findings, candidates)
    write_csv(findings, out / "findings.csv")
    write_parquet(findings, out / "findings.parquet")
    write_csv(candidates, out / "candidates.csv")
    write_csv(outliers, out / "outliers.csv")
    summary.update(
        summary_facts(
            summary["attribution"],  # matched rows per route: matches.parquet read once
            findings,
            outliers,
            leases=ctx.leases.files if ctx.leases else (),
            lease_records=ctx.leases.records.height if ctx.leases else 0,
            baseline=facts.baseline,
            new_services=new_services(findings, previous),
        )
    )
    summary.update(facts.extra)
    if timings is not None:
        timings["aggregate_write"] = round(time.perf_counter() - t0, 3)
        timings["total"] = round(sum(timings.values()), 3)
        summary["timings_s"] = timings
    summary["privacy"] = privacy
    from shadowscan.report.html import daily_usage, write_report  # jinja2: at the end only

    write_report(out / "report.html", findings, candidates, summary, daily=daily_usage(matched))
    write_private_text(
        out / "summary.json", json.dumps(summary, indent=2, sort_keys=False, default=str) + "\n"
    )
    return ScanResult(findings=findings, candidates=candidates, summary=summary, out=out)


def matches_writer(out: Path, pseudonym_key: bytes | None) -> MatchesWriter:
    """The writer of ``out``'s ``matches.parquet``."""
    return MatchesWriter(out / "matches.parquet", pseudonym_key=pseudonym_key)


def signals_spool(out: Path) -> Spool:
    """The temporary file in ``out`` that candidate signal rows wait in for the report
    (the caller removes it after)."""
    return Spool(out / ".candidate-signals.parquet")


def spool_signals(
    spool: Spool, ctx: Context, ignore: tuple[str, ...]
) -> Callable[[pl.DataFrame], None]:
    """A sink for candidate signal rows: each batch without ignored hosts, attributed
    (department, person, like matches), appended to ``spool``; no stage holds them all."""

    def sink(batch: pl.DataFrame) -> None:
        kept = drop_ignored(batch, ignore)
        if kept.height:
            spool.write(attribute(kept, ctx.directory, ctx.subnets, ctx.leases))

    return sink


def _aggregated(spool: Spool) -> pl.DataFrame:
    """Candidates from the spooled signal rows, with streaming queries."""
    if not spool.close():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    return aggregate_candidates(spool.scan())


def _summary(
    facts: RunFacts,
    catalog: Catalog,
    ctx: Context,
    evidence: Evidence,
    matches: pl.LazyFrame,
    findings: pl.DataFrame,
    candidates: pl.DataFrame,
) -> dict[str, Any]:
    reports = evidence.reports

    def total(name: str) -> int:
        return sum(int(getattr(r, name)) for r in reports)

    routes = (
        matches.group_by("department_source")
        .agg(pl.len())
        .sort("department_source")
        .collect(engine="streaming")
    )
    attribution = {str(k): int(v) for k, v in routes.iter_rows()}
    iso = "%Y-%m-%dT%H:%M:%SZ"
    period = (
        matches.select(
            pl.col("ts").min().dt.strftime(iso).alias("first"),
            pl.col("ts").max().dt.strftime(iso).alias("last"),
        )
        .collect(engine="streaming")
        .row(0, named=True)
    )
    return {
        "shadowscan_version": __version__,
        "as_of": facts.as_of.isoformat(),
        "tz": facts.tz,
        "catalog": {
            "version": catalog.version,
            "services": len(catalog),
            "bundled": facts.bundled_catalog,
        },
        "config": {k: (str(v) if v else None) for k, v in facts.config.items()},
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
        "coverage": evidence.coverage,
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
